"""The issue's check, in Chromium: an investigator records a baseline and a follow-up with a 35%
decrease and sees PR, then the Simon page counts the responder — first as a PR awaiting its
confirming scan (RECIST 1.1 section 4.6.1: a single-arm trial confirms CR/PR at least 4 weeks
later), then, once a second follow-up confirms it, as one responder of one evaluable patient."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tests.browser import log_in
from core.tests.factories import TEST_PASSWORD
from efficacy.models import ResponseConfirmation
from efficacy.tests.factories import treated_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _record_follow_up(page, participant, *, on: datetime.date, t1_mm: str, expected_change: str) -> None:
    page.goto(reverse("efficacy:assessment_list", args=[participant.pk]))
    page.get_by_role("link", name="Record follow-up").click()
    page.get_by_label("Imaging date").fill(on.isoformat())
    page.get_by_label("Imaging method").select_option("mri")
    page.get_by_label("T1 diameter (mm)").fill(t1_mm)
    page.get_by_test_id("computed-change-baseline").filter(has_text=expected_change).wait_for()
    assert page.get_by_test_id("computed-overall").inner_text().startswith("PR")
    page.get_by_role("button", name="Save follow-up").click()
    row = page.get_by_test_id(f"follow-up-{on:%Y-%m-%d}")
    row.get_by_role("link", name="Confirm the response").click()
    assert page.get_by_label("PR (partial response)").is_checked()
    page.get_by_label(ResponseConfirmation.MEANING).check()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm response").click()
    page.get_by_text("PR confirmed for the assessment").wait_for()


def test_a_35_percent_decrease_is_pr_and_the_simon_page_counts_the_responder(page, make_user):
    coordinator = make_user("Study coordinator")
    investigator = make_user("Investigator", first_name="Li", last_name="Investigator")
    today = timezone.localdate()
    participant = treated_participant(coordinator=coordinator, investigator=investigator,
                                      treatment_start=today - datetime.timedelta(days=100))  # fmt: skip
    number = participant.study_number

    log_in(page, investigator)
    page.goto(reverse("efficacy:assessment_list", args=[participant.pk]))
    page.get_by_role("link", name="Record baseline").click()
    page.get_by_label("Imaging date").fill((today - datetime.timedelta(days=110)).isoformat())
    page.get_by_label("Imaging method").select_option("mri")
    page.get_by_label("Nodal status at baseline").select_option("none")
    page.get_by_label("Target lesion 1: Organ", exact=True).fill("cervix")
    page.get_by_label("Target lesion 1: Diameter (mm)", exact=True).fill("50")
    page.get_by_role("button", name="Save baseline").click()
    page.get_by_text("saved.").wait_for()

    _record_follow_up(page, participant, on=today - datetime.timedelta(days=50), t1_mm="32.5", expected_change="-35.0%")

    page.get_by_role("link", name="Simon monitor").click()
    page.get_by_test_id("decision-stage1").wait_for()
    assert page.get_by_test_id("responses-pending").inner_text().startswith("1 participant with a CR or PR")
    assert page.get_by_test_id(f"evaluable-{number}").get_by_test_id("responder").inner_text() == "No"
    assert page.get_by_test_id("orr").inner_text().startswith("ORR 0/1")

    _record_follow_up(page, participant, on=today - datetime.timedelta(days=15), t1_mm="30", expected_change="-40.0%")

    page.get_by_role("link", name="Simon monitor").click()
    stage1 = page.get_by_test_id("decision-stage1")
    assert "20 of the first 27 needed to continue" in stage1.inner_text()
    assert "1 responder among 1 evaluable" in stage1.get_by_test_id("decision-message").inner_text()
    assert page.get_by_test_id(f"evaluable-{number}").get_by_test_id("responder").inner_text() == "Yes"
    assert page.get_by_test_id("orr").inner_text().startswith("ORR 1/1 = 100.0%")
    assert page.get_by_test_id("responses-pending").inner_text().startswith("0 participants")
