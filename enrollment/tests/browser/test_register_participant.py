"""In Chromium: a coordinator logs in, registers a patient and sees the participant dashboard."""

import datetime

import pytest

from core.tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_coordinator_logs_in_registers_a_patient_and_sees_the_dashboard(page, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")

    page.goto("/")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Welcome, Chen Coordinator").wait_for()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register patient").click()
    page.get_by_label("Initials").fill("lq")
    page.get_by_label("Date of birth").fill("1979-05-02")
    page.get_by_label("Screening date").fill((datetime.date.today() - datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Save").click()

    page.get_by_text("Registered SCR-0001 for screening.").wait_for()
    assert page.get_by_role("heading", level=1).inner_text().startswith("SCR-0001")
    assert "Screening since" in page.get_by_test_id("participant-status").inner_text()
    assert page.get_by_test_id("panel-eligibility").get_by_text("No eligibility assessment recorded yet.").is_visible()
    assert page.get_by_test_id("panel-adverse_events").get_by_text("No adverse events recorded yet.").is_visible()

    page.get_by_role("link", name="Audit trail").click()
    assert page.get_by_role("cell", name="Registered for screening").first.is_visible()


def test_bad_date_of_birth_is_shown_next_to_the_field(page, make_user):
    coordinator = make_user("Study coordinator")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/participants/new/")
    page.get_by_label("Initials").fill("WL")
    page.get_by_label("Date of birth").fill("2999-01-01")
    page.get_by_role("button", name="Save").click()
    assert "is in the future" in page.locator("#error_1_id_date_of_birth").inner_text()
