"""Query pages: the generic CRF record page (with "Raise a query"), the study-wide and per-participant
query lists with their CSV, one query with its steps (answer, close, re-open), and the data managers'
"Run edit checks now"."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.crf import crf_model_for
from core.csv_stream import csv_response
from core.forms import add_service_errors
from core.models import QueryAction
from core.sites import restrict_to_user_sites
from enrollment.models import Participant
from enrollment.rules.eligibility import age_in_years

from . import selectors, services
from .forms import QueryFilterForm, QueryStepForm, RaiseQueryForm

PAGE_SIZE = 50
VIEW = "core.view_dataquery"


def _query_string(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- the record page ---------------------------------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def record(request, content_type_id, object_id):
    """Any CRF record, read-only: its fields with their open queries, its source data verification and
    lock, its queries; monitors and data managers raise a query on a field (or the whole record)."""
    model = crf_model_for(content_type_id)
    if model is None:
        raise Http404(_("Not a CRF record."))
    if not request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
        raise PermissionDenied(_("You cannot see these records."))
    instance = get_object_or_404(model, pk=object_id)
    data = selectors.record_page(instance, user=request.user)
    can_raise = request.user.has_perm(services.RAISE_PERMISSION)
    form = RaiseQueryForm(request.POST or None, field_choices=data.field_choices) if can_raise else None
    if request.method == "POST":
        if not can_raise:
            raise PermissionDenied(_("You cannot raise queries."))
        if form.is_valid():
            try:
                query = services.query_raise(record=instance, field_name=form.cleaned_data["field_name"],
                                             text=form.cleaned_data["text"], user=request.user, now=timezone.now())  # fmt: skip
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if query.field_name:
                    done = _("Query #%(number)s raised on %(field)s.") % {"number": query.pk,
                                                                         "field": query.field_name_label}
                else:
                    done = _("Query #%(number)s raised on the record.") % {"number": query.pk}
                messages.success(request, done)  # fmt: skip
                return redirect("dm:record", content_type_id=content_type_id, object_id=object_id)
    return render(request, "core/dm/record_detail.html", {"data": data, "form": form})


# --- lists -------------------------------------------------------------------------------------------


def _list_context(request, *, participant: Participant | None = None) -> dict:
    filters_form = QueryFilterForm(request.GET or None)
    now = timezone.now()
    queries = selectors.query_list(filters_form.filters(participant_id=participant.pk if participant else None), now=now)
    queries = restrict_to_user_sites(queries, request.user)
    page = Paginator(queries, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "filters": filters_form,
        "page": page,
        "rows": selectors.query_rows(page.object_list, now=now),
        "query_string": _query_string(request),
        "participant": participant,
    }


@permission_required(VIEW, raise_exception=True)
def query_list(request):
    context = _list_context(request)
    context["can_run_checks"] = request.user.has_perms(("core.raise_query", "core.view_taskrun"))
    return render(request, "core/dm/query_list.html", context)


@permission_required(VIEW, raise_exception=True)
def query_list_csv(request):
    """The queries the list shows (same filters), all pages, as CSV."""
    filters_form = QueryFilterForm(request.GET or None)
    participant_pk = request.GET.get("participant")
    # A number past any id (or in other digits) is ignored, like a non-number, rather than failing in the database.
    usable = participant_pk and participant_pk.isascii() and participant_pk.isdigit() and len(participant_pk) <= 18
    participant_id = int(participant_pk) if usable else None
    now = timezone.now()
    queries = restrict_to_user_sites(selectors.query_list(filters_form.filters(participant_id=participant_id), now=now),
                                     request.user)  # fmt: skip
    return csv_response("queries.csv", selectors.QUERY_CSV_COLUMNS, selectors.query_csv_rows(queries, now=now))


@permission_required((VIEW, "enrollment.view_participant"), raise_exception=True)
def participant_queries(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    context = _list_context(request, participant=participant)
    context["age"] = age_in_years(participant.date_of_birth, timezone.localdate())
    context["csv_query"] = "&".join(filter(None, [context["query_string"], f"participant={participant.pk}"]))
    return render(request, "core/dm/query_participant_list.html", context)


# --- one query -----------------------------------------------------------------------------------------

# The message after each step.
_DONE = {
    QueryAction.ANSWER: lambda number: _("Query #%(number)s answered.") % {"number": number},
    QueryAction.CLOSE: lambda number: _("Query #%(number)s closed.") % {"number": number},
    QueryAction.REOPEN: lambda number: _("Query #%(number)s re-opened.") % {"number": number},
}

_STEPS = {
    QueryAction.ANSWER: (services.ANSWER_PERMISSION, services.query_answer),
    QueryAction.CLOSE: (services.RAISE_PERMISSION, services.query_close),
    QueryAction.REOPEN: (services.RAISE_PERMISSION, services.query_reopen),
}


@permission_required(VIEW, raise_exception=True)
def query_detail(request, query_pk):
    """One query with every step; the forms of the steps the user may take now."""
    query = get_object_or_404(selectors.query_with_steps(query_pk))
    posted_action = request.POST.get("action") if request.method == "POST" else None
    if posted_action is not None:
        if posted_action not in _STEPS:
            raise Http404(_("No such step."))
        permission, step = _STEPS[posted_action]
        if not request.user.has_perm(permission):
            raise PermissionDenied(_("You cannot take this step."))
    now = timezone.now()
    page = selectors.query_page(query, user=request.user, now=now)
    step_forms = {
        action: QueryStepForm(request.POST if action == posted_action else None, action=action)
        for action in page.actions
    }
    if posted_action is not None:
        form = step_forms.get(posted_action) or QueryStepForm(request.POST, action=posted_action)
        step_forms[posted_action] = form
        if form.is_valid():
            try:
                step(query=query, text=form.cleaned_data["text"], user=request.user, now=now)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _DONE[posted_action](query.pk))
                return redirect("dm:query_detail", query_pk=query.pk)
    return render(request, "core/dm/query_detail.html", {"page": page, "step_forms": list(step_forms.values())})


# --- edit checks ---------------------------------------------------------------------------------------


@permission_required(("core.raise_query", "core.view_taskrun"), raise_exception=True)
@require_POST
def edit_checks_run(request):
    """Queue the edit checks now (data managers); they also run daily."""
    from core.faults import enqueue

    from .tasks import run_edit_checks

    transaction.on_commit(lambda: enqueue(run_edit_checks))  # broker down: sent once it is back (core.faults)
    messages.success(request, _("The edit checks are running; automatic queries appear in the list when they finish."))
    return redirect("dm:query_list")
