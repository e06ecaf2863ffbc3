"""Task-run tracking (Celery signals -> TaskRun) and the data managers' health page."""

import datetime
import logging

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core import task_monitor
from core import tasks as core_tasks
from core.models import TaskRun
from enrollment import tasks as enrollment_tasks

pytestmark = pytest.mark.django_db

URL = reverse("core:task_health")
STALE_MESSAGE = "No successful run for more than 26 hours"


# --- TaskRun ------------------------------------------------------------------------------------


def test_a_successful_run_is_recorded():
    before = timezone.now()
    core_tasks.ping.delay().get(timeout=5)
    core_tasks.ping.delay().get(timeout=5)

    run = TaskRun.objects.get(task="core.tasks.ping")
    assert run.successes == 2 and run.failures == 0
    assert run.last_started_at >= before and run.last_succeeded_at >= run.last_started_at
    assert run.last_failed_at is None


def test_a_failed_run_is_recorded_with_its_error(monkeypatch):
    def broken(*, today):
        raise ValueError("schedule exploded")

    monkeypatch.setattr(enrollment_tasks, "flag_visits_due_service", broken)

    # throw=False: an eager run that does not re-raise. (With task_eager_propagates, Celery re-raises
    # before it sends task_failure at all; a worker always sends it.)
    result = enrollment_tasks.flag_visits_due.apply(throw=False)

    assert result.failed() and isinstance(result.result, ValueError)

    run = TaskRun.objects.get(task="enrollment.tasks.flag_visits_due")
    assert run.failures == 1 and run.successes == 0
    assert run.last_error == "ValueError: schedule exploded"
    assert run.last_failed_at is not None and run.last_succeeded_at is None


def test_a_monitor_database_error_never_breaks_the_task(monkeypatch, caplog):
    def unavailable(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(TaskRun.objects, "filter", unavailable)

    with caplog.at_level(logging.ERROR, logger="core.task_monitor"):
        assert core_tasks.ping.delay().get(timeout=5)["pong"] is True
    assert "Could not record a run of task core.tasks.ping" in caplog.text


# --- Staleness ----------------------------------------------------------------------------------

NOW = timezone.make_aware(datetime.datetime(2026, 3, 16, 9, 0))


def _succeeded(task: str, at: datetime.datetime) -> None:
    TaskRun.objects.update_or_create(task=task, defaults={"last_succeeded_at": at, "successes": 1})


def _all_succeeded(at: datetime.datetime) -> None:
    for task in PeriodicTask.objects.values_list("task", flat=True):
        _succeeded(task, at)


def _row(name: str):
    return next(row for row in task_monitor.task_health(now=NOW) if row.name == name)


@pytest.mark.parametrize(
    ("hours_ago", "stale"),
    [(25, False), (26, False), (26.01, True), (48, True)],
)
def test_a_daily_task_is_stale_after_26_hours_without_success(hours_ago, stale):
    _succeeded("enrollment.tasks.flag_visits_due", NOW - datetime.timedelta(hours=hours_ago))

    row = _row("Flag visits due")

    assert row.stale is stale
    assert row.daily and row.schedule.startswith("daily at 06:00")


def test_a_daily_task_that_never_succeeded_is_stale_and_a_disabled_one_is_not():
    assert _row("Flag visits due").stale is True
    PeriodicTask.objects.filter(name="Flag visits due").update(enabled=False)
    assert _row("Flag visits due").stale is False


# --- The page -----------------------------------------------------------------------------------


def test_data_manager_sees_every_periodic_task_with_its_last_runs(client, data_manager):
    _all_succeeded(timezone.now() - datetime.timedelta(hours=1))
    TaskRun.objects.filter(task="enrollment.tasks.flag_visits_due").update(
        last_failed_at=timezone.now() - datetime.timedelta(hours=30), last_error="OperationalError: deadlock detected"
    )
    client.force_login(data_manager)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Flag visits due", "Apply irAE dose rules (nightly sweep)", "Clear expired sessions"):
        assert name in html
    assert "enrollment.tasks.flag_visits_due" in html and "daily at 06:00" in html
    assert "OperationalError: deadlock detected" in html
    assert STALE_MESSAGE not in html
    assert "table-danger" not in html
    assert ">reachable<" in html  # the memory broker of the tests


def test_the_page_turns_red_when_a_daily_task_has_not_succeeded_for_26_hours(client, data_manager):
    _all_succeeded(timezone.now() - datetime.timedelta(hours=1))
    _succeeded("enrollment.tasks.flag_visits_due", timezone.now() - datetime.timedelta(hours=27))
    client.force_login(data_manager)

    response = client.get(URL)

    html = response.content.decode()
    assert html.count(STALE_MESSAGE) == 1
    assert "table-danger" in html
    stale = [row.name for row in response.context["rows"] if row.stale]
    assert stale == ["Flag visits due"]


def test_an_unreachable_broker_is_shown_without_an_error(client, data_manager, monkeypatch):
    from kombu import Connection

    from trialsite.celery import app

    monkeypatch.setattr(app, "connection_for_write", lambda **kwargs: Connection("redis://127.0.0.1:1/0", **kwargs))
    client.force_login(data_manager)

    response = client.get(URL)

    assert response.status_code == 200
    assert ">unreachable<" in response.content.decode()


def test_broker_check_never_raises(monkeypatch):
    from trialsite.celery import app

    def explode(**kwargs):
        raise RuntimeError("bad broker URL")

    monkeypatch.setattr(app, "connection_for_write", explode)
    assert task_monitor.broker_reachable() is False


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor"])
def test_other_roles_are_refused(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403


def test_the_public_health_endpoint_is_unchanged(client):
    response = client.get(reverse("core:health"))
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}
