"""The Celery task that applies the irAE dose rules (run eagerly in tests)."""

import pytest
from django.db import IntegrityError, OperationalError

from toxicity.models import IraeDoseDecision
from toxicity.tasks import apply_irae_dose_rules
from toxicity.tests.irae_fixtures import record_ae

pytestmark = pytest.mark.django_db


def test_the_task_applies_the_rules_to_one_participant_and_is_idempotent(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    assert apply_irae_dose_rules.delay(enrolled.pk).get() == 1
    decision = IraeDoseDecision.objects.get()
    assert decision.rule_code == "irae.colitis.g2" and decision.active
    assert apply_irae_dose_rules.delay(enrolled.pk).get() == 0
    assert IraeDoseDecision.objects.count() == 1


def test_without_an_id_the_task_sweeps_every_participant_with_an_irae(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="hepatitis", grade=3)
    assert apply_irae_dose_rules.delay().get() == 1
    assert IraeDoseDecision.objects.get().label == "discontinue — hepatitis grade 3"


def test_an_unknown_participant_changes_nothing(db):
    assert apply_irae_dose_rules.delay(987654).get() == 0


def test_the_task_is_acknowledged_late_and_retried_only_on_transient_database_errors():
    assert apply_irae_dose_rules.acks_late is True
    retried = apply_irae_dose_rules.autoretry_for
    assert OperationalError in retried
    assert IntegrityError not in retried
    assert apply_irae_dose_rules.max_retries == 5


def test_a_transient_database_error_is_retried(enrolled, coordinator, monkeypatch):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    calls = []
    from toxicity import tasks

    real = tasks.irae_dose_rules_apply

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("deadlock detected")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "irae_dose_rules_apply", flaky)
    monkeypatch.setattr(apply_irae_dose_rules, "retry_backoff", False)
    # throw=False: the eager run hands the Retry to Celery, which runs the task again at once.
    assert apply_irae_dose_rules.apply(args=[enrolled.pk], throw=False).get() == 1
    assert len(calls) == 2
