"""The survival report (PROTOCOL §5): PFS and OS Kaplan-Meier estimates at a data cut-off, an
optional comparison by a baseline factor, the response and failure-pattern table, and their CSV
downloads (the analysis dataset too)."""

import csv
import datetime
from urllib.parse import urlencode

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.forms import DateInput

from ..selectors import survival as selectors

EARLIEST_CUTOFF = datetime.date(2000, 1, 1)
INVALID_MESSAGE = (
    "The report was not changed: correct the fields marked below. Showing today's data without a comparison."
)


class SurvivalReportForm(forms.Form):
    """The report's GET parameters (input shape only): the data cut-off and the comparison factor."""

    cutoff = forms.DateField(
        label="Data cut-off",
        required=False,
        widget=DateInput,
        help_text="Progressions, deaths and follow-up after this date are ignored. Default: today.",
    )
    factor = forms.ChoiceField(label="Compare by", choices=selectors.FACTOR_CHOICES, required=False)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["cutoff"].widget.attrs["max"] = today.isoformat()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Row(Column("cutoff", css_class="col-md-4"), Column("factor", css_class="col-md-4")))

    def clean_cutoff(self):
        value = self.cleaned_data.get("cutoff")
        if value is not None and value < EARLIEST_CUTOFF:
            raise forms.ValidationError(f"Enter a date from {EARLIEST_CUTOFF:%Y-%m-%d} on.")
        if value is not None and value > self.today:
            raise forms.ValidationError("The cut-off cannot be after today: nothing is known yet.")
        return value

    def parameters(self) -> tuple[datetime.date, str | None]:
        """(cutoff, factor) to report on: today and no comparison unless the form is valid."""
        if not self.is_bound or not self.is_valid():
            return self.today, None
        return self.cleaned_data["cutoff"] or self.today, self.cleaned_data["factor"] or None


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


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value):
        return value


@permission_required("efficacy.view_efficacy_report", raise_exception=True)
def survival_csv(request, table):
    if table not in selectors.CSV_TABLES:
        raise Http404("No such table.")
    form = _form(request)
    if form.is_bound and not form.is_valid():
        # Show the errors on the page rather than download numbers for another cut-off.
        return redirect(f"{reverse('efficacy:survival')}?{request.GET.urlencode()}")
    cutoff, factor = form.parameters()
    report = selectors.survival_report(cutoff=cutoff, factor=factor)
    writer = csv.writer(_Echo())
    rows = selectors.csv_rows(table, report)
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    suffix = f"_{factor}" if factor and table in ("pfs", "os", "summary", "at_risk", "comparison", "response") else ""
    response["Content-Disposition"] = f'attachment; filename="survival_{table}{suffix}_cutoff_{cutoff:%Y%m%d}.csv"'
    return response
