"""The issue's journey in Chromium: a coordinator enters ALT 6 x ULN in a lab panel and sees grade 3,
confirms it as an immune-related hepatitis adverse event, and the investigator's toxicity dashboard
shows it, with the next toripalimab dose marked "discontinue — hepatitis grade 3" (PROTOCOL §3)."""

import datetime

import pytest
from django.utils import timezone

from core.tests.browser import log_in, log_out
from dosing.tests.factories import participant_enrolled
from toxicity.models import AdverseEvent, AeProposal, IraeDoseDecision, LabResult
from toxicity.tests.irae_fixtures import give_toripalimab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_alt_six_times_uln_confirmed_as_irae_hepatitis_discontinues_toripalimab(page, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")
    investigator = make_user("Investigator", first_name="Li", last_name="Investigator")
    start = timezone.localdate() - datetime.timedelta(days=20)
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
    give_toripalimab(participant, coordinator, ("toripalimab", "ccrt", 1, 1), start)  # day 1: the first dose

    # The coordinator enters the lab panel and sees the grade as she types.
    log_in(page, coordinator)
    page.goto(f"/participants/{participant.pk}/")
    page.get_by_role("navigation", name="Participant").get_by_role("link", name="Labs").click()
    page.get_by_role("link", name="Record lab panel").click()
    page.get_by_label("Date collected").fill(timezone.localdate().isoformat())
    page.get_by_label("ALT ULN").fill("40")
    page.get_by_label("ALT value").fill("240")
    page.get_by_test_id("grade-alt").filter(has_text="Grade 3").wait_for()
    page.get_by_role("button", name="Save lab panel").click()
    page.get_by_text("Lab panel saved and graded.").wait_for()

    # She confirms the proposed adverse event as an immune-related hepatitis.
    page.get_by_test_id("result-alt").get_by_role("link", name="Record as adverse event").click()
    page.get_by_role("heading", name="Record an adverse event").wait_for()
    assert page.locator("input[role=combobox]").and_(page.get_by_role("combobox", name="CTCAE term")).input_value() == "Alanine aminotransferase increased"
    assert page.get_by_label("Grade 3 (severe)").is_checked()
    page.get_by_label("Grade now").select_option("3")
    page.locator('input[name="immune_related"][value="yes"]').check()
    assert page.get_by_label("irAE category").input_value() == "hepatitis"
    for agent, attribution in (("Toripalimab", "probable"), ("Cisplatin", "unlikely"), ("Paclitaxel", "unlikely"),
                               ("Radiotherapy", "unrelated")):  # fmt: skip
        page.get_by_label(f"Attribution to {agent}").select_option(attribution)
    page.get_by_role("button", name="Save adverse event").click()
    page.get_by_text("Adverse event 1 recorded.").wait_for()
    log_out(page)

    ae = AdverseEvent.objects.get()
    assert (ae.grade, ae.immune_related, ae.irae_category) == (3, True, "hepatitis")
    assert LabResult.objects.get(analyte="alt").ae_proposal == AeProposal.CONFIRMED
    decision = IraeDoseDecision.objects.get()
    assert (decision.rule_code, decision.label) == ("irae.hepatitis.g3", "discontinue — hepatitis grade 3")

    # The investigator's dashboard shows the AE and the discontinuation of the next toripalimab dose.
    log_in(page, investigator)
    page.get_by_role("link", name="Safety", exact=True).click()
    page.get_by_role("heading", name="Toxicity dashboard").wait_for()
    hold = page.get_by_test_id("hold-list").get_by_role("row").filter(has_text=participant.study_number)
    assert hold.get_by_test_id("hold-action").inner_text().strip() == "discontinue — hepatitis grade 3"
    assert "toripalimab" in hold.inner_text().lower()
    safety = page.get_by_test_id("safety-table").get_by_role("row").filter(has_text="Alanine aminotransferase increased")
    assert safety.inner_text().split("\t")[2:4] == ["1 (100.0 %)", "1 (100.0 %)"]  # any grade, grade >= 3 (N = 1)

    # The calendar marks the next toripalimab dose the same way.
    hold.get_by_role("link", name=participant.study_number).click()
    page.get_by_text("discontinue — hepatitis grade 3").first.wait_for()
