"""Preconditions shared by every treatment write, and the move to "on treatment"."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Participant, ParticipantStatus
from enrollment.services.participants import participant_change_status
from enrollment.services.screening import consent_withdrawn

TREATMENT_STATUSES = (ParticipantStatus.ENROLLED, ParticipantStatus.ON_TREATMENT, ParticipantStatus.FOLLOW_UP)


def treatment_closed_reason(participant: Participant) -> str | None:
    """Why no treatment data can be entered for ``participant`` now, or None when it can."""
    if consent_withdrawn(participant):
        return _("Consent was withdrawn: no new treatment data can be entered for this participant.")
    if participant.status not in TREATMENT_STATUSES:
        return _("Treatment data can be entered only for enrolled participants; this one is %(status)s.") % {
            "status": participant.get_status_display().lower()
        }
    if participant.planned_treatment_start is None:
        return _("The participant has no treatment start date.")
    return None


def require_treatment_open(participant: Participant) -> Participant:
    """Lock the participant row and refuse when treatment data cannot be entered."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    reason = treatment_closed_reason(locked)
    if reason:
        raise ValidationError(reason)
    return locked


def check_treatment_date(value: datetime.date | None, field: str, participant: Participant) -> dict[str, str]:
    """A treatment date must not be in the future nor before enrolment (errors keyed by ``field``)."""
    if value is None:
        return {}
    if value > timezone.localdate():
        return {field: _("%(date)s is in the future.") % {"date": f"{value:%Y-%m-%d}"}}
    if participant.enrolment_date and value < participant.enrolment_date:
        return {
            field: _("%(date)s is before enrolment (%(enrolment)s).")
            % {"date": f"{value:%Y-%m-%d}", "enrolment": f"{participant.enrolment_date:%Y-%m-%d}"}
        }
    return {}


def mark_on_treatment(*, participant: Participant, user: AbstractBaseUser, started_on: datetime.date, what: str) -> None:
    """The first dose or radiotherapy fraction moves an enrolled participant to "on treatment".

    The reason goes to the audit trail in English, like every reason the system writes (``what``
    is English too)."""
    if participant.status != ParticipantStatus.ENROLLED:
        return
    participant_change_status(
        participant=participant,
        user=user,
        expected_version=participant.version,
        new_status=ParticipantStatus.ON_TREATMENT,
        effective_date=max(started_on, participant.status_date),
        reason=f"Treatment started: {what}",
        manual=False,
    )
