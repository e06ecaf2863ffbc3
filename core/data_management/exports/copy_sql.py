"""PostgreSQL writes the rows of the export's form CSVs itself (issue 9, "Hardening": the export at
least 30% of ``COPY``'s throughput with flat memory).

``forms.FormTable`` formats every cell in Python (``FormTable.rows``: the reference, and the only
path on SQLite). On PostgreSQL each column also has an SQL expression giving the very same text,
and the table is written by ``COPY (SELECT <expressions> ...) TO STDOUT WITH (FORMAT csv)`` straight
into the ZIP member: no Python object per cell, constant memory. A column without an SQL form (JSON,
times of day) sends its whole table down the Python path. The two paths are compared cell by cell
on the same data by the tests (``core/tests/data_management/test_export_copy.py``).

The expressions, per kind of column (empty cell = NULL, as the Python path writes ``""`` for both):
- text: the value, '' made NULL; integers, ids, decimals: their text (PostgreSQL keeps the decimal
  places stored, as Python's ``Decimal`` does);
- yes/no: '1' / '0' (the boolean as an integer); dates: ``YYYY-MM-DD`` (their text in the ISO
  date style); date-times: ISO 8601 in the site's time zone with the
  offset, microseconds only when there are any (Python's ``isoformat``);
- a code's label: a CASE over the field's choices (English, as the export is);
- a user: the username; a reference record (a CTCAE term): its name from a temporary table filled
  with the Python names;
- the study number: the participant's, reached through the model's ``audit_participant_lookup``;
- the age: completed years, the same birthday arithmetic as ``enrollment.rules.eligibility.age_in_years``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

Expression = Callable[["SqlBuilder"], str]

# ISO 8601 with the offset; Python's isoformat leaves out microseconds that are all zero ('.000000'
# cannot occur elsewhere in the text).
_ISO_DATETIME = "replace(to_char({c}, 'YYYY-MM-DD\"T\"HH24:MI:SS.USTZH:TZM'), '.000000', '')"


def quote_name(name: str) -> str:
    return connection.ops.quote_name(name)


def literal(value: str) -> str:
    """A text literal (standard-conforming strings: only the quote is doubled; PostgreSQL text holds
    no NUL)."""
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class CopyStatement:
    sql: str
    reference_tables: list[tuple[str, dict]] = field(default_factory=list)


class SqlBuilder:
    """The FROM clause of one form's SELECT: the form's table as ``t`` and the joins the columns
    ask for, each added once."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self._joins: list[str] = []
        self._aliases: dict[tuple, str] = {}
        self.reference_tables: list[tuple[str, dict]] = []

    def column(self, name: str, alias: str = "t") -> str:
        return f"{alias}.{quote_name(name)}"

    def join(self, key: tuple, table: str, on_column: str, target_column: str = "id") -> str:
        """LEFT JOIN ``table`` on its ``target_column`` = ``on_column`` (once per ``key``); its alias."""
        if key not in self._aliases:
            alias = f"j{len(self._aliases) + 1}"
            self._aliases[key] = alias
            self._joins.append(
                f"LEFT JOIN {quote_name(table)} {alias} ON {alias}.{quote_name(target_column)} = {on_column}"
            )
        return self._aliases[key]

    def reference(self, key: str, names: dict, on_column: str) -> str:
        """A temporary table (id text, name text) of reference names, joined on ``on_column``."""
        table = f"export_reference_{len(self.reference_tables) + 1}"
        self.reference_tables.append((table, names))
        alias = f"r{len(self.reference_tables)}"
        self._joins.append(f"LEFT JOIN {table} {alias} ON {alias}.id = {on_column}::text")
        return alias

    def statement(self, expressions: list[str]) -> CopyStatement:
        pk = self.column(self.model._meta.pk.column)
        sql = (
            f"SELECT {', '.join(expressions)} FROM {quote_name(self.model._meta.db_table)} t "
            f"{' '.join(self._joins)} ORDER BY {pk}"
        )
        return CopyStatement(sql, self.reference_tables)


def _typed(field: models.Field, column: str) -> str | None:
    """The text of ``column`` holding ``field``'s values, as ``forms._converter`` writes them."""
    if isinstance(field, models.BooleanField):
        return f"{column}::int::text"
    if isinstance(field, models.DateTimeField):
        return _ISO_DATETIME.format(c=column)
    if isinstance(field, models.DateField):
        return f"{column}::text"  # YYYY-MM-DD: copy_to sets DateStyle ISO
    if isinstance(field, models.CharField | models.TextField):
        return f"NULLIF({column}, '')"
    if isinstance(field, models.IntegerField | models.AutoField | models.DecimalField | models.ForeignKey):
        return f"{column}::text"
    return None  # JSON, times of day and the rest: the Python path


def field_text(field: models.Field) -> Expression | None:
    if _typed(field, "x") is None:
        return None
    return lambda builder: _typed(field, builder.column(field.column))


def choice_label(field: models.Field, labels: dict) -> Expression:
    """The label of the code (the code itself when it is not one of the choices)."""

    def expression(builder: SqlBuilder) -> str:
        code = builder.column(field.column)
        if not isinstance(field, models.CharField | models.TextField):
            code = f"{code}::text"
        cases = " ".join(f"WHEN {literal(str(value))} THEN {literal(label)}" for value, label in labels.items())
        # Most optional codes are empty: that test first.
        return f"CASE {code} WHEN '' THEN NULL {cases} ELSE {code} END"

    return expression


def username(field: models.Field) -> Expression:
    def expression(builder: SqlBuilder) -> str:
        user_table = get_user_model()._meta.db_table
        alias = builder.join(("user", field.column), user_table, builder.column(field.column))
        return f"{alias}.{quote_name('username')}"

    return expression


def reference_label(field: models.Field, names: Callable[[], dict]) -> Expression:
    def expression(builder: SqlBuilder) -> str:
        table = {str(pk): name for pk, name in names().items()}
        alias = builder.reference(field.column, table, builder.column(field.column))
        return f"{alias}.name"

    return expression


def study_number(lookup: str) -> Expression:
    """The participant's study number (or screening number) through ``lookup``, e.g.
    ``visit__participant_id``: a LEFT JOIN per step."""

    def expression(builder: SqlBuilder) -> str:
        from enrollment.models import Participant

        model, alias, path = builder.model, "t", ()
        *steps, last = lookup.split("__")
        for step in steps:
            relation = model._meta.get_field(step)
            path += (step,)
            alias = builder.join(("path", *path), relation.related_model._meta.db_table,
                                 builder.column(relation.column, alias))  # fmt: skip
            model = relation.related_model
        participant_column = builder.column(model._meta.get_field(last.removesuffix("_id")).column, alias)
        p = builder.join(("participant", *path), Participant._meta.db_table, participant_column)
        return f"COALESCE(NULLIF({p}.study_number, ''), {p}.screening_number)"

    return expression


def completed_years(born: str, on: str) -> Expression:
    """``age_in_years`` (PROTOCOL §1 I1 birthday arithmetic) in SQL: years, less one before the
    birthday's month and day."""

    def expression(builder: SqlBuilder) -> str:
        b, o = builder.column(born), builder.column(on)
        before = (
            f"CASE WHEN (extract(month FROM {o}), extract(day FROM {o})) < "
            f"(extract(month FROM {b}), extract(day FROM {b})) THEN 1 ELSE 0 END"
        )
        return (
            f"CASE WHEN {b} IS NOT NULL AND {o} IS NOT NULL THEN "
            f"(extract(year FROM {o})::int - extract(year FROM {b})::int - {before})::text END"
        )

    return expression


def copy_to(statement: CopyStatement, out: BinaryIO) -> int:
    """Run ``statement`` through ``COPY ... TO STDOUT WITH (FORMAT csv)`` into ``out`` (bytes, UTF-8),
    in the current time zone; the number of rows."""
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        # The site's zone for the dates written and ISO dates (a date's text is then YYYY-MM-DD),
        # then the connection's own back: the settings would otherwise last to the end of a
        # surrounding transaction, and Django reads date-times in its zone.
        cursor.execute(
            "SELECT current_setting('TimeZone'), current_setting('DateStyle'), "
            "set_config('TimeZone', %s, true), set_config('DateStyle', 'ISO, YMD', true)",
            [timezone.get_current_timezone_name()],
        )
        previous_zone, previous_style = cursor.fetchone()[:2]
        for table, names in statement.reference_tables:
            cursor.execute(f"CREATE TEMPORARY TABLE {table} (id text PRIMARY KEY, name text)")
            with cursor.copy(f"COPY {table} (id, name) FROM STDIN") as copy:
                for pk, name in names.items():
                    copy.write_row((pk, name))
        with cursor.copy(f"COPY ({statement.sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                out.write(block)
        rows = cursor.rowcount
        # (On an error the savepoint's rollback drops them.)
        for table, _names in statement.reference_tables:
            cursor.execute(f"DROP TABLE {table}")
        cursor.execute("SELECT set_config('TimeZone', %s, true), set_config('DateStyle', %s, true)",
                       [previous_zone, previous_style])  # fmt: skip
    return rows
