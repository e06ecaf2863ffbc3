"""Participant lifecycle rules (enrollment/rules/status.py)."""

import datetime

import pytest

from enrollment.models import ParticipantStatus
from enrollment.rules import status as rules

TODAY = datetime.date(2026, 11, 21)
SINCE = datetime.date(2026, 11, 1)


def _check(current, new, effective_date=TODAY, manual=True):
    return rules.check_status_change(
        current, new, effective_date=effective_date, current_since=SINCE, today=TODAY, manual=manual
    )


def test_rule_statuses_match_the_model_choices():
    assert set(rules.ALLOWED_TRANSITIONS) == set(ParticipantStatus.values)


@pytest.mark.parametrize(
    "current, new, code",
    [
        ("screening", "screen_failure", "status.service_only"),
        ("screening", "off_study", "status.ok"),
        ("screening", "on_treatment", "status.transition"),
        ("screening", "enrolled", "status.service_only"),
        ("screen_failure", "screening", "status.transition"),
        ("enrolled", "on_treatment", "status.ok"),
        ("on_treatment", "follow_up", "status.ok"),
        ("follow_up", "on_treatment", "status.transition"),
        ("off_study", "died", "status.ok"),
        ("died", "follow_up", "status.transition"),
        ("follow_up", "follow_up", "status.same"),
    ],
)
def test_transitions(current, new, code):
    assert _check(current, new).code == code


@pytest.mark.parametrize("new", ["enrolled", "screen_failure"])
def test_screening_services_may_set_enrolled_and_screen_failure(new):
    assert _check("screening", new, manual=False).allowed


@pytest.mark.parametrize(
    "effective_date, code",
    [
        (TODAY, "status.ok"),
        (TODAY + datetime.timedelta(days=1), "status.future_date"),
        (SINCE, "status.ok"),
        (SINCE - datetime.timedelta(days=1), "status.before_current"),
    ],
)
def test_effective_date_between_current_status_start_and_today(effective_date, code):
    assert _check("screening", "off_study", effective_date=effective_date).code == code


def test_manual_targets_never_offer_enrolled():
    assert rules.manual_targets("screening") == ["off_study", "died"]
    assert rules.manual_targets("died") == []
