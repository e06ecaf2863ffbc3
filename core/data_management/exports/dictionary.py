"""The data dictionary of the study export (``dictionary.csv``): one row per column of every CSV in
the export (the form CSVs, the audit trail and the query log), saying what it holds."""

from collections.abc import Iterable, Iterator

from .columns import Column

DICTIONARY_FILE = "dictionary.csv"
DICTIONARY_HEADER = ["variable", "label", "type", "unit", "allowed_values", "form", "file", "description"]


def dictionary_rows(files: Iterable[tuple[str, str, Iterable[Column]]]) -> Iterator[list[str]]:
    """Rows for ``(file name, form, columns)`` of each described CSV, in file then column order.
    Allowed values are ``code=label`` pairs separated by ``|``; yes/no answers are ``1=Yes|0=No``."""
    for file_name, form, columns in files:
        for column in columns:
            yield [
                column.name,
                column.label,
                column.type,
                column.unit,
                column.allowed_values,
                form,
                file_name,
                column.description,
            ]
