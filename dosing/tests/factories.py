"""Enrolled participants ready for treatment data."""

import datetime

from django.utils import timezone

from core.tests.factories import TEST_PASSWORD
from enrollment import services
from enrollment.models import Participant, ParticipantStatusChange
from enrollment.tests.factories import participant_screened_eligible


def participant_enrolled(*, coordinator, investigator, treatment_start: datetime.date | None = None):
    """A participant enrolled through the real services (consent, screening, signature, enrolment).

    ``treatment_start`` in the past back-dates enrolment to that day (a test shortcut on the stored
    dates only, so that doses given on earlier days can be recorded); default: today.
    """
    today = timezone.localdate()
    participant = participant_screened_eligible(user=coordinator)
    services.eligibility_sign(participant=participant, user=investigator, password=TEST_PASSWORD)
    participant.refresh_from_db()
    services.participant_enrol(
        participant=participant,
        user=coordinator,
        enrolment_date=today,
        planned_treatment_start=today,
        expected_version=participant.version,
    )
    if treatment_start is not None and treatment_start != today:
        Participant.objects.filter(pk=participant.pk).update(
            enrolment_date=min(treatment_start, today),
            planned_treatment_start=treatment_start,
            status_date=min(treatment_start, today),
            screening_date=min(treatment_start, today) - datetime.timedelta(days=5),
        )
        ParticipantStatusChange.objects.filter(participant=participant, to_status="enrolled").update(
            effective_date=min(treatment_start, today)
        )
    participant.refresh_from_db()
    return participant
