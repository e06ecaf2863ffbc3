"""Tumour assessment pages (RECIST 1.1): the participant's assessments, one assessment, recording and
correcting the baseline and the follow-ups, the live computation the follow-up form asks for, and
the investigator's confirmation of a follow-up's overall response."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.exceptions import StaleRecordError
from core.forms import add_service_errors
from enrollment.models import Participant

from ..forms.assessments import BaselineForm, BaselineForms, FollowUpForm, ResponseConfirmForm, lesion_initial
from ..models import AssessmentKind, Lesion, LesionKind, ResponseConfirmation, TumourAssessment
from ..selectors import assessments as selectors
from ..services import assessments as services

NOT_ENROLLED = gettext_lazy("Tumour assessments start once the participant is enrolled.")


def _not_enrolled_redirect(request, participant):
    messages.info(request, NOT_ENROLLED)
    return redirect("enrollment:participant_detail", pk=participant.pk)


def _list_redirect(participant_id):
    return redirect("efficacy:assessment_list", pk=participant_id)


def _assessment_or_404(assessment_pk, kind: str | None = None) -> TumourAssessment:
    assessment = get_object_or_404(TumourAssessment.objects.select_related("participant"), pk=assessment_pk)
    if kind is not None and assessment.kind != kind:
        raise Http404("No such assessment of that kind.")
    return assessment


def _baseline_lesions(baseline: TumourAssessment | None) -> tuple[list[Lesion], list[Lesion]]:
    if baseline is None:
        return [], []
    lesions = sorted(Lesion.objects.filter(baseline=baseline), key=selectors.lesion_order)
    return (
        [lesion for lesion in lesions if lesion.kind == LesionKind.TARGET],
        [lesion for lesion in lesions if lesion.kind == LesionKind.NON_TARGET],
    )


def _baseline_of(participant) -> TumourAssessment | None:
    return TumourAssessment.objects.filter(participant=participant, kind=AssessmentKind.BASELINE).first()


@permission_required("efficacy.view_tumourassessment", raise_exception=True)
def assessment_list(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if participant.enrolment_date is None:
        return _not_enrolled_redirect(request, participant)
    return render(request, "efficacy/assessment_list.html", {
        "participant": participant,
        "page": selectors.participant_assessment_page(participant),
        "closed_reason": services.assessment_recording_closed_reason(participant),
    })  # fmt: skip


@permission_required("efficacy.view_tumourassessment", raise_exception=True)
def assessment_detail(request, assessment_pk):
    assessment = _assessment_or_404(assessment_pk)
    return render(request, "efficacy/assessment_detail.html", {
        "participant": assessment.participant,
        "assessment": assessment,
        "detail": selectors.assessment_detail(assessment),
        "closed_reason": services.assessment_recording_closed_reason(assessment.participant),
    })  # fmt: skip


# --- baseline ----------------------------------------------------------------------------------------


def _baseline_page(request, participant, forms, *, baseline=None, closed_reason=None):
    forms.mark_invalid()
    return render(request, "efficacy/assessment_baseline_form.html", {
        "participant": participant,
        "forms": forms,
        "form": forms.form,
        "baseline": baseline,
        "closed_reason": closed_reason,
        "has_follow_ups": baseline is not None
        and TumourAssessment.objects.filter(participant=participant, kind=AssessmentKind.FOLLOW_UP).exists(),
    })  # fmt: skip


@permission_required(("efficacy.add_tumourassessment", "efficacy.add_lesion"), raise_exception=True)
def baseline_create(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if participant.enrolment_date is None:
        return _not_enrolled_redirect(request, participant)
    existing = _baseline_of(participant)
    if existing is not None:
        messages.info(request, _("The baseline is already recorded; correct it here."))
        return redirect("efficacy:baseline_update", assessment_pk=existing.pk)
    closed_reason = services.assessment_recording_closed_reason(participant)
    forms = BaselineForms(request.POST or None, participant=participant)
    if request.method == "POST" and closed_reason is None and forms.is_valid():
        targets, non_targets = forms.lesions()
        try:
            baseline = services.baseline_record(
                participant=participant, user=request.user, targets=targets, non_targets=non_targets,
                **forms.form.values(),
            )  # fmt: skip
        except ValidationError as error:
            forms.add_service_errors(error)
        else:
            messages.success(request, _("Baseline of %(date)s saved.") % {"date": f"{baseline.assessment_date:%Y-%m-%d}"})
            return _list_redirect(participant.pk)
    return _baseline_page(request, participant, forms, closed_reason=closed_reason)


@permission_required(("efficacy.change_tumourassessment", "efficacy.change_lesion"), raise_exception=True)
def baseline_update(request, assessment_pk):
    baseline = _assessment_or_404(assessment_pk, AssessmentKind.BASELINE)
    participant = baseline.participant
    closed_reason = services.assessment_recording_closed_reason(participant)
    targets, non_targets = _baseline_lesions(baseline)
    measured = set(Lesion.objects.filter(baseline=baseline, measurements__isnull=False).values_list("pk", flat=True))
    for lesion in targets + non_targets:
        lesion.measured = lesion.pk in measured
    forms = BaselineForms(
        request.POST or None, participant=participant, initial=BaselineForm.initial_from(baseline),
        targets=[lesion_initial(lesion) for lesion in targets],
        non_targets=[lesion_initial(lesion) for lesion in non_targets],
        editing=True, loaded_version=baseline.version,
    )  # fmt: skip
    if request.method == "POST" and closed_reason is None and forms.is_valid():
        target_inputs, non_target_inputs = forms.lesions()
        try:
            services.baseline_update(
                assessment=baseline, user=request.user, targets=target_inputs, non_targets=non_target_inputs,
                expected_version=forms.form.cleaned_data["version"],
                reason=forms.form.cleaned_data["reason_for_change"], **forms.form.values(),
            )  # fmt: skip
        except (ValidationError, StaleRecordError) as error:
            forms.add_service_errors(error)
        else:
            messages.success(request, _("Baseline corrected; the follow-up assessments were recomputed."))
            return _list_redirect(participant.pk)
    return _baseline_page(request, participant, forms, baseline=baseline, closed_reason=closed_reason)


# --- follow-up ---------------------------------------------------------------------------------------


def _follow_up_page(request, participant, form, *, baseline, assessment=None, closed_reason=None, initial_values=None):
    form.mark_invalid()
    method = form["imaging_method"].value()
    return render(request, "efficacy/assessment_followup_form.html", {
        "participant": participant,
        "form": form,
        "baseline": baseline,
        "baseline_sum": selectors.format_mm(baseline.target_sum_mm),
        "method_differs": bool(method) and method != baseline.imaging_method,
        "assessment": assessment,
        "closed_reason": closed_reason,
        "values": initial_values,
    })  # fmt: skip


@permission_required(("efficacy.add_tumourassessment", "efficacy.add_lesionmeasurement"), raise_exception=True)
def followup_create(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if participant.enrolment_date is None:
        return _not_enrolled_redirect(request, participant)
    baseline = _baseline_of(participant)
    if baseline is None:
        messages.info(request, _("Record the baseline assessment first: it declares the lesions the follow-ups measure."))
        return _list_redirect(participant.pk)
    closed_reason = services.assessment_recording_closed_reason(participant)
    targets, non_targets = _baseline_lesions(baseline)
    form = FollowUpForm(request.POST or None, participant=participant, targets=targets,
                        has_non_targets=bool(non_targets), initial={"imaging_method": baseline.imaging_method})  # fmt: skip
    if request.method == "POST" and closed_reason is None and form.is_valid():
        try:
            follow_up = services.follow_up_record(participant=participant, user=request.user, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Follow-up of %(date)s saved: overall response %(response)s (computed).") % {
                "date": f"{follow_up.assessment_date:%Y-%m-%d}", "response": follow_up.computed_response,
            })  # fmt: skip
            return _list_redirect(participant.pk)
    return _follow_up_page(request, participant, form, baseline=baseline, closed_reason=closed_reason)


@permission_required(("efficacy.change_tumourassessment", "efficacy.change_lesionmeasurement"), raise_exception=True)
def followup_update(request, assessment_pk):
    assessment = _assessment_or_404(assessment_pk, AssessmentKind.FOLLOW_UP)
    participant = assessment.participant
    baseline = _baseline_of(participant)
    closed_reason = services.assessment_recording_closed_reason(participant)
    targets, non_targets = _baseline_lesions(baseline)
    form = FollowUpForm(
        request.POST or None, participant=participant, targets=targets, has_non_targets=bool(non_targets),
        initial=FollowUpForm.initial_from(assessment), editing=True, loaded_version=assessment.version,
        measurement_versions={item.lesion_id: item.version for item in assessment.measurements.all()},
    )  # fmt: skip
    if request.method == "POST" and closed_reason is None and form.is_valid():
        try:
            services.follow_up_update(
                assessment=assessment, user=request.user, expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason_for_change"], **form.values(),
            )  # fmt: skip
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Follow-up corrected and recomputed."))
            return redirect("efficacy:assessment_detail", assessment_pk=assessment.pk)
    confirmed = services.valid_confirmation(assessment)
    if confirmed is not None and request.method == "GET":
        messages.warning(request, _("%(response)s is confirmed by %(signer)s: a change to the values voids the "
                                    "confirmation and the investigator confirms again.")
                         % {"response": confirmed.response, "signer": confirmed.signer_name})  # fmt: skip
    return _follow_up_page(request, participant, form, baseline=baseline, assessment=assessment,
                           closed_reason=closed_reason, initial_values=selectors.stored_display(assessment))  # fmt: skip


@require_GET
@permission_required("efficacy.add_tumourassessment", raise_exception=True)
def assessment_preview(request, pk):
    """JSON: the values the follow-up would get if saved now (the save's computation), from the
    form's inputs in the query (``lesion_<id>_status``, ``lesion_<id>_diameter_mm``,
    ``assessment_date``, ``non_target_response``, ``new_lesions``; ``assessment`` the follow-up being
    corrected). Input the save would refuse answers 400 with ``error`` and ``field``."""
    participant = get_object_or_404(Participant, pk=pk)
    baseline = _baseline_of(participant)
    if baseline is None:
        return JsonResponse({"error": _("Record the baseline assessment first."), "field": ""}, status=400)
    assessment = None
    raw = (request.GET.get("assessment") or "").strip()
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
            return JsonResponse({"error": _("assessment must be a whole number."), "field": "assessment"}, status=400)
        assessment = TumourAssessment.objects.filter(pk=int(raw), participant=participant,
                                                     kind=AssessmentKind.FOLLOW_UP).first()  # fmt: skip
        if assessment is None:
            return JsonResponse({"error": _("No such follow-up of this participant."), "field": "assessment"}, status=400)
    targets, non_targets = _baseline_lesions(baseline)
    form = FollowUpForm(request.GET, participant=participant, targets=targets, has_non_targets=bool(non_targets),
                        preview=True)  # fmt: skip
    if not form.is_valid():
        field, message = form.first_error()
        return JsonResponse({"error": message, "field": field}, status=400)
    values = form.values()
    try:
        result = services.follow_up_preview(
            participant=participant, assessment_date=values["assessment_date"], measurements=values["measurements"],
            non_target_response=values["non_target_response"], new_lesions=values["new_lesions"],
            assessment=assessment,
        )  # fmt: skip
    except ValidationError as error:
        field, message = _first(error)
        return JsonResponse({"error": message, "field": field}, status=400)
    return JsonResponse(selectors.follow_up_display(result))


def _first(error: ValidationError) -> tuple[str, str]:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            return field, errors[0].messages[0]
    return "", error.messages[0]


# --- confirmation ------------------------------------------------------------------------------------


@permission_required("efficacy.confirm_response", raise_exception=True)
def assessment_confirm(request, assessment_pk):
    assessment = _assessment_or_404(assessment_pk, AssessmentKind.FOLLOW_UP)
    if not assessment.computed_response:
        raise Http404("This follow-up has no computed response to confirm.")
    participant = assessment.participant
    current = services.valid_confirmation(assessment)
    form = ResponseConfirmForm(
        request.POST or None, responses=services.confirmable_responses(assessment),
        initial={"version": assessment.version, "response": assessment.computed_response},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            confirmation = services.response_confirm(
                assessment=assessment, user=request.user, response=form.cleaned_data["response"],
                reason=form.cleaned_data["reason"], password=form.cleaned_data["password"],
                expected_version=form.cleaned_data["version"], request=request,
            )  # fmt: skip
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(response)s confirmed for the assessment of %(date)s.") % {
                "response": confirmation.response, "date": f"{assessment.assessment_date:%Y-%m-%d}",
            })  # fmt: skip
            return _list_redirect(participant.pk)
    return render(request, "efficacy/assessment_confirm.html", {
        "participant": participant,
        "assessment": assessment,
        "detail": selectors.assessment_detail(assessment),
        "form": form,
        "current": current,
        "meaning": _(ResponseConfirmation.MEANING),
    })  # fmt: skip
