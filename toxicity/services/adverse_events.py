"""Writes of adverse events: record, correct, the investigator's electronic signature and the SAE
report sent.

Every write checks the rules of ``toxicity.rules.adverse_event`` (CTCAE v5.0, PROTOCOL §3, ICH
E2A), saves through ``core.services.clinical_record_save`` (audit row with who, when and why;
optimistic lock) and, when the AE is immune-related (or was before the change), applies
toripalimab's irAE dose rules (``toxicity.services.irae.irae_dose_rules_apply``) in the same
transaction.
"""

import datetime

from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import clinical_record_save
from enrollment.models import Participant, ParticipantStatus
from enrollment.services.screening import consent_withdrawn

from ..models import AdverseEvent, AdverseEventSignature, AeProposal, CtcaeTerm, LabResult
from ..rules.adverse_event import (
    AdverseEventFacts,
    Problem,
    adverse_event_problems,
    sae_report_sent_problems,
)
from ..selectors.adverse_events import valid_signature

# Participants whose adverse events can be recorded: enrolled and later, in follow-up too; off study
# or died only for AEs that began by the date of that status (the fatal AE is often entered after
# the death is recorded); never after consent was withdrawn.
AE_STATUSES = (
    ParticipantStatus.ENROLLED,
    ParticipantStatus.ON_TREATMENT,
    ParticipantStatus.FOLLOW_UP,
    ParticipantStatus.OFF_STUDY,
    ParticipantStatus.DIED,
)
_ENDED_STATUSES = (ParticipantStatus.OFF_STUDY, ParticipantStatus.DIED)

# The AdverseEvent fields a form (or a test) gives in ``values``.
AE_VALUE_FIELDS = (
    "term", "description", "grade", "current_grade", "onset_date", "resolution_date", "ongoing",
    "serious", "sae_death", "sae_life_threatening", "sae_hospitalisation", "sae_disability",
    "sae_congenital_anomaly", "sae_important_medical_event", "sae_awareness_at",
    "attribution_toripalimab", "attribution_cisplatin", "attribution_paclitaxel", "attribution_radiotherapy",
    "immune_related", "irae_category",
    "action_toripalimab", "action_cisplatin", "action_paclitaxel", "action_radiotherapy",
    "steroid_given", "steroid_drug", "steroid_start_date", "steroid_start_mg_per_day",
    "steroid_current_mg_per_day", "steroid_taper_note", "steroid_stop_date",
    "outcome", "death_date",
)  # fmt: skip
_TEXT_FIELDS = {"description", "irae_category", "steroid_drug", "steroid_taper_note"}


def ae_recording_closed_reason(participant: Participant) -> str | None:
    """Why no new adverse event can be recorded for ``participant`` now, or None when one can."""
    if consent_withdrawn(participant):
        return _("Consent was withdrawn: no new adverse event can be recorded for this participant.")
    if participant.status not in AE_STATUSES:
        return _("Adverse events are recorded from enrolment on; this participant is %(status)s.") % {
            "status": participant.get_status_display().lower(),
        }
    return None


@transaction.atomic
def adverse_event_record(
    *, participant: Participant, user: AbstractBaseUser, values: dict, lab_result: LabResult | None = None
) -> AdverseEvent:
    """Record a new adverse event, numbered 1, 2, 3... per participant.

    ``values`` holds AdverseEvent field values by name (``term`` a CtcaeTerm or its id). A serious
    AE without an awareness time becomes aware now. ``lab_result``, a proposed result of the same
    participant, is linked to the AE and marked confirmed (audited). Raises ``ValidationError``
    (messages by field) and saves nothing when the participant cannot have AEs recorded or the AE
    is inconsistent.
    """
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    closed = ae_recording_closed_reason(locked)
    if closed:
        raise ValidationError(closed, code="ae.participant.closed")
    result = _lockable_lab_result(lab_result, locked)
    number = (locked.adverse_events.aggregate(last=Max("number"))["last"] or 0) + 1
    adverse_event = AdverseEvent(participant=locked, number=number, recorded_by=user)
    _assign(adverse_event, values)
    _check(adverse_event, locked)
    clinical_record_save(instance=adverse_event, user=user)
    if result is not None:
        result.adverse_event = adverse_event
        result.ae_proposal = AeProposal.CONFIRMED
        clinical_record_save(
            instance=result, user=user, expected_version=result.version,
            reason=f"Confirmed as adverse event {adverse_event.number} ({adverse_event.term}, grade {adverse_event.grade})",
        )  # fmt: skip
    _apply_irae_rules(adverse_event, user=user, was_immune_related=False)
    return adverse_event


@transaction.atomic
def adverse_event_update(
    *, adverse_event: AdverseEvent, user: AbstractBaseUser, values: dict, expected_version: int, reason: str
) -> AdverseEvent:
    """Correct an adverse event (a reason for change is required). A change after the investigator
    signed makes the signature stale: it is valid only at the version signed."""
    stored = AdverseEvent.objects.select_for_update().select_related("participant").get(pk=adverse_event.pk)
    if stored.version != expected_version:
        # The shared save names who changed it and when, and refuses before anything is saved.
        clinical_record_save(instance=stored, user=user, reason=reason, expected_version=expected_version)
    was_immune_related = stored.immune_related
    _assign(stored, values)
    _check(stored, stored.participant)
    clinical_record_save(instance=stored, user=user, reason=reason, expected_version=expected_version)
    _apply_irae_rules(stored, user=user, was_immune_related=was_immune_related)
    return stored


@transaction.atomic
def adverse_event_sign(
    *, adverse_event: AdverseEvent, user: AbstractBaseUser, password: str, request=None
) -> AdverseEventSignature:
    """The investigator's electronic signature of the AE as it stands: re-entered password, meaning
    ``AdverseEventSignature.MEANING``, stored with name, time and the AE version signed (audited).
    Refused when the AE is already signed at this version."""
    if not user.has_perm("toxicity.sign_adverseevent"):
        raise PermissionDenied(_("Only an investigator can sign adverse events."))
    locked = AdverseEvent.objects.select_for_update().get(pk=adverse_event.pk)
    # Through the login backends when there is a request, so failed signatures count towards the
    # lock-out like failed logins.
    if request is not None:
        password_ok = authenticate(request, username=user.get_username(), password=password) is not None
    else:
        password_ok = user.check_password(password)
    if not password_ok:
        raise ValidationError({"password": ValidationError(
            _("The password is not correct; the signature was not recorded."), code="ae.signature.password"
        )})
    current = valid_signature(locked)
    if current is not None:
        raise ValidationError(
            _("AE %(number)s is already signed at this version by %(name)s on %(when)s.") % {
                "number": locked.number, "name": current.signer_name,
                "when": f"{timezone.localtime(current.signed_at):%Y-%m-%d %H:%M}",
            },
            code="ae.signature.already_signed",
        )  # fmt: skip
    signature = AdverseEventSignature(
        adverse_event=locked,
        ae_version=locked.version,
        signed_by=user,
        signer_name=user.get_full_name() or user.get_username(),
        signed_at=timezone.now(),
    )
    clinical_record_save(instance=signature, user=user, reason=AdverseEventSignature.MEANING)
    return signature


@transaction.atomic
def sae_report_mark_sent(
    *, adverse_event: AdverseEvent, user: AbstractBaseUser, sent_at: datetime.datetime, expected_version: int
) -> AdverseEvent:
    """Record when the SAE report was sent, which stops the 24-hour clock: not before the site
    became aware, not in the future. Once recorded it is not changed here."""
    locked = AdverseEvent.objects.select_for_update().get(pk=adverse_event.pk)
    if locked.sae_report_sent_at is not None:
        raise ValidationError(
            _("The SAE report was already marked sent at %(when)s.")
            % {"when": f"{timezone.localtime(locked.sae_report_sent_at):%Y-%m-%d %H:%M}"},
            code="ae.sae_report_sent_at.already_sent",
        )
    problems = sae_report_sent_problems(
        serious=locked.serious, awareness_at=locked.sae_awareness_at, sent_at=sent_at, now=timezone.now()
    )
    _raise(problems)
    locked.sae_report_sent_at = sent_at
    clinical_record_save(
        instance=locked, user=user, expected_version=expected_version,
        reason=f"SAE report sent at {timezone.localtime(sent_at):%Y-%m-%d %H:%M}",
    )  # fmt: skip
    return locked


# --- internals ---------------------------------------------------------------------------------------


def _lockable_lab_result(lab_result: LabResult | None, participant: Participant) -> LabResult | None:
    if lab_result is None:
        return None
    result = LabResult.objects.select_for_update().select_related("panel").get(pk=lab_result.pk)
    if result.panel.participant_id != participant.pk:
        raise ValidationError(_("That lab result belongs to another participant."),
                              code="ae.lab_result.other_participant")  # fmt: skip
    if result.ae_proposal != AeProposal.PROPOSED:
        raise ValidationError(
            _("That lab result is not awaiting confirmation as an adverse event (%(state)s).")
            % {"state": result.get_ae_proposal_display().lower()},
            code="ae.lab_result.not_proposed",
        )
    return result


def _assign(adverse_event: AdverseEvent, values: dict) -> None:
    unknown = set(values) - set(AE_VALUE_FIELDS)
    if unknown:
        raise ValueError(f"Not adverse-event fields: {', '.join(sorted(unknown))}")
    for name, value in values.items():
        if name == "term":
            if isinstance(value, CtcaeTerm):
                adverse_event.term = value
            elif value is None or value == "":
                adverse_event.term_id = None
            else:
                adverse_event.term_id = int(value)
            continue
        if name in _TEXT_FIELDS and value is None:
            value = ""
        setattr(adverse_event, name, value)
    if adverse_event.serious and adverse_event.sae_awareness_at is None:
        adverse_event.sae_awareness_at = timezone.now()


def _check(adverse_event: AdverseEvent, participant: Participant) -> None:
    """The rules of ``toxicity.rules.adverse_event`` on the unsaved AE; raises ``ValidationError``."""
    term = CtcaeTerm.objects.filter(pk=adverse_event.term_id).first() if adverse_event.term_id else None
    if term is None:
        raise ValidationError({"term": ValidationError(_("Choose a CTCAE v5.0 term."), code="ae.term.missing")})
    values = {name: getattr(adverse_event, name) for name in AE_VALUE_FIELDS if name != "term"}
    if values["sae_awareness_at"] is not None:
        values["sae_awareness_at"] = timezone.localtime(values["sae_awareness_at"])
    facts = AdverseEventFacts.from_values({**values, "term": term.term})
    problems = adverse_event_problems(
        facts,
        available_grades=term.available_grades(),
        today=timezone.localdate(),
        now=timezone.localtime(),
        enrolment_date=participant.enrolment_date,
    )
    onset = adverse_event.onset_date
    if participant.status in _ENDED_STATUSES and onset is not None and onset > participant.status_date:
        problems.append(Problem(
            "ae.onset_date.after_study_end", "onset_date",
            _("The participant is %(status)s since %(date)s; an AE beginning after that (%(onset)s) is not trial data.")
            % {"status": participant.get_status_display().lower(), "date": f"{participant.status_date:%Y-%m-%d}",
               "onset": f"{onset:%Y-%m-%d}"},
        ))  # fmt: skip
    _raise(problems)


def _raise(problems: list[Problem]) -> None:
    """Refuse with the problems' messages by field (whole-record ones as non-field errors), each
    carrying the rule's stable code (``ValidationError.code``)."""
    if not problems:
        return
    by_field: dict[str, list[ValidationError]] = {}
    for problem in problems:
        key = problem.field or NON_FIELD_ERRORS
        by_field.setdefault(key, []).append(ValidationError(problem.message, code=problem.code))
    if list(by_field) == [NON_FIELD_ERRORS]:
        raise ValidationError(by_field[NON_FIELD_ERRORS])
    raise ValidationError(by_field)


def _apply_irae_rules(adverse_event: AdverseEvent, *, user: AbstractBaseUser, was_immune_related: bool) -> None:
    """PROTOCOL §3: saving an immune-related AE (or one that was) re-applies toripalimab's dose rules."""
    if not (adverse_event.immune_related or was_immune_related):
        return
    from toxicity.services.irae import irae_dose_rules_apply

    irae_dose_rules_apply(participant=adverse_event.participant, user=user, today=timezone.localdate())
