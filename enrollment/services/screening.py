"""Screening, consent, the investigator's eligibility signature, screen failure and enrolment
(PROTOCOL §1). The rules decide; these functions check preconditions, save and audit."""

import datetime
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.services import clinical_record_save, sequence_next_value

from ..models import Consent, EligibilitySignature, Participant, ParticipantStatus, Screening
from ..rules.eligibility import EligibilityResult, evaluate
from ..rules.participant import in_the_future
from ..rules.plausibility import check_plausibility
from ..rules.screening_input import EVENT_QUESTIONS, SCREENING_KEYS, evaluation_data, form_field_for_key
from .participants import participant_change_status

STUDY_SEQUENCE = "study_number"
# Texts the system stores (audit reasons, status-change reasons, the criteria outcome signed) are
# written in English whatever the user's language, like every other stored system text.
STORED_TEXT_LANGUAGE = "en"
EDITABLE_SCREENING_FIELDS = tuple(
    f.name for f in Screening._meta.concrete_fields
    if f.editable and f.name not in {"id", "participant", "version", "created_at", "updated_at"}
)


def active_consent(participant: Participant) -> Consent | None:
    """The participant's current (latest, not withdrawn) consent."""
    consent = participant.consents.order_by("-consent_date", "-id").first()
    return consent if consent is not None and consent.withdrawn_on is None else None


def consent_withdrawn(participant: Participant) -> bool:
    return participant.consents.filter(withdrawn_on__isnull=False).exists()


def screening_evaluation(
    screening: Screening | None,
    participant: Participant,
    *,
    enrolment_date: datetime.date | None = None,
    values: Mapping[str, object] | None = None,
) -> EligibilityResult:
    """Evaluate PROTOCOL §1 for a participant from the saved screening (or unsaved ``values``)."""
    if values is None:
        values = {name: getattr(screening, name) for name in EDITABLE_SCREENING_FIELDS} if screening else {}
    consent = active_consent(participant)
    data = evaluation_data(
        values, date_of_birth=participant.date_of_birth, consent_date=consent.consent_date if consent else None
    )
    when = enrolment_date or values.get("planned_enrolment_date") or timezone.localdate()
    return evaluate(data, enrolment_date=when)


def plausibility_errors(values: Mapping[str, object], participant: Participant) -> dict[str, str]:
    """Implausible screening values, keyed by form field (the same check the form makes)."""
    data = {key: values.get(key) for key in (*SCREENING_KEYS, *EVENT_QUESTIONS)}
    data["date_of_birth"] = participant.date_of_birth
    problems = check_plausibility(data, today=timezone.localdate())
    errors = {form_field_for_key(k): v for k, v in problems.items() if form_field_for_key(k)}
    # The eligibility windows count back from this date (years, months): one before the patient
    # was born is a typing error, and one near year 1 cannot be counted back from at all.
    planned = values.get("planned_enrolment_date")
    if isinstance(planned, datetime.date) and planned < participant.date_of_birth:
        errors["planned_enrolment_date"] = _(
            "The planned enrolment date (%(date)s) is before the date of birth (%(born)s)."
        ) % {"date": f"{planned:%Y-%m-%d}", "born": f"{participant.date_of_birth:%Y-%m-%d}"}
    return errors


def _require_screening_open(participant: Participant) -> None:
    if consent_withdrawn(participant):
        raise ValidationError(_("Consent was withdrawn: no new data can be entered for this participant."))
    if participant.status != ParticipantStatus.SCREENING:
        raise ValidationError(
            _("Screening is closed: the participant is %(status)s.") % {
                "status": participant.get_status_display().lower()
            }
        )


@transaction.atomic
def screening_save(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    values: Mapping[str, object],
    expected_version: int | None = None,
    reason: str = "",
) -> Screening:
    """Save the screening data, complete or not, and cache the eligibility outcome for the log.
    The first save needs no reason; every later change does (audit trail)."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    _require_screening_open(participant)
    problems = plausibility_errors(values, participant)
    if problems:
        raise ValidationError(problems)
    screening = Screening.objects.filter(participant=participant).first() or Screening(participant=participant)
    for name in EDITABLE_SCREENING_FIELDS:
        if name in values:
            setattr(screening, name, values[name])
    result = screening_evaluation(None, participant, values={n: getattr(screening, n) for n in EDITABLE_SCREENING_FIELDS})
    screening.eligible = result.eligible
    screening.failed_criteria = list(result.failed)
    screening.missing_criteria = list(result.missing)
    clinical_record_save(instance=screening, user=user, reason=reason, expected_version=expected_version)
    return screening


@transaction.atomic
def consent_record(
    *, participant: Participant, user: AbstractBaseUser, icf_version: str, consent_date: datetime.date
) -> Consent:
    """Record informed consent taken by ``user`` (PROTOCOL §1 I9)."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    _require_screening_open(participant)
    errors = {}
    if consent_date > timezone.localdate():
        errors["consent_date"] = in_the_future(consent_date)
    elif consent_date < participant.date_of_birth:
        errors["consent_date"] = _("The consent date is before the date of birth.")
    if not icf_version.strip():
        errors["icf_version"] = _("Enter the version of the consent form signed.")
    if errors:
        raise ValidationError(errors)
    consent = Consent(participant=participant, icf_version=icf_version.strip(), consent_date=consent_date, obtained_by=user)
    clinical_record_save(instance=consent, user=user, reason="Informed consent obtained")
    return consent


@transaction.atomic
def consent_withdraw(
    *,
    consent: Consent,
    user: AbstractBaseUser,
    withdrawn_on: datetime.date,
    reason: str,
    expected_version: int,
) -> Consent:
    """Withdraw consent: the participant goes off study on that date, and no new data is accepted."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for withdrawal (kept in the audit trail).")})
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": in_the_future(withdrawn_on)})
    if withdrawn_on < consent.consent_date:
        raise ValidationError({"withdrawn_on": _("Consent cannot be withdrawn before it was given.")})
    if consent.withdrawn_on is not None:
        raise ValidationError(_("Consent was already withdrawn."))
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_reason = reason
    audit_reason = f"Consent withdrawn: {reason}"
    clinical_record_save(instance=consent, user=user, reason=audit_reason, expected_version=expected_version)
    participant = consent.participant
    if participant.status not in {ParticipantStatus.OFF_STUDY, ParticipantStatus.DIED, ParticipantStatus.SCREEN_FAILURE}:
        effective = max(withdrawn_on, participant.status_date)
        participant_change_status(
            participant=participant,
            user=user,
            expected_version=participant.version,
            new_status=ParticipantStatus.OFF_STUDY,
            effective_date=effective,
            reason=audit_reason,
            manual=False,
        )
    return consent


def _outcome_snapshot(result: EligibilityResult) -> list[dict]:
    return [{"id": cid, "status": o.status, "reason": o.reason} for cid, o in result.criteria.items()]


@transaction.atomic
def eligibility_sign(
    *, participant: Participant, user: AbstractBaseUser, password: str, request=None
) -> EligibilitySignature:
    """The investigator's electronic signature: re-entered password, meaning "I confirm this
    patient is eligible", stored with name, time and the exact criteria outcome signed."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    _require_screening_open(participant)
    # Through the login backends when there is a request, so failed signatures count towards the
    # lock-out like failed logins.
    if request is not None:
        password_ok = authenticate(request, username=user.get_username(), password=password) is not None
    else:
        password_ok = user.check_password(password)
    if not password_ok:
        raise ValidationError({"password": _("The password is not correct; the signature was not recorded.")})
    screening = Screening.objects.filter(participant=participant).first()
    if screening is None:
        raise ValidationError(_("There is no screening to sign."))
    if active_consent(participant) is None:
        raise ValidationError(_("Informed consent must be recorded before eligibility is signed (I9)."))
    enrolment_date = screening.planned_enrolment_date or timezone.localdate()
    with translation.override(STORED_TEXT_LANGUAGE):
        result = screening_evaluation(screening, participant, enrolment_date=enrolment_date)
    if result.eligible is not True:
        not_passed = ", ".join(result.failed + result.missing)
        raise ValidationError(
            _("Only an eligible patient can be signed off; not passed: %(criteria)s.") % {"criteria": not_passed}
        )
    signature = EligibilitySignature(
        participant=participant,
        screening_version=screening.version,
        signed_by=user,
        signer_name=user.get_full_name() or user.get_username(),
        signed_at=timezone.now(),
        enrolment_date=enrolment_date,
        criteria=_outcome_snapshot(result),
    )
    clinical_record_save(instance=signature, user=user, reason=EligibilitySignature.MEANING)
    return signature


def valid_signature(participant: Participant, screening: Screening | None) -> EligibilitySignature | None:
    """The latest signature if it was made on the screening as it stands now."""
    if screening is None:
        return None
    signature = participant.eligibility_signatures.order_by("-signed_at").first()
    if signature is None or signature.screening_version != screening.version:
        return None
    return signature


@transaction.atomic
def screening_fail(
    *, participant: Participant, user: AbstractBaseUser, effective_date: datetime.date, expected_version: int
) -> list[str]:
    """Record a screen failure with the failing criteria (the participant must fail one)."""
    screening = Screening.objects.filter(participant=participant).first()
    with translation.override(STORED_TEXT_LANGUAGE):
        result = screening_evaluation(screening, participant)
    if result.eligible is not False:
        raise ValidationError(_("A screen failure needs at least one criterion that fails."))
    reasons = "; ".join(f"{cid}: {result.criteria[cid].reason}" for cid in result.failed)
    participant_change_status(
        participant=participant,
        user=user,
        expected_version=expected_version,
        new_status=ParticipantStatus.SCREEN_FAILURE,
        effective_date=effective_date,
        reason=f"Screen failure — {reasons}",
        manual=False,
    )
    if screening is not None and list(screening.failed_criteria) != list(result.failed):
        screening.failed_criteria = list(result.failed)
        clinical_record_save(instance=screening, user=user, reason="Screen failure recorded")
    return list(result.failed)


@transaction.atomic
def participant_enrol(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    enrolment_date: datetime.date,
    planned_treatment_start: datetime.date,
    expected_version: int,
) -> Participant:
    """Enrol an eligible, consented, signed participant: the next study number, the planned
    treatment start, status "enrolled". Numbers are taken under a row lock (never shared)."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    _require_screening_open(locked)
    errors: dict[str, str] = {}
    if enrolment_date > timezone.localdate():
        errors["enrolment_date"] = in_the_future(enrolment_date)
    if planned_treatment_start < enrolment_date:
        errors["planned_treatment_start"] = _("Treatment cannot start before enrolment.")
    if errors:
        raise ValidationError(errors)
    screening = Screening.objects.filter(participant=locked).first()
    consent = active_consent(locked)
    if consent is None:
        raise ValidationError(_("No informed consent is recorded (I9)."))
    if valid_signature(locked, screening) is None:
        raise ValidationError(_("The investigator has not signed eligibility for the screening as it stands now."))
    result = screening_evaluation(screening, locked, enrolment_date=enrolment_date)
    if result.eligible is not True:
        problems = "; ".join(
            f"{cid}: {result.criteria[cid].reason}" for cid in result.failed + result.missing
        )
        raise ValidationError(
            _("Not eligible on %(date)s: %(problems)s") % {"date": f"{enrolment_date:%Y-%m-%d}", "problems": problems}
        )
    number = sequence_next_value(name=STUDY_SEQUENCE)
    participant.study_number = settings.STUDY_NUMBER_FORMAT.format(number=number)
    participant.enrolment_date = enrolment_date
    participant.planned_treatment_start = planned_treatment_start
    participant_change_status(
        participant=participant,
        user=user,
        expected_version=expected_version,
        new_status=ParticipantStatus.ENROLLED,
        effective_date=enrolment_date,
        reason=f"Enrolled as {participant.study_number}; planned treatment start {planned_treatment_start:%Y-%m-%d}",
        manual=False,
    )
    return participant
