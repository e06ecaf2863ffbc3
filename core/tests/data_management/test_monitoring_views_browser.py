"""In Chromium: a monitor ticks two adverse events on the participant's monitoring page and marks
them verified; a coordinator corrects one, and the monitor sees it changed since verification; a
data manager locks the participant's data with a reason, and the coordinator's correction form then
says why nothing was saved."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tests.browser import log_in, log_out
from dosing.tests.factories import participant_enrolled
from toxicity.models import AdverseEvent
from toxicity.services.adverse_events import adverse_event_update
from toxicity.tests.factories import adverse_event_recorded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_monitor_verifies_a_change_clears_it_and_a_lock_stops_the_correction(page, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")
    investigator = make_user("Investigator")
    monitor = make_user("Monitor", first_name="Mo", last_name="Monitor")
    data_manager = make_user("Data manager", first_name="Dana", last_name="Manager")
    start = timezone.localdate() - datetime.timedelta(days=70)
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
    nausea = adverse_event_recorded(participant=participant, user=coordinator)
    adverse_event_recorded(participant=participant, user=coordinator, term="Fatigue")
    monitoring = reverse("dm:participant_monitoring", args=[participant.pk])

    log_in(page, monitor)
    page.goto(monitoring)
    page.get_by_label("Mark Adverse event AE 1: Nausea grade 2 verified").check()
    page.get_by_label("Mark Adverse event AE 2: Fatigue grade 2 verified").check()
    page.get_by_role("button", name="Mark verified").click()
    page.get_by_text("2 records marked verified.").wait_for()
    assert "2 of" in page.get_by_test_id("sdv-progress").inner_text()

    adverse_event_update(adverse_event=nausea, user=coordinator, values={"description": "Worse at night"},
                         expected_version=1, reason="Source notes")  # fmt: skip
    page.reload()
    assert "1 changed since verification" in page.get_by_test_id("sdv-progress").inner_text()
    log_out(page)

    log_in(page, data_manager)
    page.goto(monitoring)
    page.get_by_role("link", name="Lock the participant's data").click()
    page.get_by_label("Reason for locking").fill("Ready for the interim analysis")
    page.get_by_role("button", name="Lock the participant's data").click()
    page.get_by_test_id("lock-banner-participant").wait_for()
    log_out(page)

    log_in(page, coordinator)
    page.goto(reverse("toxicity:ae_update", args=[participant.pk, nausea.pk]))
    assert "Ready for the interim analysis" in page.get_by_test_id("lock-banner-participant").inner_text()
    page.get_by_label("Reason for change").fill("Regraded")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("This participant's data is locked (by Dana Manager").wait_for()
    assert AdverseEvent.objects.get(pk=nausea.pk).version == 2
