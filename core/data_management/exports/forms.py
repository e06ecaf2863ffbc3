"""The CSV of each CRF form in the study export (``forms/<app>_<model>.csv``): one row per record,
every stored field, read from the database in chunks.

Columns, in the model's field order:
- ``id``, then ``study_number`` (the participant's study number, or her screening number while not
  enrolled) in every form but the participant's own;
- a field with choices gives two columns: the code (``outcome``) and its label (``outcome_label``);
- a link to a user is the username (``recorded_by``); a link to the participant or to another form is
  its record id (``participant_id``, ``assessment_id``); a link to reference data (the CTCAE term)
  is its id and its name (``term_id``, ``term_label``);
- the participant's form has ``age_years`` (completed years at screening); a pseudonymised export
  leaves out her initials and date of birth (``columns.IDENTIFYING_FIELDS``).
Cells follow ``columns.cell`` (ISO 8601 dates, 1/0 for yes/no) and units are in column names
(``columns.column_name``).
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import F
from django.utils import timezone, translation

from core.crf import crf_models, form_label, is_crf_model
from core.csv_stream import CHUNK_SIZE
from enrollment.rules.eligibility import age_in_years

from . import copy_sql
from .columns import (
    STUDY_NUMBER_COLUMN,
    Column,
    allowed_values,
    cell,
    column_name,
    field_description,
    field_label,
    participant_number,
    unit_of,
    value_type,
    withheld_fields,
)

# The participant's age replaces her date of birth: completed years on her screening date.
AGE_COLUMN = Column("age_years", "Age at screening", "integer", unit="years",
                    description="Completed years on the screening date.")  # fmt: skip
_AGE_FROM = ("date_of_birth", "screening_date")


def form_file_name(model: type[models.Model]) -> str:
    return f"forms/{model._meta.app_label}_{model._meta.model_name}.csv"


@dataclass(frozen=True)
class _Output:
    column: Column
    value: Callable[[dict], object]
    # The same cell as a PostgreSQL text expression (``copy_sql``), or None when it has none.
    sql: Callable[["copy_sql.SqlBuilder"], str] | None = None


class _ReferenceLabels:
    """Names of reference records (e.g. CTCAE terms) by primary key, loaded once when first needed.
    Reference tables are fixed lists; they do not grow with the study data."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self._names: dict | None = None

    def __call__(self, pk) -> str:
        if pk is None:
            return ""
        return self.all().get(pk, "")

    def all(self) -> dict:
        if self._names is None:
            self._names = {obj.pk: str(obj) for obj in self.model.objects.iterator(chunk_size=CHUNK_SIZE)}
        return self._names


def _converter(field: models.Field | None) -> Callable[[object], str]:
    """How one field's non-empty values are written, chosen once per column (the same text as
    ``columns.cell``, without testing each value's type: the export writes millions of cells)."""
    if field is None:
        return cell
    if isinstance(field, models.BooleanField):
        return lambda value: "1" if value else "0"
    if isinstance(field, models.DateTimeField):
        zone = timezone.get_current_timezone()
        return lambda value: (value.astimezone(zone) if value.tzinfo is not None else value).isoformat()
    if isinstance(field, models.DateField | models.TimeField):
        return lambda value: value.isoformat()
    if isinstance(field, models.DecimalField):
        return lambda value: format(value, "f")
    if isinstance(field, models.CharField | models.TextField | models.IntegerField | models.AutoField | models.ForeignKey):
        return str
    return cell


def _get(key: str, field: models.Field | None = None) -> Callable[[dict], str]:
    """The cell of ``key`` in a record: "" when empty, else the field's text."""
    convert = _converter(field)

    def value(record: dict) -> str:
        found = record[key]
        return "" if found is None else convert(found)

    return value


def _choice_label(key: str, field: models.Field) -> Callable[[dict], object]:
    labels = {code: str(label) for code, label in field.flatchoices}
    return lambda record: "" if record[key] in (None, "") else labels.get(record[key], str(record[key]))


def _age(record: dict) -> str:
    born, screened = (record[name] for name in _AGE_FROM)
    return str(age_in_years(born, screened)) if born and screened else ""


class FormTable:
    """The CSV of one CRF model: its columns (for the dictionary) and its rows, streamed."""

    def __init__(self, model: type[models.Model], *, identified: bool):
        self.model = model
        self.identified = identified
        self.form = form_label(model)
        self.file_name = form_file_name(model)
        self._keys: list[str] = []
        self._annotations: dict[str, object] = {}
        self._outputs: list[_Output] = []
        self._build()

    @property
    def columns(self) -> list[Column]:
        return [output.column for output in self._outputs]

    @property
    def header(self) -> list[str]:
        return [output.column.name for output in self._outputs]

    def count(self) -> int:
        return self.model.objects.count()

    def rows(self) -> Iterator[list[str]]:
        """One list of cells per record, in primary-key order, read ``CHUNK_SIZE`` records at a time."""
        records = self.model.objects.order_by("pk").values(*self._keys, **self._annotations)
        values = [output.value for output in self._outputs]  # each gives the cell's text
        for record in records.iterator(chunk_size=CHUNK_SIZE):
            yield [value(record) for value in values]

    def write_csv(self, out: BinaryIO, *, on_rows: Callable[[int], None] | None = None) -> int:
        """Write the header and every row as UTF-8 CSV to ``out``; the number of rows. On PostgreSQL
        the database writes the rows itself (``COPY (SELECT ...) TO STDOUT WITH CSV``, every cell
        formatted in SQL exactly as ``rows`` formats it); elsewhere ``rows`` is streamed through
        Python's csv writer. ``on_rows(n)`` is told of rows as they are written."""
        header = io.StringIO()
        csv.writer(header, lineterminator="\n").writerow(self.header)
        out.write(header.getvalue().encode())
        statement = self.copy_statement() if connection.vendor == "postgresql" else None
        if statement is not None:
            count = copy_sql.copy_to(statement, out)
            if on_rows is not None:
                on_rows(count)
            return count
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text, lineterminator="\n")
        count = 0
        try:
            for row in self.rows():
                writer.writerow(row)
                count += 1
                if on_rows is not None:
                    on_rows(1)
        finally:
            text.detach()
        return count

    def copy_statement(self) -> "copy_sql.CopyStatement | None":
        """The SELECT giving ``rows`` as text in PostgreSQL, or None when a column has no SQL form."""
        if any(output.sql is None for output in self._outputs):
            return None
        builder = copy_sql.SqlBuilder(self.model)
        expressions = [output.sql(builder) for output in self._outputs]
        return builder.statement(expressions)

    # --- building the columns ---------------------------------------------------------------------

    def _add(self, column: Column, value: Callable[[dict], object], sql=None) -> None:
        self._outputs.append(_Output(column, value, sql))

    def _annotate(self, name: str, expression) -> str:
        key = f"export_{name}"
        self._annotations[key] = expression
        return key

    def _fetch(self, key: str) -> str:
        if key not in self._keys:
            self._keys.append(key)
        return key

    def _build(self) -> None:
        # Labels of codes in English, whoever asks: the export is data, not a page.
        with translation.override("en"):
            self._build_columns()

    def _build_columns(self) -> None:
        withheld = withheld_fields(self.model, identified=self.identified)
        lookup = self.model.audit_participant_lookup
        field_names = {field.name for field in self.model._meta.concrete_fields}
        for field in self.model._meta.concrete_fields:
            if field.primary_key:
                self._add(Column("id", f"{self.form} record id", "id"), _get(self._fetch(field.attname), field),
                          copy_sql.field_text(field))  # fmt: skip
                if lookup and lookup != "id":
                    key = self._annotate("study_number", participant_number(lookup))
                    self._add(STUDY_NUMBER_COLUMN, _get(key, models.CharField()), copy_sql.study_number(lookup))
                continue
            if field.name not in withheld:
                self._add_field(field)
            if field.name == _AGE_FROM[0] and set(_AGE_FROM) <= field_names:
                for name in _AGE_FROM:
                    self._fetch(name)
                self._add(AGE_COLUMN, _age, copy_sql.completed_years(*_AGE_FROM))

    def _add_field(self, field: models.Field) -> None:
        label = field_label(field)
        if field.is_relation:
            self._add_relation(field, label)
            return
        key = self._fetch(field.attname)
        name = column_name(field)
        self._add(
            Column(name, label, value_type(field), unit_of(field), allowed_values(field), field_description(field)),
            _get(key, field),
            copy_sql.field_text(field),
        )
        if field.choices:
            labels = {code: str(label) for code, label in field.flatchoices}
            self._add(Column(f"{name}_label", f"{label} (label of the code)", "text"), _choice_label(key, field),
                      copy_sql.choice_label(field, labels))  # fmt: skip

    def _add_relation(self, field: models.Field, label: str) -> None:
        related = field.related_model
        if related is get_user_model():
            key = self._annotate(f"{field.name}_username", F(f"{field.name}__username"))
            self._add(Column(field.name, f"{label} (username)", "text"), _get(key, models.CharField()),
                      copy_sql.username(field))  # fmt: skip
            return
        key = self._fetch(field.attname)
        if is_crf_model(related):
            target = form_file_name(related)
            self._add(Column(field.attname, f"{label} (record id in {target})", "id"), _get(key, field),
                      copy_sql.field_text(field))  # fmt: skip
            return
        self._add(Column(field.attname, f"{label} (record id)", "id"), _get(key, field), copy_sql.field_text(field))
        names = _ReferenceLabels(related)
        self._add(
            Column(f"{field.name}_label", f"{label} (name)", "text"),
            lambda record: names(record[key]),
            copy_sql.reference_label(field, names.all),
        )


def form_tables(*, identified: bool) -> list[FormTable]:
    """The CSV of every CRF form, in app then model order."""
    return [FormTable(model, identified=identified) for model in crf_models()]
