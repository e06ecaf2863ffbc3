"""In Chromium: a coordinator records an adverse event by searching the CTCAE term with the keyboard,
sees only that term's grades with their CTCAE v5.0 texts, saves it; the investigator signs it."""

import datetime

import pytest
from django.utils import timezone

from core.tests.browser import log_in, log_out
from core.tests.factories import TEST_PASSWORD
from dosing.tests.factories import participant_enrolled
from toxicity.models import AdverseEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_coordinator_records_an_immune_related_rash_and_the_investigator_signs_it(page, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")
    investigator = make_user("Investigator", first_name="Li", last_name="Investigator")
    start = timezone.localdate() - datetime.timedelta(days=30)
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
    onset = timezone.localdate() - datetime.timedelta(days=2)

    log_in(page, coordinator)
    page.goto(f"/participants/{participant.pk}/adverse-events/")
    page.get_by_role("link", name="Record an adverse event").click()
    page.get_by_role("heading", name="Record an adverse event").wait_for()

    search = page.locator("input[role=combobox]").and_(page.get_by_role("combobox", name="CTCAE term"))
    search.fill("rash mac")
    option = page.get_by_role("option", name="Rash maculo-papular")
    option.wait_for()
    search.press("ArrowDown")
    assert option.get_attribute("aria-selected") == "true"
    search.press("Enter")
    assert search.input_value() == "Rash maculo-papular"

    grade_labels = page.locator("#ae-grade-field .form-check-label").all_inner_texts()
    assert [label.split(":")[0] for label in grade_labels] == [
        "Grade 1 (mild)", "Grade 2 (moderate)", "Grade 3 (severe)",
    ]  # CTCAE v5.0 has no grade 4 or 5 rash maculo-papular
    assert "Macules/papules covering 10 - 30% BSA" in grade_labels[1]
    page.get_by_label("Grade 2 (moderate)").check()
    page.get_by_label("Grade now").select_option("2")
    page.get_by_label("Onset").fill(onset.isoformat())
    page.locator('input[name="immune_related"][value="yes"]').check()
    assert page.get_by_label("irAE category").input_value() == "rash"  # suggested by the term
    for agent, attribution in (("Toripalimab", "probable"), ("Cisplatin", "unlikely"), ("Paclitaxel", "unlikely"),
                               ("Radiotherapy", "unrelated")):  # fmt: skip
        page.get_by_label(f"Attribution to {agent}").select_option(attribution)
    page.get_by_role("button", name="Save adverse event").click()
    page.get_by_text("Adverse event 1 recorded.").wait_for()

    ae = AdverseEvent.objects.get()
    assert (ae.term.term, ae.grade, ae.current_grade, ae.immune_related, ae.irae_category) == (
        "Rash maculo-papular", 2, 2, True, "rash",
    )
    assert "Awaiting signature" in page.get_by_test_id("signature-status").inner_text()
    log_out(page)

    log_in(page, investigator)
    page.goto(f"/participants/{participant.pk}/adverse-events/{ae.pk}/")
    page.get_by_role("link", name="Sign", exact=True).click()
    assert "Rash maculo-papular" in page.get_by_test_id("signed-content").inner_text()
    page.get_by_label("I have reviewed this adverse event").check()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign").click()
    page.get_by_text("Adverse event 1 signed.").wait_for()
    assert "Signed by Li Investigator" in page.get_by_test_id("signature-status").inner_text()
    assert ae.signatures.get().signed_by == investigator
