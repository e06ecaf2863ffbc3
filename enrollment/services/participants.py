"""Writes for participants. Every write goes through ``core.services.clinical_record_save`` so it
is validated, versioned and audited with user, time and reason."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.services import clinical_record_save, sequence_next_value

from ..models import Participant, ParticipantStatus, ParticipantStatusChange
from ..rules.participant import date_of_birth_problem, screening_date_problem
from ..rules.status import check_status_change

SCREENING_SEQUENCE = "screening_number"


def _check_identity(*, initials: str, date_of_birth: datetime.date, screening_date: datetime.date) -> None:
    today = timezone.localdate()
    errors = {}
    problem = date_of_birth_problem(date_of_birth, today=today)
    if problem:
        errors["date_of_birth"] = problem
    problem = screening_date_problem(screening_date, date_of_birth=date_of_birth, today=today)
    if problem:
        errors["screening_date"] = problem
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def participant_create(
    *,
    user: AbstractBaseUser,
    initials: str,
    date_of_birth: datetime.date,
    screening_date: datetime.date,
) -> Participant:
    """Register a patient for screening and give them the next screening number."""
    initials = initials.strip().upper()
    _check_identity(initials=initials, date_of_birth=date_of_birth, screening_date=screening_date)
    number = sequence_next_value(name=SCREENING_SEQUENCE)
    participant = Participant(
        screening_number=settings.SCREENING_NUMBER_FORMAT.format(number=number),
        initials=initials,
        date_of_birth=date_of_birth,
        screening_date=screening_date,
        status=ParticipantStatus.SCREENING,
        status_date=screening_date,
    )
    clinical_record_save(instance=participant, user=user, reason="Registered for screening")
    clinical_record_save(
        instance=ParticipantStatusChange(
            participant=participant,
            from_status="",
            to_status=ParticipantStatus.SCREENING,
            effective_date=screening_date,
            reason="Registered for screening",
            recorded_by=user,
        ),
        user=user,
    )
    return participant


@transaction.atomic
def participant_update(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    expected_version: int,
    reason: str,
    initials: str,
    date_of_birth: datetime.date,
    screening_date: datetime.date,
) -> bool:
    """Correct a participant's identifying facts. Needs the version the user loaded and a reason;
    returns False when nothing changed."""
    initials = initials.strip().upper()
    _check_identity(initials=initials, date_of_birth=date_of_birth, screening_date=screening_date)
    participant.initials = initials
    participant.date_of_birth = date_of_birth
    participant.screening_date = screening_date
    return clinical_record_save(
        instance=participant, user=user, reason=reason, expected_version=expected_version
    )


@transaction.atomic
def participant_change_status(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    expected_version: int,
    new_status: str,
    effective_date: datetime.date,
    reason: str,
    manual: bool = True,
) -> ParticipantStatusChange:
    """Move a participant to a new study status on a date, keeping the dated history of changes."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the status changes (it is kept in the audit trail)."})
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    check = check_status_change(
        locked.status,
        new_status,
        effective_date=effective_date,
        current_since=locked.status_date,
        today=timezone.localdate(),
        manual=manual,
    )
    if not check.allowed:
        field = "effective_date" if check.code in {"status.future_date", "status.before_current"} else "new_status"
        raise ValidationError({field: check.message}, code=check.code)
    change = ParticipantStatusChange(
        participant=locked,
        from_status=locked.status,
        to_status=new_status,
        effective_date=effective_date,
        reason=reason,
        recorded_by=user,
    )
    participant.status = new_status
    participant.status_date = effective_date
    clinical_record_save(instance=participant, user=user, reason=reason, expected_version=expected_version)
    clinical_record_save(instance=change, user=user, reason=reason)
    return change
