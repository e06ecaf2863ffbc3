"""The Simon two-stage monitor (PROTOCOL §5) and the CSV of its evaluable patients. Read-only:
investigators, data managers and monitors (``efficacy.view_efficacy_report``)."""

import csv

from django.contrib.auth.decorators import permission_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..selectors import simon as selectors


@permission_required("efficacy.view_efficacy_report", raise_exception=True)
def simon(request):
    return render(request, "efficacy/simon.html", {"page": selectors.simon_page_data()})


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value):
        return value


@permission_required("efficacy.view_efficacy_report", raise_exception=True)
def simon_csv(request):
    rows = selectors.evaluable_csv_rows(selectors.simon_page_data())
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="simon_evaluable_{stamp}.csv"'
    return response
