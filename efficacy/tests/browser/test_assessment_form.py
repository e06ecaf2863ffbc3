"""In Chromium: an investigator records a baseline (one 50 mm target lesion in the cervix) and a
follow-up with it at 32.5 mm, sees "-35.0%" and PR as she types (before saving), saves, confirms PR
with her password, and the list shows PR confirmed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tests.browser import log_in
from core.tests.factories import TEST_PASSWORD
from efficacy.models import ResponseConfirmation, TumourAssessment
from efficacy.tests.factories import treated_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_investigator_records_baseline_and_follow_up_sees_pr_live_and_confirms_it(page, make_user):
    coordinator = make_user("Study coordinator")
    investigator = make_user("Investigator", first_name="Li", last_name="Investigator")
    today = timezone.localdate()
    participant = treated_participant(coordinator=coordinator, investigator=investigator,
                                      treatment_start=today - datetime.timedelta(days=100))  # fmt: skip

    log_in(page, investigator)
    page.goto(reverse("efficacy:assessment_list", args=[participant.pk]))
    page.get_by_role("link", name="Record baseline").click()
    page.get_by_role("heading", name="Record the baseline tumour assessment").wait_for()
    page.get_by_label("Imaging date").fill((today - datetime.timedelta(days=110)).isoformat())
    page.get_by_label("Imaging method").select_option("mri")
    page.get_by_label("Nodal status at baseline").select_option("none")
    page.get_by_label("Target lesion 1: Organ", exact=True).fill("cervix")
    page.get_by_label("Target lesion 1: Diameter (mm)", exact=True).fill("50")
    page.get_by_role("button", name="Save baseline").click()
    page.get_by_text("saved.").wait_for()
    assert page.get_by_test_id("baseline-sum").inner_text() == "50.0 mm"

    page.get_by_role("link", name="Record follow-up").click()
    page.get_by_role("heading", name="Record a follow-up tumour assessment").wait_for()
    page.get_by_label("Imaging date").fill((today - datetime.timedelta(days=10)).isoformat())
    page.get_by_label("Imaging method").select_option("mri")
    assert page.get_by_test_id("method-note").is_hidden()
    page.get_by_label("T1 diameter (mm)").fill("32.5")
    change = page.get_by_test_id("computed-change-baseline")
    change.filter(has_text="-35.0%").wait_for()
    assert page.get_by_test_id("computed-sum").inner_text() == "32.5 mm"
    assert page.get_by_test_id("computed-change-nadir").inner_text() == "-35.0%"
    assert page.get_by_test_id("computed-overall").inner_text().startswith("PR")
    assert not TumourAssessment.objects.filter(kind="follow_up").exists()  # computed before saving

    page.get_by_label("Imaging method").select_option("ct")
    page.get_by_test_id("method-note").wait_for()  # RECIST 1.1 section 3.3 note appears live
    page.get_by_label("Imaging method").select_option("mri")

    page.get_by_role("button", name="Save follow-up").click()
    page.get_by_text("overall response PR (computed)").wait_for()
    row = page.get_by_test_id(f"follow-up-{today - datetime.timedelta(days=10):%Y-%m-%d}")
    assert "Awaiting investigator confirmation" in row.inner_text()

    row.get_by_role("link", name="Confirm the response").click()
    page.get_by_role("heading", name="Confirm the overall response").wait_for()
    assert page.get_by_label("PR (partial response)").is_checked()
    page.get_by_label(ResponseConfirmation.MEANING).check()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm response").click()
    page.get_by_text("PR confirmed for the assessment").wait_for()
    confirmation = row.get_by_test_id("confirmation")
    assert "PR confirmed" in confirmation.inner_text() and "Li Investigator" in confirmation.inner_text()
    assert ResponseConfirmation.objects.get().response == "PR"
