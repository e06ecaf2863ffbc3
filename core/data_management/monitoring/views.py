"""Monitoring pages: a participant's CRF records with their SDV and lock state (monitors mark them
verified; data managers lock and unlock), locking a record or a participant, unlocking, the study
lock for the final analysis, the locks list and the study-wide SDV overview (each with a CSV; the CSVs
are in English whatever the user's language: ``core.csv_stream``)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from core.crf import crf_model_for, form_label, participant_id_of
from core.csv_stream import CSV_LANGUAGE, csv_response
from core.forms import add_service_errors
from core.models import DataLock, LockScope
from core.sites import restrict_to_user_sites
from enrollment.models import Participant

from . import selectors, services
from .forms import LockFilterForm, ReasonForm, SdvSortForm, VerifyRecordsForm

LOCKS_PAGE_SIZE = 100
VIEW_MONITORING = ("core.view_sourceverification", "core.view_datalock")
STUDY_LOCK_SUGGESTION = gettext_noop("Final analysis database lock")


def _monitoring_redirect(participant_id: int):
    return redirect("dm:participant_monitoring", pk=participant_id)


# --- the participant monitoring page -------------------------------------------------------------------


@permission_required(VIEW_MONITORING, raise_exception=True)
def participant_monitoring(request, pk):
    """GET: every record with its SDV and lock state. POST (monitors): mark the ticked records verified."""
    participant = get_object_or_404(Participant, pk=pk)
    form = VerifyRecordsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not request.user.has_perm("core.verify_source"):
            raise PermissionDenied(_("Only monitors verify source data."))
        if form.is_valid():
            try:
                targets = selectors.verification_targets(participant, form.cleaned_data["records"])
                done = services.records_verify(records=targets, user=request.user, now=timezone.now())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, ngettext("%(count)s record marked verified.", "%(count)s records marked verified.",
                                                   len(done)) % {"count": len(done)})  # fmt: skip
                return _monitoring_redirect(participant.pk)
    return render(request, "core/dm/monitoring_participant.html", {
        "participant": participant,
        "page": selectors.participant_monitoring(participant),
        "verify_form": form,
    })  # fmt: skip


@permission_required(VIEW_MONITORING, raise_exception=True)
def participant_monitoring_csv(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    with translation.override(CSV_LANGUAGE):
        page = selectors.participant_monitoring(participant)
    number = selectors.participant_number(participant)
    return csv_response(
        f"monitoring-{number}.csv", selectors.MONITORING_CSV_COLUMNS, selectors.monitoring_csv_rows(page)
    )


# --- locking and unlocking ---------------------------------------------------------------------------


def _lock_page(request, form, *, title, intro, submit, cancel_url, participant=None, lock=None, danger=False):
    return render(request, "core/dm/lock_form.html", {
        "form": form, "title": title, "intro": intro, "submit": submit, "cancel_url": cancel_url,
        "participant": participant, "lock": lock, "danger": danger,
    })  # fmt: skip


@permission_required("core.lock_data", raise_exception=True)
def record_lock(request, content_type_id, object_id):
    model = crf_model_for(content_type_id)
    if model is None:
        raise Http404(_("Not a CRF record."))
    record = get_object_or_404(model, pk=object_id)
    participant = get_object_or_404(Participant, pk=participant_id_of(record))
    label = f"{form_label(model)}: {selectors.record_label(record, participant)}"
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_lock(
                record=record, user=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(record)s is locked.") % {"record": label})
            return _monitoring_redirect(participant.pk)
    return _lock_page(
        request, form, title=_("Lock %(record)s") % {"record": label}, participant=participant,
        intro=_("While locked, this record cannot be changed by anyone; unlocking needs a reason."),
        submit=_("Lock the record"), cancel_url=reverse("dm:participant_monitoring", args=[participant.pk]),
    )  # fmt: skip


@permission_required("core.lock_data", raise_exception=True)
def participant_lock(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    number = selectors.participant_number(participant)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_lock(
                participant=participant, user=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The data of %(number)s is locked.") % {"number": number})
            return _monitoring_redirect(participant.pk)
    return _lock_page(
        request, form, title=_("Lock the data of %(number)s") % {"number": number}, participant=participant,
        intro=_("While locked, none of this participant's records can be changed or added; unlocking needs a reason."),
        submit=_("Lock the participant's data"), cancel_url=reverse("dm:participant_monitoring", args=[participant.pk]),
    )  # fmt: skip


def _after_unlock_url(lock: DataLock) -> str:
    if lock.scope == LockScope.STUDY:
        return reverse("dm:study_lock")
    if lock.participant_id is None:
        return reverse("dm:lock_list")
    return reverse("dm:participant_monitoring", args=[lock.participant_id])


@permission_required("core.lock_data", raise_exception=True)
def lock_release(request, pk):
    lock = get_object_or_404(DataLock.objects.select_related("participant", "locked_by", "unlocked_by"), pk=pk)
    target = selectors.lock_target(lock)
    form = ReasonForm(request.POST if request.method == "POST" else None, kind="unlock")
    if request.method == "POST" and form.is_valid():
        try:
            services.lock_release(lock=lock, user=request.user, reason=form.cleaned_data["reason"], now=timezone.now())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Unlocked: %(target)s.") % {"target": target})
            return redirect(_after_unlock_url(lock))
    return _lock_page(
        request, form, title=_("Unlock: %(target)s") % {"target": target}, participant=lock.participant, lock=lock,
        danger=True, intro=_("Once unlocked, the data can be changed again. The lock stays on record with your reason."),
        submit=_("Unlock"), cancel_url=_after_unlock_url(lock),
    )  # fmt: skip


@permission_required("core.lock_data", raise_exception=True)
def study_lock(request):
    """The whole-study lock: its state, locking (e.g. for the final analysis) or unlocking, and the
    history of study locks."""
    current = selectors.active_study_lock()
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        kind="unlock" if current else "lock",
        placeholder="" if current else _("e.g. %(suggestion)s") % {"suggestion": _(STUDY_LOCK_SUGGESTION)},
    )
    if request.method == "POST" and form.is_valid():
        wanted = request.POST.get("action")
        try:
            if wanted == "unlock" and current is not None:
                services.lock_release(lock=current, user=request.user, reason=form.cleaned_data["reason"],
                                      now=timezone.now())  # fmt: skip
                done = _("The study is unlocked: data can be entered and changed again.")
            elif wanted == "lock" and current is None:
                services.study_lock(user=request.user, reason=form.cleaned_data["reason"], now=timezone.now())
                done = _("The study is locked: no data can be entered or changed.")
            else:
                raise ValidationError(
                    _("The study lock changed after you loaded this page; check its state and try again."),
                    code="lock.study.changed",
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("dm:study_lock")
    history = [selectors.lock_row(lock) for lock in selectors.lock_rows(scope=LockScope.STUDY)]
    return render(request, "core/dm/lock_study.html", {"current": current, "form": form, "history": history})


# --- the locks list --------------------------------------------------------------------------------------


@permission_required("core.view_datalock", raise_exception=True)
def lock_list(request):
    filters = LockFilterForm(request.GET or None)
    # Study locks (no participant) concern every site; participant and record locks only their site.
    locks = restrict_to_user_sites(selectors.lock_rows(**filters.filters()), request.user, keep_unowned=True)
    page = Paginator(locks, LOCKS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/dm/lock_list.html", {
        "filters": filters,
        "page": page,
        "rows": [selectors.lock_row(lock) for lock in page.object_list],
        "query": query.urlencode(),
    })  # fmt: skip


@permission_required("core.view_datalock", raise_exception=True)
def lock_list_csv(request):
    locks = restrict_to_user_sites(selectors.lock_rows(**LockFilterForm(request.GET or None).filters()), request.user,
                                   keep_unowned=True)  # fmt: skip
    return csv_response("locks.csv", selectors.LOCK_CSV_COLUMNS, selectors.lock_csv_rows(locks))


# --- the SDV overview ------------------------------------------------------------------------------------


@permission_required("core.view_sourceverification", raise_exception=True)
def sdv_overview(request):
    sort = SdvSortForm(request.GET or None).sort_key()
    rows = selectors.sdv_overview(sort=sort, user=request.user)
    columns = [
        {"key": key, "label": label, "sorted": sort.lstrip("-") == key, "descending": sort == f"-{key}",
         "next": f"-{key}" if sort == key else key}
        for key, label in selectors.SDV_SORTS.items()
    ]  # fmt: skip
    return render(request, "core/dm/monitoring_sdv_overview.html", {
        "rows": rows, "totals": selectors.sdv_totals(rows), "columns": columns, "sort": sort,
    })  # fmt: skip


@permission_required("core.view_sourceverification", raise_exception=True)
def sdv_overview_csv(request):
    with translation.override(CSV_LANGUAGE):
        rows = selectors.sdv_overview(sort=SdvSortForm(request.GET or None).sort_key(), user=request.user)
    return csv_response("sdv-overview.csv", selectors.SDV_CSV_COLUMNS, selectors.sdv_csv_rows(rows))
