"""Screening pages: the eligibility form with live evaluation, consent and its withdrawal, the
investigator's signature, screen failure, enrolment, and the screening log with its CSV."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import StaleRecordError
from core.forms import add_service_errors

from .. import selectors, services
from ..forms import (
    ConsentForm,
    ConsentWithdrawForm,
    EnrolmentForm,
    ScreenFailureForm,
    ScreeningForm,
    SignatureForm,
)
from ..models import Consent, Participant, Screening
from ..services.screening import screening_evaluation


def _screening_of(participant):
    return Screening.objects.filter(participant=participant).first()


@permission_required("enrollment.view_screening", raise_exception=True)
def screening_edit(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    can_edit = request.user.has_perm("enrollment.change_screening") and selectors.screening_open(participant)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(_("Screening cannot be changed by you or is closed for this participant."))
    screening = _screening_of(participant)
    editing = screening is not None
    initial = {name: getattr(screening, name) for name in ScreeningForm.base_fields if hasattr(screening, name)}
    if not editing:
        initial["planned_enrolment_date"] = timezone.localdate()
    form = ScreeningForm(
        request.POST or None, initial=initial, participant=participant, editing=editing,
        loaded_version=screening.version if screening else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_save(
                participant=participant,
                user=request.user,
                values=form.screening_values(),
                expected_version=form.cleaned_data.get("version"),
                reason=form.cleaned_data.get("reason_for_change", ""),
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Screening saved."))
            return redirect("enrollment:participant_detail", pk=participant.pk)
    values = form.screening_values() if form.is_bound else initial
    result = screening_evaluation(None, participant, values=values)
    return render(
        request,
        "enrollment/screening_form.html",
        {
            "participant": participant,
            "form": form,
            "evaluation": selectors.evaluation_rows(result),
            "eligible": result.eligible,
            "can_edit": can_edit,
        },
    )


@require_POST
@permission_required("enrollment.change_screening", raise_exception=True)
def screening_evaluate(request, pk):
    """Evaluate the unsaved screening form (JSON) so each criterion updates as data is typed.
    Saves nothing."""
    participant = get_object_or_404(Participant, pk=pk)
    form = ScreeningForm(request.POST, participant=participant)
    form.is_valid()
    result = screening_evaluation(None, participant, values=form.screening_values())
    errors = {name: " ".join(str(e) for e in errs) for name, errs in form.errors.items()
              if name in form.fields and name not in {"version", "reason_for_change"}}
    return JsonResponse(
        {
            "eligible": result.eligible,
            "criteria": [row._asdict() for row in selectors.evaluation_rows(result)],
            "errors": errors,
        }
    )


@permission_required("enrollment.add_consent", raise_exception=True)
def consent_create(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    form = ConsentForm(request.POST or None, initial={"consent_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(participant=participant, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("enrollment:participant_detail", pk=participant.pk)
    return render(request, "enrollment/simple_form.html", {
        "participant": participant, "form": form, "title": _("Record informed consent"),
        "submit": _("Record consent"),
        "intro": _("Consent is taken by you, %(name)s.") % {
            "name": request.user.get_full_name() or request.user.get_username()
        },
    })


@permission_required("enrollment.change_consent", raise_exception=True)
def consent_withdraw(request, pk, consent_pk):
    participant = get_object_or_404(Participant, pk=pk)
    consent = get_object_or_404(Consent, pk=consent_pk, participant=participant)
    form = ConsentWithdrawForm(request.POST or None, initial={"version": consent.version, "withdrawn_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(
                consent=consent, user=request.user, withdrawn_on=form.cleaned_data["withdrawn_on"],
                reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.warning(
                request, _("Consent withdrawn: the participant is off study and no new data is accepted.")
            )
            return redirect("enrollment:participant_detail", pk=participant.pk)
    return render(request, "enrollment/simple_form.html", {
        "participant": participant, "form": form, "title": _("Withdraw consent"), "submit": _("Withdraw consent"),
        "intro": _("The participant goes off study on this date; no new treatment or screening data can be entered."),
        "danger": True,
    })


@permission_required("enrollment.sign_eligibility", raise_exception=True)
def eligibility_sign(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    screening = _screening_of(participant)
    if screening is None:
        messages.error(request, _("There is no screening to sign yet."))
        return redirect("enrollment:participant_detail", pk=participant.pk)
    form = SignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.eligibility_sign(
                participant=participant, user=request.user, password=form.cleaned_data["password"], request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Eligibility signed."))
            return redirect("enrollment:participant_detail", pk=participant.pk)
    result = screening_evaluation(screening, participant, enrolment_date=screening.planned_enrolment_date)
    return render(request, "enrollment/eligibility_sign.html", {
        "participant": participant, "form": form, "evaluation": selectors.evaluation_rows(result),
        "eligible": result.eligible, "screening": screening,
    })


@permission_required("enrollment.add_participantstatuschange", raise_exception=True)
def screening_fail(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    form = ScreenFailureForm(request.POST or None, initial={"version": participant.version, "effective_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            failed = services.screening_fail(
                participant=participant, user=request.user, effective_date=form.cleaned_data["effective_date"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.info(request, _("Screen failure recorded (%(criteria)s).") % {"criteria": ", ".join(failed)})
            return redirect("enrollment:participant_detail", pk=participant.pk)
    result = screening_evaluation(_screening_of(participant), participant)
    return render(request, "enrollment/simple_form.html", {
        "participant": participant, "form": form, "title": _("Record screen failure"),
        "submit": _("Record screen failure"),
        "evaluation": [row for row in selectors.evaluation_rows(result) if row.status == "fail"],
        "danger": True,
    })


@permission_required("enrollment.enrol_participant", raise_exception=True)
def participant_enrol(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    form = EnrolmentForm(request.POST or None, initial={"version": participant.version, "enrolment_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_enrol(
                participant=participant, user=request.user,
                enrolment_date=form.cleaned_data["enrolment_date"],
                planned_treatment_start=form.cleaned_data["planned_treatment_start"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Enrolled as %(number)s.") % {"number": participant.study_number})
            return redirect("enrollment:participant_detail", pk=participant.pk)
    return render(request, "enrollment/simple_form.html", {
        "participant": participant, "form": form, "title": _("Enrol"),
        "submit": _("Enrol"),
        "intro": _("Enrolment needs an eligible screening, informed consent and the investigator's signature; "
                   "it assigns the next study number."),
    })


@permission_required("enrollment.view_screening_log", raise_exception=True)
def screening_log(request):
    return render(request, "enrollment/screening_log.html", {"log": selectors.screening_log(user=request.user)})


@permission_required("enrollment.view_screening_log", raise_exception=True)
def screening_log_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="screening_log.csv"'
    writer = csv.writer(response)
    writer.writerow(selectors.SCREENING_LOG_COLUMNS)
    writer.writerows(selectors.screening_log_rows(user=request.user))
    return response
