"""A task's round trip through Redis with a real worker subprocess (CI sets REDIS_URL)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from core import tasks
from trialsite.celery import app

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def test_ping_runs_eagerly_in_unit_tests(db):
    assert tasks.ping.delay().get(timeout=5)["pong"] is True


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI always sets it)")
def test_task_round_trip_through_redis_with_a_real_worker():
    queue = f"ci-{os.getpid()}-{time.time_ns()}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="trialsite.settings.dev", DJANGO_DEBUG="1")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "trialsite", "worker", "--pool=solo", "--queues", queue,
         "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        result = tasks.ping.apply_async(queue=queue)
        value = result.get(timeout=60)
        assert value["pong"] is True
        assert value["database"] in {"sqlite", "postgresql"}
        assert result.successful()
    finally:
        app.conf.task_always_eager = eager
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert "core.tasks.ping" in output


def test_clear_expired_sessions_is_idempotent(db):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.create(session_key="old", session_data="e30", expire_date=timezone.now() - timezone.timedelta(days=1))
    Session.objects.create(session_key="live", session_data="e30", expire_date=timezone.now() + timezone.timedelta(days=1))
    tasks.clear_expired_sessions.delay()
    tasks.clear_expired_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_nightly_session_cleanup_is_scheduled_in_the_database(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="core.tasks.clear_expired_sessions")
    assert task.enabled and (task.crontab.hour, task.crontab.minute) == ("3", "0")
    assert str(task.crontab.timezone) == settings.TIME_ZONE
