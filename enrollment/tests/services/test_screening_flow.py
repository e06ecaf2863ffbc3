"""Screening to enrolment through the services: save incomplete, evaluate, consent, sign, fail,
enrol, withdraw (PROTOCOL §1)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from core.tests.factories import TEST_PASSWORD
from enrollment import services
from enrollment.models import Participant, ParticipantStatus, Screening
from enrollment.tests.factories import eligible_screening_values, participant_registered, participant_screened_eligible

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _enrol(participant, user, **kwargs):
    participant.refresh_from_db()
    return services.participant_enrol(
        participant=participant, user=user, enrolment_date=kwargs.get("enrolment_date", TODAY()),
        planned_treatment_start=kwargs.get("start", TODAY() + datetime.timedelta(days=7)),
        expected_version=participant.version,
    )


def test_incomplete_screening_saves_and_is_undecided(coordinator):
    participant = participant_registered(user=coordinator)
    screening = services.screening_save(participant=participant, user=coordinator, values={"ecog": 1})
    assert screening.eligible is None
    assert "I4b" in screening.missing_criteria


def test_complete_eligible_screening_caches_the_outcome(coordinator):
    participant = participant_screened_eligible(user=coordinator)
    assert participant.screening.eligible is True
    assert participant.screening.failed_criteria == []


def test_neutrophils_1_9_fails_i4b_with_the_value_and_limit_in_the_reason(coordinator):
    participant = participant_screened_eligible(user=coordinator, neutrophils_10e9_l=Decimal("1.9"))
    assert participant.screening.failed_criteria == ["I4b"]
    result = services.screening.screening_evaluation(participant.screening, participant)
    assert result.criteria["I4b"].reason == "neutrophils 1.9 x10^9/L, must be > 2.0"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("hemoglobin_g_dl", Decimal("95"), "looks like g/L"),
        ("ecog", 7, "ECOG is 0-5"),
        ("lab_date", datetime.date(2999, 1, 1), "future"),
    ],
)
def test_implausible_values_are_refused_with_a_helpful_message(coordinator, field, value, message):
    participant = participant_registered(user=coordinator)
    with pytest.raises(ValidationError) as refused:
        services.screening_save(participant=participant, user=coordinator, values={field: value})
    assert message in refused.value.message_dict[field][0]
    assert not Screening.objects.exists()


def test_changing_a_saved_screening_needs_a_reason(coordinator):
    participant = participant_screened_eligible(user=coordinator)
    with pytest.raises(ValidationError):
        services.screening_save(participant=participant, user=coordinator, values={"ecog": 0}, expected_version=1)
    services.screening_save(participant=participant, user=coordinator, values={"ecog": 0}, expected_version=1,
                            reason="ECOG re-assessed")
    assert participant.screening.history.first().history_change_reason == "ECOG re-assessed"


def test_investigator_signature_stores_name_time_and_the_exact_outcome(coordinator, investigator):
    participant = participant_screened_eligible(user=coordinator)
    signature = services.eligibility_sign(participant=participant, user=investigator, password=TEST_PASSWORD)
    assert signature.signer_name == "Li Investigator"
    assert signature.meaning == "I confirm this patient is eligible"
    assert signature.screening_version == participant.screening.version
    assert [c["id"] for c in signature.criteria][:3] == ["I1", "I2", "I3"]
    assert all(c["status"] == "pass" for c in signature.criteria)


def test_wrong_password_records_no_signature(coordinator, investigator):
    participant = participant_screened_eligible(user=coordinator)
    with pytest.raises(ValidationError) as refused:
        services.eligibility_sign(participant=participant, user=investigator, password="wrong")
    assert "password" in refused.value.message_dict
    assert not participant.eligibility_signatures.exists()


def test_ineligible_or_unconsented_patient_cannot_be_signed(coordinator, investigator):
    failing = participant_screened_eligible(user=coordinator, ecog=2)
    with pytest.raises(ValidationError):
        services.eligibility_sign(participant=failing, user=investigator, password=TEST_PASSWORD)
    unconsented = participant_screened_eligible(user=coordinator, consent=False)
    with pytest.raises(ValidationError, match="consent"):
        services.eligibility_sign(participant=unconsented, user=investigator, password=TEST_PASSWORD)


def test_enrolment_assigns_study_numbers_in_order_and_sets_status(coordinator, investigator):
    first = participant_screened_eligible(user=coordinator)
    second = participant_screened_eligible(user=coordinator)
    for participant in (first, second):
        services.eligibility_sign(participant=participant, user=investigator, password=TEST_PASSWORD)
        _enrol(participant, coordinator)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.study_number, second.study_number) == ("TC-001", "TC-002")
    assert first.status == ParticipantStatus.ENROLLED
    assert first.planned_treatment_start == TODAY() + datetime.timedelta(days=7)
    assert first.status_changes.last().to_status == ParticipantStatus.ENROLLED


def test_enrolment_needs_a_valid_signature(coordinator, investigator):
    participant = participant_screened_eligible(user=coordinator)
    with pytest.raises(ValidationError, match="not signed"):
        _enrol(participant, coordinator)
    services.eligibility_sign(participant=participant, user=investigator, password=TEST_PASSWORD)
    services.screening_save(participant=participant, user=coordinator, values={"ecog": 0},
                            expected_version=participant.screening.version, reason="ECOG re-assessed")
    with pytest.raises(ValidationError, match="not signed"):
        _enrol(participant, coordinator)
    assert Participant.objects.get(pk=participant.pk).study_number is None


def test_enrolment_is_refused_when_labs_are_too_old_on_the_enrolment_date(coordinator, investigator):
    participant = participant_screened_eligible(user=coordinator, lab_date=TODAY() - datetime.timedelta(days=14))
    services.eligibility_sign(participant=participant, user=investigator, password=TEST_PASSWORD)
    _enrol(participant, coordinator)  # 14 days old on the day: still counts
    late = participant_screened_eligible(
        user=coordinator, lab_date=TODAY() - datetime.timedelta(days=15), planned_enrolment_date=TODAY() - datetime.timedelta(days=1)
    )
    services.eligibility_sign(participant=late, user=investigator, password=TEST_PASSWORD)
    with pytest.raises(ValidationError, match="I4"):
        _enrol(late, coordinator)


def test_screen_failure_records_the_failing_criteria(coordinator):
    participant = participant_screened_eligible(user=coordinator, neutrophils_10e9_l=Decimal("1.9"))
    failed = services.screening_fail(participant=participant, user=coordinator, effective_date=TODAY(),
                                     expected_version=participant.version)
    participant.refresh_from_db()
    assert failed == ["I4b"]
    assert participant.status == ParticipantStatus.SCREEN_FAILURE
    assert "I4b: neutrophils 1.9" in participant.status_changes.last().reason


def test_undecided_screening_cannot_be_a_screen_failure(coordinator):
    participant = participant_registered(user=coordinator)
    services.screening_save(participant=participant, user=coordinator, values={"ecog": 1})
    with pytest.raises(ValidationError):
        services.screening_fail(participant=participant, user=coordinator, effective_date=TODAY(),
                                expected_version=participant.version)


def test_consent_withdrawal_takes_the_participant_off_study_and_blocks_new_data(coordinator):
    participant = participant_screened_eligible(user=coordinator)
    consent = participant.consents.get()
    services.consent_withdraw(consent=consent, user=coordinator, withdrawn_on=TODAY(), reason="Patient's wish",
                              expected_version=consent.version)
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.OFF_STUDY
    assert participant.status_changes.last().reason == "Consent withdrawn: Patient's wish"
    with pytest.raises(ValidationError, match="withdrawn"):
        services.screening_save(participant=participant, user=coordinator, values={"ecog": 0},
                                expected_version=participant.screening.version, reason="x")


def test_consent_date_cannot_be_in_the_future(coordinator):
    participant = participant_registered(user=coordinator)
    with pytest.raises(ValidationError) as refused:
        services.consent_record(participant=participant, user=coordinator, icf_version="v1",
                                consent_date=TODAY() + datetime.timedelta(days=1))
    assert "future" in refused.value.message_dict["consent_date"][0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)")
def test_two_coordinators_enrolling_at_the_same_moment_get_different_numbers(make_user):
    coordinator = make_user("Study coordinator")
    investigator = make_user("Investigator")
    patients = [participant_screened_eligible(user=coordinator) for _ in range(4)]
    for participant in patients:
        services.eligibility_sign(participant=participant, user=investigator, password=TEST_PASSWORD)
    barrier = threading.Barrier(len(patients))
    errors = []

    def enrol(participant):
        try:
            barrier.wait()
            _enrol(participant, coordinator)
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enrol, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    numbers = sorted(Participant.objects.values_list("study_number", flat=True))
    assert numbers == ["TC-001", "TC-002", "TC-003", "TC-004"]


def test_eligible_values_fixture_really_is_eligible(coordinator):
    participant = participant_registered(user=coordinator)
    services.consent_record(participant=participant, user=coordinator, icf_version="v1", consent_date=TODAY())
    result = services.screening.screening_evaluation(None, participant, values=eligible_screening_values())
    assert result.eligible is True, {k: v.reason for k, v in result.criteria.items() if v.status != "pass"}
