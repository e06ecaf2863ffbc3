"""Per-participant worklist snapshots (issue 9, "Hardening": the worklist under 5x a trivial page at
N = 1,000 with a constant query count).

The coordinator's worklist needs, for every participant on treatment, the doses due (the whole
treatment calendar, computed by the dosing rules) and the visits with forms missing. Computing both
for the whole study on every page view costs seconds at 1,000 participants. Instead each
participant's lines are kept in ``WorklistSnapshot``, per day and language, and computed again only
when they can have changed:

- every save or deletion of one of the participant's CRF records (``core.crf``) bumps the
  participant's ``ParticipantDataVersion`` inside the same transaction; a snapshot is valid only for
  the version it was computed from, read *before* computing, so a save that commits while a snapshot
  is being computed leaves that snapshot invalid rather than stale;
- a snapshot is valid only on the day it was computed (doses turn due and overdue with the date);
- a snapshot holds text in one language, so each language has its own.

A page asks ``current_snapshots`` for the snapshots of some participants: the missing or invalid
ones are computed in one batch (a fixed number of queries, as the study-wide selectors do), then the
snapshots with something to do are read in one query. The daily task ``refresh_worklist_snapshots``
computes them all after midnight, so the first page of the morning does not pay for the whole study.
Nothing here is clinical data: the table can be emptied at any time and is rebuilt on demand.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils import translation

from .models import ParticipantDataVersion, WorklistSnapshot


@dataclass
class ParticipantWork:
    """What ``compute`` returns for one participant (JSON-serialisable lists of dicts)."""

    doses: list[dict] = field(default_factory=list)
    missing_forms: list[dict] = field(default_factory=list)
    missing_form_count: int = 0

    @property
    def has_work(self) -> bool:
        return bool(self.doses or self.missing_forms)


Compute = Callable[[list[int], datetime.date], dict[int, ParticipantWork]]


def snapshot_language(language: str | None = None) -> str:
    """The language code the snapshot is kept under: one of ``settings.LANGUAGES``."""
    try:
        return translation.get_supported_language_variant(
            language or translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


# --- invalidation ------------------------------------------------------------------------------------


def bump_data_version(participant_id: int | None) -> None:
    """Add one to the participant's data version (creating it at 1), in the caller's transaction:
    one statement, the same on PostgreSQL and SQLite."""
    if participant_id is None:
        return
    from .study_cache import forget_request_fingerprint

    forget_request_fingerprint()
    table = connection.ops.quote_name(ParticipantDataVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (participant_id, version) VALUES (%s, 1) "  # noqa: S608 - the table name is ours
            f"ON CONFLICT (participant_id) DO UPDATE SET version = {table}.version + 1",
            [participant_id],
        )


def _on_crf_change(sender, instance, **kwargs) -> None:
    from .crf import participant_id_of

    if kwargs.get("raw"):  # fixtures
        return
    try:
        participant_id = participant_id_of(instance)
    except Exception:  # noqa: BLE001 - a half-deleted relation must not break the save itself
        return
    bump_data_version(participant_id)


def _forget_after_migrate(sender, **kwargs) -> None:
    """A deployment (``migrate``) may bring code that words the lines differently (a new
    translation, a changed rule): the snapshots of the old code are dropped and computed again."""
    if sender.name == "core":
        WorklistSnapshot.objects.using(kwargs.get("using", "default")).all().delete()


def connect() -> None:
    """Bump the version on every save and deletion of a CRF model (called from ``CoreConfig.ready``),
    and drop every snapshot after ``migrate``."""
    from .crf import crf_models

    post_migrate.connect(_forget_after_migrate, dispatch_uid="work-snapshot-migrate")
    for model in crf_models():
        post_save.connect(_on_crf_change, sender=model, dispatch_uid=f"work-snapshot-save-{model._meta.label}")
        post_delete.connect(_on_crf_change, sender=model, dispatch_uid=f"work-snapshot-delete-{model._meta.label}")


# --- reading and refreshing --------------------------------------------------------------------------


def _valid_snapshot(*, today: datetime.date, language: str) -> QuerySet:
    current = ParticipantDataVersion.objects.filter(participant=OuterRef("participant")).values("version")[:1]
    return WorklistSnapshot.objects.filter(language=language, computed_on=today, version=Subquery(current))


def refresh(participant_ids: Iterable[int], *, today: datetime.date, language: str, compute: Compute) -> int:
    """Compute and store the snapshots of ``participant_ids`` (in ``language``, which must be the
    active language: the lines are worded by ``compute``). Returns how many were stored."""
    ids = sorted(set(participant_ids))
    if not ids:
        return 0
    ParticipantDataVersion.objects.bulk_create(
        [ParticipantDataVersion(participant_id=pk) for pk in ids], ignore_conflicts=True
    )
    # The versions are read before the data: a save committing during the computation bumps the
    # version past the one stored, so the snapshot is computed again at the next read.
    versions = dict(
        ParticipantDataVersion.objects.filter(participant_id__in=ids).values_list("participant_id", "version")
    )
    work = compute(ids, today)
    rows = [
        WorklistSnapshot(
            participant_id=pk,
            language=language,
            computed_on=today,
            version=versions[pk],
            has_work=work.get(pk, ParticipantWork()).has_work,
            doses=work.get(pk, ParticipantWork()).doses,
            missing_forms=work.get(pk, ParticipantWork()).missing_forms,
            missing_form_count=work.get(pk, ParticipantWork()).missing_form_count,
        )
        for pk in ids
        if pk in versions  # a participant deleted meanwhile
    ]
    with transaction.atomic():
        WorklistSnapshot.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["participant", "language"],
            update_fields=["computed_on", "version", "has_work", "doses", "missing_forms", "missing_form_count"],
        )
    return len(rows)


def current_snapshots(
    participants: QuerySet, *, today: datetime.date, compute: Compute, language: str | None = None
) -> list[WorklistSnapshot]:
    """The valid snapshots with something to do of ``participants`` (a queryset of participants),
    computing first those missing or out of date. Queries: one to find what to compute, a fixed
    number to compute it (if any), one to read."""
    language = snapshot_language(language)
    stale = list(
        participants.filter(~Exists(_valid_snapshot(today=today, language=language).filter(participant=OuterRef("pk"))))
        .order_by()
        .values_list("pk", flat=True)
    )
    if stale:
        with translation.override(language):
            refresh(stale, today=today, language=language, compute=compute)
    return list(
        WorklistSnapshot.objects.filter(
            participant__in=participants.order_by().values("pk"), language=language, computed_on=today, has_work=True
        ).select_related("participant")
    )


def refresh_all(participants: QuerySet, *, today: datetime.date, compute: Compute, chunk: int = 500) -> int:
    """Compute every snapshot of ``participants`` for ``today`` in every language (the daily task),
    ``chunk`` participants at a time so memory stays bounded. Returns the number stored."""
    ids = list(participants.order_by("pk").values_list("pk", flat=True))
    stored = 0
    for language, _name in settings.LANGUAGES:
        language = snapshot_language(language)
        with translation.override(language):
            for start in range(0, len(ids), chunk):
                stored += refresh(ids[start : start + chunk], today=today, language=language, compute=compute)
    WorklistSnapshot.objects.filter(computed_on__lt=today).delete()
    return stored
