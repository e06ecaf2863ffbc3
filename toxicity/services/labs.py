"""Lab panels: recording and correcting a panel with every value graded by CTCAE v5.0, and the
coordinator dismissing an adverse event a graded value proposed.

Grading (``toxicity.rules.lab_panel.grade_analyte``) uses ``toxicity.rules.ctcae.grade_lab_detail`` against the analyte's
CTCAE term(s) declared in ``trialsite.protocol.labs``. An analyte with a low and a high term
(potassium: Hypokalemia / Hyperkalemia) keeps the side with grade >= 1; when neither side is graded
>= 1 it stores grade 0 with the term of the side the value lies on (below the middle of the lab's
range: the low term). An analyte without a term (TSH, free T4, urea) stores grade None.

The baseline passed to CTCAE's "if baseline was abnormal" rules is the participant's earliest value
of the analyte collected on or before the treatment start, from another panel collected no later
than this one (``toxicity.selectors.labs.lab_baseline``).

Adverse-event proposals (``LabResult.ae_proposal``), our resolution of the issue's wording:
- a new value of grade >= 1 is PROPOSED, any other NONE;
- on a correction, a CONFIRMED value stays CONFIRMED and keeps its adverse event (the AE form is
  where its grade is changed); otherwise a value now graded 0 or not graded goes back to NONE, and
  a PROPOSED or DISMISSED value whose grade or term changed to another grade >= 1 is PROPOSED
  again (a dismissal covered the old grade only); an unchanged DISMISSED value stays dismissed;
- only a PROPOSED value can be dismissed, with a reason kept in the audit trail.
A value removed on correction is deleted with the reason in its history, except a CONFIRMED one.
Recording a panel does not re-grade the participant's other panels (their baseline may change when
an earlier pre-treatment panel is added): correcting such a panel re-grades it.

Which participants: enrolled, on treatment or in follow-up; off study or died only for samples
collected up to the date of that status; never after consent was withdrawn (PROTOCOL §4 "blood
samples" are trial data only for consenting, enrolled participants).
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import REASON_REQUIRED_MESSAGE, clinical_record_save, stale_record_error
from enrollment.models import Participant, ParticipantStatus
from enrollment.services.screening import consent_withdrawn
from trialsite.protocol.labs import ANALYTE_BY_CODE, ANALYTES

from ..labels import analyte_label
from ..models import AeProposal, LabPanel, LabResult
from ..rules.ctcae import LabGradingError, lab_criteria
from ..rules.ctcae_lab_criteria import Ref
from ..rules.lab_panel import AnalyteGrade, grade_analyte
from ..selectors.labs import lab_baseline

# (value, LLN, ULN) per analyte code; a None value means "not measured".
LabValues = Mapping[str, tuple[Decimal | None, Decimal | None, Decimal | None]]

OPEN_STATUSES = (ParticipantStatus.ENROLLED, ParticipantStatus.ON_TREATMENT, ParticipantStatus.FOLLOW_UP)
ENDED_STATUSES = (ParticipantStatus.OFF_STUDY, ParticipantStatus.DIED)

# LabResult.value / lln / uln: max_digits=10, decimal_places=3.
_DECIMAL_PLACES = 3
_INTEGER_DIGITS = 7


def value_field(code: str) -> str:
    return f"{code}_value"


def lln_field(code: str) -> str:
    return f"{code}_lln"


def uln_field(code: str) -> str:
    return f"{code}_uln"


# --- who and when ---------------------------------------------------------------------------------


def lab_recording_closed_reason(participant: Participant) -> str | None:
    """Why no lab results can be entered for ``participant``, or None when they can."""
    if consent_withdrawn(participant):
        return _("Consent was withdrawn: no lab results can be entered for this participant.")
    if participant.status not in OPEN_STATUSES + ENDED_STATUSES:
        return _(
            "Lab panels can be recorded only for enrolled participants (enrolled, on treatment, follow-up); "
            "this one is %(status)s."
        ) % {"status": participant.get_status_display().lower()}
    return None


def collected_on_errors(participant: Participant, collected_on: datetime.date | None) -> dict[str, str]:
    """The collection date must not be in the future, nor after the participant left the study."""
    if collected_on is None:
        return {"collected_on": _("Give the date the sample was collected.")}
    if collected_on > timezone.localdate():
        return {"collected_on": _("%(date)s is in the future.") % {"date": f"{collected_on:%Y-%m-%d}"}}
    if participant.status in ENDED_STATUSES and collected_on > participant.status_date:
        return {
            "collected_on": _(
                "The participant is %(status)s since %(date)s: a sample collected after that is not trial data."
            ) % {"status": participant.get_status_display().lower(), "date": f"{participant.status_date:%Y-%m-%d}"}
        }
    return {}


def _require_open(participant: Participant) -> Participant:
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    reason = lab_recording_closed_reason(locked)
    if reason:
        raise ValidationError(reason)
    return locked


# --- grading --------------------------------------------------------------------------------------


def _check_number(name: str, amount: object, errors: dict[str, str], *, label: str) -> Decimal | None:
    if amount is None:
        return None
    try:
        number = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        errors[name] = _("%(label)s: enter a number.") % {"label": label}
        return None
    if isinstance(amount, bool) or not number.is_finite():
        errors[name] = _("%(label)s: enter a finite number.") % {"label": label}
    elif number < 0:
        errors[name] = _("%(label)s cannot be negative.") % {"label": label}
    elif number >= 10**_INTEGER_DIGITS or number != number.quantize(Decimal(1).scaleb(-_DECIMAL_PLACES)):
        errors[name] = _("%(label)s: Use at most 7 digits before the decimal point and 3 after it.") % {"label": label}
    else:
        return number
    return None


def lab_values_errors(values: LabValues) -> dict[str, str]:
    """Everything wrong with a panel's values, keyed by form field (``<code>_value``, ``<code>_lln``,
    ``<code>_uln``): at least one value, numbers finite, >= 0 and within the stored digits, LLN below
    ULN, and the LLN/ULN a graded term needs (``MissingReferenceError``) present and above 0."""
    errors: dict[str, str] = {}
    unknown = sorted(code for code in values if code not in ANALYTE_BY_CODE)
    if unknown:
        errors[NON_FIELD_ERRORS] = _("Unknown analyte(s): %(codes)s.") % {"codes": ", ".join(unknown)}
    if not any(entry[0] is not None for code, entry in values.items() if code in ANALYTE_BY_CODE):
        errors.setdefault(NON_FIELD_ERRORS, _("Enter at least one value."))
    for analyte in ANALYTES:
        if analyte.code not in values:
            continue
        raw_value, raw_lln, raw_uln = values[analyte.code]
        if raw_value is None:
            continue  # not measured: its range is neither checked nor saved
        value = _check_number(value_field(analyte.code), raw_value, errors,
                              label=_("%(analyte)s value") % {"analyte": analyte_label(analyte)})  # fmt: skip
        lln = _check_number(lln_field(analyte.code), raw_lln, errors, label=_("LLN"))
        uln = _check_number(uln_field(analyte.code), raw_uln, errors, label=_("ULN"))
        if lln is not None and uln is not None and lln >= uln:
            errors[uln_field(analyte.code)] = _("The ULN must be above the LLN (%(lln)s).") % {"lln": f"{lln.normalize():f}"}
            continue
        if value is None or any(name in errors for name in _fields(analyte.code)):
            continue
        missing = False
        for term in analyte.terms:
            needed = lab_criteria(term).references
            for ref, given, field, name in ((Ref.LLN, lln, lln_field, "LLN"), (Ref.ULN, uln, uln_field, "ULN")):
                if ref not in needed or field(analyte.code) in errors:
                    continue
                if given is None:
                    errors[field(analyte.code)] = _("%(term)s cannot be graded without the lab's %(reference)s.") % {
                        "term": term, "reference": name,
                    }
                    missing = True
                elif given == 0:
                    errors[field(analyte.code)] = _("The %(reference)s must be above 0 to grade %(term)s.") % {
                        "reference": name, "term": term,
                    }
                    missing = True
        if missing:
            continue
        try:
            grade_analyte(analyte, value, lln=lln, uln=uln)
        except LabGradingError as error:
            errors[value_field(analyte.code)] = str(error)
    return errors


def _fields(code: str) -> tuple[str, str, str]:
    return value_field(code), lln_field(code), uln_field(code)


def _entered(values: LabValues) -> dict[str, tuple[Decimal, Decimal | None, Decimal | None]]:
    return {code: entry for code, entry in values.items() if code in ANALYTE_BY_CODE and entry[0] is not None}


def _grade_result(result: LabResult, *, participant: Participant, collected_on: datetime.date) -> AnalyteGrade:
    analyte = ANALYTE_BY_CODE[result.analyte]
    baseline = None
    if analyte.graded:
        baseline = lab_baseline(participant, analyte.code, collected_on=collected_on, exclude_panel_id=result.panel_id)
    found = grade_analyte(analyte, result.value, lln=result.lln, uln=result.uln, baseline=baseline)
    result.baseline = baseline
    result.ctcae_term = found.term
    result.grade = found.grade
    result.grade_basis = found.basis
    return found


def next_proposal(*, current: str, old: tuple[str, int | None], new: tuple[str, int | None]) -> str:
    """What becomes of a saved value's adverse-event proposal when it is re-graded from ``old`` to
    ``new`` (each ``(term, grade)``); see the module docstring."""
    if current == AeProposal.CONFIRMED:
        return AeProposal.CONFIRMED
    grade = new[1]
    if grade is None or grade < 1:
        return AeProposal.NONE
    if current == AeProposal.DISMISSED and new == old:
        return AeProposal.DISMISSED
    return AeProposal.PROPOSED


# --- writes ---------------------------------------------------------------------------------------


@transaction.atomic
def lab_panel_record(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    collected_on: datetime.date,
    laboratory: str = "",
    note: str = "",
    values: LabValues,
) -> LabPanel:
    """Record a lab panel with every value graded by CTCAE v5.0; a value of grade >= 1 proposes an
    adverse event. Nothing is saved when any value is refused."""
    locked = _require_open(participant)
    errors = {**collected_on_errors(locked, collected_on), **lab_values_errors(values)}
    if errors:
        raise ValidationError(errors)
    panel = LabPanel(
        participant=locked,
        collected_on=collected_on,
        laboratory=(laboratory or "").strip(),
        note=(note or "").strip(),
        recorded_by=user,
    )
    clinical_record_save(instance=panel, user=user, reason="Lab panel entered")
    for code, (value, lln, uln) in _entered(values).items():
        result = LabResult(
            panel=panel, analyte=code, unit=ANALYTE_BY_CODE[code].unit, value=value, lln=lln, uln=uln
        )
        found = _grade_result(result, participant=locked, collected_on=collected_on)
        result.ae_proposal = AeProposal.PROPOSED if (found.grade or 0) >= 1 else AeProposal.NONE
        clinical_record_save(instance=result, user=user, reason="Lab value entered and graded (CTCAE v5.0)")
    return panel


def result_versions(panel: LabPanel) -> dict[str, int]:
    """The version of each stored result of ``panel`` (analyte code -> version), which an edit form
    carries so that a value changed by someone else meanwhile is not overwritten."""
    return dict(panel.results.values_list("analyte", "version"))


@transaction.atomic
def lab_panel_update(
    *,
    panel: LabPanel,
    user: AbstractBaseUser,
    collected_on: datetime.date,
    laboratory: str = "",
    note: str = "",
    values: LabValues,
    expected_version: int,
    reason: str,
    expected_result_versions: Mapping[str, int] | None = None,
) -> LabPanel:
    """Correct a saved panel (audited with ``reason``): values are re-graded and their adverse-event
    proposals follow ``next_proposal``; a value left blank is removed (refused when it is linked to
    an adverse event). ``expected_result_versions`` (from ``result_versions``) refuses the save when
    another user changed a value meanwhile."""
    reason = (reason or "").strip()
    locked = _require_open(panel.participant)
    stored_panel = LabPanel.objects.select_for_update().get(pk=panel.pk)
    if stored_panel.version != expected_version:
        raise stale_record_error(stored_panel)
    stored = {result.analyte: result for result in LabResult.objects.select_for_update().filter(panel=stored_panel)}
    if expected_result_versions is not None:
        for code in set(stored) | set(expected_result_versions):
            if code not in stored or expected_result_versions.get(code) != stored[code].version:
                raise stale_record_error(stored.get(code) or stored_panel)
    errors = {**collected_on_errors(locked, collected_on), **lab_values_errors(values)}
    entered = _entered(values)
    for code, result in stored.items():
        if code not in entered and result.ae_proposal == AeProposal.CONFIRMED:
            errors[value_field(code)] = _(
                "This value is recorded as an adverse event and cannot be removed; correct it instead."
            )
    if not reason:
        errors["reason_for_change"] = REASON_REQUIRED_MESSAGE
    if errors:
        raise ValidationError(errors)

    stored_panel.collected_on = collected_on
    stored_panel.laboratory = (laboratory or "").strip()
    stored_panel.note = (note or "").strip()
    clinical_record_save(instance=stored_panel, user=user, reason=reason, expected_version=expected_version)
    for code, result in stored.items():
        if code not in entered:
            result._change_reason = f"Value removed: {reason}"
            result._history_user = user
            result.delete()
    for code, (value, lln, uln) in entered.items():
        result = stored.get(code)
        if result is None:
            result = LabResult(panel=stored_panel, analyte=code, unit=ANALYTE_BY_CODE[code].unit)
            old, current = ("", None), None
        else:
            old, current = (result.ctcae_term, result.grade), result.ae_proposal
        result.value, result.lln, result.uln = value, lln, uln
        found = _grade_result(result, participant=locked, collected_on=collected_on)
        if current is None:
            result.ae_proposal = AeProposal.PROPOSED if (found.grade or 0) >= 1 else AeProposal.NONE
        else:
            result.ae_proposal = next_proposal(current=current, old=old, new=(found.term, found.grade))
        if result.ae_proposal != AeProposal.DISMISSED:
            result.dismiss_reason = ""
        clinical_record_save(instance=result, user=user, reason=reason, expected_version=result.version)
    return stored_panel


@transaction.atomic
def lab_result_dismiss(*, result: LabResult, user: AbstractBaseUser, reason: str, expected_version: int) -> LabResult:
    """The coordinator decides a proposed adverse event is not one, with a reason (audited). Only a
    PROPOSED value can be dismissed."""
    _require_open(result.panel.participant)
    locked = LabResult.objects.select_for_update().select_related("panel").get(pk=result.pk)
    if locked.version != expected_version:
        raise stale_record_error(locked)
    reason = (reason or "").strip()
    if locked.ae_proposal != AeProposal.PROPOSED:
        raise ValidationError(
            _("Only a proposed adverse event can be dismissed; this value is %(state)s.")
            % {"state": locked.get_ae_proposal_display().lower()}
        )
    if not reason:
        raise ValidationError({"reason": _("Give the reason for dismissing the proposed adverse event.")})
    locked.ae_proposal = AeProposal.DISMISSED
    locked.dismiss_reason = reason
    clinical_record_save(
        instance=locked, user=user, reason=f"Proposed adverse event dismissed: {reason}", expected_version=expected_version
    )
    return locked
