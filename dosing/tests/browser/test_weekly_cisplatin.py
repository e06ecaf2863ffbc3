"""In Chromium: a coordinator records height and weight, sees the calculated weekly cisplatin dose,
records it, delays the next dose by a week and sees every later date move."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.tests.browser import log_in
from dosing.tests.factories import participant_enrolled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]




def _due(page, key):
    return page.locator(f'[data-testid="dose-{key}"] [data-testid="due"]')


def test_record_weekly_cisplatin_and_delay_the_next_dose(page, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")
    investigator = make_user("Investigator")
    start = timezone.localdate() - datetime.timedelta(days=10)
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)

    log_in(page, coordinator)
    page.goto(f"/participants/{participant.pk}/")
    page.get_by_role("link", name="Treatment calendar").first.click()
    page.get_by_role("heading", name="Treatment calendar").wait_for()

    page.get_by_role("link", name="Record height and weight").click()
    page.get_by_label("Date measured").fill(start.isoformat())
    page.get_by_label("Height").fill("160")
    page.get_by_label("Weight").fill("64")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Height and weight saved.").wait_for()
    assert "BSA 1.69 m²" in page.get_by_test_id("bsa").inner_text()

    page.get_by_role("link", name="Record Cisplatin Week 1").click()
    assert page.get_by_test_id("calculated-dose").inner_text().strip() == "68 mg"
    assert page.get_by_label("Dose given").input_value() == "68"
    page.get_by_label("Date given").fill(start.isoformat())
    page.get_by_role("button", name="Save dose").click()
    page.get_by_text("Dose recorded.").wait_for()
    week1 = page.locator('[data-testid="dose-cisplatin-ccrt-1-1"]')
    assert "Given" in week1.inner_text()
    assert "68 given" in week1.inner_text()

    day = lambda n: start + datetime.timedelta(days=n - 1)  # noqa: E731
    assert _due(page, "cisplatin-ccrt-3-1").inner_text().startswith(day(15).isoformat())
    page.get_by_role("link", name="Delay Cisplatin Week 2").click()
    page.get_by_label("New date").fill(day(15).isoformat())
    page.get_by_label("Reason for the delay").fill("Neutrophils 1.2, repeat next week")
    page.get_by_role("button", name="Delay the dose").click()
    page.get_by_text("Delay recorded").wait_for()

    assert _due(page, "cisplatin-ccrt-2-1").inner_text().startswith(day(15).isoformat())
    assert f"moved from {day(8).isoformat()}" in _due(page, "cisplatin-ccrt-2-1").inner_text()
    assert _due(page, "cisplatin-ccrt-3-1").inner_text().startswith(day(22).isoformat())
    assert _due(page, "cisplatin-ccrt-6-1").inner_text().startswith(day(43).isoformat())
    assert _due(page, "toripalimab-ccrt-2-1").inner_text().startswith(day(29).isoformat())
    assert participant.doses.get().dose_given_mg == Decimal("68")
