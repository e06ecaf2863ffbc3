"""The Simon two-stage monitor (PROTOCOL §5) and the CSV of its evaluable patients. Read-only:
investigators, data managers and monitors (``efficacy.view_efficacy_report``)."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils import timezone, translation

from core.csv_stream import csv_download

from ..selectors import simon as selectors


@permission_required("efficacy.view_efficacy_report", raise_exception=True)
def simon(request):
    return render(request, "efficacy/simon.html", {"page": selectors.simon_page_data()})


@permission_required("efficacy.view_efficacy_report", raise_exception=True)
def simon_csv(request):
    # CSV contents are data for statisticians: in English whatever the user's language.
    with translation.override("en"):
        page = selectors.simon_page_data()
    stamp = timezone.localdate().strftime("%Y%m%d")
    return csv_download(f"simon_evaluable_{stamp}.csv", selectors.evaluable_csv_rows(page))
