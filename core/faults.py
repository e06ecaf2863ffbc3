"""Background jobs while the Celery broker (Redis) is down, and catching up once it is back (issue 9).

The web app keeps working without the broker: pages load, saves succeed, and what the background
jobs missed is done once the broker answers again.

Sending
    ``enqueue`` sends a task (services call it in ``transaction.on_commit``) and never raises a broker
    error into the request.
    A failed send is logged, marks the broker down at once (the banner shows on the next page) and
    is kept by this process to be sent again. Sends ignore results (nobody reads them: the Redis
    result backend would otherwise retry for about 20 seconds before failing) and retry once,
    briefly, so a save answers in milliseconds while Redis is stopped.
    ``enqueue_export`` does the same for a study export and, when the send fails, says so on the job
    ("Queued — background jobs are down ..."): the job row is then the record that it is still to be
    sent, whichever web process picks it up.

Checking
    ``background_jobs`` is the broker's state for the banner of every page, the public ``/health/``
    endpoint and the data managers' task health page. This process asks the broker at most once per
    ``CHECK_EVERY_SECONDS`` (the banner; the health pages ask every time) with a short timeout
    (``CHECK_TIMEOUT_SECONDS``), so pages stay fast while Redis is down.

Catching up
    A check that finds the broker reachable runs ``catch_up``, which sends:
    - what this process could not send (e.g. the Simon check queued by a response saved during the
      outage): kept in memory, so lost if the process restarts — the daily run covers it then;
    - the exports waiting for the broker (claimed row by row, so one web process sends each);
    - every enabled periodic task that beat sent, or tried to send (``PeriodicTask.last_run_at``),
      more than ``MISSED_AFTER`` ago and that no worker started since (``TaskRun.last_started_at``):
      a send lost in the outage, or a message lost with a Redis restart. Each such run is claimed
      once through the cache, so several web processes do not all send it.
    Every task is idempotent, so a run sent twice changes nothing the second time. The public health
    endpoint is probed every few seconds by the container health check, so the catch-up happens
    soon after the broker is back even when nobody is using the site.
"""

import datetime
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from kombu.exceptions import OperationalError as BrokerOperationalError

from .task_monitor import broker_reachable

logger = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 30.0  # the banner's check, per process
CHECK_TIMEOUT_SECONDS = 0.5
# One quick retry: a pooled connection that Redis closed when it restarted is reopened, a stopped
# Redis fails in milliseconds.
SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Kombu raises its OperationalError for a refused, reset or timed-out broker connection; OSError
# covers the socket and the filesystem transport.
BROKER_ERRORS = (BrokerOperationalError, OSError)
MISSED_AFTER = datetime.timedelta(minutes=10)  # beat's send older than this, with no run started since
MISSED_CLAIM_SECONDS = 6 * 3600
UNSENT_LIMIT = 100  # sends kept per process while the broker is down (older ones dropped, logged)

# Progress steps of an export job, stored in English (the export page translates them).
EXPORT_WAITING_STEP = gettext_noop("Queued — background jobs are down; the export starts when they are back")
EXPORT_SENT_AGAIN_STEP = gettext_noop("Waiting for a worker (sent again after background jobs were down)")


@dataclass(frozen=True)
class BackgroundJobs:
    """The broker's state as this process last saw it."""

    reachable: bool
    checked_at: datetime.datetime
    down_since: datetime.datetime | None  # the first failed check or send of the current outage


@dataclass(frozen=True)
class CatchUp:
    """What one catch-up sent."""

    sent_again: int
    exports: int
    missed_runs: int


class _Monitor:
    """This process's view of the broker and its unsent tasks (one per process; threads share it)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.state: BackgroundJobs | None = None
        self.checked: float | None = None
        self.unsent: OrderedDict[tuple[str, tuple], None] = OrderedDict()

    def record(self, *, reachable: bool, now: datetime.datetime) -> BackgroundJobs:
        """Call with ``lock`` held."""
        previous = self.state
        down_since = None
        if not reachable:
            down_since = previous.down_since if previous is not None and previous.down_since else now
        self.state = BackgroundJobs(reachable=reachable, checked_at=now, down_since=down_since)
        self.checked = self.clock()
        return self.state

    def keep_unsent(self, name: str, args: tuple) -> None:
        with self.lock:
            self.unsent[(name, args)] = None
            self.unsent.move_to_end((name, args))
            while len(self.unsent) > UNSENT_LIMIT:
                (dropped, _), _ = self.unsent.popitem(last=False)
                logger.error("Too many unsent background tasks; dropped %s (its daily run covers it)", dropped)

    def take_unsent(self) -> list[tuple[str, tuple]]:
        with self.lock:
            taken = list(self.unsent)
            self.unsent.clear()
            return taken


_monitor = _Monitor()


# --- checking ------------------------------------------------------------------------------------


def background_jobs(*, max_age_seconds: float = CHECK_EVERY_SECONDS) -> BackgroundJobs:
    """The broker's state, checked again when this process's last check is older than
    ``max_age_seconds`` (0: check now). A check that finds the broker reachable runs ``catch_up``."""
    monitor = _monitor
    with monitor.lock:
        fresh = monitor.state is not None and monitor.clock() - monitor.checked < max_age_seconds
        if fresh:
            return monitor.state
        reachable = broker_reachable(timeout_seconds=CHECK_TIMEOUT_SECONDS)
        state = monitor.record(reachable=reachable, now=timezone.now())
    if state.reachable:
        catch_up(now=state.checked_at)
    return state


def _mark_down(task_name: str, error: Exception) -> None:
    logger.warning("Background task %s not sent: the broker is unreachable (%s)", task_name, error)
    with _monitor.lock:
        _monitor.record(reachable=False, now=timezone.now())


# --- sending --------------------------------------------------------------------------------------


def enqueue(task, *args, keep_unsent: bool = True) -> bool:
    """Send ``task(*args)`` to the workers. Never raises a broker error: when the broker is
    unreachable, log it, mark the broker down and (``keep_unsent``) keep the call to send again once
    it is back. Returns whether it was sent."""
    try:
        task.apply_async(args=args, ignore_result=True, retry=True, retry_policy=SEND_RETRY_POLICY)
    except BROKER_ERRORS as error:
        if keep_unsent:
            _monitor.keep_unsent(task.name, args)
        _mark_down(task.name, error)
        return False
    return True


def enqueue_export(job_id: int) -> bool:
    """Send the export job ``job_id``; when the broker is unreachable, show it on the job (still
    queued) so that the catch-up sends it once the broker is back. Returns whether it was sent."""
    from .data_management.exports.tasks import run_export

    if enqueue(run_export, job_id, keep_unsent=False):
        return True
    _export_step(job_id, EXPORT_WAITING_STEP)
    return False


def _export_step(job_id: int, step: str) -> None:
    """Set a queued job's ``current_step`` (a progress field: saved without a history row, like the
    export's progress). Runs after the request's commit, so a database error is logged, not raised."""
    from .models import ExportJob, ExportStatus

    try:
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().filter(pk=job_id, status=ExportStatus.QUEUED).first()
            if job is not None:
                job.current_step = step
                job.save_without_historical_record(update_fields=["current_step"])
    except DatabaseError:
        logger.exception("Could not record that export #%s is waiting for the broker", job_id)


# --- catching up ----------------------------------------------------------------------------------


def catch_up(*, now: datetime.datetime) -> CatchUp:
    """Send what the broker's outage left unsent (see the module docstring). Never raises: a broker
    or database error stops it and the next check tries again."""
    from trialsite.celery import app

    sent_again = 0
    for name, args in _monitor.take_unsent():
        task = app.tasks.get(name)
        if task is None:
            logger.error("Unsent background task %s is not registered; dropped", name)
        elif enqueue(task, *args):
            sent_again += 1
    exports = missed = 0
    try:
        exports = _send_waiting_exports()
        missed = _send_missed_runs(app, now=now)
    except DatabaseError:
        logger.exception("Catching up on background jobs failed; the next check tries again")
    if sent_again or exports or missed:
        logger.warning(
            "Background jobs caught up: %s task(s) sent again, %s export(s), %s missed periodic run(s)",
            sent_again, exports, missed,
        )  # fmt: skip
    return CatchUp(sent_again=sent_again, exports=exports, missed_runs=missed)


def _send_waiting_exports() -> int:
    from .models import ExportJob, ExportStatus

    with transaction.atomic():
        # Claimed in one transaction: another web process skips the rows this one is sending.
        jobs = list(
            ExportJob.objects.select_for_update(skip_locked=True).filter(
                status=ExportStatus.QUEUED, current_step=EXPORT_WAITING_STEP
            )
        )
        for job in jobs:
            job.current_step = EXPORT_SENT_AGAIN_STEP
            job.save_without_historical_record(update_fields=["current_step"])
    return sum(1 for job in jobs if enqueue_export(job.pk))


def _claim(key: str) -> bool:
    try:
        return cache.add(key, "sent", timeout=MISSED_CLAIM_SECONDS)
    except Exception:  # the cache (Redis) may be as unreachable as the broker: try again later  # noqa: BLE001
        logger.warning("Could not claim %s in the cache", key, exc_info=True)
        return False


def _release(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:  # noqa: BLE001 (as in _claim)
        logger.warning("Could not release %s in the cache", key, exc_info=True)


def missed_periodic_runs(*, now: datetime.datetime) -> list:
    """Enabled periodic tasks that beat sent (or tried to) more than MISSED_AFTER before ``now`` and
    that no worker started since."""
    from django_celery_beat.models import PeriodicTask

    from .models import TaskRun

    candidates = list(
        PeriodicTask.objects.filter(enabled=True, last_run_at__isnull=False, last_run_at__lte=now - MISSED_AFTER)
    )
    if not candidates:
        return []
    names = {periodic.task for periodic in candidates}
    started = dict(TaskRun.objects.filter(task__in=names).values_list("task", "last_started_at"))
    return [
        periodic
        for periodic in candidates
        if started.get(periodic.task) is None or started[periodic.task] < periodic.last_run_at
    ]


def _send_missed_runs(app, *, now: datetime.datetime) -> int:
    sent = 0
    for periodic in missed_periodic_runs(now=now):
        key = f"core.faults:missed-run:{periodic.pk}:{periodic.last_run_at.timestamp():.0f}"
        if not _claim(key):
            continue
        options = {"queue": periodic.queue} if periodic.queue else {}
        try:
            app.send_task(
                periodic.task,
                args=json.loads(periodic.args or "[]"),
                kwargs=json.loads(periodic.kwargs or "{}"),
                ignore_result=True,
                retry=True,
                retry_policy=SEND_RETRY_POLICY,
                **options,
            )
        except BROKER_ERRORS as error:
            _release(key)
            _mark_down(periodic.task, error)
            break
        logger.warning(
            "Periodic task %r sent again: beat sent it at %s and no worker started it",
            periodic.name, periodic.last_run_at,
        )  # fmt: skip
        sent += 1
    return sent
