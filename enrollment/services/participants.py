"""Writes for participants. Every write goes through ``core.services.clinical_record_save`` so it
is validated, versioned and audited with user, time and reason."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import Site
from core.services import clinical_record_save, sequence_next_value
from core.sites import registration_site, sees_all_sites

from ..models import Participant, ParticipantStatus, ParticipantStatusChange
from ..rules.participant import date_of_birth_problem, in_the_future, screening_date_problem
from ..rules.plausibility import diagnosis_date_problem
from ..rules.status import DIED, check_status_change

SCREENING_SEQUENCE = "screening_number"
DEATH_ON_FOLLOW_UP_MESSAGE = gettext_lazy(
    "Record the death of an enrolled participant on her Follow-up and outcome page, with the date and cause "
    "of death: her status changes to 'died' from there."
)


def _check_identity(
    *,
    initials: str,
    date_of_birth: datetime.date,
    screening_date: datetime.date,
    diagnosis_date: datetime.date | None = None,
) -> None:
    today = timezone.localdate()
    errors = {}
    problem = date_of_birth_problem(date_of_birth, today=today)
    if problem:
        errors["date_of_birth"] = problem
    problem = screening_date_problem(screening_date, date_of_birth=date_of_birth, today=today)
    if problem:
        errors["screening_date"] = problem
    if diagnosis_date is not None:
        problem = diagnosis_date_problem(
            diagnosis_date, date_of_birth=date_of_birth, screening_date=screening_date, today=today
        )
        if problem:
            errors["diagnosis_date"] = problem
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def participant_create(
    *,
    user: AbstractBaseUser,
    initials: str,
    date_of_birth: datetime.date,
    screening_date: datetime.date,
    diagnosis_date: datetime.date | None = None,
    site: Site | None = None,
) -> Participant:
    """Register a patient for screening and give them the next screening number. The diagnosis
    date is optional at registration (PFS and OS count from it: PROTOCOL §5). In a multi-centre
    study (``core.sites``) the patient is registered at ``site``, one of the user's own sites (by
    default their only site)."""
    initials = initials.strip().upper()
    _check_identity(
        initials=initials, date_of_birth=date_of_birth, screening_date=screening_date, diagnosis_date=diagnosis_date
    )
    site = registration_site(user, site)
    number = sequence_next_value(name=SCREENING_SEQUENCE)
    participant = Participant(
        screening_number=settings.SCREENING_NUMBER_FORMAT.format(number=number),
        initials=initials,
        date_of_birth=date_of_birth,
        screening_date=screening_date,
        diagnosis_date=diagnosis_date,
        site=site,
        status=ParticipantStatus.SCREENING,
        status_date=screening_date,
    )
    registered = "Registered for screening"  # stored: English whatever the user's language
    clinical_record_save(instance=participant, user=user, reason=registered)
    clinical_record_save(
        instance=ParticipantStatusChange(
            participant=participant,
            from_status="",
            to_status=ParticipantStatus.SCREENING,
            effective_date=screening_date,
            reason=registered,
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
    diagnosis_date: datetime.date | None,
    site: Site | None = None,
) -> bool:
    """Correct a participant's identifying facts and diagnosis date (``None`` clears it). Needs
    the version the user loaded and a reason; returns False when nothing changed. ``site`` gives her
    a site or moves her to another (``core.sites``; only users who see every site may); None leaves
    it as it is."""
    initials = initials.strip().upper()
    _check_identity(
        initials=initials, date_of_birth=date_of_birth, screening_date=screening_date, diagnosis_date=diagnosis_date
    )
    if site is not None and site.pk != participant.site_id:
        if not sees_all_sites(user):
            raise ValidationError({"site": _("Only a user who sees every site can change a participant's site.")})
        participant.site = site
    participant.initials = initials
    participant.date_of_birth = date_of_birth
    participant.screening_date = screening_date
    participant.diagnosis_date = diagnosis_date
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
        raise ValidationError({"reason": _("Say why the status changes (it is kept in the audit trail).")})
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
    if manual and new_status == DIED and locked.enrolment_date is not None:
        # PROTOCOL §5: OS counts to the date of death, so an enrolled participant's death is recorded
        # with its date and cause on the follow-up (efficacy.services.follow_up), which changes the status.
        raise ValidationError(
            {"new_status": ValidationError(DEATH_ON_FOLLOW_UP_MESSAGE, code="status.death_on_follow_up")}
        )
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


@transaction.atomic
def participant_status_date_correct(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    status: str,
    effective_date: datetime.date,
    reason: str,
) -> bool:
    """Correct the date on which ``status`` took effect (its latest change in the history), e.g. a
    date of death corrected on the follow-up. The status history stays in order: the date is not
    before the change before it, not after the change after it, and not in the future. When it is
    the current status the participant's status date moves too. Both rows keep the old date in
    their audit trail with ``reason``. The history is read in the order it was recorded. Returns
    False when the date is already ``effective_date``."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason_for_change": _("Say why the date changes (it is kept in the audit trail).")})
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    changes = list(locked.status_changes.select_for_update().order_by("id"))
    positions = [index for index, change in enumerate(changes) if change.to_status == status]
    label = ParticipantStatus(status).label.lower()
    if not positions:
        raise ValidationError(
            {"effective_date": _("The participant's status history has no '%(status)s'.") % {"status": label}}
        )
    index = positions[-1]
    change = changes[index]
    if change.effective_date == effective_date:
        return False
    problem = _status_date_problem(
        effective_date,
        earliest=changes[index - 1] if index > 0 else None,
        latest=changes[index + 1] if index + 1 < len(changes) else None,
        today=timezone.localdate(),
    )
    if problem:
        raise ValidationError({"effective_date": problem}, code="status.correction_out_of_order")
    change.effective_date = effective_date
    clinical_record_save(instance=change, user=user, reason=reason, expected_version=change.version)
    if index == len(changes) - 1 and locked.status == status:
        locked.status_date = effective_date
        clinical_record_save(instance=locked, user=user, reason=reason, expected_version=locked.version)
        participant.status_date, participant.version = locked.status_date, locked.version
    return True


def _status_date_problem(
    day: datetime.date,
    *,
    earliest: ParticipantStatusChange | None,
    latest: ParticipantStatusChange | None,
    today: datetime.date,
) -> str | None:
    """The status history is in date order; no status takes effect in the future."""
    if day > today:
        return in_the_future(day)
    if earliest is not None and day < earliest.effective_date:
        return _("The date cannot be before %(date)s, when the participant became %(status)s.") % {
            "date": f"{earliest.effective_date:%Y-%m-%d}", "status": earliest.get_to_status_display().lower()
        }
    if latest is not None and day > latest.effective_date:
        return _("The date cannot be after %(date)s, when the participant became %(status)s.") % {
            "date": f"{latest.effective_date:%Y-%m-%d}", "status": latest.get_to_status_display().lower()
        }
    return None
