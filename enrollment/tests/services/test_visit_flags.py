"""flag_visits_due: which flags a run opens, keeps and closes (fixed dates), idempotence, and its
query count (set-based: the same at 10 and at 200 participants)."""

import datetime
import sqlite3

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dosing.tests.factories import participant_enrolled
from enrollment.models import FlagKind, Participant, ParticipantStatus, Visit, VisitFlag, VisitOutcome
from enrollment.services.visit_flags import LOCK_NAME, FlagRun, flag_visits_due

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 5)  # treatment start (day 1) of the fixed-date scenarios
# fu_m3: target START + 91 days, window +/- 7 days -> window START+84 .. START+98.
FU_M3_WINDOW_START = START + datetime.timedelta(days=84)
FU_M3_WINDOW_END = START + datetime.timedelta(days=98)


def at(day: datetime.date, hour: int = 6) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def make_participants(
    count: int, *, treatment_start: datetime.date, status: str = ParticipantStatus.ENROLLED, prefix: str = "VF"
) -> list[Participant]:
    """``count`` participants in bulk (no services, no audit rows): only the fields the schedule needs."""
    enrolled_on = treatment_start - datetime.timedelta(days=3)
    return Participant.objects.bulk_create(
        Participant(
            screening_number=f"{prefix}{index:05d}",
            study_number=f"{prefix}S{index:05d}",
            initials="AB",
            date_of_birth=datetime.date(1970, 1, 1),
            screening_date=enrolled_on - datetime.timedelta(days=20),
            status=status,
            status_date=enrolled_on,
            enrolment_date=enrolled_on,
            planned_treatment_start=treatment_start,
        )
        for index in range(count)
    )


def open_flags(participant=None) -> set[tuple[str, str]]:
    flags = VisitFlag.objects.filter(closed_at=None)
    if participant is not None:
        flags = flags.filter(participant=participant)
    return set(flags.values_list("visit_code", "kind"))


def record_visit(participant, code: str, *, outcome: str = VisitOutcome.DONE, day: datetime.date | None = None):
    return Visit.objects.create(
        participant=participant,
        visit_code=code,
        outcome=outcome,
        visit_date=day if outcome == VisitOutcome.DONE else None,
        missed_reason="Patient unreachable" if outcome == VisitOutcome.MISSED else "",
    )


@pytest.fixture
def enrolled_participant(coordinator, investigator):
    return participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=START)


# --- Kinds at the window edges -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (FU_M3_WINDOW_START - datetime.timedelta(days=8), None),  # opens in 8 days: not yet
        (FU_M3_WINDOW_START - datetime.timedelta(days=7), FlagKind.DUE_SOON),  # opens in exactly 7 days
        (FU_M3_WINDOW_START - datetime.timedelta(days=1), FlagKind.DUE_SOON),
        (FU_M3_WINDOW_START, FlagKind.DUE_NOW),  # first day of the window
        (FU_M3_WINDOW_END, FlagKind.DUE_NOW),  # last day of the window
        (FU_M3_WINDOW_END + datetime.timedelta(days=1), FlagKind.OVERDUE),  # the day after it closed
    ],
)
def test_month_3_flag_kind_at_the_window_edges(enrolled_participant, today, expected):
    flag_visits_due(today=today, now=at(today))

    kinds = {kind for code, kind in open_flags(enrolled_participant) if code == "fu_m3"}
    assert kinds == ({expected} if expected else set())
    if expected:
        flag = VisitFlag.objects.get(participant=enrolled_participant, visit_code="fu_m3")
        assert (flag.target_date, flag.window_start, flag.window_end) == (
            START + datetime.timedelta(days=91),
            FU_M3_WINDOW_START,
            FU_M3_WINDOW_END,
        )
        assert flag.opened_at == at(today)


def test_every_earlier_unrecorded_visit_is_overdue_and_later_ones_are_not_flagged(enrolled_participant):
    today = START + datetime.timedelta(days=14)  # CCRT week 2 target

    flag_visits_due(today=today, now=at(today))

    assert open_flags(enrolled_participant) == {
        ("screening", FlagKind.OVERDUE),
        ("rt_planning", FlagKind.OVERDUE),
        ("ccrt_w0", FlagKind.OVERDUE),
        ("ccrt_w1", FlagKind.OVERDUE),
        ("ccrt_w2", FlagKind.DUE_NOW),
        ("ccrt_w3", FlagKind.DUE_SOON),  # window opens day 19 = today + 5
    }


@pytest.mark.parametrize("outcome", [VisitOutcome.DONE, VisitOutcome.MISSED])
def test_done_or_missed_visits_get_no_flag(enrolled_participant, outcome):
    today = FU_M3_WINDOW_END + datetime.timedelta(days=3)
    record_visit(enrolled_participant, "fu_m3", outcome=outcome, day=FU_M3_WINDOW_END)

    flag_visits_due(today=today, now=at(today))

    assert not {code for code, _ in open_flags(enrolled_participant)} & {"fu_m3"}
    assert ("eoebrt", FlagKind.OVERDUE) in open_flags(enrolled_participant)


def test_unscheduled_visits_are_ignored(enrolled_participant):
    today = FU_M3_WINDOW_START
    Visit.objects.create(
        participant=enrolled_participant, visit_code="unscheduled", visit_date=today, unscheduled_reason="Pain"
    )

    flag_visits_due(today=today, now=at(today))

    assert ("fu_m3", FlagKind.DUE_NOW) in open_flags(enrolled_participant)


# --- Opening, keeping, closing, re-opening -----------------------------------------------------


def test_flag_closes_when_the_visit_is_recorded(enrolled_participant):
    today = FU_M3_WINDOW_END + datetime.timedelta(days=2)
    flag_visits_due(today=today, now=at(today))
    assert ("fu_m3", FlagKind.OVERDUE) in open_flags(enrolled_participant)

    record_visit(enrolled_participant, "fu_m3", day=today)
    run = flag_visits_due(today=today, now=at(today, 9))

    flag = VisitFlag.objects.get(participant=enrolled_participant, visit_code="fu_m3", kind=FlagKind.OVERDUE)
    assert flag.closed_at == at(today, 9)
    assert flag.opened_at == at(today)
    assert run.closed == 1 and run.opened == 0


def test_a_closed_flag_reopens_when_it_applies_again(enrolled_participant):
    today = FU_M3_WINDOW_END + datetime.timedelta(days=2)
    flag_visits_due(today=today, now=at(today))
    visit = record_visit(enrolled_participant, "fu_m3", day=today)
    flag_visits_due(today=today, now=at(today, 9))
    visit.delete()  # the record was entered for the wrong participant and removed

    run = flag_visits_due(today=today, now=at(today, 11))

    flag = VisitFlag.objects.get(participant=enrolled_participant, visit_code="fu_m3", kind=FlagKind.OVERDUE)
    assert flag.closed_at is None
    assert flag.opened_at == at(today, 11)
    assert run.opened == 1
    assert VisitFlag.objects.filter(participant=enrolled_participant, visit_code="fu_m3").count() == 1


def test_an_open_flag_keeps_its_opened_at_on_later_runs(enrolled_participant):
    first_day = FU_M3_WINDOW_START
    flag_visits_due(today=first_day, now=at(first_day))

    next_day = first_day + datetime.timedelta(days=1)
    run = flag_visits_due(today=next_day, now=at(next_day))

    flag = VisitFlag.objects.get(participant=enrolled_participant, visit_code="fu_m3", kind=FlagKind.DUE_NOW)
    assert flag.opened_at == at(first_day)
    assert flag.closed_at is None
    assert run.opened == 0 and run.closed == 0 and run.kept == len(open_flags(enrolled_participant))


def test_due_soon_becomes_due_now_when_the_window_opens(enrolled_participant):
    day_before = FU_M3_WINDOW_START - datetime.timedelta(days=1)
    flag_visits_due(today=day_before, now=at(day_before))

    flag_visits_due(today=FU_M3_WINDOW_START, now=at(FU_M3_WINDOW_START))

    rows = dict(
        VisitFlag.objects.filter(participant=enrolled_participant, visit_code="fu_m3").values_list("kind", "closed_at")
    )
    assert rows == {FlagKind.DUE_SOON: at(FU_M3_WINDOW_START), FlagKind.DUE_NOW: None}


def test_two_runs_leave_exactly_the_same_rows(enrolled_participant):
    today = FU_M3_WINDOW_START + datetime.timedelta(days=2)
    first = flag_visits_due(today=today, now=at(today))
    rows_after_first = list(VisitFlag.objects.order_by("pk").values())

    second = flag_visits_due(today=today, now=at(today, 18))

    assert list(VisitFlag.objects.order_by("pk").values()) == rows_after_first
    assert first.opened == len(rows_after_first) > 0
    assert second == FlagRun(opened=0, kept=len(rows_after_first), closed=0)


def test_a_moved_treatment_start_updates_the_dates_of_open_flags_but_not_opened_at(enrolled_participant):
    today = FU_M3_WINDOW_START + datetime.timedelta(days=2)
    flag_visits_due(today=today, now=at(today))
    Participant.objects.filter(pk=enrolled_participant.pk).update(
        planned_treatment_start=START + datetime.timedelta(days=1)
    )

    flag_visits_due(today=today, now=at(today, 9))

    flag = VisitFlag.objects.get(participant=enrolled_participant, visit_code="fu_m3", kind=FlagKind.DUE_NOW)
    assert flag.target_date == START + datetime.timedelta(days=92)
    assert flag.opened_at == at(today)


@pytest.mark.parametrize("status", [ParticipantStatus.OFF_STUDY, ParticipantStatus.DIED])
def test_flags_of_participants_no_longer_on_study_are_closed(enrolled_participant, status):
    today = FU_M3_WINDOW_START
    flag_visits_due(today=today, now=at(today))
    assert open_flags(enrolled_participant)
    Participant.objects.filter(pk=enrolled_participant.pk).update(status=status)

    run = flag_visits_due(today=today, now=at(today, 9))

    assert open_flags(enrolled_participant) == set()
    assert run.closed == VisitFlag.objects.filter(participant=enrolled_participant).count()
    assert set(VisitFlag.objects.values_list("closed_at", flat=True)) == {at(today, 9)}


@pytest.mark.parametrize("status", [ParticipantStatus.ON_TREATMENT, ParticipantStatus.FOLLOW_UP])
def test_participants_on_treatment_or_in_follow_up_are_flagged(status):
    (participant,) = make_participants(1, treatment_start=START, status=status)

    flag_visits_due(today=FU_M3_WINDOW_START, now=at(FU_M3_WINDOW_START))

    assert ("fu_m3", FlagKind.DUE_NOW) in open_flags(participant)


@pytest.mark.parametrize("status", [ParticipantStatus.SCREENING, ParticipantStatus.SCREEN_FAILURE])
def test_participants_not_enrolled_get_no_flags(status):
    make_participants(1, treatment_start=START, status=status)

    flag_visits_due(today=FU_M3_WINDOW_START, now=at(FU_M3_WINDOW_START))

    assert not VisitFlag.objects.exists()


def test_a_participant_without_a_treatment_start_gets_no_flags():
    (participant,) = make_participants(1, treatment_start=START)
    Participant.objects.filter(pk=participant.pk).update(planned_treatment_start=None)

    flag_visits_due(today=FU_M3_WINDOW_START, now=at(FU_M3_WINDOW_START))

    assert not VisitFlag.objects.exists()


# --- Query count -------------------------------------------------------------------------------


@pytest.fixture
def sqlite_real_variable_limit(monkeypatch):
    """Django 5.2 assumes SQLite's historic limit of 999 variables per statement and splits bulk
    inserts into batches of ~124 rows; the SQLite Python links (3.32+) allows 32766 and Django 6.0
    reads the real limit. Use the real one so the test measures the service, not that assumption
    (PostgreSQL has no such split)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        monkeypatch.setattr(connection.features, "max_query_params", limit)


def _queries_of_two_runs(count: int) -> tuple[int, int, FlagRun, FlagRun]:
    """Queries of a first run (opens flags) and of a second one after visits were recorded (keeps
    and closes flags) over ``count`` participants starting treatment in 5 days."""
    Visit.objects.all().delete()
    VisitFlag.objects.all().delete()
    Participant.objects.all().delete()
    today = START - datetime.timedelta(days=5)
    participants = make_participants(count, treatment_start=START, prefix=f"Q{count}-")
    # Half of them already had their screening visit.
    Visit.objects.bulk_create(
        Visit(participant=p, visit_code="screening", visit_date=today - datetime.timedelta(days=10))
        for p in participants[::2]
    )
    with CaptureQueriesContext(connection) as first_queries:
        first = flag_visits_due(today=today, now=at(today))
    Visit.objects.bulk_create(
        Visit(participant=p, visit_code="rt_planning", visit_date=today) for p in participants
    )
    with CaptureQueriesContext(connection) as second_queries:
        second = flag_visits_due(today=today, now=at(today, 9))
    return len(first_queries), len(second_queries), first, second


def test_query_count_does_not_grow_with_the_number_of_participants(sqlite_real_variable_limit):
    flag_visits_due(today=START, now=at(START))  # creates the lock row once

    few = _queries_of_two_runs(10)
    many = _queries_of_two_runs(200)

    assert few[:2] == many[:2]
    # Each participant: screening due (unless done), RT planning due, CCRT week 0 due soon.
    assert few[2] == FlagRun(opened=25, kept=0, closed=0)
    assert many[2] == FlagRun(opened=500, kept=0, closed=0)
    # The second run closes each RT planning flag and keeps the rest.
    assert many[3] == FlagRun(opened=0, kept=300, closed=200)
    assert VisitFlag.objects.filter(closed_at=None).count() == 300


def test_the_run_takes_the_lock_row():
    flag_visits_due(today=START, now=at(START))

    from core.models import NumberSequence

    assert NumberSequence.objects.filter(name=LOCK_NAME).count() == 1
