"""Data queries: the reads of the record page, the query lists and their CSV, the query page and the
dashboard counts. Study-wide reads are a fixed number of database queries whatever the number of
participants or queries (``select_related``, aggregates, chunked iteration for the CSV)."""

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.crf import crf_models, form_label
from core.csv_stream import CHUNK_SIZE
from core.models import DataLock, DataQuery, QueryMessage, QueryStatus, SourceVerification
from core.services import active_lock_for
from core.sites import restrict_to_user_sites

from . import record_urls
from .services import allowed_actions, queryable_fields

UNRESOLVED = (QueryStatus.OPEN, QueryStatus.ANSWERED)
# The "status" filter: one status, or every query still waiting for someone.
STATUS_UNRESOLVED = "unresolved"
STATUS_FILTERS = (
    ("", gettext_lazy("Any status")),
    (STATUS_UNRESOLVED, gettext_lazy("Open or answered")),
    *QueryStatus.choices,
)
# The "age" filter: raised more than so many days ago.
AGE_FILTER_DAYS = (7, 14, 30)
# The dashboards' open queries by age: (label, lowest age in days, highest age in days or None).
AGE_BANDS = (
    (gettext_lazy("Up to 7 days"), 0, 7),
    (gettext_lazy("8 to 14 days"), 8, 14),
    (gettext_lazy("15 to 30 days"), 15, 30),
    (gettext_lazy("Over 30 days"), 31, None),
)


def user_name(user) -> str:
    if user is None:
        return _("Edit check")
    return user.get_full_name() or user.get_username()


def participant_label(participant) -> str:
    """The pseudonymised name of a participant: study number, or screening number before enrolment."""
    if participant is None:
        return ""
    return participant.study_number or participant.screening_number


def age_days(query: DataQuery, now: datetime.datetime) -> int:
    """Whole days a query has been (or was) waiting: from raising to closing, or to ``now``."""
    end = query.closed_at if query.status == QueryStatus.CLOSED and query.closed_at else now
    return max((end - query.raised_at).days, 0)


def record_page_url(content_type_id: int, object_id: int) -> str:
    return reverse("dm:record", kwargs={"content_type_id": content_type_id, "object_id": object_id})


def form_choices() -> list[tuple[int, str]]:
    """Every CRF form as (content type id, label), by label (one query, then cached)."""
    by_model = ContentType.objects.get_for_models(*crf_models(), for_concrete_models=True)
    return sorted(((ct.pk, form_label(model)) for model, ct in by_model.items()), key=lambda item: item[1])


# --- lists ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryFilters:
    status: str = ""
    older_than_days: int | None = None
    content_type_id: int | None = None
    origin: str = ""
    participant_id: int | None = None


def query_list(filters: QueryFilters, *, now: datetime.datetime) -> QuerySet[DataQuery]:
    """Queries matching ``filters``, newest first, with what a row shows."""
    queries = DataQuery.objects.select_related("participant", "raised_by", "content_type")
    if filters.status == STATUS_UNRESOLVED:
        queries = queries.filter(status__in=UNRESOLVED)
    elif filters.status:
        queries = queries.filter(status=filters.status)
    if filters.older_than_days is not None:
        queries = queries.filter(raised_at__lt=now - datetime.timedelta(days=filters.older_than_days))
    if filters.content_type_id is not None:
        queries = queries.filter(content_type_id=filters.content_type_id)
    if filters.origin:
        queries = queries.filter(origin=filters.origin)
    if filters.participant_id is not None:
        queries = queries.filter(participant_id=filters.participant_id)
    return queries.order_by("-raised_at", "-id")


@dataclass(frozen=True)
class QueryRow:
    query: DataQuery
    participant_label: str
    age_days: int
    raised_by: str
    record_url: str


def query_rows(queries, *, now: datetime.datetime) -> list[QueryRow]:
    """The rows of one page of a query list."""
    return [
        QueryRow(
            query=query,
            participant_label=participant_label(query.participant),
            age_days=age_days(query, now),
            raised_by=user_name(query.raised_by),
            record_url=record_page_url(query.content_type_id, query.object_id),
        )
        for query in queries
    ]


QUERY_CSV_COLUMNS = (
    "query_id", "participant", "form", "record", "field", "status", "origin", "check_code", "question",
    "raised_by", "raised_at", "answered_at", "closed_at", "age_days",
)  # fmt: skip


def _iso(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def query_csv_rows(queries: QuerySet[DataQuery], *, now: datetime.datetime) -> Iterator[list]:
    """The CSV rows of ``queries`` (read in chunks; pseudonymised: study or screening number only;
    times in ISO 8601 with their UTC offset)."""
    for query in queries.iterator(chunk_size=CHUNK_SIZE):
        yield [
            query.pk,
            participant_label(query.participant),
            query.form_label,
            query.record_label,
            query.field_label or "(whole record)",
            query.status,
            query.origin,
            query.check_code,
            query.text,
            user_name(query.raised_by),
            _iso(query.raised_at),
            _iso(query.answered_at),
            _iso(query.closed_at),
            age_days(query, now),
        ]


# --- one query ----------------------------------------------------------------------------------------


def query_with_steps(query_pk: int) -> QuerySet[DataQuery]:
    """The query with its participant, raiser and steps (their users), for the query page."""
    return DataQuery.objects.select_related("participant", "raised_by", "content_type").prefetch_related(
        Prefetch("messages", queryset=QueryMessage.objects.select_related("user").order_by("at", "id"))
    ).filter(pk=query_pk)


def queried_record(query: DataQuery):
    """The CRF record the query is about, or None when it no longer exists."""
    model = query.content_type.model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=query.object_id).first()


@dataclass(frozen=True)
class QueryPage:
    query: DataQuery
    participant_label: str
    age_days: int
    raised_by: str
    record_url: str
    form_url: str  # the record's own form with the field highlighted ("" when none or not allowed)
    actions: tuple[str, ...]


def query_page(query: DataQuery, *, user, now: datetime.datetime) -> QueryPage:
    record = queried_record(query)
    form_url = ""
    if record is not None:
        form_url = record_urls.with_query(record_urls.edit_url(record, user) or record_urls.view_url(record, user),
                                          query.pk)  # fmt: skip
    return QueryPage(
        query=query,
        participant_label=participant_label(query.participant),
        age_days=age_days(query, now),
        raised_by=user_name(query.raised_by),
        record_url=record_page_url(query.content_type_id, query.object_id),
        form_url=form_url,
        actions=tuple(allowed_actions(query, user)),
    )


# --- the record page ----------------------------------------------------------------------------------


def display_value(record, field) -> str:
    """A stored value as people read it: choices by their label, dates in ISO 8601, local times,
    yes/no, users by name, participants by study (or screening) number, related records by their
    name (never with the initials); "—" when empty."""
    value = getattr(record, field.attname)
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = getattr(record, field.name)
        if field.related_model is get_user_model():
            return user_name(related)
        if field.related_model._meta.label_lower == "enrollment.participant":
            return participant_label(related)
        if field.related_model in crf_models():
            return record_urls.record_label(related)  # without the participant's initials
        return str(related)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass(frozen=True)
class FieldRow:
    name: str
    label: str
    value: str
    queries: tuple[DataQuery, ...]  # its open or answered queries

    @property
    def queried(self) -> bool:
        return bool(self.queries)


@dataclass(frozen=True)
class SourceVerificationState:
    verified: bool  # verified at the record's current version
    latest: SourceVerification | None
    verified_by: str


@dataclass(frozen=True)
class RecordPageData:
    record: object
    content_type: ContentType
    form_label: str
    record_label: str
    participant: object
    participant_label: str
    version: int | None
    fields: tuple[FieldRow, ...]
    whole_record_queries: tuple[DataQuery, ...]
    queries: tuple[DataQuery, ...]
    sdv: SourceVerificationState
    lock: DataLock | None
    edit_url: str
    view_url: str
    field_choices: tuple[tuple[str, str], ...]


def record_queries(content_type: ContentType, object_id: int) -> list[DataQuery]:
    """Every query on one record, newest first, with its steps."""
    return list(
        DataQuery.objects.filter(content_type=content_type, object_id=object_id)
        .select_related("raised_by")
        .prefetch_related(Prefetch("messages", queryset=QueryMessage.objects.select_related("user").order_by("at", "id")))
        .order_by("-raised_at", "-id")
    )


def source_verification_state(record, content_type: ContentType) -> SourceVerificationState:
    """The latest source data verification of the record, and whether it holds for its current version."""
    latest = (
        SourceVerification.objects.filter(content_type=content_type, object_id=record.pk)
        .select_related("verified_by")
        .order_by("-verified_at", "-id")
        .first()
    )
    if latest is None:
        return SourceVerificationState(False, None, "")
    return SourceVerificationState(latest.record_version == getattr(record, "version", None), latest,
                                   user_name(latest.verified_by))  # fmt: skip


def record_page(record, *, user) -> RecordPageData:
    """Everything the record page shows about one CRF record."""
    from core.crf import participant_id_of
    from enrollment.models import Participant

    model = type(record)
    content_type = ContentType.objects.get_for_model(model)
    queries = record_queries(content_type, record.pk)
    unresolved = [query for query in queries if query.status in UNRESOLVED]
    fields = queryable_fields(model)
    rows = tuple(
        FieldRow(
            name=field.name,
            label=capfirst(str(field.verbose_name)),
            value=display_value(record, field),
            queries=tuple(query for query in unresolved if query.field_name == field.name),
        )
        for field in fields
    )
    participant_pk = participant_id_of(record)
    participant = Participant.objects.filter(pk=participant_pk).first() if participant_pk else None
    return RecordPageData(
        record=record,
        content_type=content_type,
        form_label=form_label(model),
        record_label=record_urls.record_label(record),
        participant=participant,
        participant_label=participant_label(participant),
        version=getattr(record, "version", None),
        fields=rows,
        whole_record_queries=tuple(query for query in unresolved if not query.field_name),
        queries=tuple(queries),
        sdv=source_verification_state(record, content_type),
        lock=active_lock_for(record),
        edit_url=record_urls.edit_url(record, user),
        view_url=record_urls.view_url(record, user),
        field_choices=(("", _("The record as a whole")), *((row.name, row.label) for row in rows)),
    )


# --- dashboards ----------------------------------------------------------------------------------------


def open_queries_oldest_first() -> QuerySet[DataQuery]:
    """Open queries (waiting for the site's answer), the oldest first."""
    return (
        DataQuery.objects.filter(status=QueryStatus.OPEN)
        .select_related("participant", "raised_by")
        .order_by("raised_at", "id")
    )


def answered_queries_oldest_first() -> QuerySet[DataQuery]:
    """Answered queries waiting for the raiser's side to close or re-open them, the longest waiting first."""
    return (
        DataQuery.objects.filter(status=QueryStatus.ANSWERED)
        .select_related("participant", "raised_by")
        .order_by("answered_at", "id")
    )


def _age_band_filter(now: datetime.datetime, low: int, high: int | None) -> Q:
    """Raised between ``low`` and ``high`` whole days ago (inclusive)."""
    condition = Q(raised_at__lte=now - datetime.timedelta(days=low))
    if high is not None:
        condition &= Q(raised_at__gt=now - datetime.timedelta(days=high + 1))
    return condition


def open_counts_by_age(
    *, now: datetime.datetime, participant_id: int | None = None, user=None
) -> tuple[tuple[str, int], ...]:
    """Open queries by how long they have been waiting (one aggregate query; of ``user``'s sites)."""
    queries = restrict_to_user_sites(DataQuery.objects.filter(status=QueryStatus.OPEN), user)
    if participant_id is not None:
        queries = queries.filter(participant_id=participant_id)
    counts = queries.aggregate(**{
        f"band{index}": Count("id", filter=_age_band_filter(now, low, high))
        for index, (_label, low, high) in enumerate(AGE_BANDS)
    })  # fmt: skip
    return tuple((str(label), counts[f"band{index}"]) for index, (label, _low, _high) in enumerate(AGE_BANDS))


def status_counts(*, participant_id: int | None = None) -> dict[str, int]:
    """How many queries are open, answered and closed (one aggregate query)."""
    queries = DataQuery.objects.all()
    if participant_id is not None:
        queries = queries.filter(participant_id=participant_id)
    found = dict(queries.values_list("status").annotate(n=Count("id")).order_by())
    return {status: found.get(status, 0) for status in QueryStatus.values}


def participant_panel_lines(participant_id: int, *, now: datetime.datetime) -> list[str]:
    """The participant dashboard's "Queries" panel (two aggregate queries)."""
    counts = status_counts(participant_id=participant_id)
    if not any(counts.values()):
        return []
    oldest = (
        DataQuery.objects.filter(participant_id=participant_id, status=QueryStatus.OPEN)
        .order_by("raised_at")
        .values_list("raised_at", flat=True)
        .first()
    )
    if oldest is None:
        open_line = _("%(count)s open") % {"count": counts[QueryStatus.OPEN]}
    else:
        days = max((now - oldest).days, 0)
        open_line = ngettext(
            "%(count)s open (the oldest raised %(days)s day ago)",
            "%(count)s open (the oldest raised %(days)s days ago)",
            days,
        ) % {"count": counts[QueryStatus.OPEN], "days": days}
    return [
        open_line,
        _("%(count)s answered, awaiting closure") % {"count": counts[QueryStatus.ANSWERED]},
        _("%(count)s closed") % {"count": counts[QueryStatus.CLOSED]},
    ]


# --- the highlight of a queried field on a record's own form ------------------------------------------


@dataclass(frozen=True)
class QueryHighlight:
    """What ``core/static/core/query_highlight.js`` needs to highlight the queried field's input."""

    query_id: int
    field_name: str
    field_label: str
    text: str
    status_label: str
    url: str


def query_highlight(query_pk: int, *, path: str) -> QueryHighlight | None:
    """The highlight of query ``query_pk`` on the page at ``path``: only while the query waits (open
    or answered) and only on the pages of its own record (its form, its page, the record page), so
    a hand-made link cannot mark a field of another record. Two or three database queries."""
    query = DataQuery.objects.select_related("content_type").filter(pk=query_pk, status__in=UNRESOLVED).first()
    if query is None:
        return None
    record = queried_record(query)
    if record is None:
        return None
    pages = record_urls.record_paths(record) | {record_page_url(query.content_type_id, query.object_id)}
    if path not in pages:
        return None
    return QueryHighlight(
        query_id=query.pk,
        field_name=query.field_name,
        field_label=query.field_name_label,
        text=query.text,
        status_label=query.get_status_display(),
        url=reverse("dm:query_detail", kwargs={"query_pk": query.pk}),
    )
