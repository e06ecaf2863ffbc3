"""Progressions and the survival follow-up status (PROTOCOL §5: OS from diagnosis to death from any
cause; PFS from diagnosis to progression at any site or death): the writes. Their pages read
``efficacy.selectors.follow_up``.

The clinical checks are ``efficacy.rules.follow_up``'s. Our resolutions where the issue is silent:
- Only an enrolled participant (enrolment date set) has progressions and a follow-up status.
- A progression's link to a tumour assessment is checked (a follow-up assessment of the same
  participant whose computed or confirmed response is PD) when it is made or changed; a link kept
  through a correction is not re-checked (the follow-up page warns when its response has changed).
- The follow-up status is one record per participant. Recording a death sets last known alive to
  the date of death and moves the participant to "died"; an off-study date moves her to "off
  study" (through ``enrollment.services.participants.participant_change_status``). A corrected
  date corrects the date in her status history. A refused status change saves nothing at all.
- Progressions and deaths change response data: ``efficacy_data_changed`` queues the Simon check.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.services import clinical_record_save, stale_record_error
from enrollment.models import Participant, ParticipantStatus
from enrollment.services.participants import participant_change_status, participant_status_date_correct

from ..models import (
    AssessmentKind,
    DeathCause,
    FollowUpStatus,
    OffStudyReason,
    Progression,
    TumourAssessment,
)
from ..rules import follow_up as rules
from ..selectors.follow_up import status_history
from ..selectors.response import confirmed_responses
from .notify import efficacy_data_changed

# --- who --------------------------------------------------------------------------------------------


def follow_up_closed_reason(participant: Participant) -> str | None:
    """Why no progression or follow-up status can be recorded for ``participant``, or None."""
    if participant.enrolment_date is None:
        return _(
            "Progression and survival follow-up are recorded for enrolled participants only; this one is %(status)s."
        ) % {"status": participant.get_status_display().lower()}
    return None


def _lock_enrolled(participant: Participant) -> Participant:
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    reason = follow_up_closed_reason(locked)
    if reason:
        raise ValidationError(reason, code="follow_up.participant.not_enrolled")
    return locked


def _raise(problems: list[rules.Problem]) -> None:
    """Refuse with each problem next to its field, carrying the rule's code."""
    if not problems:
        return
    by_field: dict[str, list[ValidationError]] = {}
    for problem in problems:
        by_field.setdefault(problem.field or "__all__", []).append(ValidationError(problem.message, code=problem.code))
    raise ValidationError(by_field)


# --- progressions -----------------------------------------------------------------------------------


def _linked_assessment(participant: Participant, assessment: TumourAssessment | None) -> rules.LinkedAssessment | None:
    if assessment is None:
        return None
    stored = TumourAssessment.objects.filter(pk=assessment.pk, participant=participant).first()
    if stored is None:
        raise ValidationError(
            {"assessment": ValidationError(_("That tumour assessment is not this participant's."),
                                           code="progression.assessment.other_participant")}
        )  # fmt: skip
    return rules.LinkedAssessment(
        assessment_date=stored.assessment_date,
        is_follow_up=stored.kind == AssessmentKind.FOLLOW_UP,
        computed_response=stored.computed_response,
        confirmed_response=confirmed_responses([stored]).get(stored.pk),
    )


def _check_progression(
    participant: Participant,
    *,
    progression_date: datetime.date,
    assessment: TumourAssessment | None,
    check_link: bool,
    exclude_pk: int | None = None,
) -> None:
    follow_up = FollowUpStatus.objects.filter(participant=participant).first()
    others = Progression.objects.filter(participant=participant)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    problems = rules.progression_problems(
        progression_date=progression_date,
        diagnosis_date=participant.diagnosis_date,
        enrolment_date=participant.enrolment_date,
        death_date=follow_up.death_date if follow_up else None,
        last_progression_free_date=follow_up.last_progression_free_date if follow_up else None,
        other_progression_dates=others.values_list("progression_date", flat=True),
        today=timezone.localdate(),
        assessment=_linked_assessment(participant, assessment) if check_link else None,
    )
    _raise(problems)


@transaction.atomic
def progression_record(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    progression_date: datetime.date,
    site: str,
    confirmed_by_method: str,
    assessment: TumourAssessment | None = None,
    sites_detail: str = "",
    note: str = "",
) -> Progression:
    """Record a progression or recurrence of an enrolled participant (PROTOCOL §5: the first one ends
    PFS). Raises ``ValidationError`` by field and saves nothing when a rule refuses it."""
    locked = _lock_enrolled(participant)
    _check_progression(locked, progression_date=progression_date, assessment=assessment, check_link=True)
    progression = Progression(
        participant=locked,
        progression_date=progression_date,
        site=site,
        confirmed_by_method=confirmed_by_method,
        assessment=assessment,
        sites_detail=(sites_detail or "").strip(),
        note=(note or "").strip(),
        recorded_by=user,
    )
    clinical_record_save(instance=progression, user=user)
    efficacy_data_changed()
    return progression


@transaction.atomic
def progression_update(
    *,
    progression: Progression,
    user: AbstractBaseUser,
    expected_version: int,
    reason: str,
    progression_date: datetime.date,
    site: str,
    confirmed_by_method: str,
    assessment: TumourAssessment | None,
    sites_detail: str,
    note: str,
) -> bool:
    """Correct a progression (a reason for change and the version the user loaded are required).
    Returns False when nothing changed."""
    locked = _lock_enrolled(progression.participant)
    stored = Progression.objects.select_for_update().get(pk=progression.pk)
    if stored.version != expected_version:
        raise stale_record_error(stored)
    new_link = (assessment.pk if assessment is not None else None) != stored.assessment_id
    _check_progression(
        locked, progression_date=progression_date, assessment=assessment, check_link=new_link, exclude_pk=stored.pk
    )
    stored.progression_date = progression_date
    stored.site = site
    stored.confirmed_by_method = confirmed_by_method
    stored.assessment = assessment
    stored.sites_detail = (sites_detail or "").strip()
    stored.note = (note or "").strip()
    changed = clinical_record_save(instance=stored, user=user, reason=reason, expected_version=expected_version)
    if changed:
        efficacy_data_changed()
    progression.version = stored.version
    return changed


# --- follow-up status ---------------------------------------------------------------------------------


@dataclass
class FollowUpSaved:
    """The outcome of ``follow_up_status_save``: what changed, and what the user should be told."""

    follow_up: FollowUpStatus
    changed: bool
    notes: list[str] = field(default_factory=list)


def _status_reason(follow_up: FollowUpStatus, step: rules.StatusStep) -> str:
    """The reason stored in the status history: part of the record, so in English whoever records it."""
    with translation.override("en"):
        return _status_reason_words(follow_up, step)


def _status_reason_words(follow_up: FollowUpStatus, step: rules.StatusStep) -> str:
    if step.status == ParticipantStatus.DIED:
        cause = DeathCause(follow_up.death_cause).label
        detail = f" ({follow_up.death_cause_detail})" if follow_up.death_cause_detail else ""
        return f"Died on {step.effective_date:%Y-%m-%d}: {cause}{detail} (recorded on the follow-up)"
    why = OffStudyReason(follow_up.off_study_reason).label
    detail = f" ({follow_up.off_study_detail})" if follow_up.off_study_detail else ""
    return f"Off study from {step.effective_date:%Y-%m-%d}: {why}{detail} (recorded on the follow-up)"


def _apply_status_step(
    participant: Participant, follow_up: FollowUpStatus, step: rules.StatusStep, *, user: AbstractBaseUser, reason: str
) -> str:
    """Change or correct the participant's status for one step; a refusal is shown next to the
    follow-up field the date came from. Returns the note for the user."""
    field_name = "death_date" if step.status == ParticipantStatus.DIED else "off_study_date"
    label = ParticipantStatus(step.status).label.lower()
    try:
        if step.action == rules.CHANGE:
            participant_change_status(
                participant=participant,
                user=user,
                expected_version=participant.version,
                new_status=step.status,
                effective_date=step.effective_date,
                reason=_status_reason(follow_up, step),
                manual=False,  # the death of an enrolled participant is recorded here, not by hand
            )
            return _("Study status changed to '%(status)s' from %(date)s.") % {
                "status": label, "date": f"{step.effective_date:%Y-%m-%d}"
            }
        participant_status_date_correct(
            participant=participant,
            user=user,
            status=step.status,
            effective_date=step.effective_date,
            reason=reason or f"{_status_reason(follow_up, step)}: date corrected",
        )
        return _("The status history now has '%(status)s' from %(date)s.") % {
            "status": label, "date": f"{step.effective_date:%Y-%m-%d}"
        }
    except ValidationError as error:
        if step.action == rules.CHANGE:
            what = _("Her study status cannot change: %(message)s")
        else:
            what = _("Her status history cannot be corrected: %(message)s")
        raise ValidationError({field_name: [
            ValidationError(what % {"message": message}, code="follow_up.status.refused") for message in error.messages
        ]}) from error  # fmt: skip


@transaction.atomic
def follow_up_status_save(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    expected_version: int | None,
    reason: str,
    last_known_alive_date: datetime.date | None,
    last_progression_free_date: datetime.date | None,
    death_date: datetime.date | None,
    death_cause: str,
    death_cause_detail: str,
    off_study_date: datetime.date | None,
    off_study_reason: str,
    off_study_detail: str,
) -> FollowUpSaved:
    """Record or correct a participant's follow-up status (``expected_version`` None when there is
    none yet; a correction needs the version loaded and a reason).

    A death sets last known alive to the date of death and moves the participant to "died"; an
    off-study date moves her to "off study"; a corrected date corrects the status history. Any
    refusal (a rule, a status change the lifecycle does not allow, a stale version) saves nothing.
    """
    locked = _lock_enrolled(participant)
    stored = FollowUpStatus.objects.select_for_update().filter(participant=locked).first()
    if stored is not None and expected_version != stored.version:
        raise stale_record_error(stored)
    record = stored if stored is not None else FollowUpStatus(participant=locked, recorded_by=user)
    old_death = (record.death_date, record.death_cause) if stored is not None else (None, "")

    notes: list[str] = []
    alive = rules.last_known_alive(entered=last_known_alive_date, death_date=death_date)
    if death_date is not None and last_known_alive_date != death_date:
        notes.append(_("Last known alive set to the date of death (%(date)s).") % {"date": f"{death_date:%Y-%m-%d}"})
    record.last_known_alive_date = alive
    record.last_progression_free_date = last_progression_free_date
    record.death_date = death_date
    record.death_cause = death_cause or ""
    record.death_cause_detail = (death_cause_detail or "").strip()
    record.off_study_date = off_study_date
    record.off_study_reason = off_study_reason or ""
    record.off_study_detail = (off_study_detail or "").strip()

    facts = rules.FollowUpFacts(
        enrolment_date=locked.enrolment_date,
        diagnosis_date=locked.diagnosis_date,
        progression_dates=tuple(
            Progression.objects.filter(participant=locked).values_list("progression_date", flat=True)
        ),
        last_known_alive_date=record.last_known_alive_date,
        last_progression_free_date=record.last_progression_free_date,
        death_date=record.death_date,
        death_cause=record.death_cause,
        death_cause_detail=record.death_cause_detail,
        off_study_date=record.off_study_date,
        off_study_reason=record.off_study_reason,
        off_study_detail=record.off_study_detail,
    )
    problems = rules.follow_up_problems(facts, today=timezone.localdate())
    steps, status_problems = rules.status_steps(
        current_status=locked.status, history=status_history(locked), off_study_date=off_study_date, death_date=death_date
    )
    _raise(problems + status_problems)

    changed = clinical_record_save(instance=record, user=user, reason=reason, expected_version=expected_version)
    for step in steps:
        notes.append(_apply_status_step(locked, record, step, user=user, reason=reason))
    if (record.death_date, record.death_cause) != old_death:
        efficacy_data_changed()
    participant.status, participant.status_date, participant.version = locked.status, locked.status_date, locked.version
    return FollowUpSaved(follow_up=record, changed=changed or bool(steps), notes=notes if changed or steps else [])
