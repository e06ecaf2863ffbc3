"""Visit pages: the participant's visit schedule, recording a visit (done / missed) or an
unscheduled one, the forms of a done visit, and the study-wide missing-forms report (with CSV)."""


from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.csv_stream import CSV_LANGUAGE, csv_response
from core.exceptions import StaleRecordError
from core.forms import add_service_errors
from trialsite.protocol.visits import FORM_LABELS

from .. import selectors
from ..forms import MissingFormsFilterForm, UnscheduledVisitForm, VisitFormsForm, VisitRecordForm
from ..models import Participant, Visit
from ..services import visits as visit_services

REPORT_PAGE_SIZE = 100


def _visit_list_redirect(participant):
    return redirect("enrollment:visit_list", pk=participant.pk)


def _participant_with_schedule(pk) -> Participant:
    participant = get_object_or_404(Participant, pk=pk)
    if participant.planned_treatment_start is None:
        raise Http404(_("The visit schedule starts once the participant is enrolled with a treatment start date."))
    return participant


@permission_required("enrollment.view_visit", raise_exception=True)
def visit_list(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if participant.planned_treatment_start is None:
        messages.info(
            request, _("The visit schedule starts once the participant is enrolled with a treatment start date.")
        )
        return redirect("enrollment:participant_detail", pk=participant.pk)
    show_all = request.GET.get("all") == "1"
    page = selectors.participant_visit_page(participant, today=timezone.localdate(), show_all=show_all)
    return render(request, "enrollment/visit_list.html", {
        "participant": participant,
        "page": page,
        "show_all": show_all,
        "closed_reason": visit_services.visit_recording_closed_reason(participant),
    })


@permission_required("enrollment.add_visit", raise_exception=True)
def visit_record(request, pk, visit_code):
    participant = _participant_with_schedule(pk)
    scheduled = visit_services.scheduled_visit(participant, visit_code)
    if scheduled is None:
        raise Http404(_("No such visit in the participant's schedule."))
    record = Visit.objects.filter(participant=participant, visit_code=visit_code).first()
    editing = record is not None
    if editing and not request.user.has_perm("enrollment.change_visit"):
        raise PermissionDenied(_("You cannot correct visits."))
    if editing:
        initial = {name: getattr(record, name) for name in ("outcome", "visit_date", "missed_reason", "window_note", "note")}
    else:
        today = timezone.localdate()
        initial = {"outcome": "done", "visit_date": min(today, scheduled.target_date)}
    window_text = _("%(start)s to %(end)s, target %(target)s") % {
        "start": f"{scheduled.window_start:%Y-%m-%d}", "end": f"{scheduled.window_end:%Y-%m-%d}",
        "target": f"{scheduled.target_date:%Y-%m-%d}",
    }
    form = VisitRecordForm(
        request.POST or None, initial=initial, window_text=window_text,
        editing=editing, loaded_version=record.version if editing else None,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in ("outcome", "visit_date", "missed_reason", "window_note", "note")}
        try:
            if editing:
                visit_services.visit_update(
                    visit=record, user=request.user, **values,
                    expected_version=form.cleaned_data["version"], reason=form.cleaned_data["reason_for_change"],
                )  # fmt: skip
            else:
                visit_services.visit_record(participant=participant, user=request.user, visit_code=visit_code, **values)
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            saved = _("%(visit)s: correction saved.") if editing else _("%(visit)s: visit saved.")
            messages.success(request, saved % {"visit": scheduled.label})
            return _visit_list_redirect(participant)
    forms_expected = [FORM_LABELS[code] for code in scheduled.expected_forms]
    return render(request, "enrollment/visit_record.html", {
        "participant": participant,
        "form": form,
        "scheduled": scheduled,
        "record": record,
        "forms_expected": forms_expected,
        "title": (_("Correct %(visit)s") if editing else _("Record %(visit)s")) % {"visit": scheduled.label},
        "closed_reason": visit_services.visit_recording_closed_reason(participant),
    })


@permission_required("enrollment.add_visit", raise_exception=True)
def visit_unscheduled(request, pk):
    participant = _participant_with_schedule(pk)
    form = UnscheduledVisitForm(request.POST or None, initial={"visit_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            visit_services.visit_unscheduled_record(
                participant=participant,
                user=request.user,
                visit_date=form.cleaned_data["visit_date"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Unscheduled visit saved."))
            return _visit_list_redirect(participant)
    return render(request, "enrollment/visit_unscheduled.html", {
        "participant": participant,
        "form": form,
        "closed_reason": visit_services.visit_recording_closed_reason(participant),
    })


@permission_required("enrollment.add_visitform", raise_exception=True)
def visit_forms(request, pk, visit_pk):
    participant = _participant_with_schedule(pk)
    visit = get_object_or_404(Visit.objects.select_related("participant"), pk=visit_pk, participant=participant)
    closed_reason = visit_services.visit_forms_closed_reason(visit)
    rows = selectors.visit_form_states(visit)
    form = VisitFormsForm(request.POST or None, rows=rows)
    if request.method == "POST" and closed_reason:
        form.add_error(None, closed_reason)
    elif request.method == "POST" and form.is_valid():
        if any(row.record is not None for row in rows) and not request.user.has_perm("enrollment.change_visitform"):
            raise PermissionDenied(_("You cannot change recorded form states."))
        try:
            visit_services.visit_forms_save(
                visit=visit,
                user=request.user,
                states=form.states(),
                reason=form.cleaned_data["reason_for_change"],
                expected_versions=form.versions(),
            )
        except (ValidationError, StaleRecordError) as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Form states saved."))
            return _visit_list_redirect(participant)
    scheduled = visit_services.scheduled_visit(participant, visit.visit_code)
    return render(request, "enrollment/visit_forms.html", {
        "participant": participant,
        "visit": visit,
        "label": scheduled.label if scheduled else _("Unscheduled visit"),
        "form": form,
        "closed_reason": closed_reason,
        "has_saved_states": any(row.record is not None for row in rows),
    })


def _report_rows(request):
    filters = MissingFormsFilterForm(request.GET or None, user=request.user)
    participant, form_code = None, ""
    if filters.is_valid():
        participant = filters.cleaned_data["participant"]
        form_code = filters.cleaned_data["form"]
    rows = selectors.missing_forms_report(
        today=timezone.localdate(), participant=participant, form=form_code, user=request.user
    )
    return filters, rows


@permission_required("enrollment.view_visit", raise_exception=True)
def missing_forms(request):
    filters, rows = _report_rows(request)
    page = Paginator(rows, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "enrollment/missing_forms.html", {
        "filters": filters, "page": page, "count": len(rows), "query": query.urlencode(),
    })


@permission_required("enrollment.view_visit", raise_exception=True)
def missing_forms_csv(request):
    """The report as CSV, English whatever the user's language (data for statisticians)."""
    with translation.override(CSV_LANGUAGE):
        _filters, rows = _report_rows(request)
    return csv_response("missing_forms.csv", selectors.MISSING_FORMS_COLUMNS, selectors.missing_forms_csv_rows(rows))
