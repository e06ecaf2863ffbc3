"""Journey steps 11-12 and 16: an immune-related colitis that holds toripalimab until the investigator
confirms it (PROTOCOL §3 irAE table), and the toxicity dashboard's counts."""

import re

from playwright.sync_api import expect

from .helpers import Journey, flash, main_nav, participant_nav, worklist_line

COLITIS_HOLD = "interrupt — diarrhoea / colitis grade 2"
NEXT_TORIPALIMAB = "dose-toripalimab-consolidation-1-1"  # consolidation cycle 1, day 1


def coordinator_records_an_immune_related_colitis(journey: Journey) -> None:
    """Colitis grade 2 from day 50, immune-related: saving it holds the next toripalimab dose at once,
    awaiting the investigator."""
    page = journey.page
    participant_nav(page, "Adverse events").click()
    page.get_by_role("link", name="Record an adverse event").click()
    expect(page.get_by_role("heading", name="Record an adverse event")).to_be_visible()

    search = page.locator("input[role=combobox]").and_(page.get_by_role("combobox", name="CTCAE term"))
    search.fill("colitis")
    option = page.get_by_role("option").filter(has_text=re.compile(r"^Colitis"))
    expect(option).to_be_visible()
    option.click()
    expect(search).to_have_value("Colitis")
    page.get_by_label("Grade 2 (moderate)").check()
    page.get_by_label("Grade now").select_option("2")
    page.get_by_label("Onset").fill(journey.day(50).isoformat())
    page.get_by_label("Description (verbatim)").fill("Diarrhoea 5-6 times a day with abdominal cramps")
    page.locator('input[name="immune_related"][value="yes"]').check()
    expect(page.get_by_label("irAE category")).to_have_value("colitis")  # pre-selected from the term
    for agent, attribution in (("Toripalimab", "probable"), ("Cisplatin", "unlikely"), ("Paclitaxel", "unrelated"),
                               ("Radiotherapy", "possible")):  # fmt: skip
        page.get_by_label(f"Attribution to {agent}").select_option(attribution)
    page.get_by_label("Action taken with Toripalimab").select_option("interrupted")
    journey.shot("adverse-event")
    page.get_by_role("button", name="Save adverse event").click()
    flash(page, "Adverse event 2 recorded.")
    expect(page.get_by_test_id("irae")).to_contain_text("Yes")
    expect(page.get_by_test_id("ae-dose-decisions")).to_contain_text(COLITIS_HOLD)

    participant_nav(page, "Treatment calendar").click()
    held = page.get_by_test_id(NEXT_TORIPALIMAB)
    expect(held.locator(".state-badge")).to_have_text("Awaiting investigator")
    expect(held.get_by_test_id("irae-hold")).to_contain_text(COLITIS_HOLD)


def investigator_holds_toripalimab_for_the_colitis(journey: Journey) -> None:
    """From her worklist the investigator confirms the protocol's interruption: the calendar shows the dose held."""
    page = journey.page
    journey.as_user(journey.investigator)
    line = worklist_line(page, "investigator", "irae_decisions", journey.study_number)
    expect(line).to_contain_text("Decision pending")
    line.get_by_role("link", name=f"Toripalimab: {COLITIS_HOLD}").click()
    expect(page.get_by_test_id("recommendation")).to_contain_text("irae.colitis.g2")
    expect(page.get_by_test_id("grade")).to_contain_text("Grade 2")
    journey.shot("irae-decision")
    expect(page.get_by_label("Confirm the protocol's action")).to_be_checked()
    page.get_by_role("button", name="Record decision").click()
    flash(page, f"Decision recorded: {COLITIS_HOLD}.")

    expect(page.get_by_role("heading", name="Treatment calendar", exact=True)).to_be_visible()
    held = page.get_by_test_id(NEXT_TORIPALIMAB)
    expect(held.locator(".state-badge")).to_have_text("Held")
    expect(held.get_by_test_id("irae-hold")).to_contain_text(COLITIS_HOLD)
    expect(page.get_by_test_id("toripalimab-state")).to_contain_text("Held until the irAE is back to grade 0-1.")
    journey.shot("treatment-calendar")


def investigator_reads_the_toxicity_dashboard(journey: Journey) -> None:
    """One treated participant: neutropenia grade 4 (1 of 1 at grade >= 3), colitis grade 2, and the hold."""
    page = journey.page
    main_nav(page, "Safety").click()
    expect(page.get_by_role("heading", name="Toxicity dashboard")).to_be_visible()
    expect(page.get_by_test_id("safety-population")).to_contain_text("N = 1")
    neutropenia = page.get_by_test_id("safety-table-term-neutrophil-count-decreased")
    expect(neutropenia.locator('[data-col="any"]')).to_have_text("1 (100.0 %)")
    expect(neutropenia.locator('[data-col="g3"]')).to_have_text("1 (100.0 %)")
    colitis = page.get_by_test_id("safety-table-term-colitis")
    expect(colitis.locator('[data-col="any"]')).to_have_text("1 (100.0 %)")
    expect(colitis.locator('[data-col="g3"]')).to_have_text("0 (0.0 %)")
    hold = (
        page.get_by_test_id("hold-list")
        .get_by_role("row")
        .filter(has_text=journey.study_number)
        .filter(has_text="Toripalimab")
    )
    expect(hold.get_by_test_id("hold-action")).to_have_text(COLITIS_HOLD)
    expect(page.get_by_test_id("signoff-list")).to_contain_text("Colitis")
    for chart in ("chart-soc-grade", "chart-irae-onset"):
        expect(page.get_by_test_id(chart)).to_have_attribute("data-rendered", "true")
    journey.shot("toxicity-dashboard")
