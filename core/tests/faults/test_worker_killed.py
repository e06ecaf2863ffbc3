"""A worker killed (SIGKILL) in the middle of a task: the task runs again and the result is exactly
that of one clean run (CI: Redis and PostgreSQL).

The task is ``enrollment.tasks.flag_visits_due`` (acks_late; one transaction). A module loaded only
into the test worker (``worker_pause``) pauses its first run inside the transaction, after the flags
are written and before the stale ones are closed, and the test kills the worker there:
- only the pool process running the task (the OOM killer's choice): the worker sees it lost and,
  with CELERY_TASK_REJECT_ON_WORKER_LOST, puts the message back at once; a new pool process runs it;
- the whole worker, process group and all (a crashed machine): the message stays unacknowledged in
  Redis; a new worker puts it back after the visibility timeout (shortened for the test) and runs it.
"""

import datetime
import os
import signal
import time

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import TaskRun
from enrollment.models import FlagKind, ParticipantStatus, VisitFlag
from enrollment.services.visit_flags import flag_visits_due as flag_visits_due_service
from enrollment.tasks import flag_visits_due
from enrollment.tests.services.test_visit_flags import make_participants
from trialsite.celery import app

from .conftest import Worker, require_postgresql, skip_or_fail, wait_for

TASK = "enrollment.tasks.flag_visits_due"
PAUSE = "core.tests.faults.worker_pause"

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def redis_and_postgresql():
    if not settings.REDIS_URL:
        skip_or_fail("needs REDIS_URL: a real worker and broker (CI always sets it)")
    require_postgresql()


def flags() -> set[tuple]:
    """Every flag row without its id and timestamps: (participant, visit, kind, dates, open?)."""
    return set(
        (flag.participant_id, flag.visit_code, flag.kind, flag.target_date, flag.window_start, flag.window_end,
         flag.closed_at is None)
        for flag in VisitFlag.objects.all()
    )  # fmt: skip


def seed(today: datetime.date) -> set[tuple]:
    """Two participants with visits due and one off study with a flag left open; returns the flags
    one clean run leaves (computed in a transaction that is rolled back)."""
    start = today + datetime.timedelta(days=5)
    make_participants(2, treatment_start=start, prefix="K")
    (gone,) = make_participants(1, treatment_start=start, prefix="G", status=ParticipantStatus.OFF_STUDY)
    VisitFlag.objects.create(
        participant=gone, visit_code="screening", kind=FlagKind.DUE_NOW, target_date=start, window_start=start,
        window_end=start, opened_at=timezone.now() - datetime.timedelta(days=2),
    )  # fmt: skip
    with transaction.atomic():
        flag_visits_due_service(today=today)
        clean = flags()
        transaction.set_rollback(True)
    assert len(clean) == 7  # 3 flags each for K00000 and K00001, G's closed
    return clean


def send(queue: str):
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        return flag_visits_due.apply_async(queue=queue, ignore_result=True)
    finally:
        app.conf.task_always_eager = eager


def wait_until_paused(pause_dir, worker: Worker) -> int:
    """The pid of the process running the task, once it has written the flags (uncommitted)."""
    marker = pause_dir / "paused"
    wait_for(marker.exists, timeout=30, what="the task to reach its pause", log=worker)
    return int(wait_for(lambda: marker.read_text().strip(), timeout=5, what="the marker's pid"))


def assert_one_clean_run(clean: set[tuple], before: set[tuple], worker: Worker, task_id: str) -> None:
    run = wait_for(
        lambda: TaskRun.objects.filter(task=TASK, successes__gte=1).first(), timeout=30, what="the re-run", log=worker
    )
    # The same message, run again once to success; the killed run never reached the success signal.
    assert f"{TASK}[{task_id}] succeeded" in worker.output()
    assert run.successes == 1 and run.failures == 0
    assert flags() == clean != before
    again = flag_visits_due_service(today=timezone.localdate())
    assert (again.opened, again.closed) == (0, 0)  # nothing left to do: the state of one clean run


def test_a_pool_process_killed_mid_task_is_put_back_and_run_again(redis_and_postgresql, tmp_path):
    clean = seed(timezone.localdate())
    before = flags()
    queue = f"faults-pool-{os.getpid()}-{time.time_ns()}"
    worker = Worker(
        broker_url=settings.REDIS_URL, queue=queue, pool="prefork", include=PAUSE, log=tmp_path / "worker.log",
        FAULTS_PAUSE_DIR=str(tmp_path), TRIALSITE_VAR_DIR=str(tmp_path / "var"),
    )  # fmt: skip
    try:
        task_id = send(queue).id
        pid = wait_until_paused(tmp_path, worker)
        assert pid != worker.process.pid  # a pool process, not the worker itself
        assert flags() == before  # written but not committed: nobody sees half a run
        os.kill(pid, signal.SIGKILL)
        assert_one_clean_run(clean, before, worker, task_id)
    finally:
        worker.stop()
    output = worker.output()
    assert "WorkerLostError" in output and "signal 9" in output
    assert output.count(f"{TASK}[{task_id}] received") == 2  # put back by the worker itself


def test_a_worker_killed_mid_task_leaves_the_task_to_a_new_worker_that_runs_it_again(redis_and_postgresql, tmp_path):
    clean = seed(timezone.localdate())
    before = flags()
    queue = f"faults-kill-{os.getpid()}-{time.time_ns()}"
    common = {"broker_url": settings.REDIS_URL, "queue": queue, "include": PAUSE, "FAULTS_PAUSE_DIR": str(tmp_path),
              "TRIALSITE_VAR_DIR": str(tmp_path / "var")}  # fmt: skip
    first = Worker(log=tmp_path / "first.log", **common)
    try:
        task_id = send(queue).id
        wait_until_paused(tmp_path, first)
        assert flags() == before
        first.kill_group()
    finally:
        first.stop()
    assert flags() == before  # the dead worker's transaction was rolled back: nothing half-written
    assert not TaskRun.objects.filter(task=TASK, successes__gte=1).exists()

    second = Worker(log=tmp_path / "second.log", FAULTS_VISIBILITY_TIMEOUT="1", **common)
    try:
        assert_one_clean_run(clean, before, second, task_id)
    finally:
        second.stop()
    assert f"{TASK}[{task_id}] received" in first.output()
