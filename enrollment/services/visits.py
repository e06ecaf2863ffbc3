"""Visits of the schedule (PROTOCOL §4; the paper's Table 2): recorded as done on a date or missed
with a reason, unscheduled visits, and what became of each form a done visit expects. The rules in
``enrollment.rules.visits`` decide windows and deviations; these functions check preconditions,
save and audit (``core.services.clinical_record_save``).

``today`` is a parameter of every write (default: the local date) so that the date checks can be
tested on fixed dates.
"""

import datetime
from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import clinical_record_save, stale_record_error
from trialsite.protocol.visits import FORM_LABELS

from ..models import (
    UNSCHEDULED,
    Participant,
    ParticipantStatus,
    Visit,
    VisitForm,
    VisitFormState,
    VisitOutcome,
)
from ..rules.visits import ScheduledVisit, VisitStatus, visit_schedule, visit_status, window_deviation
from .screening import consent_withdrawn

VISIT_STATUSES = (
    ParticipantStatus.ENROLLED,
    ParticipantStatus.ON_TREATMENT,
    ParticipantStatus.FOLLOW_UP,
    ParticipantStatus.OFF_STUDY,
    ParticipantStatus.DIED,
)
ENDED_STATUSES = (ParticipantStatus.OFF_STUDY, ParticipantStatus.DIED)


# --- reads the writes need -------------------------------------------------------------------------


def visit_recording_closed_reason(participant: Participant) -> str | None:
    """Why no visit can be recorded for ``participant``, or None when visits can be recorded."""
    if consent_withdrawn(participant):
        return _("Consent was withdrawn: no visit can be recorded for this participant.")
    if participant.status not in VISIT_STATUSES or participant.planned_treatment_start is None:
        return _(
            "Visits are recorded only for enrolled participants (with a planned treatment start); "
            "this one is %(status)s."
        ) % {"status": participant.get_status_display().lower()}
    return None


def participant_schedule(participant: Participant) -> list[ScheduledVisit]:
    """The participant's protocol visits (targets count from the planned treatment start)."""
    if participant.planned_treatment_start is None:
        return []
    return visit_schedule(participant.planned_treatment_start)


def scheduled_visit(participant: Participant, visit_code: str) -> ScheduledVisit | None:
    """The visit ``visit_code`` of the participant's schedule, or None when there is no such visit."""
    return next((visit for visit in participant_schedule(participant) if visit.code == visit_code), None)


def _require_open(participant: Participant) -> Participant:
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    reason = visit_recording_closed_reason(locked)
    if reason:
        raise ValidationError(reason)
    return locked


def _date_errors(
    participant: Participant, visit_date: datetime.date | None, *, today: datetime.date
) -> dict[str, str]:
    """A visit date is given, not in the future, not before screening, not after the study ended."""
    if visit_date is None:
        return {"visit_date": _("Enter the date of the visit.")}
    if visit_date > today:
        return {
            "visit_date": _("%(date)s is in the future: record a visit once it has taken place.") % {
                "date": f"{visit_date:%Y-%m-%d}"
            }
        }
    if visit_date < participant.screening_date:
        return {
            "visit_date": _("%(date)s is before the participant was screened (%(screened)s).") % {
                "date": f"{visit_date:%Y-%m-%d}", "screened": f"{participant.screening_date:%Y-%m-%d}"
            }
        }
    if participant.status in ENDED_STATUSES and visit_date > participant.status_date:
        return {
            "visit_date": _("The participant is %(status)s since %(date)s: a visit after that is not trial data.") % {
                "status": participant.get_status_display().lower(), "date": f"{participant.status_date:%Y-%m-%d}"
            }
        }
    return {}


def _apply_outcome(
    visit: Visit,
    scheduled: ScheduledVisit,
    *,
    participant: Participant,
    outcome: str,
    visit_date: datetime.date | None,
    missed_reason: str,
    window_note: str,
    note: str,
    today: datetime.date,
) -> None:
    """Check the outcome against PROTOCOL §4 (window) and set the visit's fields, or raise."""
    missed_reason = (missed_reason or "").strip()
    window_note = (window_note or "").strip()
    errors: dict[str, str] = {}
    if outcome == VisitOutcome.DONE:
        errors.update(_date_errors(participant, visit_date, today=today))
        if not errors:
            deviation = window_deviation(scheduled, visit_date)
            if deviation is None:
                window_note = ""
            elif not window_note:
                errors["window_note"] = _("%(deviation)s Say why the visit is outside its window.") % {
                    "deviation": deviation.message
                }
        missed_reason = ""
    elif outcome == VisitOutcome.MISSED:
        if visit_date is not None:
            errors["visit_date"] = _("A missed visit has no date: leave the date blank.")
        if not missed_reason:
            errors["missed_reason"] = _("Say why the visit was missed.")
        if visit_status(scheduled, today=today) == VisitStatus.UPCOMING:
            errors["outcome"] = _("%(visit)s cannot be recorded as missed before its window opens (%(date)s).") % {
                "visit": scheduled.label, "date": f"{scheduled.window_start:%Y-%m-%d}"
            }
        if visit.pk is not None and visit.forms.exists():
            errors["outcome"] = _("Forms are recorded for this visit: it cannot become a missed visit.")
        window_note = ""
    else:
        errors["outcome"] = _("Choose whether the visit was done or missed.")
    if errors:
        raise ValidationError(errors)
    visit.outcome = outcome
    visit.visit_date = visit_date if outcome == VisitOutcome.DONE else None
    visit.missed_reason = missed_reason
    visit.window_note = window_note
    visit.note = (note or "").strip()


# --- writes ---------------------------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    visit_code: str,
    outcome: str,
    visit_date: datetime.date | None = None,
    missed_reason: str = "",
    window_note: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> Visit:
    """Record a visit of the participant's schedule as done (on a date, with a note when outside its
    window, PROTOCOL §4) or missed (with a reason). Each scheduled visit is recorded once; a
    correction goes through ``visit_update``."""
    today = today or timezone.localdate()
    participant = _require_open(participant)
    scheduled = scheduled_visit(participant, visit_code)
    if scheduled is None:
        raise ValidationError(
            {"visit_code": _("%(code)s is not a visit of this participant's schedule.") % {"code": repr(visit_code)}}
        )
    existing = Visit.objects.filter(participant=participant, visit_code=visit_code).first()
    if existing is not None:
        raise ValidationError(
            {
                "visit_code": _("%(visit)s is already recorded (%(record)s): correct that record instead.") % {
                    "visit": scheduled.label, "record": existing
                }
            }
        )
    visit = Visit(participant=participant, visit_code=visit_code, recorded_by=user)
    _apply_outcome(
        visit, scheduled, participant=participant, outcome=outcome, visit_date=visit_date,
        missed_reason=missed_reason, window_note=window_note, note=note, today=today,
    )  # fmt: skip
    clinical_record_save(instance=visit, user=user, reason="Visit recorded")
    return visit


@transaction.atomic
def visit_update(
    *,
    visit: Visit,
    user: AbstractBaseUser,
    outcome: str,
    visit_date: datetime.date | None = None,
    missed_reason: str = "",
    window_note: str = "",
    note: str = "",
    expected_version: int,
    reason: str,
    today: datetime.date | None = None,
) -> Visit:
    """Correct a recorded scheduled visit (same rules as ``visit_record``; audited with ``reason``,
    refused when someone saved the visit since ``expected_version`` was loaded)."""
    today = today or timezone.localdate()
    if visit.unscheduled:
        raise ValidationError(_("An unscheduled visit is corrected on its own form."))
    participant = _require_open(visit.participant)
    stored = Visit.objects.select_for_update().get(pk=visit.pk)
    if stored.version != expected_version:
        raise stale_record_error(stored)
    scheduled = scheduled_visit(participant, stored.visit_code)
    if scheduled is None:
        raise ValidationError(
            _("%(code)s is no longer a visit of this participant's schedule.") % {"code": repr(stored.visit_code)}
        )
    _apply_outcome(
        stored, scheduled, participant=participant, outcome=outcome, visit_date=visit_date,
        missed_reason=missed_reason, window_note=window_note, note=note, today=today,
    )  # fmt: skip
    clinical_record_save(instance=stored, user=user, reason=reason, expected_version=expected_version)
    return stored


@transaction.atomic
def visit_unscheduled_record(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    visit_date: datetime.date | None,
    reason: str,
    note: str = "",
    today: datetime.date | None = None,
) -> Visit:
    """Record an unscheduled visit: its date and why it took place (PROTOCOL §4 lists only the
    scheduled ones; any other contact is recorded here)."""
    today = today or timezone.localdate()
    participant = _require_open(participant)
    errors = _date_errors(participant, visit_date, today=today)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why the unscheduled visit took place.")
    if errors:
        raise ValidationError(errors)
    visit = Visit(
        participant=participant,
        visit_code=UNSCHEDULED,
        outcome=VisitOutcome.DONE,
        visit_date=visit_date,
        unscheduled_reason=reason,
        note=(note or "").strip(),
        recorded_by=user,
    )
    clinical_record_save(instance=visit, user=user, reason="Unscheduled visit recorded")
    return visit


def visit_forms_closed_reason(visit: Visit) -> str | None:
    """Why the forms of ``visit`` cannot be recorded, or None when they can."""
    if visit.unscheduled:
        return _("An unscheduled visit expects no protocol forms.")
    if visit.outcome != VisitOutcome.DONE:
        return _("Forms are recorded only for a visit that was done; this visit was missed.")
    return visit_recording_closed_reason(visit.participant)


@transaction.atomic
def visit_forms_save(
    *,
    visit: Visit,
    user: AbstractBaseUser,
    states: Mapping[str, tuple[str, str]],
    reason: str = "",
    expected_versions: Mapping[str, int] | None = None,
) -> list[VisitForm]:
    """Record each expected form of a done visit as entered or not done (with a reason), Table 2.

    ``states`` maps a form code to ``(state, reason)``; a blank state leaves a form without a record
    (missing). Only forms the visit expects are accepted. Changing a saved state needs ``reason``
    (audit trail) and, when given, the version loaded (``expected_versions``). Errors are keyed by
    form code. Returns the rows saved or changed.
    """
    visit = Visit.objects.select_related("participant").get(pk=visit.pk)
    _require_open(visit.participant)
    closed = visit_forms_closed_reason(visit)
    if closed:
        raise ValidationError(closed)
    scheduled = scheduled_visit(visit.participant, visit.visit_code)
    expected = set(scheduled.expected_forms) if scheduled else set()
    existing = {row.form: row for row in VisitForm.objects.select_for_update().filter(visit=visit)}
    expected_versions = expected_versions or {}
    errors: dict[str, str] = {}
    changes: list[tuple[VisitForm, str, str]] = []
    for code, (state, form_reason) in states.items():
        state = state or ""
        form_reason = (form_reason or "").strip()
        label = FORM_LABELS.get(code, code)
        if code not in expected:
            errors[code] = _("%(form)s is not a form this visit expects.") % {"form": label}
            continue
        row = existing.get(code)
        if not state:
            if row is not None:
                errors[code] = _("%(form)s is already recorded as %(state)s: it cannot be cleared.") % {
                    "form": label, "state": row.get_state_display().lower()
                }
            continue
        if state not in VisitFormState.values:
            errors[code] = _("Choose entered or not done for %(form)s.") % {"form": label}
            continue
        if state == VisitFormState.NOT_DONE and not form_reason:
            errors[code] = _("Say why %(form)s was not done.") % {"form": label}
            continue
        if state == VisitFormState.ENTERED:
            form_reason = ""
        if row is not None and code in expected_versions and row.version != expected_versions[code]:
            raise stale_record_error(row)
        if row is None or row.state != state or row.reason != form_reason:
            changes.append((row or VisitForm(visit=visit, form=code, recorded_by=user), state, form_reason))
    if errors:
        raise ValidationError(errors)
    if any(row.pk is not None for row, _, _ in changes) and not (reason or "").strip():
        raise ValidationError(
            {"reason_for_change": _("Give a reason for changing a saved form state (kept in the audit trail).")}
        )
    saved = []
    for row, state, form_reason in changes:
        editing = row.pk is not None
        row.state = state
        row.reason = form_reason
        clinical_record_save(
            instance=row,
            user=user,
            reason=reason if editing else "Form state recorded",
            expected_version=row.version if editing else None,
        )
        saved.append(row)
    return saved
