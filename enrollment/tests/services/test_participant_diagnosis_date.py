"""The diagnosis date on registration and correction (PROTOCOL §5: PFS and OS count from it)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from enrollment import services
from enrollment.models import Participant

pytestmark = pytest.mark.django_db

BORN = datetime.date(1975, 3, 14)
SCREENED = datetime.date(2026, 1, 5)


def _register(user, **changes):
    values = {"initials": "WL", "date_of_birth": BORN, "screening_date": SCREENED}
    values.update(changes)
    return services.participant_create(user=user, **values)


def test_diagnosis_date_is_optional_at_registration(coordinator):
    assert _register(coordinator).diagnosis_date is None


def test_diagnosis_date_on_the_screening_day_is_stored(coordinator):
    participant = _register(coordinator, diagnosis_date=SCREENED)
    assert Participant.objects.get(pk=participant.pk).diagnosis_date == SCREENED


@pytest.mark.parametrize(
    ("diagnosis", "message"),
    [(SCREENED + datetime.timedelta(days=1), "after the screening date"), (BORN - datetime.timedelta(days=1), "before the date of birth")],
)
def test_implausible_diagnosis_date_is_refused_at_registration_and_nothing_saved(coordinator, diagnosis, message):
    with pytest.raises(ValidationError) as refused:
        _register(coordinator, diagnosis_date=diagnosis)
    assert message in refused.value.message_dict["diagnosis_date"][0]
    assert not Participant.objects.exists()


def _correct(participant, user, diagnosis, reason="Pathology report found"):
    return services.participant_update(
        participant=participant, user=user, expected_version=participant.version, reason=reason,
        initials=participant.initials, date_of_birth=participant.date_of_birth,
        screening_date=participant.screening_date, diagnosis_date=diagnosis,
    )  # fmt: skip


def test_correcting_the_diagnosis_date_writes_the_reason_in_the_audit_trail(coordinator):
    participant = _register(coordinator)
    assert _correct(participant, coordinator, datetime.date(2025, 12, 20)) is True
    latest = participant.history.order_by("-history_date", "-history_id").first()
    assert (latest.diagnosis_date, latest.history_change_reason) == (datetime.date(2025, 12, 20), "Pathology report found")
    assert latest.prev_record.diagnosis_date is None


def test_clearing_the_diagnosis_date_is_a_correction(coordinator):
    participant = _register(coordinator, diagnosis_date=datetime.date(2025, 12, 20))
    assert _correct(participant, coordinator, None, reason="Wrong patient's report") is True
    assert Participant.objects.get(pk=participant.pk).diagnosis_date is None


def test_future_diagnosis_date_is_refused_on_correction_and_nothing_saved(coordinator):
    participant = _register(coordinator)
    with pytest.raises(ValidationError) as refused:
        _correct(participant, coordinator, datetime.date(2999, 1, 1))
    assert "future" in refused.value.message_dict["diagnosis_date"][0]
    stored = Participant.objects.get(pk=participant.pk)
    assert (stored.diagnosis_date, stored.version) == (None, 1)
