"""Streaming CSV downloads: rows are written as they are produced (querysets read in chunks with
``.iterator(chunk_size=...)``), never built in memory whole."""

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse

CHUNK_SIZE = 2000


class _Echo:
    """A file-like object whose write returns the text, so csv.writer yields each line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A CSV attachment streamed row by row (UTF-8, Excel-friendly BOM-less, ISO dates from the caller)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
