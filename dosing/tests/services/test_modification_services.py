"""Chemotherapy toxicity reviews, recommendations and the investigator's decision (PROTOCOL §3)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dosing.models import Decision
from dosing.services import doses as dose_services
from dosing.services.doses import chemo_state, dose_administer
from dosing.services.modification import dose_modification_decide, dose_modification_review, next_chemotherapy_dose
from dosing.tests.conftest import study_day

pytestmark = pytest.mark.django_db

WEEK1 = ("cisplatin", "ccrt", 1, 1)
WEEK2 = ("cisplatin", "ccrt", 2, 1)


def give(participant, user, key, on, mg, **extra):
    values = {"status": "given", "given_on": on, "dose_given_mg": Decimal(mg), **extra}
    return dose_administer(participant=participant, user=user, key=key, values=values)


def review(participant, user, on, toxicities, *, recovered=True, febrile=False):
    return dose_modification_review(
        participant=participant, user=user, assessed_on=on, toxicities=toxicities, febrile=febrile,
        haematological_recovered=recovered,
    )


@pytest.fixture
def after_week1(measured, coordinator, treatment_start):
    give(measured, coordinator, WEEK1, treatment_start, "68")
    return measured


def test_next_chemotherapy_dose_is_the_first_not_recorded(after_week1):
    assert next_chemotherapy_dose(after_week1).key == WEEK2


def test_grade_3_neutropenia_without_fever_fires_no_rule_and_needs_no_decision(after_week1, coordinator, treatment_start):
    result = review(after_week1, coordinator, study_day(treatment_start, 7), [("Neutrophil count decreased", 3)])
    assert result.decision == Decision.NOT_REQUIRED
    assert result.rule_code == "chemo.full_dose"
    assert chemo_state(after_week1).level_pct == 100


def test_grade_4_neutropenia_recommends_80_percent_and_blocks_chemo_until_decided(
    after_week1, coordinator, investigator, treatment_start
):
    result = review(after_week1, coordinator, study_day(treatment_start, 7), [("Neutrophil count decreased", 4)])
    assert result.decision == Decision.PENDING
    assert result.rule_code == "chemo.haem.reduce"
    assert result.recommended_level_pct == 80
    assert result.target_key == WEEK2
    with pytest.raises(ValidationError) as excinfo:
        give(after_week1, coordinator, WEEK2, study_day(treatment_start, 8), "54")
    assert "awaits the investigator" in str(excinfo.value)

    dose_modification_decide(modification=result, user=investigator, confirm=True, expected_version=result.version)
    result.refresh_from_db()
    assert result.decision == Decision.CONFIRMED and result.decided_by == investigator
    assert result.history.first().history_change_reason.startswith("Investigator confirmed")
    state = chemo_state(after_week1)
    assert state.level_pct == 80
    plan = dose_services.planned_dose(after_week1, WEEK2)
    assert dose_services.dose_calculation(after_week1, plan).calculated_dose_mg == Decimal("54")  # 67.6 x 0.8
    record = give(after_week1, coordinator, WEEK2, study_day(treatment_start, 8), "54")
    assert record.dose_level_pct == 80


def test_coordinator_cannot_decide(after_week1, coordinator, treatment_start):
    result = review(after_week1, coordinator, study_day(treatment_start, 7), [("Platelet count decreased", 4)])
    with pytest.raises(ValidationError):
        dose_modification_decide(modification=result, user=coordinator, confirm=True, expected_version=result.version)


def test_override_needs_action_level_and_reason(after_week1, coordinator, investigator, treatment_start):
    result = review(after_week1, coordinator, study_day(treatment_start, 7), [("White blood cell decreased", 4)])
    with pytest.raises(ValidationError) as excinfo:
        dose_modification_decide(modification=result, user=investigator, confirm=False, expected_version=result.version)
    assert set(excinfo.value.message_dict) == {"action", "level_pct", "reason"}
    dose_modification_decide(
        modification=result, user=investigator, confirm=False, expected_version=result.version,
        action="full_dose", level_pct=100, reason="Lab error: repeat count normal",
    )
    result.refresh_from_db()
    assert result.decision == Decision.OVERRIDDEN
    assert "Lab error" in result.history.first().history_change_reason
    assert chemo_state(after_week1).level_pct == 100


def test_a_decided_recommendation_cannot_be_decided_again(after_week1, coordinator, investigator, treatment_start):
    result = review(after_week1, coordinator, study_day(treatment_start, 7), [("Neutrophil count decreased", 4)])
    dose_modification_decide(modification=result, user=investigator, confirm=True, expected_version=result.version)
    result.refresh_from_db()
    with pytest.raises(ValidationError):
        dose_modification_decide(modification=result, user=investigator, confirm=True, expected_version=result.version)


def test_hold_then_recovery_resumes_at_the_reduced_level(after_week1, coordinator, investigator, treatment_start):
    held = review(after_week1, coordinator, study_day(treatment_start, 7), [("Neutrophil count decreased", 4)], recovered=False)
    assert held.recommended_action == "hold"
    dose_modification_decide(modification=held, user=investigator, confirm=True, expected_version=held.version)
    state = chemo_state(after_week1)
    assert state.held_by is not None and state.level_pct == 80
    with pytest.raises(ValidationError) as excinfo:
        give(after_week1, coordinator, WEEK2, study_day(treatment_start, 8), "54")
    assert "hold" in str(excinfo.value)
    recovered = review(after_week1, coordinator, study_day(treatment_start, 14), [("Neutrophil count decreased", 1)], recovered=True)
    assert recovered.decision == Decision.NOT_REQUIRED
    assert recovered.rule_code == "chemo.continue_reduced"
    state = chemo_state(after_week1)
    assert state.held_by is None and state.level_pct == 80
    dose_services.dose_delay(participant=after_week1, user=coordinator, key=WEEK2,
                             delayed_to=study_day(treatment_start, 15), reason="Held for G4 neutropenia")
    assert give(after_week1, coordinator, WEEK2, study_day(treatment_start, 15), "54").dose_level_pct == 80


def test_grade_4_non_haematological_toxicity_discontinues_chemotherapy(after_week1, coordinator, investigator, treatment_start):
    result = review(after_week1, coordinator, study_day(treatment_start, 7), [("Diarrhea", 4)])
    assert result.rule_code == "chemo.nonhaem.g4"
    dose_modification_decide(modification=result, user=investigator, confirm=True, expected_version=result.version)
    assert chemo_state(after_week1).discontinued
    with pytest.raises(ValidationError) as excinfo:
        give(after_week1, coordinator, WEEK2, study_day(treatment_start, 8), "68")
    assert "discontinued" in str(excinfo.value)
    with pytest.raises(ValidationError):
        review(after_week1, coordinator, study_day(treatment_start, 9), [])
    # Toripalimab is not affected by the chemotherapy rules.
    tori = dose_administer(participant=after_week1, user=coordinator, key=("toripalimab", "ccrt", 1, 1),
                           values={"status": "given", "given_on": treatment_start, "dose_given_mg": Decimal("240"),
                                   "lot_number": "L7"})
    assert tori.pk


def test_only_one_pending_review_at_a_time(after_week1, coordinator, treatment_start):
    review(after_week1, coordinator, study_day(treatment_start, 7), [("Neutrophil count decreased", 4)])
    with pytest.raises(ValidationError) as excinfo:
        review(after_week1, coordinator, study_day(treatment_start, 8), [])
    assert "awaits" in str(excinfo.value)


def test_review_date_in_the_future_is_refused(after_week1, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        review(after_week1, coordinator, datetime.date.today() + datetime.timedelta(days=3), [])
    assert "assessed_on" in excinfo.value.message_dict
