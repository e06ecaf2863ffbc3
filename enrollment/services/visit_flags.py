"""The worklist flags of visits due soon, due now and overdue (issue 6; PROTOCOL §4 windows).

``flag_visits_due`` is run daily by the Celery task ``enrollment.tasks.flag_visits_due``. It derives
the flags every participant should have today from the schedule (``enrollment.rules.visits``) and
the visit records, then makes the ``VisitFlag`` table match.

Who gets flags
    Participants who are enrolled, on treatment or in follow-up and have a planned treatment start.
    Screening and screen failures have no schedule yet / never will; participants off study
    (consent withdrawal puts a participant off study) or who died get no new flags, and their open
    flags are closed on the next run.

Set-based
    A fixed number of queries whatever the number of participants: one lock, one read each of the
    participants, their visit records and the open flags, one bulk upsert and one update. The
    schedule and statuses are computed in Python by the pure rules. Open flags are read as tuples,
    and on PostgreSQL the upsert goes through COPY into a temporary table (``_upsert``).
    ``VisitFlag`` is operational data derived from the schedule, not clinical data, and it is not
    audited: bulk writes (``bulk_create`` with ``update_conflicts`` and ``queryset.update()``) are
    allowed for it (and only for it).

Idempotent and safe to run concurrently
    Everything happens in one transaction (a worker killed mid-run leaves nothing half-written),
    serialised by a row lock on the ``NumberSequence`` row named ``flag_visits_due`` (SELECT ... FOR
    UPDATE on PostgreSQL; SQLite serialises writers itself). A second run, or a concurrent one that
    waited for the lock, finds nothing to change: kept flags are not written at all, so their
    ``opened_at`` never moves.
"""

import datetime
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from core.models import NumberSequence
from enrollment.models import (
    UNSCHEDULED,
    FlagKind,
    Participant,
    ParticipantStatus,
    Visit,
    VisitFlag,
    VisitOutcome,
)
from enrollment.rules.visits import ScheduledVisit, VisitStatus, is_due_soon, visit_schedule, visit_status
from trialsite.protocol.visits import DUE_SOON_DAYS

LOCK_NAME = "flag_visits_due"

# Statuses whose participants follow the visit schedule (enrolled or later, still on study).
ACTIVE_STATUSES = (ParticipantStatus.ENROLLED, ParticipantStatus.ON_TREATMENT, ParticipantStatus.FOLLOW_UP)

FlagKey = tuple[int, str, str]  # participant id, visit code, kind


@dataclass(frozen=True)
class FlagRun:
    """What one run changed: flags opened (new or re-opened), kept open, and closed."""

    opened: int
    kept: int
    closed: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class DesiredFlag:
    target_date: datetime.date
    window_start: datetime.date
    window_end: datetime.date


@lru_cache(maxsize=4096)
def _schedule(treatment_start: datetime.date) -> tuple[ScheduledVisit, ...]:
    # Pure and identical for every participant with the same treatment start.
    return tuple(visit_schedule(treatment_start))


def flag_kind(
    visit: ScheduledVisit, *, today: datetime.date, actual_date: datetime.date | None, missed: bool
) -> str | None:
    """The flag a scheduled visit needs on ``today``, or None (upcoming beyond DUE_SOON_DAYS, done, missed)."""
    if actual_date is not None or missed:
        return None  # done (whatever its date) or missed: nothing to chase
    if is_due_soon(visit, today=today, within_days=DUE_SOON_DAYS):
        return FlagKind.DUE_SOON
    status = visit_status(visit, today=today)
    if status == VisitStatus.DUE:
        return FlagKind.DUE_NOW
    if status == VisitStatus.OVERDUE:
        return FlagKind.OVERDUE
    return None


def desired_flags(
    treatment_starts: dict[int, datetime.date],
    recorded: dict[tuple[int, str], tuple[str, datetime.date | None]],
    *,
    today: datetime.date,
) -> dict[FlagKey, DesiredFlag]:
    """The flags each participant should have on ``today`` (pure: no database).

    ``treatment_starts``: participant id -> planned treatment start; ``recorded``: (participant id,
    visit code) -> (outcome, visit date) of the visit records. Only visits whose window opens by
    ``today + DUE_SOON_DAYS`` can carry a flag; later ones are skipped.
    """
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    flags: dict[FlagKey, DesiredFlag] = {}
    for participant_id, treatment_start in treatment_starts.items():
        for visit in _schedule(treatment_start):
            if visit.window_start > horizon:
                continue
            outcome, visit_date = recorded.get((participant_id, visit.code), (None, None))
            done = outcome == VisitOutcome.DONE
            kind = flag_kind(
                visit,
                today=today,
                actual_date=(visit_date or today) if done else None,
                missed=outcome == VisitOutcome.MISSED,
            )
            if kind is not None:
                flags[(participant_id, visit.code, kind)] = DesiredFlag(
                    visit.target_date, visit.window_start, visit.window_end
                )
    return flags


class _OpenFlag(NamedTuple):
    """An open flag as read by the task (tuples, not model instances: 150,000 of them at 10,000
    participants)."""

    pk: int
    participant_id: int
    visit_code: str
    kind: str
    target_date: datetime.date
    window_start: datetime.date
    window_end: datetime.date
    opened_at: datetime.datetime


_WRITTEN = ("participant_id", "visit_code", "kind", "target_date", "window_start", "window_end", "opened_at")


def _upsert(rows: list[tuple]) -> None:
    """Insert or update the flags ``rows`` (``_WRITTEN`` values; ``closed_at`` cleared). On PostgreSQL
    the rows go through COPY into a temporary table and one ``INSERT ... ON CONFLICT`` (a first run
    at 10,000 participants writes some 150,000 flags); elsewhere ``bulk_create`` does the same."""
    if connection.vendor != "postgresql":
        VisitFlag.objects.bulk_create(
            [VisitFlag(**dict(zip(_WRITTEN, row, strict=True)), closed_at=None) for row in rows],
            update_conflicts=True,
            unique_fields=["participant", "visit_code", "kind"],
            update_fields=["target_date", "window_start", "window_end", "opened_at", "closed_at"],
        )
        return
    table = connection.ops.quote_name(VisitFlag._meta.db_table)
    columns = ", ".join(_WRITTEN)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        cursor.execute(
            "CREATE TEMPORARY TABLE visit_flag_rows (participant_id bigint, visit_code text, kind text, "
            "target_date date, window_start date, window_end date, opened_at timestamptz) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY visit_flag_rows ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}, closed_at) SELECT {columns}, NULL FROM visit_flag_rows "  # noqa: S608
            "ON CONFLICT (participant_id, visit_code, kind) DO UPDATE SET target_date = EXCLUDED.target_date, "
            "window_start = EXCLUDED.window_start, window_end = EXCLUDED.window_end, "
            "opened_at = EXCLUDED.opened_at, closed_at = NULL"
        )
        cursor.execute("DROP TABLE visit_flag_rows")


@transaction.atomic
def flag_visits_due(*, today: datetime.date, now: datetime.datetime | None = None) -> FlagRun:
    """Open, keep and close the visit flags so that they match the schedule on ``today``.

    New flags get ``opened_at = now``; a closed flag that applies again is re-opened (``opened_at =
    now``, ``closed_at`` cleared); an open flag that still applies is kept untouched (its dates are
    refreshed, ``opened_at`` kept, only if the treatment start moved); an open flag that no longer
    applies is closed (``closed_at = now``). See the module docstring for who is flagged, the lock
    and the query budget.
    """
    now = now or timezone.now()
    # Serialise runs: a second worker waits here until the first one commits, then sees its flags.
    NumberSequence.objects.select_for_update().get_or_create(name=LOCK_NAME)

    treatment_starts = dict(
        Participant.objects.filter(status__in=ACTIVE_STATUSES, planned_treatment_start__isnull=False)
        .values_list("id", "planned_treatment_start")
    )
    recorded = {
        (participant_id, code): (outcome, visit_date)
        for participant_id, code, outcome, visit_date in Visit.objects.filter(
            participant__status__in=ACTIVE_STATUSES, participant__planned_treatment_start__isnull=False
        )
        .exclude(visit_code=UNSCHEDULED)
        .values_list("participant_id", "visit_code", "outcome", "visit_date")
    }
    desired = desired_flags(treatment_starts, recorded, today=today)
    open_flags = {
        (row.participant_id, row.visit_code, row.kind): row
        for row in map(_OpenFlag._make, VisitFlag.objects.filter(closed_at=None).values_list(*_OpenFlag._fields))
    }

    to_write: list[tuple] = []
    opened = kept = 0
    for key, wanted in desired.items():
        existing = open_flags.get(key)
        if existing is None:
            opened += 1
            opened_at = now
        else:
            kept += 1
            if (existing.target_date, existing.window_start, existing.window_end) == (
                wanted.target_date,
                wanted.window_start,
                wanted.window_end,
            ):
                continue
            opened_at = existing.opened_at
        to_write.append((*key, wanted.target_date, wanted.window_start, wanted.window_end, opened_at))
    if to_write:
        _upsert(to_write)
    to_close = [flag.pk for key, flag in open_flags.items() if key not in desired]
    if to_close:
        VisitFlag.objects.filter(pk__in=to_close).update(closed_at=now)
    return FlagRun(opened=opened, kept=kept, closed=len(to_close))
