"""The nightly irAE sweep (toxicity.services.irae.irae_dose_rules_sweep) writes dose decisions
through the audited save, which refuses locked data: it skips a locked participant and carries on
with the others."""

import datetime

import pytest
from django.utils import timezone

from core.data_management.monitoring.services import lock_release, participant_lock, record_lock, study_lock
from core.services import clinical_record_save
from dosing.tests.factories import participant_enrolled
from toxicity.models import IraeDoseDecision
from toxicity.services.irae import irae_dose_rules_sweep
from toxicity.tests.irae_fixtures import record_ae

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def two_with_colitis(coordinator, investigator):
    """Two enrolled participants, each with an immune-related grade 2 colitis the rules have not
    seen yet (the sweep holds toripalimab for each)."""
    start = timezone.localdate() - datetime.timedelta(days=70)
    participants = [participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
                    for _ in range(2)]  # fmt: skip
    for participant in participants:
        record_ae(participant, coordinator, category="colitis", grade=2)
    return participants


def _decisions(participant):
    return IraeDoseDecision.objects.filter(participant=participant, active=True).count()


def test_the_sweep_skips_a_locked_participant_and_carries_on_with_the_others(two_with_colitis, data_manager):
    locked, other = two_with_colitis
    participant_lock(participant=locked, user=data_manager, reason="Data clean", now=NOW)

    assert irae_dose_rules_sweep(today=timezone.localdate()) == 1

    assert _decisions(locked) == 0
    assert _decisions(other) == 1


def test_the_sweep_catches_up_once_the_participant_is_unlocked(two_with_colitis, data_manager):
    locked, _other = two_with_colitis
    lock = participant_lock(participant=locked, user=data_manager, reason="Data clean", now=NOW)
    irae_dose_rules_sweep(today=timezone.localdate())

    lock_release(lock=lock, user=data_manager, reason="Late AE data expected", now=NOW)

    assert irae_dose_rules_sweep(today=timezone.localdate()) == 1
    assert _decisions(locked) == 1


def test_the_sweep_under_a_study_lock_changes_nothing_and_does_not_fail(two_with_colitis, data_manager):
    study_lock(user=data_manager, reason="Final analysis database lock", now=NOW)

    assert irae_dose_rules_sweep(today=timezone.localdate()) == 0
    assert IraeDoseDecision.objects.count() == 0


def test_a_locked_decision_record_skips_only_that_participant(two_with_colitis, coordinator, data_manager):
    first, second = two_with_colitis
    irae_dose_rules_sweep(today=timezone.localdate())
    decision = IraeDoseDecision.objects.get(participant=first, active=True)
    record_lock(record=decision, user=data_manager, reason="Verified", now=NOW)
    # Both AEs recover: each hold would end, but the first participant's decision is locked.
    for participant in (first, second):
        ae = participant.adverse_events.get()
        ae.current_grade, ae.ongoing, ae.resolution_date, ae.outcome = 0, False, timezone.localdate(), "recovered"
        clinical_record_save(instance=ae, user=coordinator, reason="Resolved", expected_version=ae.version)

    assert irae_dose_rules_sweep(today=timezone.localdate()) == 1
    assert _decisions(first) == 1 and _decisions(second) == 0
