"""In Chromium: a coordinator opens the worklist (the home page), sees an overdue month-3 visit,
records it from the line's link, and the line is gone once the daily visit check has run again.

(Kept next to the other core tests: a ``core/tests/browser/`` package would shadow the shared
``core/tests/browser.py`` helpers.)"""

import datetime

import pytest
from django.utils import timezone

from core.tests.browser import log_in
from dosing.tests.factories import participant_enrolled
from enrollment.models import FlagKind, Visit, VisitFlag
from enrollment.services.visit_flags import flag_visits_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

M3_LABEL = "Follow-up 1 (month 3, major efficacy evaluation)"


def test_record_an_overdue_month_3_visit_from_the_worklist(page, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")
    investigator = make_user("Investigator")
    today = timezone.localdate()
    # Month 3 = day offset 91 (target today - 9), window +/-7: it closed two days ago.
    participant = participant_enrolled(
        coordinator=coordinator, investigator=investigator, treatment_start=today - datetime.timedelta(days=100)
    )
    flag_visits_due(today=today)
    assert VisitFlag.objects.filter(participant=participant, visit_code="fu_m3", kind=FlagKind.OVERDUE,
                                    closed_at__isnull=True).exists()

    log_in(page, coordinator)
    visits = page.get_by_test_id("coordinator-worklist").get_by_test_id("section-visits_now")
    line = visits.get_by_test_id("worklist-line").filter(has_text=M3_LABEL)
    assert "Overdue" in line.inner_text()
    assert participant.study_number in line.inner_text()

    line.get_by_role("link", name=M3_LABEL).click()
    page.get_by_label("Date of the visit").wait_for()
    page.get_by_label("Done").check()
    page.get_by_label("Date of the visit").fill(today.isoformat())
    page.get_by_label("Why the visit is outside its window").fill("Patient came back from travelling two days late")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("visit saved").wait_for()
    assert Visit.objects.get(participant=participant, visit_code="fu_m3").visit_date == today

    # Until the daily task runs again the worklist still shows what it flagged this morning.
    page.goto("/")
    page.get_by_role("heading", name="Welcome").wait_for()
    assert visits.get_by_test_id("worklist-line").filter(has_text=M3_LABEL).count() == 1
    # The visit is done, so its expected forms are now tracked as missing until they are entered.
    missing = page.get_by_test_id("coordinator-worklist").get_by_test_id("section-missing_forms")
    assert missing.get_by_test_id("worklist-line").filter(has_text=M3_LABEL).count() == 1
    flag_visits_due(today=today)
    page.goto("/")
    page.get_by_role("heading", name="Welcome").wait_for()
    visits = page.get_by_test_id("coordinator-worklist").get_by_test_id("section-visits_now")
    assert visits.get_by_test_id("worklist-line").filter(has_text=M3_LABEL).count() == 0
    assert visits.get_by_test_id("worklist-line").count() > 0  # the earlier visits, never recorded, remain
