"""Radiotherapy pages: the EBRT course, the brachytherapy fractions and the cumulative EQD2 against
the PROTOCOL §2 organ-at-risk limits."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import StaleRecordError
from core.forms import add_service_errors
from enrollment.models import Participant

from ..forms.radiotherapy import BrachytherapyFractionForm, RadiotherapyCourseForm
from ..models import BrachytherapyFraction, RadiotherapyCourse
from ..selectors import radiotherapy as rt_selectors
from ..services import radiotherapy as rt_services
from ..services.common import treatment_closed_reason


def _radiotherapy_redirect(participant):
    return redirect("dosing:radiotherapy", pk=participant.pk)


def _form_page(request, participant, form, title, *, intro="", closed_reason=None):
    context = {
        "participant": participant,
        "form": form,
        "title": title,
        "submit": _("Save"),
        "intro": intro,
        "closed_reason": closed_reason,
        "cancel_url": reverse("dosing:radiotherapy", args=[participant.pk]),
    }
    return render(request, "dosing/form.html", context)


@permission_required("dosing.view_radiotherapycourse", raise_exception=True)
def radiotherapy(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    summary = rt_selectors.radiotherapy_summary(participant)
    closed_reason = treatment_closed_reason(participant)
    user = request.user
    course_perm = "dosing.change_radiotherapycourse" if summary.course else "dosing.add_radiotherapycourse"
    context = {
        "participant": participant,
        "summary": summary,
        "deviations": rt_selectors.radiotherapy_deviations(participant),
        "closed_reason": closed_reason,
        "can_record_course": not closed_reason and user.has_perm(course_perm),
        "can_add_brachy": not closed_reason and user.has_perm("dosing.add_brachytherapyfraction"),
        "can_change_brachy": not closed_reason and user.has_perm("dosing.change_brachytherapyfraction"),
    }
    return render(request, "dosing/radiotherapy.html", context)


@permission_required("dosing.view_radiotherapycourse", raise_exception=True)
def radiotherapy_course(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    course = RadiotherapyCourse.objects.filter(participant=participant).first()
    editing = course is not None
    needed = "dosing.change_radiotherapycourse" if editing else "dosing.add_radiotherapycourse"
    if not request.user.has_perm(needed):
        raise PermissionDenied(_("You cannot record the radiotherapy course."))
    if editing:
        initial = {name: getattr(course, name) for name in RadiotherapyCourseForm.VALUE_FIELDS}
    else:
        initial = {"start_date": participant.planned_treatment_start, "fractions_delivered": 0, "interruption_days": 0}
    form = RadiotherapyCourseForm(
        request.POST or None, initial=initial, editing=editing, loaded_version=course.version if editing else None
    )
    closed_reason = treatment_closed_reason(participant)
    if request.method == "POST":
        if closed_reason:
            form.is_valid()
            form.add_error(None, closed_reason)
        elif form.is_valid():
            try:
                rt_services.radiotherapy_course_save(
                    participant=participant,
                    user=request.user,
                    values=form.course_values(),
                    expected_version=form.cleaned_data.get("version"),
                    reason=form.cleaned_data.get("reason_for_change", ""),
                )
            except (ValidationError, StaleRecordError) as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("EBRT course saved."))
                return _radiotherapy_redirect(participant)
    return _form_page(
        request,
        participant,
        form,
        _("Edit EBRT course") if editing else _("Record EBRT course"),
        intro=_(
            "External-beam radiotherapy as prescribed and delivered (PROTOCOL §2). Doses outside the "
            "protocol's ranges are saved and listed as deviations."
        ),
        closed_reason=closed_reason,
    )


def _brachy_form(request, participant, record):
    editing = record is not None
    if editing:
        initial = {name: getattr(record, name) for name in BrachytherapyFractionForm.VALUE_FIELDS}
    else:
        initial = {"number": rt_selectors.brachytherapy_next_number(participant), "given_on": timezone.localdate()}
    form = BrachytherapyFractionForm(
        request.POST or None, initial=initial, editing=editing, loaded_version=record.version if editing else None
    )
    closed_reason = treatment_closed_reason(participant)
    if request.method == "POST":
        if closed_reason:
            form.is_valid()
            form.add_error(None, closed_reason)
        elif form.is_valid():
            try:
                fraction = rt_services.brachytherapy_fraction_save(
                    participant=participant,
                    user=request.user,
                    values=form.fraction_values(),
                    instance=record,
                    expected_version=form.cleaned_data.get("version"),
                    reason=form.cleaned_data.get("reason_for_change", ""),
                )
            except (ValidationError, StaleRecordError) as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Brachytherapy fraction %(number)s saved.") % {"number": fraction.number})
                return _radiotherapy_redirect(participant)
    if editing:
        title = _("Correct brachytherapy fraction %(number)s") % {"number": record.number}
    else:
        title = _("Record brachytherapy fraction")
    return _form_page(
        request,
        participant,
        form,
        title,
        intro=_("Physical doses of this fraction's plan; the EQD2 is calculated (PROTOCOL §2)."),
        closed_reason=closed_reason,
    )


@permission_required("dosing.add_brachytherapyfraction", raise_exception=True)
def brachy_create(request, pk):
    return _brachy_form(request, get_object_or_404(Participant, pk=pk), None)


@permission_required("dosing.change_brachytherapyfraction", raise_exception=True)
def brachy_update(request, pk, record_pk):
    participant = get_object_or_404(Participant, pk=pk)
    record = get_object_or_404(BrachytherapyFraction, pk=record_pk, participant=participant)
    return _brachy_form(request, participant, record)
