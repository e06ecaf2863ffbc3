"""Editing a saved participant: reason for change in the audit row, and no lost writes."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import StaleRecordError
from enrollment import services
from enrollment.models import Participant

pytestmark = pytest.mark.django_db


def _update(participant, user, *, version, reason="Typo in initials", initials="WX"):
    return services.participant_update(
        participant=participant,
        user=user,
        expected_version=version,
        reason=reason,
        initials=initials,
        date_of_birth=participant.date_of_birth,
        screening_date=participant.screening_date,
        diagnosis_date=participant.diagnosis_date,
    )


def test_edit_writes_history_row_with_user_reason_and_changed_value(participant, coordinator):
    assert _update(participant, coordinator, version=1, reason="Initials mistyped at registration")

    latest = participant.history.order_by("-history_date").first()
    assert latest.history_type == "~"
    assert latest.history_user == coordinator
    assert latest.history_change_reason == "Initials mistyped at registration"
    assert latest.initials == "WX"
    assert latest.prev_record.initials == "WL"
    assert Participant.objects.get(pk=participant.pk).version == 2


@pytest.mark.parametrize("reason", ["", "   "])
def test_edit_without_reason_is_refused_and_saves_nothing(participant, coordinator, reason):
    with pytest.raises(ValidationError) as refused:
        _update(participant, coordinator, version=1, reason=reason)

    assert "reason" in str(refused.value.message_dict["reason_for_change"][0]).lower()
    stored = Participant.objects.get(pk=participant.pk)
    assert (stored.initials, stored.version) == ("WL", 1)
    assert stored.history.count() == 1


def test_edit_that_changes_nothing_saves_nothing(participant, coordinator):
    assert _update(participant, coordinator, version=1, initials="WL") is False
    assert participant.history.count() == 1


def test_second_save_from_same_loaded_version_is_refused_and_first_data_stays(participant, coordinator, make_user):
    other = make_user("Study coordinator", first_name="Wang", last_name="Fang")
    first_copy = Participant.objects.get(pk=participant.pk)
    second_copy = Participant.objects.get(pk=participant.pk)

    _update(first_copy, other, version=first_copy.version, initials="ZF")
    with pytest.raises(StaleRecordError) as stale:
        _update(second_copy, coordinator, version=second_copy.version, initials="QQ")

    assert "changed by Wang Fang at" in str(stale.value)
    assert "reload" in str(stale.value)
    stored = Participant.objects.get(pk=participant.pk)
    assert (stored.initials, stored.version) == ("ZF", 2)


def test_date_of_birth_in_future_is_refused(participant, coordinator):
    with pytest.raises(ValidationError) as refused:
        services.participant_update(
            participant=participant,
            user=coordinator,
            expected_version=1,
            reason="Correction",
            initials="WL",
            date_of_birth=datetime.date(2999, 1, 1),
            screening_date=participant.screening_date,
            diagnosis_date=None,
        )
    assert "future" in refused.value.message_dict["date_of_birth"][0]
