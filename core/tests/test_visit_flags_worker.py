"""flag_visits_due in a real Celery worker (prefork, two processes) against Redis and PostgreSQL: two
runs in a row, then two at once, leave exactly the expected flags (CI sets REDIS_URL and DATABASE_URL).

The worker subprocess works on the test database: the data is committed (a transactional test) and
the worker's DATABASE_URL names the test database. Only PostgreSQL can be shared that way (SQLite's
test database is in memory)."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import TaskRun
from enrollment.models import FlagKind, Participant, ParticipantStatus, Visit, VisitFlag
from enrollment.tasks import flag_visits_due
from enrollment.tests.services.test_visit_flags import make_participants
from trialsite.celery import app

ROOT = Path(__file__).resolve().parents[2]

# serialized_rollback like every other transactional test: a plain flush would let post_migrate recreate
# the content types that the next serialized-rollback test then reloads (duplicate keys on PostgreSQL).
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def _open_flags() -> set[tuple[str, str, str]]:
    return set(
        VisitFlag.objects.filter(closed_at=None).values_list("participant__screening_number", "visit_code", "kind")
    )


def _snapshot() -> list[dict]:
    return list(VisitFlag.objects.order_by("participant_id", "visit_code", "kind").values())


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI always sets it)")
def test_flag_visits_due_twice_and_concurrently_in_a_real_worker():
    if connection.vendor != "postgresql":
        pytest.skip("the worker subprocess can share the test database only on PostgreSQL (set DATABASE_URL)")
    today = timezone.localdate()
    start = today + datetime.timedelta(days=5)  # screening and RT planning due now, CCRT week 0 due soon
    (alpha,) = make_participants(1, treatment_start=start, prefix="A")
    (beta,) = make_participants(1, treatment_start=start, prefix="B")
    (gone,) = make_participants(1, treatment_start=start, prefix="G", status=ParticipantStatus.OFF_STUDY)
    Visit.objects.create(participant=beta, visit_code="screening", visit_date=today - datetime.timedelta(days=3))
    VisitFlag.objects.create(  # left open from before the participant went off study
        participant=gone, visit_code="screening", kind=FlagKind.DUE_NOW, target_date=start,
        window_start=start, window_end=start, opened_at=timezone.now() - datetime.timedelta(days=2),
    )

    queue = f"ci-flags-{os.getpid()}-{time.time_ns()}"
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE="trialsite.settings.dev", DJANGO_DEBUG="1", DATABASE_URL=_database_url()
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "trialsite", "worker", "--pool=prefork", "--concurrency=2",
         "--queues", queue, "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        # Two runs in a row: the second changes nothing.
        first = flag_visits_due.apply_async(queue=queue).get(timeout=90)
        after_first = _snapshot()
        second = flag_visits_due.apply_async(queue=queue).get(timeout=60)
        assert first == {"opened": 5, "kept": 0, "closed": 1}
        assert second == {"opened": 0, "kept": 5, "closed": 0}
        assert _snapshot() == after_first
        assert _open_flags() == {
            ("A00000", "screening", FlagKind.DUE_NOW),
            ("A00000", "rt_planning", FlagKind.DUE_NOW),
            ("A00000", "ccrt_w0", FlagKind.DUE_SOON),
            ("B00000", "rt_planning", FlagKind.DUE_NOW),
            ("B00000", "ccrt_w0", FlagKind.DUE_SOON),
        }

        # Then work for two runs at once: alpha's screening recorded, a new participant enrolled.
        Visit.objects.create(participant=alpha, visit_code="screening", visit_date=today)
        (new,) = make_participants(1, treatment_start=start, prefix="N")
        concurrent = [flag_visits_due.apply_async(queue=queue) for _ in range(2)]
        results = [result.get(timeout=90) for result in concurrent]
    finally:
        app.conf.task_always_eager = eager
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()

    # The runs were serialised by the lock: exactly one opened and closed, the other found nothing to do.
    assert sorted(results, key=lambda counts: counts["opened"]) == [
        {"opened": 0, "kept": 7, "closed": 0},
        {"opened": 3, "kept": 4, "closed": 1},
    ], output
    assert _open_flags() == {
        ("A00000", "rt_planning", FlagKind.DUE_NOW),
        ("A00000", "ccrt_w0", FlagKind.DUE_SOON),
        ("B00000", "rt_planning", FlagKind.DUE_NOW),
        ("B00000", "ccrt_w0", FlagKind.DUE_SOON),
        ("N00000", "screening", FlagKind.DUE_NOW),
        ("N00000", "rt_planning", FlagKind.DUE_NOW),
        ("N00000", "ccrt_w0", FlagKind.DUE_SOON),
    }
    # 7 open + 2 closed (the participant off study, alpha's screening): one row per (participant, visit, kind).
    assert VisitFlag.objects.count() == 9
    assert not VisitFlag.objects.filter(participant=gone, closed_at=None).exists()
    assert Participant.objects.get(pk=new.pk).visit_flags.count() == 3
    # The worker's task signals kept the run record.
    run = TaskRun.objects.get(task="enrollment.tasks.flag_visits_due")
    assert run.successes == 4 and run.failures == 0
    assert "enrollment.tasks.flag_visits_due" in output
