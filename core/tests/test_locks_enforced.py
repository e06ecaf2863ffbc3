"""Locked data cannot be saved (core.services.clinical_record_save): a study lock, a participant
lock or a record lock refuses the save with who/when/why, and nothing is written; an unlocked lock
no longer applies."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.crf import crf_models, participant_id_of
from core.exceptions import RecordLockedError
from core.models import DataLock, LockScope
from core.services import clinical_record_save
from enrollment.models import Consent, Participant, Screening


def _lock(user, scope, **where):
    return DataLock.objects.create(scope=scope, reason="Database lock for the interim analysis", locked_by=user,
                                   locked_at=timezone.now(), **where)  # fmt: skip


def _edit(participant, user):
    participant.refresh_from_db()
    participant.initials = "ZX"
    return clinical_record_save(instance=participant, user=user, reason="typo", expected_version=participant.version)


@pytest.mark.django_db
def test_a_participant_lock_refuses_edits_of_her_records_and_says_why(participant, coordinator, data_manager):
    _lock(data_manager, LockScope.PARTICIPANT, participant=participant)

    with pytest.raises(RecordLockedError) as refused:
        _edit(participant, coordinator)

    assert "This participant's data is locked" in refused.value.messages[0]
    assert "interim analysis" in refused.value.messages[0]
    participant.refresh_from_db()
    assert participant.initials == "WL" and participant.version == 1


@pytest.mark.django_db
def test_a_participant_lock_refuses_new_records_of_that_participant_only(participant, coordinator, data_manager):
    from enrollment.tests.factories import participant_registered

    other = participant_registered(user=coordinator, initials="AB")
    _lock(data_manager, LockScope.PARTICIPANT, participant=participant)

    with pytest.raises(RecordLockedError):
        clinical_record_save(instance=Screening(participant=participant), user=coordinator)
    assert clinical_record_save(instance=Screening(participant=other), user=coordinator)


@pytest.mark.django_db
def test_a_record_lock_covers_that_record_only(participant, coordinator, data_manager):
    consent = Consent(participant=participant, icf_version="v1", consent_date=participant.screening_date,
                      obtained_by=coordinator)  # fmt: skip
    clinical_record_save(instance=consent, user=coordinator)
    _lock(data_manager, LockScope.RECORD, participant=participant,
          content_type=ContentType.objects.get_for_model(Consent), object_id=consent.pk)  # fmt: skip

    consent.icf_version = "v2"
    with pytest.raises(RecordLockedError, match="This record is locked"):
        clinical_record_save(instance=consent, user=coordinator, reason="x", expected_version=1)
    assert _edit(participant, coordinator)


@pytest.mark.django_db
def test_the_study_lock_refuses_every_save_even_a_new_participant(participant, coordinator, data_manager):
    _lock(data_manager, LockScope.STUDY)

    with pytest.raises(RecordLockedError, match="The study is locked"):
        _edit(participant, coordinator)
    new = Participant(initials="QQ", date_of_birth=participant.date_of_birth,
                      screening_date=participant.screening_date, screening_number="SCR-9999",
                      status_date=participant.screening_date)  # fmt: skip
    with pytest.raises(RecordLockedError):
        clinical_record_save(instance=new, user=coordinator)


@pytest.mark.django_db
def test_an_unlocked_lock_no_longer_applies(participant, coordinator, data_manager):
    lock = _lock(data_manager, LockScope.PARTICIPANT, participant=participant)
    DataLock.objects.filter(pk=lock.pk).update(unlocked_at=timezone.now(), unlocked_by=data_manager,
                                               unlock_reason="Query answered")  # fmt: skip

    assert _edit(participant, coordinator)


def test_every_crf_model_names_its_participant():
    models = crf_models()
    assert {model.__name__ for model in models} >= {"Participant", "AdverseEvent", "TumourAssessment", "LabResult"}
    for model in models:
        lookup = model.audit_participant_lookup
        assert lookup == "id" or lookup.endswith("participant_id"), model


@pytest.mark.django_db
def test_participant_id_of_follows_the_lookup(participant, coordinator):
    screening = Screening(participant=participant)
    assert participant_id_of(participant) == participant.pk
    assert participant_id_of(screening) == participant.pk
