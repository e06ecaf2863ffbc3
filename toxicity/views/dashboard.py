"""The investigator's toxicity dashboard (safety tables, irAEs, SAE clocks, sign-off, holds,
charts), its CSV downloads and the per-participant AE timeline."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.csv_stream import CSV_LANGUAGE, csv_download
from core.sites import site_access
from enrollment.models import Participant

from ..forms.dashboard import DashboardFilterForm
from ..selectors import dashboard as selectors

INVALID_FILTERS_MESSAGE = _("The filters were not applied: correct the fields marked below. Showing all adverse events.")


SENT_SAES_SHOWN = 20


def _sae_lists(saes) -> dict:
    open_rows = [row for row in saes if row.is_open]
    sent = [row for row in saes if not row.is_open]
    shown = open_rows + sent[:SENT_SAES_SHOWN]
    return {"saes_shown": shown, "saes_not_shown": len(saes) - len(shown)}


def _filter_form(request) -> DashboardFilterForm:
    data = {name: request.GET[name] for name in DashboardFilterForm.base_fields if name in request.GET}
    return DashboardFilterForm(data or None)


@permission_required("toxicity.view_adverseevent", raise_exception=True)
def dashboard(request):
    form = _filter_form(request)
    filters = form.filters()
    if form.is_bound and not form.is_valid():
        messages.warning(request, INVALID_FILTERS_MESSAGE)
    data = selectors.dashboard(filters, now=timezone.now(), user=request.user)
    query = urlencode({k: v for k, v in form.data.items() if v}) if filters.active else ""
    return render(request, "toxicity/dashboard.html", {
        "form": form,
        "dashboard": data,
        "filters": filters,
        "definition": selectors.SAFETY_POPULATION_DEFINITION,
        "csv_query": query,
        # The tables below the SAE clocks are rendered once per data version and this key (studycache).
        "cache_scope": repr((filters, site_access(request.user))),
        # Every SAE whose report is still to send, then the most recently due of those sent; the
        # rest are in the CSV (a study with hundreds of SAEs keeps the page short).
        **_sae_lists(data.saes),
        "grades": (1, 2, 3, 4, 5),
    })


@permission_required("toxicity.view_adverseevent", raise_exception=True)
def dashboard_csv(request, table):
    if table not in selectors.CSV_TABLES:
        raise Http404("No such table.")
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        # Show the errors on the page rather than download numbers that ignore the filters.
        return redirect(f"{reverse('toxicity:dashboard')}?{request.GET.urlencode()}")
    # A CSV is data for the statisticians: English whatever the user's language.
    with translation.override(CSV_LANGUAGE):
        rows = selectors.csv_rows(table, filters=form.filters(), now=timezone.now(), user=request.user)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return csv_download(f"{table}_{stamp}.csv", rows)


@permission_required("toxicity.view_adverseevent", raise_exception=True)
def participant_timeline(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    timeline = selectors.participant_timeline(participant, today=timezone.localdate())
    return render(request, "toxicity/timeline.html", {"participant": participant, "timeline": timeline})
