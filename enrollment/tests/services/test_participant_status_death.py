"""Deaths of enrolled participants are recorded on the follow-up (with date and cause, PROTOCOL §5),
not by a manual status change; the follow-up service moves the status (manual=False); the date of
a status is corrected in its history, in order."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dosing.tests.factories import participant_enrolled
from enrollment import services
from enrollment.models import ParticipantStatus, ParticipantStatusChange
from enrollment.services.participants import participant_status_date_correct

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(coordinator, investigator):
    start = timezone.localdate() - datetime.timedelta(days=60)
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
    # The factory back-dates enrolment only; keep the screening entry of the history before it.
    ParticipantStatusChange.objects.filter(participant=participant, to_status="screening").update(
        effective_date=participant.screening_date
    )
    return participant


def test_service_refuses_a_manual_death_of_an_enrolled_participant(coordinator, enrolled):
    with pytest.raises(ValidationError) as refused:
        services.participant_change_status(
            participant=enrolled, user=coordinator, expected_version=enrolled.version, new_status="died",
            effective_date=enrolled.status_date, reason="Died at home",
        )  # fmt: skip
    assert refused.value.error_dict["new_status"][0].code == "status.death_on_follow_up"
    assert "Follow-up and outcome" in refused.value.message_dict["new_status"][0]
    enrolled.refresh_from_db()
    assert enrolled.status == ParticipantStatus.ENROLLED


def test_the_follow_up_service_may_record_the_death_of_an_enrolled_participant(coordinator, enrolled):
    services.participant_change_status(
        participant=enrolled, user=coordinator, expected_version=enrolled.version, new_status="died",
        effective_date=enrolled.status_date, reason="Died (recorded on the follow-up)", manual=False,
    )  # fmt: skip
    enrolled.refresh_from_db()
    assert enrolled.status == ParticipantStatus.DIED


def _off_study(participant, user, day):
    services.participant_change_status(
        participant=participant, user=user, expected_version=participant.version, new_status="off_study",
        effective_date=day, reason="Moved away",
    )  # fmt: skip


def test_correcting_the_current_status_date_moves_the_status_date_with_the_reason(coordinator, enrolled):
    enrolment = enrolled.status_date
    _off_study(enrolled, coordinator, enrolment + datetime.timedelta(days=10))
    assert participant_status_date_correct(
        participant=enrolled, user=coordinator, status="off_study", effective_date=enrolment + datetime.timedelta(days=12),
        reason="Date mistyped",
    ) is True  # fmt: skip
    enrolled.refresh_from_db()
    assert enrolled.status_date == enrolment + datetime.timedelta(days=12)
    change = enrolled.status_changes.get(to_status="off_study")
    assert change.effective_date == enrolment + datetime.timedelta(days=12)
    assert change.history.order_by("-history_id").first().history_change_reason == "Date mistyped"
    assert enrolled.history.order_by("-history_id").first().history_change_reason == "Date mistyped"


def test_the_same_date_changes_nothing(coordinator, enrolled):
    _off_study(enrolled, coordinator, enrolled.status_date)
    assert participant_status_date_correct(
        participant=enrolled, user=coordinator, status="off_study", effective_date=enrolled.status_date, reason="x",
    ) is False  # fmt: skip


@pytest.mark.parametrize(("offset", "allowed"), [(0, True), (-1, False)])
def test_a_corrected_date_is_not_before_the_previous_status(coordinator, enrolled, offset, allowed):
    enrolment = enrolled.status_date
    _off_study(enrolled, coordinator, enrolment + datetime.timedelta(days=10))
    day = enrolment + datetime.timedelta(days=offset)
    if allowed:
        participant_status_date_correct(participant=enrolled, user=coordinator, status="off_study", effective_date=day,
                                        reason="Date mistyped")  # fmt: skip
    else:
        with pytest.raises(ValidationError) as refused:
            participant_status_date_correct(participant=enrolled, user=coordinator, status="off_study",
                                            effective_date=day, reason="Date mistyped")  # fmt: skip
        assert "cannot be before" in refused.value.message_dict["effective_date"][0]
    enrolled.refresh_from_db()
    assert (enrolled.status_date == day) is allowed


def test_a_corrected_date_is_not_after_the_next_status_nor_in_the_future(coordinator, enrolled):
    enrolment = enrolled.status_date
    _off_study(enrolled, coordinator, enrolment + datetime.timedelta(days=10))
    with pytest.raises(ValidationError) as refused:
        participant_status_date_correct(participant=enrolled, user=coordinator, status="enrolled",
                                        effective_date=enrolment + datetime.timedelta(days=11), reason="x")  # fmt: skip
    assert "cannot be after" in refused.value.message_dict["effective_date"][0]
    with pytest.raises(ValidationError) as refused:
        participant_status_date_correct(participant=enrolled, user=coordinator, status="off_study",
                                        effective_date=timezone.localdate() + datetime.timedelta(days=1), reason="x")  # fmt: skip
    assert "future" in refused.value.message_dict["effective_date"][0]


def test_a_status_date_correction_needs_a_reason(coordinator, enrolled):
    with pytest.raises(ValidationError) as refused:
        participant_status_date_correct(participant=enrolled, user=coordinator, status="enrolled",
                                        effective_date=enrolled.status_date, reason="  ")  # fmt: skip
    assert "reason_for_change" in refused.value.message_dict
