"""The Celery task of the Simon decision check (run eagerly in tests) and its daily schedule."""

import datetime

import pytest
from django.db import IntegrityError, OperationalError

from efficacy.models import SimonDecisionNotice
from efficacy.tasks import check_simon_decision
from efficacy.tests import factories

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 5)


def _day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


@pytest.fixture
def stage1_stopped(coordinator, investigator):
    """8 of the first 27 evaluable without a response: 20 of 27 can no longer be reached."""
    for number in range(8):
        participant = factories.treated_participant(
            coordinator=coordinator, investigator=investigator, treatment_start=START
        )
        factories.baseline(participant, on=_day(-10))
        factories.follow_up(participant, on=_day(60 + number), response="SD", confirmed_by=investigator)


def test_the_task_records_and_emails_each_new_decision_once(
    stage1_stopped, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    make_user("Investigator", email="inv@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        assert check_simon_decision.delay().get() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert check_simon_decision.delay().get() == 0

    assert set(SimonDecisionNotice.objects.values_list("stage", "status")) == {
        ("stage1", "stop"), ("final", "not effective"),
    }
    assert [mail.subject for mail in mailoutbox] == [
        "Simon stage 1 decision reached: stop",
        "Simon final decision reached: not effective",
    ]


def test_with_nothing_decided_the_task_returns_zero():
    assert check_simon_decision.delay().get() == 0
    assert not SimonDecisionNotice.objects.exists()


def test_the_task_is_acknowledged_late_and_retried_only_on_transient_database_errors():
    assert check_simon_decision.acks_late is True
    retried = check_simon_decision.autoretry_for
    assert OperationalError in retried
    assert IntegrityError not in retried  # the check handles a concurrent duplicate itself
    assert check_simon_decision.max_retries == 5


def test_the_check_is_scheduled_daily_at_0630():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="efficacy.tasks.check_simon_decision")
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("6", "30", "*")


def test_a_transient_database_error_is_retried(monkeypatch):
    from efficacy.services import simon as service

    calls = []

    def flaky(*, now):
        calls.append(now)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return []

    monkeypatch.setattr(service, "simon_decision_check", flaky)
    monkeypatch.setattr(check_simon_decision, "retry_backoff", False)
    # throw=False: the eager run hands the Retry to Celery, which runs the task again at once.
    assert check_simon_decision.apply(throw=False).get() == 0
    assert len(calls) == 2
