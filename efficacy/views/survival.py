"""The survival report (PROTOCOL §5): PFS and OS Kaplan-Meier estimates at a data cut-off, an
optional comparison by a baseline factor, the response and failure-pattern table, and their CSV
downloads (the analysis dataset too)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from core.csv_stream import csv_download

from ..forms.survival import SurvivalReportForm
from ..selectors import survival as selectors

INVALID_MESSAGE = gettext_lazy(
    "The report was not changed: correct the fields marked below. Showing today's data without a comparison."
)


def _form(request) -> SurvivalReportForm:
    data = {name: request.GET[name] for name in SurvivalReportForm.base_fields if name in request.GET}
    return SurvivalReportForm(data or None, today=timezone.localdate())


@permission_required("efficacy.view_efficacy_report", raise_exception=True)
def survival(request):
    form = _form(request)
    if form.is_bound and not form.is_valid():
        messages.warning(request, INVALID_MESSAGE)
    cutoff, factor = form.parameters()
    report = selectors.survival_report(cutoff=cutoff, factor=factor)
    valid = form.is_bound and form.is_valid()
    query = urlencode({key: value for key, value in form.data.items() if value}) if valid else ""
    return render(
        request,
        "efficacy/survival.html",
        {
            "form": form,
            "report": report,
            "csv_query": query,
            "landmark_months": selectors.LANDMARKS_MONTHS,
        },
    )


@permission_required("efficacy.view_efficacy_report", raise_exception=True)
def survival_csv(request, table):
    if table not in selectors.CSV_TABLES:
        raise Http404("No such table.")
    form = _form(request)
    if form.is_bound and not form.is_valid():
        # Show the errors on the page rather than download numbers for another cut-off.
        return redirect(f"{reverse('efficacy:survival')}?{request.GET.urlencode()}")
    cutoff, factor = form.parameters()
    # CSV contents are data for statisticians: in English whatever the user's language.
    with translation.override("en"):
        report = selectors.survival_report(cutoff=cutoff, factor=factor)
    rows = selectors.csv_rows(table, report)
    suffix = f"_{factor}" if factor and table in ("pfs", "os", "summary", "at_risk", "comparison", "response") else ""
    return csv_download(f"survival_{table}{suffix}_cutoff_{cutoff:%Y%m%d}.csv", rows)
