"""The audit trail and the query log of the study export.

``audit_trail.csv``: every history row of every audited model — the CRF forms and the
data-management records (queries and their messages, source data verification, locks, exports) —
one row per changed field: when, who, which form and record, the participant's study number, the
action, the field, its old and new value and the reason given. A record's creation lists each field
it was created with; a change with no field to show (only bookkeeping changed) and a deletion are
one row with an empty field. Values are written as in the form CSVs (codes, ISO dates, usernames).
A pseudonymised export leaves out the rows of withheld fields (``columns.withheld_fields``).

``query_log.csv``: each step of each data query (raised, answered, closed, re-opened) with the
query's record, field and current status.

Both are read from the database in chunks; the audit trail keeps only the previous history row of
the record being read, so memory stays flat however long the history grows.
"""

from collections.abc import Callable, Iterator

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import F

from core.crf import crf_models, form_label
from core.csv_stream import CHUNK_SIZE
from core.models import DataLock, DataQuery, ExportJob, QueryMessage, SourceVerification

from .columns import STUDY_NUMBER_COLUMN, Column, cell, participant_number, withheld_fields

AUDIT_TRAIL_FILE = "audit_trail.csv"
QUERY_LOG_FILE = "query_log.csv"

_BOOKKEEPING = {"id", "version", "created_at", "updated_at"}
_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
DATA_MANAGEMENT_MODELS = (DataQuery, QueryMessage, SourceVerification, DataLock, ExportJob)

AUDIT_TRAIL_COLUMNS = [
    Column("when", "Time of the change", "datetime"),
    Column("who", "User who made the change (username; empty: the system)", "text"),
    Column("table", "Table of the record (the form CSV is forms/<table>.csv)", "text"),
    Column("form", "Form or record type", "text"),
    Column("record_id", "Record id (the id column of the form CSV)", "id"),
    STUDY_NUMBER_COLUMN,
    Column("action", "What happened to the record", "text", allowed_values="created|changed|deleted"),
    Column("field", "Field changed (empty: the record as a whole)", "text"),
    Column("old_value", "Value before the change", "text"),
    Column("new_value", "Value after the change", "text"),
    Column("reason", "Reason for the change, as given", "text"),
]


def audited_models() -> list[type[models.Model]]:
    """The models whose history is exported: every CRF form, then the data-management records."""
    return [*crf_models(), *DATA_MANAGEMENT_MODELS]


def audit_history_count() -> int:
    """History rows to read (the progress of the audit trail is counted in these)."""
    return sum(model.history.count() for model in audited_models())


class _Usernames:
    """Usernames by user id, for values of links to users (the user table is small)."""

    def __init__(self):
        self._names = None

    def __call__(self, pk) -> str:
        if self._names is None:
            self._names = dict(get_user_model().objects.values_list("pk", "username"))
        return self._names.get(pk, f"user #{pk}")


def _value(field: models.Field, value: object, usernames: _Usernames) -> str:
    if value is not None and field.is_relation and field.related_model is get_user_model():
        return usernames(value)
    return cell(value)


def _model_rows(
    model: type[models.Model], *, identified: bool, usernames: _Usernames, tick: Callable[[], None]
) -> Iterator[list[str]]:
    withheld = withheld_fields(model, identified=identified)
    fields = [f for f in model._meta.concrete_fields if f.name not in _BOOKKEEPING and f.name not in withheld]
    table = f"{model._meta.app_label}_{model._meta.model_name}"
    form = form_label(model)
    history = model.history.order_by("id", "history_date", "history_id").annotate(
        export_who=F("history_user__username")
    )
    lookup = getattr(model, "audit_participant_lookup", None)
    if lookup:
        history = history.annotate(export_study_number=participant_number(lookup))
    previous = None
    for row in history.iterator(chunk_size=CHUNK_SIZE):
        tick()
        if previous is not None and previous.id != row.id:
            previous = None
        start = [
            cell(row.history_date),
            row.export_who or "",
            table,
            form,
            str(row.id),
            getattr(row, "export_study_number", None) or "",
            _ACTIONS.get(row.history_type, row.history_type),
        ]
        reason = row.history_change_reason or ""
        written = False
        if row.history_type != "-":
            for field in fields:
                new = getattr(row, field.attname)
                if previous is None:
                    if new in (None, ""):
                        continue
                    old_text = ""
                else:
                    old = getattr(previous, field.attname)
                    if old == new:
                        continue
                    old_text = _value(field, old, usernames)
                yield [*start, field.name, old_text, _value(field, new, usernames), reason]
                written = True
        if not written:
            yield [*start, "", "", "", reason]
        previous = row


def audit_trail_rows(*, identified: bool, tick: Callable[[], None] = lambda: None) -> Iterator[list[str]]:
    """The rows of ``audit_trail.csv`` (header: ``AUDIT_TRAIL_COLUMNS``); ``tick`` is called once per
    history row read."""
    usernames = _Usernames()
    for model in audited_models():
        yield from _model_rows(model, identified=identified, usernames=usernames, tick=tick)


# --- query log ---------------------------------------------------------------------------------------


def _choices(choices) -> str:
    return "|".join(f"{code}={label}" for code, label in choices)


def query_log_columns(*, identified: bool) -> list[Column]:
    from core.models import QueryAction, QueryOrigin, QueryStatus

    columns = [
        Column("query_id", "Query id", "id"),
        Column("table", "Table of the queried record (forms/<table>.csv)", "text"),
        Column("form", "Form of the queried record", "text"),
        Column("record_id", "Queried record id (the id column of the form CSV)", "id"),
        STUDY_NUMBER_COLUMN,
        Column("field", "Queried field (empty: the record as a whole)", "text"),
        Column("field_label", "Queried field's label", "text"),
        Column("origin", "Raised by a person or an edit check", "text", allowed_values=_choices(QueryOrigin.choices)),
        Column("check_code", "Edit check that raised the query", "text"),
        Column("query_status", "Query status now", "text", allowed_values=_choices(QueryStatus.choices)),
        Column("question", "The query's question", "text"),
        Column("action", "This step", "text", allowed_values=_choices(QueryAction.choices)),
        Column("message", "Text of this step", "text"),
        Column("who", "User who took this step (username; empty: the system)", "text"),
        Column("when", "Time of this step", "datetime"),
    ]
    if identified:
        columns.append(Column("record_label", "Queried record's name (may name the participant)", "text"))
    return columns


def query_message_count() -> int:
    return QueryMessage.objects.count()


def query_log_rows(*, identified: bool, tick: Callable[[], None] = lambda: None) -> Iterator[list[str]]:
    """The rows of ``query_log.csv`` (header: ``query_log_columns``), one per query step, by query."""
    messages = (
        QueryMessage.objects.select_related("query", "query__content_type", "user")
        .annotate(export_study_number=participant_number(QueryMessage.audit_participant_lookup))
        .order_by("query_id", "at", "id")
    )
    for message in messages.iterator(chunk_size=CHUNK_SIZE):
        tick()
        query = message.query
        content_type = query.content_type
        row = [
            str(query.pk),
            f"{content_type.app_label}_{content_type.model}",
            query.form_label,
            str(query.object_id),
            message.export_study_number or "",
            query.field_name,
            query.field_label,
            query.origin,
            query.check_code,
            query.status,
            query.text,
            message.action,
            message.text,
            message.user.get_username() if message.user else "",
            cell(message.at),
        ]
        if identified:
            row.append(query.record_label)
        yield row
