"""The flag_visits_due task: thin, eager in tests, retried on database errors, scheduled at 06:00."""

import datetime

import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from dosing.tests.factories import participant_enrolled
from enrollment import tasks
from enrollment.models import FlagKind, VisitFlag
from enrollment.services.visit_flags import FlagRun

pytestmark = pytest.mark.django_db


def test_flag_visits_due_runs_eagerly_for_today(coordinator, investigator):
    start = timezone.localdate() + datetime.timedelta(days=5)
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)

    counts = tasks.flag_visits_due.delay().get(timeout=10)

    assert counts == {"opened": 3, "kept": 0, "closed": 0}
    assert set(VisitFlag.objects.filter(participant=participant).values_list("visit_code", "kind")) == {
        ("screening", FlagKind.DUE_NOW),
        ("rt_planning", FlagKind.DUE_NOW),
        ("ccrt_w0", FlagKind.DUE_SOON),
    }
    assert tasks.flag_visits_due.delay().get(timeout=10) == {"opened": 0, "kept": 3, "closed": 0}


def test_flag_visits_due_is_acks_late_and_retried_on_database_errors_only():
    task = tasks.flag_visits_due
    assert task.acks_late is True
    assert set(task.autoretry_for) == {OperationalError, tasks.InterfaceError}
    assert task.max_retries == 5 and task.retry_backoff


def test_a_transient_database_error_is_retried(monkeypatch):
    calls = []

    def flaky(*, today):
        calls.append(today)
        if len(calls) == 1:
            raise OperationalError("could not serialize access")
        return FlagRun(opened=1, kept=2, closed=3)

    monkeypatch.setattr(tasks, "flag_visits_due_service", flaky)
    monkeypatch.setattr(tasks.flag_visits_due, "retry_backoff", False)

    # throw=False: the eager run hands the Retry to Celery, which runs the task again at once.
    assert tasks.flag_visits_due.apply(throw=False).get() == {"opened": 1, "kept": 2, "closed": 3}
    assert calls == [timezone.localdate()] * 2


def test_beat_schedules_exist_after_migrations():
    from django_celery_beat.models import PeriodicTask

    flags = PeriodicTask.objects.get(name="Flag visits due")
    assert flags.task == "enrollment.tasks.flag_visits_due" and flags.enabled
    assert (flags.crontab.minute, flags.crontab.hour, flags.crontab.day_of_week) == ("0", "6", "*")
    assert str(flags.crontab.timezone) == settings.TIME_ZONE

    sweep = PeriodicTask.objects.get(name="Apply irAE dose rules (nightly sweep)")
    assert sweep.task == "toxicity.tasks.apply_irae_dose_rules" and sweep.enabled
    assert (sweep.crontab.minute, sweep.crontab.hour) == ("30", "1")
    assert str(sweep.crontab.timezone) == settings.TIME_ZONE

    digest = PeriodicTask.objects.get(name="Send worklist digest")
    assert digest.task == "core.tasks.send_worklist_digest"
    assert (digest.crontab.minute, digest.crontab.hour) == ("0", "7")
