"""Source data verification (core.data_management.monitoring.services): a monitor marks a CRF record
verified at its current version; a later edit (through the real save) clears it until the record is
verified again at its new version; bulk verification is all or nothing; only monitors verify; the
study-wide overview counts verified and changed records per participant."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.data_management.monitoring import selectors
from core.data_management.monitoring.services import record_lock, record_verify, records_verify
from core.models import SourceVerification
from core.services import clinical_record_save
from dosing.tests.factories import participant_enrolled
from enrollment.models import Participant
from enrollment.tests.factories import participant_registered
from toxicity.models import AdverseEvent
from toxicity.services.adverse_events import adverse_event_update
from toxicity.tests.factories import adverse_event_recorded

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _row(participant, record):
    content_type = ContentType.objects.get_for_model(type(record))
    page = selectors.participant_monitoring(participant)
    return next(r for r in page.rows if (r.content_type_id, r.object_id) == (content_type.pk, record.pk))


def _correct_initials(participant, user, initials="ZX"):
    participant.refresh_from_db()
    participant.initials = initials
    clinical_record_save(instance=participant, user=user, reason="Typo in the initials",
                         expected_version=participant.version)  # fmt: skip
    participant.refresh_from_db()


@pytest.fixture
def enrolled(coordinator, investigator):
    start = timezone.localdate() - datetime.timedelta(days=70)
    return participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)


def test_a_verified_record_is_verified_at_its_current_version(participant, monitor):
    verification = record_verify(record=participant, user=monitor, now=NOW)

    assert verification.record_version == participant.version == 1
    assert verification.participant_id == participant.pk
    row = _row(participant, participant)
    assert row.sdv_state == selectors.VERIFIED
    assert row.verification.by == monitor.get_full_name()


def test_an_edit_through_the_real_save_clears_the_verification(participant, monitor, coordinator):
    record_verify(record=participant, user=monitor, now=NOW)

    _correct_initials(participant, coordinator)

    row = _row(participant, participant)
    assert row.sdv_state == selectors.CHANGED
    assert (row.verification.version, row.version) == (1, 2)
    assert selectors.participant_monitoring(participant).progress.changed == 1


def test_a_changed_record_is_verified_again_at_its_new_version(participant, monitor, coordinator):
    record_verify(record=participant, user=monitor, now=NOW)
    _correct_initials(participant, coordinator)

    again = record_verify(record=participant, user=monitor, now=NOW + datetime.timedelta(hours=1))

    assert again.record_version == 2
    assert _row(participant, participant).sdv_state == selectors.VERIFIED
    assert SourceVerification.objects.filter(object_id=participant.pk).count() == 2  # the first one is kept


def test_an_adverse_event_corrected_after_verification_needs_verifying_again(enrolled, coordinator, monitor):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    record_verify(record=ae, user=monitor, now=NOW)
    assert _row(enrolled, ae).sdv_state == selectors.VERIFIED

    adverse_event_update(adverse_event=ae, user=coordinator, values={"description": "Worse at night"},
                         expected_version=1, reason="Detail from the source notes")  # fmt: skip

    assert _row(enrolled, ae).sdv_state == selectors.CHANGED


def test_verifying_the_same_version_twice_is_refused(participant, monitor, make_user):
    record_verify(record=participant, user=monitor, now=NOW)
    other_monitor = make_user("Monitor")

    with pytest.raises(ValidationError) as refused:
        record_verify(record=participant, user=other_monitor, now=NOW)

    assert refused.value.code == "sdv.already_verified"
    assert "already verified at version 1" in refused.value.messages[0]
    assert SourceVerification.objects.count() == 1


def test_a_record_changed_after_the_monitor_loaded_it_is_not_verified(participant, monitor, coordinator):
    seen = Participant.objects.get(pk=participant.pk)  # version 1 on the monitor's screen
    _correct_initials(participant, coordinator)

    with pytest.raises(ValidationError) as refused:
        record_verify(record=seen, user=monitor, now=NOW)

    assert refused.value.code == "sdv.stale"
    assert SourceVerification.objects.count() == 0


@pytest.mark.parametrize("role", ["coordinator", "investigator", "data_manager"])
def test_only_monitors_verify_source_data(request, participant, role):
    with pytest.raises(PermissionDenied):
        record_verify(record=participant, user=request.getfixturevalue(role), now=NOW)
    with pytest.raises(PermissionDenied):
        records_verify(records=[(participant, 1)], user=request.getfixturevalue(role), now=NOW)
    assert SourceVerification.objects.count() == 0


def test_verification_is_audited_with_the_monitor_and_what_was_verified(participant, monitor):
    verification = record_verify(record=participant, user=monitor, now=NOW)

    row = verification.history.get()
    assert row.history_user == monitor
    assert row.history_change_reason == f"Source data verified: Participant: {participant.screening_number}, version 1"


def test_an_unsaved_record_cannot_be_verified(participant, monitor):
    with pytest.raises(ValidationError) as refused:
        record_verify(record=AdverseEvent(participant=participant), user=monitor, now=NOW)
    assert refused.value.code == "dm.not_a_record"


def test_bulk_verify_verifies_each_record_at_the_version_seen(enrolled, coordinator, monitor):
    first = adverse_event_recorded(participant=enrolled, user=coordinator)
    second = adverse_event_recorded(participant=enrolled, user=coordinator, term="Fatigue")

    done = records_verify(records=[(first, 1), (second, 1), (enrolled, enrolled.version)], user=monitor, now=NOW)

    assert len(done) == 3
    assert {_row(enrolled, record).sdv_state for record in (first, second, enrolled)} == {selectors.VERIFIED}


def test_bulk_verify_is_all_or_nothing_and_names_each_refusal(enrolled, coordinator, monitor):
    first = adverse_event_recorded(participant=enrolled, user=coordinator)
    second = adverse_event_recorded(participant=enrolled, user=coordinator, term="Fatigue")
    adverse_event_update(adverse_event=second, user=coordinator, values={"grade": 3, "current_grade": 3},
                         expected_version=1, reason="Regraded")  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        records_verify(records=[(first, 1), (second, 1)], user=monitor, now=NOW)

    assert len(refused.value.messages) == 1
    assert "AE 2: Fatigue grade 3 changed after you loaded it" in refused.value.messages[0]
    assert SourceVerification.objects.count() == 0


def test_bulk_verify_of_nothing_is_refused(monitor):
    with pytest.raises(ValidationError, match="Select at least one record"):
        records_verify(records=[], user=monitor, now=NOW)


def test_a_locked_record_can_still_be_verified(participant, monitor, data_manager):
    record_lock(record=participant, user=data_manager, reason="Query resolved", now=NOW)

    record_verify(record=participant, user=monitor, now=NOW)

    assert _row(participant, participant).sdv_state == selectors.VERIFIED


def test_progress_counts_verified_records_of_all_records_rounded_down(enrolled, coordinator, monitor):
    records = [adverse_event_recorded(participant=enrolled, user=coordinator, term=term)
               for term in ("Nausea", "Fatigue", "Anemia")]  # fmt: skip
    for record in records:
        record_verify(record=record, user=monitor, now=NOW)
    progress = selectors.participant_monitoring(enrolled).progress

    assert progress.verified == 3
    assert progress.total > 3
    assert progress.percent == 300 // progress.total
    assert selectors.SdvProgress(verified=37, changed=0, total=52).percent == 71
    assert selectors.SdvProgress(verified=199, changed=0, total=200).percent == 99
    assert selectors.SdvProgress(verified=0, changed=0, total=0).percent == 0


def test_the_overview_counts_verified_and_changed_records_per_participant(participant, coordinator, monitor):
    other = participant_registered(user=coordinator, initials="AB")
    record_verify(record=participant, user=monitor, now=NOW)
    record_verify(record=other, user=monitor, now=NOW)
    _correct_initials(other, coordinator)

    rows = {row.participant_id: row.progress for row in selectors.sdv_overview()}

    assert rows[participant.pk].verified == 1 and rows[participant.pk].changed == 0
    assert rows[other.pk].verified == 0 and rows[other.pk].changed == 1
    assert rows[participant.pk].total == selectors.participant_monitoring(participant).progress.total
    assert rows[other.pk].total == selectors.participant_monitoring(other).progress.total


@pytest.mark.parametrize(("sort", "first"), [("verified", "other"), ("-verified", "participant"),
                                             ("changed", "participant"), ("-changed", "other")])  # fmt: skip
def test_the_overview_sorts_by_its_columns(participant, coordinator, monitor, sort, first):
    other = participant_registered(user=coordinator, initials="AB")
    record_verify(record=participant, user=monitor, now=NOW)
    record_verify(record=other, user=monitor, now=NOW)
    _correct_initials(other, coordinator)
    expected = {"participant": participant, "other": other}[first]

    assert selectors.sdv_overview(sort=sort)[0].participant_id == expected.pk
