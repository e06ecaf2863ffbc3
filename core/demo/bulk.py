"""Writing the synthetic study fast, with its audit trail: every record is inserted in bulk together
with one django-simple-history row ("+", created) that names the user and the time the record was
entered and the reason "Synthetic demo data".

The generator builds unsaved model instances that point at each other by object (a lab result at
its panel, a measurement at its lesion and its assessment); ``HistoryWriter.flush`` inserts them
model by model in foreign-key order, so every parent has its primary key before its children.

How: ``simple_history.utils.bulk_create_with_history`` was measured first and spends ~80 % of the
time in Django's per-value SQL compilation (N = 1,000 took ~150 s on SQLite and PostgreSQL). On
PostgreSQL and SQLite the writer therefore reserves the primary keys itself (``nextval`` of the
table's sequence on PostgreSQL, above ``max(id)`` and ``sqlite_sequence`` on SQLite, inside the
seed's transaction) and sends the rows with ``COPY ... FROM STDIN`` (PostgreSQL) or
``executemany`` INSERTs (SQLite); values go through the
backend's own adapters for dates, times, datetimes and JSON. Each history row is built from the
historical model's fields (``Model.history.model``): the record's values plus ``history_id``,
``history_date``, ``history_user``, ``history_type`` "+" and ``history_change_reason``. Any other
database falls back to ``bulk_create_with_history``. ``created_at``/``updated_at`` are the entry time
(not the time the seed ran), so the data depends on the seed and the reference date only.
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from django.db import connection, models
from simple_history.utils import bulk_create_with_history, get_history_model_for_model

from dosing.models import (
    Anthropometrics,
    BrachytherapyFraction,
    DoseAdministration,
    DoseDelay,
    DoseModification,
    RadiotherapyCourse,
)
from efficacy.models import (
    FollowUpStatus,
    Lesion,
    LesionMeasurement,
    Progression,
    ResponseConfirmation,
    TumourAssessment,
)
from enrollment.models import (
    Consent,
    EligibilitySignature,
    Participant,
    ParticipantStatusChange,
    Screening,
    Visit,
    VisitForm,
)
from toxicity.models import AdverseEvent, AdverseEventSignature, IraeDoseDecision, LabPanel, LabResult

CHANGE_REASON = "Synthetic demo data"

# Parents before children: each model's foreign keys point only at models listed before it.
MODEL_ORDER: tuple[type[models.Model], ...] = (
    Participant,
    ParticipantStatusChange,
    Consent,
    Screening,
    EligibilitySignature,
    Visit,
    VisitForm,
    Anthropometrics,
    RadiotherapyCourse,
    BrachytherapyFraction,
    DoseDelay,
    DoseModification,
    DoseAdministration,
    LabPanel,
    AdverseEvent,
    LabResult,
    AdverseEventSignature,
    IraeDoseDecision,
    TumourAssessment,
    Lesion,
    LesionMeasurement,
    ResponseConfirmation,
    Progression,
    FollowUpStatus,
)

ROWS_PER_EXECUTE = 5000
FAST_VENDORS = ("postgresql", "sqlite")


def _converter(field: models.Field):
    """How a Python value of ``field`` is handed to the database driver (None: as it is)."""
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        # Many records share an entry time: convert each distinct time once.
        return lru_cache(maxsize=4096)(ops.adapt_datetimefield_value)
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "TimeField":
        return ops.adapt_timefield_value
    if kind == "JSONField":
        return lambda value: field.get_db_prep_save(value, connection)
    return None


class _Table:
    """The INSERT of one model (or historical model): its columns and value converters."""

    def __init__(self, model: type[models.Model], columns: list[models.Field]):
        qn = connection.ops.quote_name
        self.model = model
        self.fields = columns
        self.attnames = [f.attname for f in columns]
        self.converters = [_converter(f) for f in columns]
        names = ", ".join(qn(f.column) for f in columns)
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        self.copy_sql = f"COPY {qn(model._meta.db_table)} ({names}) FROM STDIN"

    def row(self, values: dict) -> tuple:
        return tuple(
            values[name] if convert is None or values[name] is None else convert(values[name])
            for name, convert in zip(self.attnames, self.converters, strict=True)
        )

    def insert(self, rows: list[tuple]) -> None:
        """PostgreSQL: one COPY (psycopg adapts each value); SQLite: ``executemany``."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            for start in range(0, len(rows), ROWS_PER_EXECUTE):
                cursor.executemany(self.sql, rows[start : start + ROWS_PER_EXECUTE])


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys of ``model``'s table, taken from its sequence (PostgreSQL) or
    above the highest ever used (SQLite; the caller holds the write transaction)."""
    table, column = model._meta.db_table, model._meta.pk.column
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [qn(table), column, count])  # fmt: skip
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT max({qn(column)}) FROM {qn(table)}")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
        if cursor.fetchone()[0]:  # AUTOINCREMENT never reuses a key, even one whose row was deleted
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
        return list(range(top + 1, top + count + 1))


class _ModelWriter:
    """Inserts one model's records and their history rows."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.pk = model._meta.pk
        self.foreign_keys = [f for f in model._meta.concrete_fields if f.is_relation]
        self.stamps = [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
                       or getattr(f, "auto_now_add", False)]  # fmt: skip
        self.table = _Table(model, list(model._meta.concrete_fields))
        self.history = get_history_model_for_model(model)
        self.history_table = _Table(self.history, list(self.history._meta.concrete_fields))

    def write(self, objs: list[models.Model]) -> None:
        ids = reserve_ids(self.model, len(objs))
        history_ids = reserve_ids(self.history, len(objs))
        rows, history_rows = [], []
        for obj, pk, history_pk in zip(objs, ids, history_ids, strict=True):
            self._link(obj)
            setattr(obj, self.pk.attname, pk)
            for name in self.stamps:
                setattr(obj, name, obj._history_date)
            values = obj.__dict__
            rows.append(self.table.row(values))
            user = obj._history_user
            history_rows.append(self.history_table.row({
                **values,
                "history_id": history_pk,
                "history_date": obj._history_date,
                "history_change_reason": CHANGE_REASON,
                "history_type": "+",
                "history_user_id": user.pk if user is not None else None,
            }))  # fmt: skip
        self.table.insert(rows)
        self.history_table.insert(history_rows)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = connection.alias

    def _link(self, obj: models.Model) -> None:
        """Fill each foreign key from its related object, saved since it was assigned."""
        for field in self.foreign_keys:
            if obj.__dict__.get(field.attname) is None and field.is_cached(obj):
                related = field.get_cached_value(obj)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"{self.model.__name__}.{field.name} points at an unsaved record.")
                    obj.__dict__[field.attname] = related.pk


class HistoryWriter:
    """Collects unsaved records (each with the user and time of its entry) and writes them, with
    their history rows, in foreign-key order."""

    def __init__(self) -> None:
        self._pending: dict[type[models.Model], list[models.Model]] = {model: [] for model in MODEL_ORDER}
        self._writers: dict[type[models.Model], _ModelWriter] = {}
        self.counts: Counter[str] = Counter()

    def add(self, instance: models.Model, *, user, at: datetime.datetime) -> models.Model:
        """Queue ``instance``; its history row will say ``user`` entered it at ``at``."""
        model = type(instance)
        if model not in self._pending:
            raise ValueError(f"{model.__name__} is not one of the models the demo writer knows.")
        instance._history_user = user
        instance._history_date = at
        self._pending[model].append(instance)
        return instance

    def pending(self, model: type[models.Model]) -> Iterable[models.Model]:
        return tuple(self._pending[model])

    def flush(self) -> None:
        """Insert everything queued (records and history), parents first, and forget it."""
        for model in MODEL_ORDER:
            objs = self._pending[model]
            if not objs:
                continue
            if connection.vendor in FAST_VENDORS:
                if model not in self._writers:
                    self._writers[model] = _ModelWriter(model)
                self._writers[model].write(objs)
            else:
                bulk_create_with_history(objs, model, batch_size=1000, default_change_reason=CHANGE_REASON)
            self.counts[model._meta.label] += len(objs)
            self._pending[model] = []
