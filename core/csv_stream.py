"""Streaming CSV downloads: rows are written as they are produced (querysets read in chunks with
``.iterator(chunk_size=...)``), never built in memory whole.

A CSV is data for statisticians, not a page: its contents do not change with the user's language.
Each row is produced and written in ``CSV_LANGUAGE`` (English), so labels computed or still lazy in
the row generator come out in English; a view that computes labels before streaming (a list read
up front) does so under ``translation.override(CSV_LANGUAGE)`` itself."""

import csv
import itertools
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse
from django.utils import translation

CHUNK_SIZE = 2000
CSV_LANGUAGE = "en"


class _Echo:
    """A file-like object whose write returns the text, so csv.writer yields each line."""

    def write(self, value: str) -> str:
        return value


def english_csv_lines(rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV lines of ``rows`` (a header row first, when there is one), each row produced and
    written in ``CSV_LANGUAGE``. The language is set around each row rather than around the whole
    stream, so the request's language is back in place between rows, whichever thread the server
    streams from; lazy labels in a row are worded when it is written, in English."""
    writer = csv.writer(_Echo())
    iterator = iter(rows)
    while True:
        with translation.override(CSV_LANGUAGE):
            try:
                line = writer.writerow(next(iterator))
            except StopIteration:
                return
        yield line


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """``header``'s line, then the lines of ``rows`` (``english_csv_lines``)."""
    return english_csv_lines(itertools.chain([header], rows))


def csv_download(filename: str, rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A CSV attachment of ``rows`` (header row first) streamed row by row (UTF-8, ISO dates from
    the caller), in English (``english_csv_lines``)."""
    response = StreamingHttpResponse(english_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """``csv_download`` with the header given apart from the rows."""
    return csv_download(filename, itertools.chain([header], rows))
