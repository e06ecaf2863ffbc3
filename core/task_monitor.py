"""Task-run tracking and the health of the periodic tasks (issue 6).

Celery's task signals keep one ``core.models.TaskRun`` row per task name (start, success, failure,
counts); they fire in a real worker and in eager mode alike and are connected in
``CoreConfig.ready()``. The monitor must never break a task: a database error while recording is
logged and swallowed (only there).

``task_health`` and ``broker_reachable`` are the reads of the data managers' health page.
"""

import datetime
import logging
from dataclasses import dataclass

from celery import signals
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import TaskRun

logger = logging.getLogger(__name__)

ERROR_MAX_CHARS = 2000


# --- Recording (Celery signal handlers) ---------------------------------------------------------


def _record(task_name: str, **changes) -> None:
    """Apply ``changes`` (values or F() expressions) to the task's row in one UPDATE, creating the
    row first if there is none. A database error is logged, never raised into the task."""
    try:
        with transaction.atomic():
            if not TaskRun.objects.filter(task=task_name).update(**changes):
                TaskRun.objects.get_or_create(task=task_name)
                TaskRun.objects.filter(task=task_name).update(**changes)
    except DatabaseError:
        logger.exception("Could not record a run of task %s", task_name)


def _task_name(sender) -> str:
    return getattr(sender, "name", None) or str(sender)


def on_task_prerun(sender=None, **kwargs) -> None:
    _record(_task_name(sender), last_started_at=timezone.now())


def on_task_success(sender=None, **kwargs) -> None:
    _record(_task_name(sender), last_succeeded_at=timezone.now(), successes=F("successes") + 1)


def on_task_failure(sender=None, exception=None, **kwargs) -> None:
    error = f"{type(exception).__name__}: {exception}" if exception is not None else "Unknown error"
    _record(
        _task_name(sender),
        last_failed_at=timezone.now(),
        last_error=error[:ERROR_MAX_CHARS],
        failures=F("failures") + 1,
    )


def connect() -> None:
    """Connect the handlers (idempotent: fixed dispatch uids)."""
    signals.task_prerun.connect(on_task_prerun, weak=False, dispatch_uid="core.task_monitor.prerun")
    signals.task_success.connect(on_task_success, weak=False, dispatch_uid="core.task_monitor.success")
    signals.task_failure.connect(on_task_failure, weak=False, dispatch_uid="core.task_monitor.failure")


# --- Health page reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskHealth:
    name: str
    task: str
    schedule: str
    enabled: bool
    daily: bool
    stale: bool
    last_succeeded_at: datetime.datetime | None
    last_failed_at: datetime.datetime | None
    last_error: str
    successes: int
    failures: int


def _runs_at_least_daily(periodic_task) -> bool:
    """Whether the schedule fires every day (a crontab on every day, or an interval of a day or less)."""
    crontab = periodic_task.crontab
    if crontab is not None:
        return (crontab.day_of_week, crontab.day_of_month, crontab.month_of_year) == ("*", "*", "*")
    interval = periodic_task.interval
    if interval is not None:
        return interval.schedule.run_every <= datetime.timedelta(days=1)
    return False


def _describe_schedule(periodic_task) -> str:
    """The schedule for people, in the active language."""
    crontab = periodic_task.crontab
    if crontab is not None:
        if _runs_at_least_daily(periodic_task) and crontab.hour.isdigit() and crontab.minute.isdigit():
            return _("daily at %(time)s (%(zone)s)") % {
                "time": f"{int(crontab.hour):02d}:{int(crontab.minute):02d}", "zone": crontab.timezone
            }
        return (
            f"cron {crontab.minute} {crontab.hour} {crontab.day_of_month} {crontab.month_of_year} "
            f"{crontab.day_of_week} ({crontab.timezone})"
        )
    for schedule in (periodic_task.interval, periodic_task.solar, periodic_task.clocked):
        if schedule is not None:
            return str(schedule)
    return _("no schedule")


def task_health(*, now: datetime.datetime) -> list[TaskHealth]:
    """Every periodic task of django-celery-beat with its last runs. A task is ``stale`` (shown red)
    when it is enabled, runs at least daily, and has not succeeded within TASK_STALE_HOURS of ``now``
    (or never)."""
    from django_celery_beat.models import PeriodicTask

    stale_before = now - datetime.timedelta(hours=settings.TASK_STALE_HOURS)
    periodic_tasks = list(PeriodicTask.objects.select_related("crontab", "interval", "solar", "clocked"))
    runs = {run.task: run for run in TaskRun.objects.filter(task__in={task.task for task in periodic_tasks})}
    rows = []
    for periodic_task in sorted(periodic_tasks, key=lambda item: item.name.lower()):
        run = runs.get(periodic_task.task)
        succeeded = run.last_succeeded_at if run else None
        daily = _runs_at_least_daily(periodic_task)
        rows.append(
            TaskHealth(
                name=periodic_task.name,
                task=periodic_task.task,
                schedule=_describe_schedule(periodic_task),
                enabled=periodic_task.enabled,
                daily=daily,
                stale=periodic_task.enabled and daily and (succeeded is None or succeeded < stale_before),
                last_succeeded_at=succeeded,
                last_failed_at=run.last_failed_at if run else None,
                last_error=run.last_error if run else "",
                successes=run.successes if run else 0,
                failures=run.failures if run else 0,
            )
        )
    return rows


def broker_reachable(*, timeout_seconds: float = 3.0) -> bool:
    """Whether the Celery broker accepts a connection within about ``timeout_seconds``. Never raises."""
    from trialsite.celery import app

    try:
        with app.connection_for_write(
            connect_timeout=timeout_seconds,
            transport_options={"socket_connect_timeout": timeout_seconds, "socket_timeout": timeout_seconds},
        ) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout_seconds)
    except Exception:  # any failure (refused, DNS, timeout, bad URL) means unreachable  # noqa: BLE001
        logger.warning("Celery broker unreachable", exc_info=True)
        return False
    return True
