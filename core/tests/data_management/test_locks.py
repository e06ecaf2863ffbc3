"""Locking and unlocking (core.data_management.monitoring.services): a record, a participant's data
or the whole study, each with a required reason, audited with who and why; one active lock per
target; only data managers lock and unlock; locked data is refused by the real services and nothing
is saved; unlocked data can be changed again."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.data_management.monitoring.services import lock_release, participant_lock, record_lock, study_lock
from core.exceptions import RecordLockedError
from core.models import DataLock, LockScope
from core.services import clinical_record_save
from dosing.tests.factories import participant_enrolled
from toxicity.models import AdverseEvent
from toxicity.services.adverse_events import adverse_event_update
from toxicity.tests.factories import adverse_event_recorded, adverse_event_values

pytestmark = pytest.mark.django_db

NOW = timezone.now()
REASON = "Data clean for the interim analysis"


@pytest.fixture
def enrolled(coordinator, investigator):
    start = timezone.localdate() - datetime.timedelta(days=70)
    return participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)


@pytest.fixture
def ae(enrolled, coordinator):
    return adverse_event_recorded(participant=enrolled, user=coordinator)


def _lock(scope, *, record, user, reason=REASON):
    if scope == LockScope.RECORD:
        return record_lock(record=record, user=user, reason=reason, now=NOW)
    if scope == LockScope.PARTICIPANT:
        return participant_lock(participant=record.participant, user=user, reason=reason, now=NOW)
    return study_lock(user=user, reason=reason, now=NOW)


def _correct(ae, user, **values):
    return adverse_event_update(adverse_event=ae, user=user, values=values or {"description": "Worse at night"},
                                expected_version=ae.version, reason="Source notes")  # fmt: skip


SCOPES = [LockScope.RECORD, LockScope.PARTICIPANT, LockScope.STUDY]


@pytest.mark.parametrize("scope", SCOPES)
def test_each_lock_refuses_a_correction_through_the_real_service_and_saves_nothing(
    ae, coordinator, data_manager, scope
):
    lock = _lock(scope, record=ae, user=data_manager)

    with pytest.raises(RecordLockedError) as refused:
        _correct(ae, coordinator, grade=3, current_grade=3)

    assert REASON in refused.value.messages[0]
    assert refused.value.lock == lock
    stored = AdverseEvent.objects.get(pk=ae.pk)
    assert (stored.grade, stored.version, stored.history.count()) == (2, 1, 1)


@pytest.mark.parametrize("scope", SCOPES)
def test_each_lock_is_audited_with_the_data_manager_and_the_reason(ae, data_manager, scope):
    lock = _lock(scope, record=ae, user=data_manager)

    assert (lock.scope, lock.locked_by, lock.reason, lock.locked_at) == (scope, data_manager, REASON, NOW)
    history = lock.history.get()
    assert history.history_user == data_manager
    assert REASON in history.history_change_reason


@pytest.mark.parametrize("scope", SCOPES)
def test_locking_needs_a_reason(ae, data_manager, scope):
    with pytest.raises(ValidationError) as refused:
        _lock(scope, record=ae, user=data_manager, reason="   ")

    assert "reason" in refused.value.error_dict
    assert DataLock.objects.count() == 0


@pytest.mark.parametrize("scope", SCOPES)
def test_a_target_already_locked_cannot_be_locked_again(ae, data_manager, make_user, scope):
    _lock(scope, record=ae, user=data_manager)

    with pytest.raises(ValidationError) as refused:
        _lock(scope, record=ae, user=make_user("Data manager"), reason="Again")

    assert refused.value.code == "lock.already_locked"
    assert REASON in refused.value.messages[0]
    assert DataLock.objects.count() == 1


@pytest.mark.parametrize("scope", SCOPES)
def test_unlocking_needs_a_reason_is_audited_and_lets_the_data_change_again(ae, coordinator, data_manager, scope):
    lock = _lock(scope, record=ae, user=data_manager)

    with pytest.raises(ValidationError) as refused:
        lock_release(lock=lock, user=data_manager, reason="", now=NOW)
    assert "reason" in refused.value.error_dict
    assert DataLock.objects.get(pk=lock.pk).unlocked_at is None

    later = NOW + datetime.timedelta(hours=2)
    lock_release(lock=lock, user=data_manager, reason="Query answered by the site", now=later)

    lock.refresh_from_db()
    assert (lock.unlocked_by, lock.unlocked_at, lock.unlock_reason) == (
        data_manager,
        later,
        "Query answered by the site",
    )
    newest = lock.history.order_by("-history_id").first()
    assert newest.history_user == data_manager
    assert newest.history_change_reason == "Unlocked: Query answered by the site"
    assert lock.history.count() == 2
    _correct(ae, coordinator)
    assert AdverseEvent.objects.get(pk=ae.pk).version == 2


def test_a_released_lock_cannot_be_released_twice(ae, data_manager):
    lock = _lock(LockScope.PARTICIPANT, record=ae, user=data_manager)
    lock_release(lock=lock, user=data_manager, reason="Done", now=NOW)

    with pytest.raises(ValidationError) as refused:
        lock_release(lock=lock, user=data_manager, reason="Again", now=NOW)

    assert refused.value.code == "lock.already_released"
    assert DataLock.objects.get(pk=lock.pk).unlock_reason == "Done"


def test_after_unlocking_the_target_can_be_locked_again(ae, data_manager):
    first = _lock(LockScope.STUDY, record=ae, user=data_manager)
    lock_release(lock=first, user=data_manager, reason="Late data from the site", now=NOW)

    second = _lock(LockScope.STUDY, record=ae, user=data_manager, reason="Final analysis database lock")

    assert second.pk != first.pk
    assert DataLock.objects.filter(scope=LockScope.STUDY, unlocked_at__isnull=True).get() == second


@pytest.mark.parametrize("role", ["monitor", "coordinator", "investigator"])
@pytest.mark.parametrize("scope", SCOPES)
def test_only_data_managers_lock(request, ae, role, scope):
    with pytest.raises(PermissionDenied):
        _lock(scope, record=ae, user=request.getfixturevalue(role))
    assert DataLock.objects.count() == 0


@pytest.mark.parametrize("role", ["monitor", "coordinator", "investigator"])
def test_only_data_managers_unlock(request, ae, data_manager, role):
    lock = _lock(LockScope.PARTICIPANT, record=ae, user=data_manager)

    with pytest.raises(PermissionDenied):
        lock_release(lock=lock, user=request.getfixturevalue(role), reason="Please", now=NOW)

    assert DataLock.objects.get(pk=lock.pk).unlocked_at is None


def test_a_record_lock_covers_that_record_only(ae, enrolled, coordinator, data_manager):
    other = adverse_event_recorded(participant=enrolled, user=coordinator, term="Fatigue")
    lock = _lock(LockScope.RECORD, record=ae, user=data_manager)

    assert lock.participant == enrolled
    assert lock.content_type == ContentType.objects.get_for_model(AdverseEvent)
    assert lock.record_label == "Adverse event: AE 1: Nausea grade 2"
    _correct(other, coordinator)
    with pytest.raises(RecordLockedError, match="This record is locked"):
        _correct(ae, coordinator)


def test_a_participant_lock_refuses_a_new_adverse_event_of_hers(enrolled, coordinator, data_manager):
    participant_lock(participant=enrolled, user=data_manager, reason=REASON, now=NOW)

    with pytest.raises(RecordLockedError, match="This participant's data is locked"):
        adverse_event_recorded(participant=enrolled, user=coordinator)

    assert AdverseEvent.objects.count() == 0


def test_the_study_lock_refuses_every_participant(enrolled, coordinator, investigator, data_manager):
    start = timezone.localdate() - datetime.timedelta(days=70)
    other = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
    study_lock(user=data_manager, reason="Final analysis database lock", now=NOW)

    for participant in (enrolled, other):
        with pytest.raises(RecordLockedError, match="The study is locked"):
            adverse_event_recorded(participant=participant, user=coordinator)
        participant.refresh_from_db()
        participant.diagnosis_date = participant.screening_date
        with pytest.raises(RecordLockedError):
            clinical_record_save(
                instance=participant, user=coordinator, reason="x", expected_version=participant.version
            )


def test_an_unsaved_record_cannot_be_locked(enrolled, data_manager):
    unsaved = AdverseEvent(participant=enrolled, **adverse_event_values())
    with pytest.raises(ValidationError) as refused:
        record_lock(record=unsaved, user=data_manager, reason=REASON, now=NOW)
    assert refused.value.code == "dm.not_a_record"
