"""Helpers of the visit tests: a participant enrolled with a FIXED treatment start (so every target,
window and status is known in advance), and visits recorded through the services on fixed days.

Schedule for START = 2025-01-06 (screening date 2025-01-01, set by the enrolment factory):
    ccrt_w0 2025-01-06 (04..08), ccrt_w1 01-13 (11..15), eoebrt 02-10 (03..17),
    fu_m3 04-07 (03-31..04-14), fu_m6 07-08 (07-01..07-15), fu_m9 10-07 (09-23..10-21).
"""

import datetime

from dosing.tests.factories import participant_enrolled
from enrollment.services import visits as visit_services

START = datetime.date(2025, 1, 6)
TODAY = datetime.date(2025, 4, 20)  # fu_m3's window closed on 2025-04-14; fu_m6 opens on 2025-07-01


def day(n: int) -> datetime.date:
    """The date ``n`` days after START (day 0 = START)."""
    return START + datetime.timedelta(days=n)


def participant_started(*, coordinator, investigator):
    """Enrolled through the real services, treatment start START (2025-01-06), screened 2025-01-01."""
    return participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=START)


def record_done(participant, user, code: str, on: datetime.date, *, today: datetime.date = TODAY, **extra):
    return visit_services.visit_record(
        participant=participant, user=user, visit_code=code, outcome="done", visit_date=on, today=today, **extra
    )


def record_missed(participant, user, code: str, reason: str = "Patient unwell", *, today: datetime.date = TODAY):
    return visit_services.visit_record(
        participant=participant, user=user, visit_code=code, outcome="missed", missed_reason=reason, today=today
    )
