"""Tumour assessments (RECIST 1.1): the baseline, which declares the target and non-target lesions,
the follow-ups, which measure them, and the investigator's confirmation of each follow-up's
overall response.

The clinical decisions are ``efficacy.rules.recist``'s: the target selection checks (sections 3.1
and 4.2), the recorded diameters (5 mm too small, 0 mm disappeared; section 4.3.2), the nadir
(section 4.3.1), the target response and the overall response (section 4.4.1, tables 1 and 2).
``follow_up_preview`` and the saves run the same computation (``_Series.compute``), so the values
the form shows while typing are the values stored.

Our resolutions where the issue is silent:
- Only an enrolled participant (enrolment date set) whose consent stands has assessments recorded;
  after off study or death, only imaging dated up to that status date.
- One baseline per participant, dated before every follow-up and not in the future; no two
  assessments of a participant on the same date.
- "No target lesion" (``recist.target.none``) is allowed when there is at least one non-target
  lesion: non-target disease only, whose response follows RECIST 1.1 table 2.
- Lesion labels are T1..T5 and NT1..; a lesion keeps its label for good, a new one takes the
  lowest free number. A lesion measured at a follow-up cannot be removed; its size, organ and
  location can be corrected, and every follow-up is then recomputed.
- At a stored follow-up, a target lesion without a measurement (declared at baseline after the
  follow-up was saved) counts as not evaluated, and a missing non-target status (non-target
  lesions added at baseline later) as NE, until the follow-up is corrected.
- Saving or correcting any assessment recomputes every other follow-up of the participant (a nadir
  may change); each one that changes is saved with the reason "Recomputed: ...", which raises its
  version and so voids its confirmation, by design.
- A confirmation holds for the assessment version it was given at. The investigator may replace a
  valid confirmation with a different response (with a reason); the same response twice is refused.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import REASON_REQUIRED_MESSAGE, clinical_record_save, stale_record_error
from enrollment.models import Participant, ParticipantStatus
from enrollment.services.screening import consent_withdrawn
from enrollment.services.visits import participant_schedule
from trialsite.protocol.visits import TUMOUR_ASSESSMENT

from ..models import (
    AssessmentKind,
    BaselineNodes,
    ImagingMethod,
    Lesion,
    LesionKind,
    LesionMeasurement,
    MeasurementStatus,
    NewLesions,
    NonTargetResponse,
    ResponseConfirmation,
    TumourAssessment,
)
from ..rules import recist
from .notify import efficacy_data_changed

ENDED_STATUSES = (ParticipantStatus.OFF_STUDY, ParticipantStatus.DIED)

# Names of the inputs, shared with the forms so that a refusal lands next to its field.
TARGETS = "targets"
NON_TARGETS = "non_targets"


def lesion_field(group: str, index: int, name: str) -> str:
    """The input of lesion ``index`` (0-based, in the order given) of ``targets`` / ``non_targets``."""
    return f"{group}-{index}-{name}"


def measurement_field(lesion_id: int, name: str) -> str:
    """A follow-up input of one target lesion: ``status``, ``diameter_mm`` or ``version``."""
    return f"lesion_{lesion_id}_{name}"


@dataclass(frozen=True)
class LesionInput:
    """A lesion as entered on the baseline form. ``lesion_id`` (with the ``expected_version``
    loaded) names a saved lesion being kept; ``None`` a new one. Diameter and slice thickness are
    read for target lesions only (non-target lesions are not measured)."""

    organ: str
    location: str = ""
    is_lymph_node: bool = False
    diameter_mm: Decimal | None = None
    slice_thickness_mm: Decimal | None = None
    lesion_id: int | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class MeasurementInput:
    """One baseline target lesion at a follow-up; ``diameter_mm`` is read only when measured."""

    status: str
    diameter_mm: Decimal | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class FollowUpResult:
    """What a follow-up computes (and stores): sums, changes and responses."""

    has_targets: bool
    has_non_targets: bool
    target: recist.TargetAssessment | None  # None without target lesions
    non_target_response: str | None  # None without non-target lesions, or not chosen yet (preview)
    overall_response: str | None  # None only in a preview whose non-target status is not chosen yet

    @property
    def target_sum_mm(self) -> Decimal | None:
        return self.target.sum_mm if self.target else None

    @property
    def target_response(self) -> str:
        return self.target.response if self.target else ""


# --- who and when --------------------------------------------------------------------------------


def assessment_recording_closed_reason(participant: Participant) -> str | None:
    """Why no tumour assessment can be recorded for ``participant``, or None when one can."""
    if participant.enrolment_date is None:
        return _("Tumour assessments are recorded for enrolled participants; this one is %(status)s.") % {
            "status": participant.get_status_display().lower()
        }
    if consent_withdrawn(participant):
        return _("Consent was withdrawn: no tumour assessment can be recorded for this participant.")
    return None


def tumour_assessment_visits(participant: Participant):
    """The participant's scheduled visits that expect a tumour assessment (PROTOCOL §4, Table 2)."""
    return [visit for visit in participant_schedule(participant) if TUMOUR_ASSESSMENT in visit.expected_forms]


def _require_open(participant: Participant) -> Participant:
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    reason = assessment_recording_closed_reason(locked)
    if reason:
        raise ValidationError(reason, code="assessment.participant.closed")
    return locked


class _Errors:
    """Refusals by input name, each with a stable code; raised together."""

    def __init__(self):
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code))

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _check_common(
    errors: _Errors,
    participant: Participant,
    *,
    assessment_date: datetime.date | None,
    imaging_method: str,
    visit_code: str,
    today: datetime.date,
    exclude_id: int | None,
) -> None:
    """Date (given, not in the future, not after the participant left the study, not the date of
    another assessment), imaging method, and the visit (one of the schedule's, or none)."""
    if assessment_date is None:
        errors.add("assessment_date", _("Give the imaging date."), "assessment.date.missing")
    elif assessment_date > today:
        errors.add(
            "assessment_date",
            _("%(date)s is in the future: record an assessment once the imaging is done.")
            % {"date": f"{assessment_date:%Y-%m-%d}"},
            "assessment.date.future",
        )
    elif participant.status in ENDED_STATUSES and assessment_date > participant.status_date:
        errors.add(
            "assessment_date",
            _("The participant is %(status)s since %(date)s: imaging after that is not trial data.")
            % {"status": participant.get_status_display().lower(), "date": f"{participant.status_date:%Y-%m-%d}"},
            "assessment.date.after_study_end",
        )
    else:
        other = (
            TumourAssessment.objects.filter(participant=participant, assessment_date=assessment_date)
            .exclude(pk=exclude_id)
            .first()
        )
        if other is not None:
            errors.add(
                "assessment_date",
                _("The %(kind)s assessment is already recorded on %(date)s: one assessment per date (correct that "
                  "one instead).") % {"kind": other.get_kind_display().lower(), "date": f"{assessment_date:%Y-%m-%d}"},
                "assessment.date.taken",
            )
    if imaging_method not in ImagingMethod.values:
        errors.add("imaging_method", _("Choose the imaging method."), "assessment.method.missing")
    if visit_code and visit_code not in {visit.code for visit in tumour_assessment_visits(participant)}:
        errors.add("visit_code", _("Choose one of the participant's visits, or none."), "assessment.visit.unknown")


# --- baseline --------------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    """A length as Decimal (ints and floats through their text form); None stays None."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _positive(value: Decimal | None) -> bool:
    value = _decimal(value)
    return value is not None and value.is_finite() and value > 0


def _check_lesions(
    errors: _Errors,
    targets: Sequence[LesionInput],
    non_targets: Sequence[LesionInput],
) -> None:
    """Each lesion's own inputs, then the RECIST 1.1 target selection (``check_target_selection``)."""
    for group, lesions in ((TARGETS, targets), (NON_TARGETS, non_targets)):
        for index, lesion in enumerate(lesions):
            if not (lesion.organ or "").strip():
                errors.add(lesion_field(group, index, "organ"), _("Give the organ."), "assessment.lesion.organ")
    for index, lesion in enumerate(targets):
        if not _positive(lesion.diameter_mm):
            errors.add(
                lesion_field(TARGETS, index, "diameter_mm"),
                _("Give the longest diameter (short axis for a lymph node) in mm."),
                "assessment.lesion.diameter",
            )
        if lesion.slice_thickness_mm is not None and not _positive(lesion.slice_thickness_mm):
            errors.add(
                lesion_field(TARGETS, index, "slice_thickness_mm"),
                _("The slice thickness must be above 0 mm (or left blank)."),
                "assessment.lesion.slice",
            )
    if errors:
        return  # the selection is judged on complete lesions only
    proposed = [
        recist.BaselineLesion(
            label=f"T{index + 1}",
            organ=lesion.organ.strip(),
            diameter_mm=_decimal(lesion.diameter_mm),
            is_lymph_node=lesion.is_lymph_node,
            slice_thickness_mm=_decimal(lesion.slice_thickness_mm),
        )
        for index, lesion in enumerate(targets)
    ]
    for finding in recist.check_target_selection(proposed):
        if finding.code == "recist.target.none":
            if not non_targets:
                errors.add(
                    NON_FIELD_ERRORS,
                    _("Record at least one lesion. A baseline without target lesions is allowed only with "
                      "non-target lesions (non-target disease only: the response is then assessed from the "
                      "non-target lesions, RECIST 1.1 table 2)."),
                    finding.code,
                )
            continue
        if finding.lesion:
            index = int(finding.lesion[1:]) - 1
            errors.add(lesion_field(TARGETS, index, "diameter_mm"), finding.message, finding.code)
        else:
            errors.add(NON_FIELD_ERRORS, finding.message, finding.code)


def baseline_findings(*, target_count: int, non_target_count: int) -> list[recist.LesionFinding]:
    """The RECIST notes a saved baseline carries (the others refuse the save): non-target disease only."""
    if target_count == 0 and non_target_count > 0:
        return [finding for finding in recist.check_target_selection([]) if finding.code == "recist.target.none"]
    return []


def _baseline_sum(targets: Sequence[LesionInput]) -> Decimal | None:
    if not targets:
        return None
    return recist.baseline_sum_mm(
        [recist.BaselineLesion(f"T{n}", t.organ, _decimal(t.diameter_mm), t.is_lymph_node)
         for n, t in enumerate(targets, 1)]
    )


def _check_baseline_date(errors: _Errors, assessment_date, follow_ups: Sequence[TumourAssessment]) -> None:
    if "assessment_date" in errors or assessment_date is None or not follow_ups:
        return
    first = min(follow_up.assessment_date for follow_up in follow_ups)
    if assessment_date >= first:
        errors.add(
            "assessment_date",
            _("The baseline must be dated before the first follow-up assessment (%(date)s).")
            % {"date": f"{first:%Y-%m-%d}"},
            "assessment.baseline.after_follow_up",
        )


def _check_nodes(errors: _Errors, baseline_nodes: str) -> None:
    if baseline_nodes not in BaselineNodes.values:
        errors.add("baseline_nodes", _("Choose the nodal status at baseline."), "assessment.baseline.nodes")


@transaction.atomic
def baseline_record(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    assessment_date: datetime.date | None,
    imaging_method: str,
    baseline_nodes: str,
    targets: Sequence[LesionInput],
    non_targets: Sequence[LesionInput] = (),
    visit_code: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> TumourAssessment:
    """Record the baseline assessment with its lesions, labelled T1..T5 and NT1... Refuses (with
    messages by input, codes of ``recist.check_target_selection``) and saves nothing when the
    target selection does not meet RECIST 1.1 or an input is wrong."""
    today = today or timezone.localdate()
    locked = _require_open(participant)
    errors = _Errors()
    if TumourAssessment.objects.filter(participant=locked, kind=AssessmentKind.BASELINE).exists():
        errors.add(NON_FIELD_ERRORS, _("The baseline is already recorded: correct it instead."),
                   "assessment.baseline.exists")  # fmt: skip
    _check_common(errors, locked, assessment_date=assessment_date, imaging_method=imaging_method,
                  visit_code=visit_code, today=today, exclude_id=None)  # fmt: skip
    _check_baseline_date(errors, assessment_date, list(locked.tumour_assessments.filter(kind=AssessmentKind.FOLLOW_UP)))
    _check_nodes(errors, baseline_nodes)
    if any(lesion.lesion_id is not None for lesion in (*targets, *non_targets)):
        raise ValueError("A new baseline has no saved lesions to keep.")
    _check_lesions(errors, targets, non_targets)
    errors.raise_if_any()

    total = _baseline_sum(targets)
    baseline = TumourAssessment(
        participant=locked,
        kind=AssessmentKind.BASELINE,
        assessment_date=assessment_date,
        imaging_method=imaging_method,
        visit_code=visit_code or "",
        baseline_nodes=baseline_nodes,
        note=(note or "").strip(),
        target_sum_mm=total,
        baseline_sum_mm=total,
        recorded_by=user,
    )
    clinical_record_save(instance=baseline, user=user, reason="Baseline tumour assessment entered")
    _save_new_lesions(baseline, user, targets, non_targets, used=set(), reason="Lesion declared at baseline")
    efficacy_data_changed()
    return baseline


def _lowest_free(prefix: str, used: set[str]) -> str:
    number = 1
    while f"{prefix}{number}" in used:
        number += 1
    used.add(f"{prefix}{number}")
    return f"{prefix}{number}"


def _assign_lesion(lesion: Lesion, entered: LesionInput, *, target: bool) -> None:
    lesion.organ = entered.organ.strip()
    lesion.location = (entered.location or "").strip()
    lesion.is_lymph_node = bool(entered.is_lymph_node)
    lesion.baseline_diameter_mm = _decimal(entered.diameter_mm) if target else None
    lesion.slice_thickness_mm = _decimal(entered.slice_thickness_mm) if target else None


def _save_new_lesions(baseline, user, targets, non_targets, *, used: set[str], reason: str) -> None:
    for kind, prefix, lesions in ((LesionKind.TARGET, "T", targets), (LesionKind.NON_TARGET, "NT", non_targets)):
        for entered in lesions:
            if entered.lesion_id is not None:
                continue
            lesion = Lesion(baseline=baseline, kind=kind, label=_lowest_free(prefix, used))
            _assign_lesion(lesion, entered, target=kind == LesionKind.TARGET)
            clinical_record_save(instance=lesion, user=user, reason=reason)


@transaction.atomic
def baseline_update(
    *,
    assessment: TumourAssessment,
    user: AbstractBaseUser,
    assessment_date: datetime.date | None,
    imaging_method: str,
    baseline_nodes: str,
    targets: Sequence[LesionInput],
    non_targets: Sequence[LesionInput] = (),
    visit_code: str = "",
    note: str = "",
    expected_version: int,
    reason: str,
    today: datetime.date | None = None,
) -> TumourAssessment:
    """Correct the baseline (a reason is required). Saved lesions left out are removed, except one
    measured at a follow-up (refused). Every follow-up is then recomputed."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    locked = _require_open(assessment.participant)
    stored = TumourAssessment.objects.select_for_update().get(pk=assessment.pk)
    if stored.kind != AssessmentKind.BASELINE:
        raise ValueError("Not a baseline assessment.")
    if stored.version != expected_version:
        raise stale_record_error(stored)
    lesions = {lesion.pk: lesion for lesion in Lesion.objects.select_for_update().filter(baseline=stored)}
    errors = _Errors()
    _check_common(errors, locked, assessment_date=assessment_date, imaging_method=imaging_method,
                  visit_code=visit_code, today=today, exclude_id=stored.pk)  # fmt: skip
    follow_ups = list(locked.tumour_assessments.filter(kind=AssessmentKind.FOLLOW_UP))
    _check_baseline_date(errors, assessment_date, follow_ups)
    _check_nodes(errors, baseline_nodes)
    _check_lesions(errors, targets, non_targets)
    kept: dict[int, LesionInput] = {}
    for kind, entered_lesions in ((LesionKind.TARGET, targets), (LesionKind.NON_TARGET, non_targets)):
        for entered in entered_lesions:
            if entered.lesion_id is None:
                continue
            lesion = lesions.get(entered.lesion_id)
            if lesion is None or lesion.kind != kind or entered.lesion_id in kept:
                # A damaged or outdated page (the lesions changed since it was loaded).
                raise ValidationError(
                    _("The lesions on this page do not match the saved baseline: reload the page and enter "
                      "your changes again. Nothing was saved."),
                    code="assessment.lesion.mismatch",
                )
            if entered.expected_version is not None and entered.expected_version != lesion.version:
                raise stale_record_error(lesion)
            kept[entered.lesion_id] = entered
    removed = [lesion for pk, lesion in lesions.items() if pk not in kept]
    measured = set(
        LesionMeasurement.objects.filter(lesion__in=removed).values_list("lesion__label", flat=True).distinct()
    )
    for label in sorted(measured):
        errors.add(
            NON_FIELD_ERRORS,
            _("%(lesion)s is measured at a follow-up assessment and cannot be removed; correct its size, organ or "
              "location instead.") % {"lesion": label},
            "assessment.lesion.measured",
        )
    if not reason:
        errors.add("reason_for_change", REASON_REQUIRED_MESSAGE, "assessment.reason.missing")
    errors.raise_if_any()

    total = _baseline_sum(targets)
    stored.assessment_date = assessment_date
    stored.imaging_method = imaging_method
    stored.visit_code = visit_code or ""
    stored.baseline_nodes = baseline_nodes
    stored.note = (note or "").strip()
    stored.target_sum_mm = total
    stored.baseline_sum_mm = total
    clinical_record_save(instance=stored, user=user, reason=reason, expected_version=expected_version)
    for lesion in removed:
        lesion._change_reason = f"Lesion removed: {reason}"
        lesion._history_user = user
        lesion.delete()
    used = {lesion.label for lesion in lesions.values() if lesion.pk in kept}
    for pk, entered in kept.items():
        lesion = lesions[pk]
        _assign_lesion(lesion, entered, target=lesion.kind == LesionKind.TARGET)
        clinical_record_save(instance=lesion, user=user, reason=reason, expected_version=lesion.version)
    _save_new_lesions(stored, user, targets, non_targets, used=used, reason=f"Lesion added at baseline: {reason}")
    _recompute_follow_ups(stored, user=user, reason=f"Recomputed: the baseline of {stored.assessment_date:%Y-%m-%d} changed")
    efficacy_data_changed()
    return stored


# --- follow-up computation ------------------------------------------------------------------------


class _Series:
    """One participant's baseline (with its lesions) and follow-ups (with their measurements), loaded
    once; ``compute`` gives any follow-up's values from its inputs and the earlier follow-ups."""

    def __init__(self, baseline: TumourAssessment):
        self.baseline = baseline
        lesions = list(Lesion.objects.filter(baseline=baseline))
        self.targets = sorted((lesion for lesion in lesions if lesion.kind == LesionKind.TARGET), key=_label_order)
        self.has_non_targets = any(lesion.kind == LesionKind.NON_TARGET for lesion in lesions)
        self.baseline_sum = (
            recist.baseline_sum_mm([
                recist.BaselineLesion(lesion.label, lesion.organ, lesion.baseline_diameter_mm, lesion.is_lymph_node)
                for lesion in self.targets
            ])
            if self.targets
            else None
        )  # fmt: skip
        self.follow_ups = list(
            TumourAssessment.objects.filter(participant_id=baseline.participant_id, kind=AssessmentKind.FOLLOW_UP)
            .prefetch_related("measurements")
            .order_by("assessment_date", "id")
        )

    @staticmethod
    def stored_measurements(follow_up: TumourAssessment) -> dict[int, MeasurementInput]:
        return {
            measurement.lesion_id: MeasurementInput(measurement.status, measurement.diameter_mm, measurement.version)
            for measurement in follow_up.measurements.all()
        }

    def _target_measurements(self, measurements: Mapping[int, MeasurementInput]) -> list[recist.TargetMeasurement]:
        result = []
        for lesion in self.targets:
            entered = measurements.get(lesion.pk)
            if entered is None:
                result.append(recist.TargetMeasurement(lesion.is_lymph_node, recist.NOT_EVALUATED))
            else:
                result.append(recist.TargetMeasurement(lesion.is_lymph_node, entered.status, entered.diameter_mm))
        return result

    def target_sum(self, measurements: Mapping[int, MeasurementInput]) -> Decimal | None:
        values = [recist.recorded_diameter_mm(item) for item in self._target_measurements(measurements)]
        return recist.sum_of_diameters_mm(values)

    def compute(
        self,
        *,
        assessment_date: datetime.date,
        measurements: Mapping[int, MeasurementInput],
        non_target_response: str,
        new_lesions: str,
        exclude_id: int | None = None,
        preview: bool = False,
    ) -> FollowUpResult:
        """RECIST 1.1: nadir = the smallest of the baseline sum and the sums of the earlier
        follow-ups (by date); target response, then the overall response (tables 1 and 2; only an
        unequivocal new lesion is PD)."""
        target = None
        if self.targets:
            earlier = [
                self.target_sum(self.stored_measurements(follow_up))
                for follow_up in self.follow_ups
                if follow_up.pk != exclude_id and follow_up.assessment_date < assessment_date
            ]
            nadir = recist.nadir_sum(self.baseline_sum, earlier)
            target = recist.assess_target_lesions(self.baseline_sum, nadir, self._target_measurements(measurements))
        non_target = None
        if self.has_non_targets:
            non_target = non_target_response or (None if preview else recist.NE)
        overall = None
        if non_target is not None or not self.has_non_targets:
            overall = recist.overall_response(
                target.response if target else None, non_target, new_lesions == NewLesions.UNEQUIVOCAL
            )
        return FollowUpResult(
            has_targets=bool(self.targets),
            has_non_targets=self.has_non_targets,
            target=target,
            non_target_response=non_target,
            overall_response=overall,
        )


def _label_order(lesion: Lesion) -> tuple[int, str]:
    digits = lesion.label.lstrip("NT")
    return (int(digits) if digits.isdigit() else 0, lesion.label)


def _baseline_of(participant_id: int) -> TumourAssessment | None:
    return TumourAssessment.objects.filter(participant_id=participant_id, kind=AssessmentKind.BASELINE).first()


def _check_measurements(
    errors: _Errors, series: _Series, measurements: Mapping[int, MeasurementInput]
) -> dict[int, MeasurementInput]:
    """One measurement per baseline target lesion, a known status, a diameter (>= 0 mm) when measured.
    Returns the measurements as stored (no diameter unless measured)."""
    known = {lesion.pk for lesion in series.targets}
    unknown = sorted(set(measurements) - known)
    if unknown:
        errors.add(NON_FIELD_ERRORS, _("Measurements of lesions that are not target lesions of the baseline."),
                   "assessment.measurement.unknown_lesion")  # fmt: skip
    cleaned: dict[int, MeasurementInput] = {}
    for lesion in series.targets:
        entered = measurements.get(lesion.pk)
        status_field = measurement_field(lesion.pk, "status")
        if entered is None or not entered.status:
            errors.add(status_field, _("Choose what was found for %(lesion)s.") % {"lesion": lesion.label},
                       "assessment.measurement.status")  # fmt: skip
            continue
        if entered.status not in MeasurementStatus.values:
            errors.add(status_field, _("%(lesion)s: unknown status.") % {"lesion": lesion.label},
                       "assessment.measurement.status")  # fmt: skip
            continue
        diameter = _decimal(entered.diameter_mm) if entered.status == MeasurementStatus.MEASURED else None
        if entered.status == MeasurementStatus.MEASURED and (diameter is None or not diameter.is_finite() or diameter < 0):
            if lesion.is_lymph_node:
                message = _("Give the short axis of %(lesion)s in mm, or choose another status.")
            else:
                message = _("Give the longest diameter of %(lesion)s in mm, or choose another status.")
            errors.add(
                measurement_field(lesion.pk, "diameter_mm"),
                message % {"lesion": lesion.label},
                "assessment.measurement.diameter",
            )
            continue
        cleaned[lesion.pk] = MeasurementInput(entered.status, diameter, entered.expected_version)
    return cleaned


def _check_non_target(errors: _Errors, series: _Series, non_target_response: str, *, preview: bool) -> str:
    if not series.has_non_targets:
        return ""
    if non_target_response and non_target_response not in NonTargetResponse.values:
        errors.add("non_target_response", _("Unknown non-target status."), "assessment.non_target.unknown")
    elif not non_target_response and not preview:
        errors.add("non_target_response", _("Choose the status of the non-target lesions."),
                   "assessment.non_target.missing")  # fmt: skip
    return non_target_response


def _check_new_lesions(errors: _Errors, new_lesions: str, sites: str, *, preview: bool) -> tuple[str, str]:
    if new_lesions not in NewLesions.values:
        errors.add("new_lesions", _("Choose whether there are new lesions."), "assessment.new_lesions.missing")
        return new_lesions, sites
    sites = (sites or "").strip()
    if new_lesions == NewLesions.NONE:
        return new_lesions, ""
    if not sites and not preview:
        errors.add("new_lesion_sites", _("Say where the new lesions are."), "assessment.new_lesions.sites")
    return new_lesions, sites


def follow_up_preview(
    *,
    participant: Participant,
    assessment_date: datetime.date | None,
    measurements: Mapping[int, MeasurementInput],
    non_target_response: str = "",
    new_lesions: str = NewLesions.NONE,
    assessment: TumourAssessment | None = None,
    today: datetime.date | None = None,
) -> FollowUpResult:
    """The values a follow-up would get if saved now (nothing is saved): the computation of the
    save, on the same checks of the measurements. ``assessment`` is the follow-up being corrected
    (left out of its own nadir). Without a date the assessment counts as the latest. A missing
    non-target status leaves the overall response open (``None``). Raises ``ValidationError``."""
    baseline = _baseline_of(participant.pk)
    if baseline is None:
        raise ValidationError(_("Record the baseline assessment first."), code="assessment.baseline.missing")
    series = _Series(baseline)
    errors = _Errors()
    cleaned = _check_measurements(errors, series, measurements)
    non_target_response = _check_non_target(errors, series, non_target_response, preview=True)
    new_lesions, _sites = _check_new_lesions(errors, new_lesions or NewLesions.NONE, "", preview=True)
    errors.raise_if_any()
    return series.compute(
        assessment_date=assessment_date or today or timezone.localdate(),
        measurements=cleaned,
        non_target_response=non_target_response,
        new_lesions=new_lesions,
        exclude_id=assessment.pk if assessment is not None else None,
        preview=True,
    )


_STATUS_WORDS = {recist.TOO_SMALL: "too small (5 mm)", recist.DISAPPEARED: "disappeared (0 mm)",
                 recist.NOT_EVALUATED: "not evaluated"}  # fmt: skip


def measurements_text(series: _Series, measurements: Mapping[int, MeasurementInput]) -> str:
    """The target lesions as measured, in words ('T1 32.5 mm; T2 too small (5 mm)')."""
    parts = []
    for lesion in series.targets:
        entered = measurements.get(lesion.pk)
        if entered is None:
            parts.append(f"{lesion.label} not evaluated")
        elif entered.status == recist.MEASURED:
            parts.append(f"{lesion.label} {Decimal(entered.diameter_mm).quantize(Decimal('0.1'))} mm")
        else:
            parts.append(f"{lesion.label} {_STATUS_WORDS.get(entered.status, entered.status)}")
    return "; ".join(parts)


def _apply(
    assessment: TumourAssessment, series: _Series, result: FollowUpResult, measurements: Mapping[int, MeasurementInput]
) -> None:
    assessment.measurements_text = measurements_text(series, measurements)
    target = result.target
    assessment.target_sum_mm = target.sum_mm if target else None
    assessment.baseline_sum_mm = series.baseline_sum
    assessment.nadir_sum_mm = target.nadir_sum_mm if target else None
    assessment.change_from_baseline_pct = target.change_from_baseline_pct if target else None
    assessment.change_from_nadir_pct = target.change_from_nadir_pct if target else None
    assessment.target_response = result.target_response
    assessment.computed_response = result.overall_response or ""
    if not series.has_non_targets:
        assessment.non_target_response = ""


def _recompute_follow_ups(baseline: TumourAssessment, *, user, reason: str, skip_id: int | None = None) -> int:
    """Recompute every follow-up (but ``skip_id``) from the stored data, in date order; save the ones
    whose values changed with ``reason``. Returns how many changed."""
    series = _Series(baseline)
    changed = 0
    for follow_up in series.follow_ups:
        if follow_up.pk == skip_id:
            continue
        result = series.compute(
            assessment_date=follow_up.assessment_date,
            measurements=series.stored_measurements(follow_up),
            non_target_response=follow_up.non_target_response,
            new_lesions=follow_up.new_lesions,
            exclude_id=follow_up.pk,
        )
        _apply(follow_up, series, result, series.stored_measurements(follow_up))
        if clinical_record_save(instance=follow_up, user=user, reason=reason, expected_version=follow_up.version):
            changed += 1
    return changed


def _check_follow_up(
    errors: _Errors,
    locked: Participant,
    baseline: TumourAssessment | None,
    *,
    assessment_date,
    imaging_method,
    visit_code,
    today,
    exclude_id,
) -> None:
    _check_common(errors, locked, assessment_date=assessment_date, imaging_method=imaging_method,
                  visit_code=visit_code, today=today, exclude_id=exclude_id)  # fmt: skip
    if baseline is None:
        errors.add(NON_FIELD_ERRORS, _("Record the baseline assessment first."), "assessment.baseline.missing")
    elif "assessment_date" not in errors and assessment_date <= baseline.assessment_date:
        errors.add(
            "assessment_date",
            _("A follow-up must be dated after the baseline (%(date)s).") % {"date": f"{baseline.assessment_date:%Y-%m-%d}"},
            "assessment.follow_up.before_baseline",
        )


def _save_measurements(assessment, user, cleaned: Mapping[int, MeasurementInput], *, reason: str) -> None:
    stored = {measurement.lesion_id: measurement for measurement in
              LesionMeasurement.objects.select_for_update().filter(assessment=assessment)}  # fmt: skip
    for lesion_id, entered in cleaned.items():
        measurement = stored.get(lesion_id)
        if measurement is None:
            measurement = LesionMeasurement(assessment=assessment, lesion_id=lesion_id)
        elif entered.expected_version is not None and entered.expected_version != measurement.version:
            raise stale_record_error(measurement)
        measurement.status = entered.status
        measurement.diameter_mm = entered.diameter_mm
        clinical_record_save(instance=measurement, user=user, reason=reason,
                             expected_version=measurement.version if measurement.pk else None)  # fmt: skip


@transaction.atomic
def follow_up_record(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    assessment_date: datetime.date | None,
    imaging_method: str,
    measurements: Mapping[int, MeasurementInput],
    non_target_response: str = "",
    new_lesions: str = NewLesions.NONE,
    new_lesion_sites: str = "",
    visit_code: str = "",
    note: str = "",
    today: datetime.date | None = None,
) -> TumourAssessment:
    """Record a follow-up assessment: every baseline target lesion measured (``measurements`` by
    lesion id), the non-target status (when there are non-target lesions), new lesions. The sums,
    changes and responses are computed and stored; later follow-ups are recomputed (their nadir
    may change). Nothing is saved when an input is refused."""
    today = today or timezone.localdate()
    locked = _require_open(participant)
    baseline = _baseline_of(locked.pk)
    errors = _Errors()
    _check_follow_up(errors, locked, baseline, assessment_date=assessment_date, imaging_method=imaging_method,
                     visit_code=visit_code, today=today, exclude_id=None)  # fmt: skip
    if baseline is None:
        errors.raise_if_any()
    series = _Series(baseline)
    cleaned = _check_measurements(errors, series, measurements)
    non_target_response = _check_non_target(errors, series, non_target_response, preview=False)
    new_lesions, new_lesion_sites = _check_new_lesions(errors, new_lesions, new_lesion_sites, preview=False)
    errors.raise_if_any()

    result = series.compute(assessment_date=assessment_date, measurements=cleaned,
                            non_target_response=non_target_response, new_lesions=new_lesions)  # fmt: skip
    follow_up = TumourAssessment(
        participant=locked,
        kind=AssessmentKind.FOLLOW_UP,
        assessment_date=assessment_date,
        imaging_method=imaging_method,
        visit_code=visit_code or "",
        non_target_response=non_target_response,
        new_lesions=new_lesions,
        new_lesion_sites=new_lesion_sites,
        note=(note or "").strip(),
        recorded_by=user,
    )
    _apply(follow_up, series, result, cleaned)
    clinical_record_save(instance=follow_up, user=user, reason="Follow-up tumour assessment entered")
    _save_measurements(follow_up, user, cleaned, reason="Target lesion measured")
    _recompute_follow_ups(baseline, user=user, skip_id=follow_up.pk,
                          reason=f"Recomputed: the assessment of {assessment_date:%Y-%m-%d} was added")  # fmt: skip
    efficacy_data_changed()
    return follow_up


@transaction.atomic
def follow_up_update(
    *,
    assessment: TumourAssessment,
    user: AbstractBaseUser,
    assessment_date: datetime.date | None,
    imaging_method: str,
    measurements: Mapping[int, MeasurementInput],
    non_target_response: str = "",
    new_lesions: str = NewLesions.NONE,
    new_lesion_sites: str = "",
    visit_code: str = "",
    note: str = "",
    expected_version: int,
    reason: str,
    today: datetime.date | None = None,
) -> TumourAssessment:
    """Correct a follow-up (a reason is required); it is recomputed and so are the other follow-ups.
    A change of its values raises its version, which voids its confirmation."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    locked = _require_open(assessment.participant)
    stored = TumourAssessment.objects.select_for_update().get(pk=assessment.pk)
    if stored.kind != AssessmentKind.FOLLOW_UP:
        raise ValueError("Not a follow-up assessment.")
    if stored.version != expected_version:
        raise stale_record_error(stored)
    baseline = _baseline_of(locked.pk)
    errors = _Errors()
    _check_follow_up(errors, locked, baseline, assessment_date=assessment_date, imaging_method=imaging_method,
                     visit_code=visit_code, today=today, exclude_id=stored.pk)  # fmt: skip
    if baseline is None:
        errors.raise_if_any()
    series = _Series(baseline)
    cleaned = _check_measurements(errors, series, measurements)
    non_target_response = _check_non_target(errors, series, non_target_response, preview=False)
    new_lesions, new_lesion_sites = _check_new_lesions(errors, new_lesions, new_lesion_sites, preview=False)
    if not reason:
        errors.add("reason_for_change", REASON_REQUIRED_MESSAGE, "assessment.reason.missing")
    errors.raise_if_any()

    result = series.compute(assessment_date=assessment_date, measurements=cleaned, exclude_id=stored.pk,
                            non_target_response=non_target_response, new_lesions=new_lesions)  # fmt: skip
    stored.assessment_date = assessment_date
    stored.imaging_method = imaging_method
    stored.visit_code = visit_code or ""
    stored.non_target_response = non_target_response
    stored.new_lesions = new_lesions
    stored.new_lesion_sites = new_lesion_sites
    stored.note = (note or "").strip()
    _apply(stored, series, result, cleaned)
    clinical_record_save(instance=stored, user=user, reason=reason, expected_version=expected_version)
    _save_measurements(stored, user, cleaned, reason=reason)
    _recompute_follow_ups(baseline, user=user, skip_id=stored.pk,
                          reason=f"Recomputed: the assessment of {assessment_date:%Y-%m-%d} changed")  # fmt: skip
    efficacy_data_changed()
    return stored


# --- the investigator's confirmation ---------------------------------------------------------------


def valid_confirmation(assessment: TumourAssessment) -> ResponseConfirmation | None:
    """The latest confirmation given at the assessment's current version, or None."""
    return (
        ResponseConfirmation.objects.filter(assessment=assessment, assessment_version=assessment.version)
        .order_by("-confirmed_at", "-id")
        .first()
    )


def confirmable_responses(assessment: TumourAssessment) -> list[str]:
    """The overall responses a follow-up can have: RECIST 1.1 table 1 with target lesions (CR, PR,
    SD, PD, NE), table 2 with non-target lesions only (CR, non-CR/non-PD, PD, NE)."""
    if assessment.target_response:
        return [recist.CR, recist.PR, recist.SD, recist.PD, recist.NE]
    return [recist.CR, recist.NON_CR_NON_PD, recist.PD, recist.NE]


def _password_ok(user: AbstractBaseUser, password: str, request) -> bool:
    # Through the login backends when there is a request, so failed signatures count towards the
    # lock-out like failed logins (as the adverse-event signature does).
    if request is not None:
        return authenticate(request, username=user.get_username(), password=password) is not None
    return user.check_password(password)


@transaction.atomic
def response_confirm(
    *,
    assessment: TumourAssessment,
    user: AbstractBaseUser,
    response: str,
    password: str,
    expected_version: int,
    reason: str = "",
    request=None,
) -> ResponseConfirmation:
    """The investigator's electronic signature of a follow-up's overall response (RECIST 1.1): the
    computed one or another with a reason; password re-entered; stored with the assessment version
    reviewed (``expected_version``), valid while the assessment stays at that version."""
    if not user.has_perm("efficacy.confirm_response"):
        raise PermissionDenied(_("Only an investigator can confirm a tumour response."))
    locked = TumourAssessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.version != expected_version:
        raise stale_record_error(locked)
    if locked.kind != AssessmentKind.FOLLOW_UP or not locked.computed_response:
        raise ValidationError(
            _("Only a follow-up assessment has a response to confirm (the baseline declares the lesions)."),
            code="assessment.confirm.not_follow_up",
        )
    reason = (reason or "").strip()
    errors = _Errors()
    current = valid_confirmation(locked)
    if response not in confirmable_responses(locked):
        errors.add("response", _("Choose one of the overall responses offered."), "assessment.confirm.response")
    elif current is not None and current.response == response:
        errors.add(
            NON_FIELD_ERRORS,
            _("%(response)s is already confirmed at this version by %(signer)s on %(time)s.") % {
                "response": response, "signer": current.signer_name,
                "time": f"{timezone.localtime(current.confirmed_at):%Y-%m-%d %H:%M}",
            },  # fmt: skip
            "assessment.confirm.already_confirmed",
        )
    elif response != locked.computed_response and not reason:
        errors.add(
            "reason",
            _("Give the reason the response differs from the computed one (%(computed)s).")
            % {"computed": locked.computed_response},
            "assessment.confirm.reason",
        )
    elif current is not None and not reason:
        errors.add(
            "reason", _("Give the reason for replacing the confirmed %(response)s.") % {"response": current.response},
            "assessment.confirm.reason",
        )
    if not _password_ok(user, password, request):
        errors.add("password", _("The password is not correct; the response was not confirmed."),
                   "assessment.confirm.password")  # fmt: skip
    errors.raise_if_any()
    confirmation = ResponseConfirmation(
        assessment=locked,
        assessment_version=locked.version,
        computed_response=locked.computed_response,
        response=response,
        reason=reason,
        confirmed_by=user,
        signer_name=user.get_full_name() or user.get_username(),
        confirmed_at=timezone.now(),
    )
    audit_reason = ResponseConfirmation.MEANING + (f" ({response}: {reason})" if reason else f" ({response})")
    clinical_record_save(instance=confirmation, user=user, reason=audit_reason)
    efficacy_data_changed()
    return confirmation
