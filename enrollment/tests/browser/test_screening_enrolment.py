"""In Chromium: a coordinator screens an eligible patient and sees every criterion pass, the
investigator signs, the coordinator enrols; neutrophils 1.9 shows I4b failing with its reason."""

import datetime

import pytest
from django.utils import timezone

from core.tests.browser import fill_screening, log_in, log_out
from core.tests.factories import TEST_PASSWORD
from enrollment.tests.factories import eligible_screening_values, participant_registered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _criterion(page, criterion_id):
    return page.locator(f'tr[data-criterion="{criterion_id}"]')


def test_screen_sign_and_enrol_an_eligible_patient(page, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")
    investigator = make_user("Investigator", first_name="Li", last_name="Investigator")
    today = timezone.localdate()
    participant = participant_registered(user=coordinator, screening_date=today - datetime.timedelta(days=3))

    log_in(page, coordinator)
    page.goto(f"/participants/{participant.pk}/")
    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Consent form version").fill("v2.0")
    page.get_by_label("Consent date").fill((today - datetime.timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Record consent").click()
    page.get_by_text("Consent recorded.").wait_for()

    page.get_by_role("link", name="Start screening").click()
    fill_screening(page, eligible_screening_values())
    page.get_by_test_id("overall").filter(has_text="Eligible").wait_for()
    statuses = page.locator("tr[data-criterion] .criterion-status").all_inner_texts()
    assert len(statuses) == 27 and set(statuses) == {"pass"}
    page.get_by_role("button", name="Save screening").click()
    page.get_by_text("Eligible: all 27 criteria pass").wait_for()
    log_out(page)

    log_in(page, investigator)
    page.goto(f"/participants/{participant.pk}/")
    page.get_by_role("link", name="Sign eligibility").click()
    page.get_by_label("I confirm this patient is eligible").check()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign").click()
    page.get_by_text("Signed by Li Investigator").wait_for()
    log_out(page)

    log_in(page, coordinator)
    page.goto(f"/participants/{participant.pk}/")
    page.get_by_role("link", name="Enrol").click()
    page.get_by_label("Planned treatment start").fill((today + datetime.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Enrol").click()
    page.get_by_text("Enrolled as TC-001.").wait_for()
    assert "Enrolled since" in page.get_by_test_id("participant-status").inner_text()


def test_neutrophils_1_9_is_shown_failing_i4b_with_the_reason(page, make_user):
    coordinator = make_user("Study coordinator")
    participant = participant_registered(user=coordinator)
    log_in(page, coordinator)
    page.goto(f"/participants/{participant.pk}/screening/")
    fill_screening(page, {"lab_date": timezone.localdate(), "neutrophils_10e9_l": "1.9"})
    row = _criterion(page, "I4b")
    row.locator(".criterion-status", has_text="fail").wait_for()
    reason = row.locator(".criterion-reason").inner_text()
    assert "1.9" in reason and "2.0" in reason
    page.get_by_test_id("overall").filter(has_text="Not eligible").wait_for()

    page.locator('[name="hemoglobin_g_dl"]').fill("95")
    page.locator("#live_error_hemoglobin_g_dl").filter(has_text="looks like g/L").wait_for()
