"""Streaming CSV downloads: rows are written as they are produced (querysets read in chunks with
``.iterator(chunk_size=...)``), never built in memory whole.

A CSV is data for statisticians, not a page: its contents do not change with the user's language.
Each row is produced and written in ``CSV_LANGUAGE`` (English), so labels computed or still lazy in
the row generator come out in English; a view that computes labels before streaming (a list read
up front) does so under ``translation.override(CSV_LANGUAGE)`` itself."""

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse
from django.utils import translation

CHUNK_SIZE = 2000
CSV_LANGUAGE = "en"


class _Echo:
    """A file-like object whose write returns the text, so csv.writer yields each line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterable[str]:
    """The CSV's lines, each row produced and written in ``CSV_LANGUAGE``. The language is set
    around each row rather than around the whole stream, so the request's language is back in
    place between rows, whichever thread the server streams from."""
    writer = csv.writer(_Echo())
    with translation.override(CSV_LANGUAGE):
        first = writer.writerow(header)
        iterator = iter(rows)
    yield first
    while True:
        with translation.override(CSV_LANGUAGE):
            try:
                line = writer.writerow(next(iterator))
            except StopIteration:
                return
        yield line


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A CSV attachment streamed row by row (UTF-8, Excel-friendly BOM-less, ISO dates from the caller)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
