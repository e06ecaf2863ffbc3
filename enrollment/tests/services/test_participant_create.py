"""Registering a patient for screening: numbering, status history, audit, bad input."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from enrollment import services
from enrollment.models import Participant, ParticipantStatus
from enrollment.tests.factories import participant_registered


@pytest.mark.django_db
def test_screening_numbers_are_sequential_and_formatted(coordinator):
    first = participant_registered(user=coordinator)
    second = participant_registered(user=coordinator, initials="ZXM")
    assert (first.screening_number, second.screening_number) == ("SCR-0001", "SCR-0002")
    assert second.initials == "ZXM"


@pytest.mark.django_db
def test_registration_starts_screening_status_history_and_audit(coordinator):
    participant = participant_registered(user=coordinator, screening_date=datetime.date(2026, 11, 2))
    assert participant.status == ParticipantStatus.SCREENING
    assert participant.status_date == datetime.date(2026, 11, 2)
    change = participant.status_changes.get()
    assert (change.to_status, change.recorded_by) == (ParticipantStatus.SCREENING, coordinator)
    created = participant.history.get()
    assert (created.history_type, created.history_user) == ("+", coordinator)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, kwargs",
    [
        ("date_of_birth", {"date_of_birth": datetime.date(2999, 1, 1)}),
        ("screening_date", {"screening_date": datetime.date(2999, 1, 1)}),
        ("screening_date", {"date_of_birth": datetime.date(2000, 1, 1), "screening_date": datetime.date(1999, 1, 1)}),
        ("initials", {"initials": "W1"}),
    ],
)
def test_implausible_registration_is_refused_and_saves_nothing(coordinator, field, kwargs):
    values = {"initials": "WL", "date_of_birth": datetime.date(1980, 1, 1), "screening_date": datetime.date(2026, 1, 5)}
    values.update(kwargs)
    with pytest.raises(ValidationError) as refused:
        services.participant_create(user=coordinator, **values)
    assert field in refused.value.message_dict
    assert not Participant.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)")
def test_simultaneous_registrations_never_share_a_screening_number(coordinator):
    numbers, errors = [], []
    barrier = threading.Barrier(6)

    def register():
        try:
            barrier.wait()
            numbers.append(participant_registered(user=coordinator).screening_number)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == [f"SCR-{n:04d}" for n in range(1, 7)]
