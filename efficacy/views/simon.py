"""The Simon two-stage monitor (PROTOCOL §5) and the CSV of its evaluable patients. Read-only:
investigators, data managers and monitors (``efficacy.view_efficacy_report``)."""

from django.contrib.auth.decorators import permission_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from ..selectors import simon as selectors
from .downloads import english_csv_lines


@permission_required("efficacy.view_efficacy_report", raise_exception=True)
def simon(request):
    return render(request, "efficacy/simon.html", {"page": selectors.simon_page_data()})


@permission_required("efficacy.view_efficacy_report", raise_exception=True)
def simon_csv(request):
    # CSV contents are data for statisticians: in English whatever the user's language.
    with translation.override("en"):
        page = selectors.simon_page_data()
    response = StreamingHttpResponse(english_csv_lines(selectors.evaluable_csv_rows(page)),
                                     content_type="text/csv; charset=utf-8")  # fmt: skip
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="simon_evaluable_{stamp}.csv"'
    return response
