"""Reads of the tumour assessment pages: a participant's baseline and follow-ups with their computed
values and confirmation state, one assessment with its measurements and confirmations, and the
display of a follow-up computation (the form's live values and the JSON preview).

Numbers are formatted here (templates display, never compute): lengths "50.0 mm", changes
"-35.0%" (already rounded by ``recist.round_percent``), responses by their labels.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from trialsite.protocol.efficacy import RECIST

from ..models import (
    AssessmentKind,
    Lesion,
    LesionKind,
    NewLesions,
    Response,
    ResponseConfirmation,
    TumourAssessment,
)
from ..rules import recist
from ..services.assessments import FollowUpResult, baseline_findings, tumour_assessment_visits
from .response import ParticipantResponse, participant_responses

NOT_AVAILABLE = "—"


def format_mm(value: Decimal | None) -> str:
    return f"{value:.1f} mm" if value is not None else NOT_AVAILABLE


def format_pct(value: Decimal | None) -> str:
    """A change in percent with its sign: "-35.0%", "+20.0%", "0.0%"."""
    if value is None:
        return NOT_AVAILABLE
    if value == 0:
        return "0.0%"
    return f"{value:+.1f}%"


def response_label(value: str | None) -> str:
    if not value:
        return NOT_AVAILABLE
    return Response(value).label if value in Response.values else value


def lesion_order(lesion: Lesion) -> tuple[int, int]:
    """Targets before non-targets, then by number (T2 before T10)."""
    digits = lesion.label.lstrip("NT")
    return (0 if lesion.kind == LesionKind.TARGET else 1, int(digits) if digits.isdigit() else 0)


# --- the computation, as the form shows it --------------------------------------------------------


def follow_up_display(result: FollowUpResult) -> dict[str, object]:
    """A follow-up computation for display (the JSON preview and the form's panel)."""
    target = result.target
    notes = []
    if target is not None and not target.evaluable:
        if target.response == recist.PD:
            note = _("A target lesion was not evaluated: the sum is incomplete (%(sum)s over the lesions measured) "
                     "and the target response is PD, as those already show progression.")
        else:
            note = _("A target lesion was not evaluated: the sum is incomplete (%(sum)s over the lesions measured) "
                     "and the target response is not evaluable (NE).")
        notes.append(note % {"sum": format_mm(target.evaluated_sum_mm)})
    if target is not None and target.change_from_nadir_pct is None and target.change_from_nadir_mm is not None:
        notes.append(_("The nadir is 0 mm: the change from nadir is %(change)s mm.")
                     % {"change": f"{target.change_from_nadir_mm:+.1f}"})  # fmt: skip
    if not result.has_targets:
        notes.append(_("No target lesion at baseline: the response is assessed from the non-target lesions only."))
    if result.overall_response is None:
        notes.append(_("Choose the status of the non-target lesions to compute the overall response."))
    return {
        "has_targets": result.has_targets,
        "sum": format_mm(target.sum_mm) if target else NOT_AVAILABLE,
        "baseline_sum": format_mm(target.baseline_sum_mm) if target else NOT_AVAILABLE,
        "nadir_sum": format_mm(target.nadir_sum_mm) if target else NOT_AVAILABLE,
        "change_from_baseline": format_pct(target.change_from_baseline_pct) if target else NOT_AVAILABLE,
        "change_from_nadir": format_pct(target.change_from_nadir_pct) if target else NOT_AVAILABLE,
        "target_response": target.response if target else "",
        "target_response_label": response_label(target.response) if target else _("No target lesions"),
        "non_target_response": result.non_target_response or "",
        "overall_response": result.overall_response or "",
        "overall_response_label": response_label(result.overall_response),
        "notes": notes,
    }


def stored_display(assessment: TumourAssessment) -> dict[str, object]:
    """The same keys as ``follow_up_display``, from a saved follow-up's stored columns."""
    has_targets = bool(assessment.target_response)
    return {
        "has_targets": has_targets,
        "sum": format_mm(assessment.target_sum_mm),
        "baseline_sum": format_mm(assessment.baseline_sum_mm),
        "nadir_sum": format_mm(assessment.nadir_sum_mm),
        "change_from_baseline": format_pct(assessment.change_from_baseline_pct),
        "change_from_nadir": format_pct(assessment.change_from_nadir_pct),
        "target_response": assessment.target_response,
        "target_response_label": response_label(assessment.target_response) if has_targets else _("No target lesions"),
        "non_target_response": assessment.non_target_response,
        "overall_response": assessment.computed_response,
        "overall_response_label": response_label(assessment.computed_response),
        "notes": [],
    }


# --- the participant's page -----------------------------------------------------------------------


@dataclass(frozen=True)
class BaselineView:
    assessment: TumourAssessment
    targets: list[Lesion]
    non_targets: list[Lesion]
    sum_text: str
    findings: list[str]  # RECIST notes (non-target disease only)
    visit_label: str


@dataclass(frozen=True)
class ConfirmationState:
    """``confirmed`` (valid at the current version), ``reconfirm`` (confirmed at an earlier version
    only) or ``awaiting``."""

    status: str
    confirmation: ResponseConfirmation | None  # the valid one, or the last stale one
    label: str

    @property
    def overridden(self) -> bool:
        return self.confirmation is not None and self.confirmation.response != self.confirmation.computed_response


@dataclass(frozen=True)
class FollowUpRow:
    assessment: TumourAssessment
    values: dict[str, object]
    non_target_label: str
    new_lesions_label: str
    method_differs: bool
    confirmation: ConfirmationState
    visit_label: str


@dataclass(frozen=True)
class BestResponseView:
    response: str
    label: str
    reason: str
    pending: str  # a CR/PR awaiting its confirming scan, else ""
    awaiting_confirmation: int


@dataclass(frozen=True)
class AssessmentPage:
    baseline: BaselineView | None
    follow_ups: list[FollowUpRow]
    best: BestResponseView | None


def confirmation_state(assessment: TumourAssessment, confirmations: list[ResponseConfirmation]) -> ConfirmationState:
    """From the assessment's confirmations, newest first."""
    valid = next((item for item in confirmations if item.assessment_version == assessment.version), None)
    if valid is not None:
        return ConfirmationState("confirmed", valid, _("%(response)s confirmed") % {"response": valid.response})
    if confirmations:
        return ConfirmationState(
            "reconfirm", confirmations[0],
            _("Re-confirmation needed: the assessment changed after %(response)s was confirmed")
            % {"response": confirmations[0].response},
        )  # fmt: skip
    return ConfirmationState("awaiting", None, _("Awaiting investigator confirmation"))


def _non_target_label(assessment: TumourAssessment, has_non_targets: bool) -> str:
    if not has_non_targets:
        return _("None at baseline")
    if not assessment.non_target_response:
        return _("Not recorded (counts as NE)")
    return response_label(assessment.non_target_response)


def _new_lesions_label(assessment: TumourAssessment) -> str:
    label = NewLesions(assessment.new_lesions).label if assessment.new_lesions in NewLesions.values else NOT_AVAILABLE
    if not assessment.new_lesion_sites:
        return str(label)
    return _("%(label)s: %(sites)s") % {"label": label, "sites": assessment.new_lesion_sites}


def _best_view(item: ParticipantResponse | None) -> BestResponseView | None:
    if item is None:
        return None
    best = item.best
    pending = ""
    if item.response_pending:
        pending = _(
            "A %(response)s is recorded and awaits its confirming assessment at least %(days)s days later "
            "(RECIST 1.1 section 4.6.1)."
        ) % {"response": item.best_unconfirmed, "days": RECIST.confirmation_days}
    return BestResponseView(
        response=item.best_response,
        label=response_label(item.best_response),
        reason=best.reason if best is not None else "",
        pending=pending,
        awaiting_confirmation=item.awaiting_confirmation,
    )


def participant_assessment_page(participant) -> AssessmentPage:
    """The participant's baseline, follow-ups in date order with their confirmation state, and the
    best overall response so far (``participant_responses``). A fixed number of queries."""
    assessments = list(TumourAssessment.objects.filter(participant=participant).order_by("assessment_date", "id"))
    baseline = next((item for item in assessments if item.kind == AssessmentKind.BASELINE), None)
    lesions = sorted(Lesion.objects.filter(baseline=baseline), key=lesion_order) if baseline is not None else []
    targets = [lesion for lesion in lesions if lesion.kind == LesionKind.TARGET]
    non_targets = [lesion for lesion in lesions if lesion.kind == LesionKind.NON_TARGET]
    follow_ups = [item for item in assessments if item.kind == AssessmentKind.FOLLOW_UP]
    confirmations: dict[int, list[ResponseConfirmation]] = {}
    for confirmation in ResponseConfirmation.objects.filter(assessment__in=follow_ups).order_by("-confirmed_at", "-id"):
        confirmations.setdefault(confirmation.assessment_id, []).append(confirmation)

    visits = {visit.code: visit.label for visit in tumour_assessment_visits(participant)}
    baseline_view = None
    if baseline is not None:
        findings = baseline_findings(target_count=len(targets), non_target_count=len(non_targets))
        baseline_view = BaselineView(
            assessment=baseline,
            targets=targets,
            non_targets=non_targets,
            sum_text=format_mm(baseline.target_sum_mm),
            findings=[finding.message for finding in findings],
            visit_label=visits.get(baseline.visit_code, baseline.visit_code),
        )
    rows = [
        FollowUpRow(
            assessment=follow_up,
            values=stored_display(follow_up),
            non_target_label=_non_target_label(follow_up, bool(non_targets)),
            new_lesions_label=_new_lesions_label(follow_up),
            method_differs=baseline is not None and follow_up.imaging_method != baseline.imaging_method,
            confirmation=confirmation_state(follow_up, confirmations.get(follow_up.pk, [])),
            visit_label=visits.get(follow_up.visit_code, follow_up.visit_code),
        )
        for follow_up in follow_ups
    ]
    responses = participant_responses([participant.pk]) if participant.enrolment_date else []
    return AssessmentPage(baseline=baseline_view, follow_ups=rows, best=_best_view(responses[0] if responses else None))


# --- one assessment --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasurementRow:
    lesion: Lesion
    status_label: str
    diameter_text: str
    counted_text: str  # what the lesion adds to the sum (RECIST 1.1 section 4.3.2)


@dataclass(frozen=True)
class ConfirmationRow:
    confirmation: ResponseConfirmation
    valid: bool


@dataclass(frozen=True)
class AssessmentDetail:
    assessment: TumourAssessment
    baseline: TumourAssessment | None
    lesions: list[Lesion]  # a baseline's lesions
    measurements: list[MeasurementRow]  # a follow-up's target lesions
    values: dict[str, object] | None
    non_target_label: str
    new_lesions_label: str
    method_differs: bool
    confirmation: ConfirmationState | None
    history: list[ConfirmationRow]
    visit_label: str = ""


def _counted(status: str, diameter: Decimal | None) -> str:
    try:
        value = recist.recorded_diameter_mm(recist.TargetMeasurement(False, status, diameter))
    except ValueError:
        return NOT_AVAILABLE
    return format_mm(value) if value is not None else _("Not evaluated")


def assessment_detail(assessment: TumourAssessment) -> AssessmentDetail:
    """One assessment: a baseline with its lesions; a follow-up with each baseline target lesion's
    measurement, its computed values and every confirmation given (valid or not)."""
    visits = {visit.code: visit.label for visit in tumour_assessment_visits(assessment.participant)}
    visit = visits.get(assessment.visit_code, assessment.visit_code)
    if assessment.kind == AssessmentKind.BASELINE:
        lesions = sorted(Lesion.objects.filter(baseline=assessment), key=lesion_order)
        return AssessmentDetail(assessment, assessment, lesions, [], None, "", "", False, None, [], visit)
    baseline = TumourAssessment.objects.filter(participant_id=assessment.participant_id,
                                               kind=AssessmentKind.BASELINE).first()  # fmt: skip
    lesions = sorted(Lesion.objects.filter(baseline=baseline), key=lesion_order) if baseline else []
    by_lesion = {measurement.lesion_id: measurement for measurement in assessment.measurements.all()}
    rows = []
    for lesion in lesions:
        if lesion.kind != LesionKind.TARGET:
            continue
        measurement = by_lesion.get(lesion.pk)
        if measurement is None:
            rows.append(MeasurementRow(lesion, _("Not recorded (counts as not evaluated)"), NOT_AVAILABLE, _("Not evaluated")))
            continue
        rows.append(MeasurementRow(
            lesion=lesion,
            status_label=measurement.get_status_display(),
            diameter_text=format_mm(measurement.diameter_mm),
            counted_text=_counted(measurement.status, measurement.diameter_mm),
        ))  # fmt: skip
    confirmations = list(assessment.confirmations.order_by("-confirmed_at", "-id"))
    has_non_targets = any(lesion.kind == LesionKind.NON_TARGET for lesion in lesions)
    return AssessmentDetail(
        assessment=assessment,
        baseline=baseline,
        lesions=[],
        measurements=rows,
        values=stored_display(assessment),
        non_target_label=_non_target_label(assessment, has_non_targets),
        new_lesions_label=_new_lesions_label(assessment),
        method_differs=baseline is not None and assessment.imaging_method != baseline.imaging_method,
        confirmation=confirmation_state(assessment, confirmations),
        history=[ConfirmationRow(item, item.assessment_version == assessment.version) for item in confirmations],
        visit_label=visit,
    )
