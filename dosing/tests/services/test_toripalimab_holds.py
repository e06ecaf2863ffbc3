"""Toripalimab held or discontinued by an immune-related AE (PROTOCOL §3 irAE table): the state the
dosing app reads, and ``dose_administer`` refusing a given dose while it applies."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dosing.models import DoseAdministration
from dosing.services.doses import dose_administer, toripalimab_state
from toxicity.services.irae import irae_dose_decide
from toxicity.tests.irae_fixtures import TORI_CCRT_1, TORI_CCRT_2, apply_rules, change_ae, give_toripalimab, record_ae

pytestmark = pytest.mark.django_db

WEEK1 = ("cisplatin", "ccrt", 1, 1)
LATE = {"difference_reason": "other", "difference_note": "Given late"}


def errors_of(excinfo) -> dict:
    return {k: " ".join(v) for k, v in excinfo.value.message_dict.items()}


def test_no_irae_means_toripalimab_is_neither_held_nor_discontinued(enrolled):
    state = toripalimab_state(enrolled)
    assert not state.held and not state.discontinued and not state.blocked
    assert state.holds == () and state.summary == ""


def test_a_pending_interrupt_holds_toripalimab_at_once(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    apply_rules(enrolled, coordinator)
    state = toripalimab_state(enrolled)
    assert state.held and not state.discontinued
    [hold] = state.holds
    assert hold.pending and hold.label == "interrupt — diarrhoea / colitis grade 2"
    assert state.summary == "interrupt — diarrhoea / colitis grade 2 (awaiting investigator)"


def test_a_discontinue_stops_toripalimab(enrolled, coordinator, investigator):
    record_ae(enrolled, coordinator, category="hepatitis", grade=3)
    [decision] = apply_rules(enrolled, coordinator)
    irae_dose_decide(decision=decision, user=investigator, confirm=True, expected_version=decision.version)
    state = toripalimab_state(enrolled)
    assert state.discontinued and not state.pending
    assert state.summary == "discontinue — hepatitis grade 3"


def test_notes_do_not_hold(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="infusion_reaction", grade=2)
    apply_rules(enrolled, coordinator)
    state = toripalimab_state(enrolled)
    assert not state.blocked
    assert [n.label for n in state.notes] == ["slow infusion — infusion reaction grade 2"]


def test_a_given_toripalimab_dose_is_refused_while_held_but_can_be_recorded_as_not_given(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    apply_rules(enrolled, coordinator)
    with pytest.raises(ValidationError) as excinfo:
        give_toripalimab(enrolled, coordinator, TORI_CCRT_1, timezone.localdate(), **LATE)
    message = errors_of(excinfo)["status"]
    assert "on hold" in message and "interrupt — diarrhoea / colitis grade 2" in message
    assert not DoseAdministration.objects.exists()
    record = dose_administer(participant=enrolled, user=coordinator, key=TORI_CCRT_1,
                             values={"status": "omitted", "difference_note": "Held for grade 2 colitis (irAE)"})  # fmt: skip
    assert record.status == "omitted"


def test_a_given_toripalimab_dose_is_refused_after_a_discontinue(enrolled, coordinator, treatment_start):
    give_toripalimab(enrolled, coordinator, TORI_CCRT_1, treatment_start)
    record_ae(enrolled, coordinator, category="hepatitis", grade=3)
    apply_rules(enrolled, coordinator)
    with pytest.raises(ValidationError) as excinfo:
        give_toripalimab(enrolled, coordinator, TORI_CCRT_2, timezone.localdate(), **LATE)
    assert "discontinued (discontinue — hepatitis grade 3" in errors_of(excinfo)["status"]


def test_an_omitted_dose_cannot_be_corrected_to_given_while_held(enrolled, coordinator):
    record = dose_administer(participant=enrolled, user=coordinator, key=TORI_CCRT_1,
                             values={"status": "omitted", "difference_note": "Patient unwell"})  # fmt: skip
    record_ae(enrolled, coordinator, category="colitis", grade=3)
    apply_rules(enrolled, coordinator)
    values = {"status": "given", "given_on": timezone.localdate(), "dose_given_mg": Decimal("240"),
              "lot_number": "TP-1", "difference_reason": "other", "difference_note": "late"}  # fmt: skip
    with pytest.raises(ValidationError) as excinfo:
        dose_administer(participant=enrolled, user=coordinator, key=TORI_CCRT_1, values=values,
                        expected_version=record.version, reason="Was given after all")  # fmt: skip
    assert "on hold" in errors_of(excinfo)["status"]


def test_a_dose_given_before_the_hold_was_assessed_can_still_be_entered(enrolled, coordinator, treatment_start):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    apply_rules(enrolled, coordinator)
    record = give_toripalimab(enrolled, coordinator, TORI_CCRT_1, treatment_start)
    assert record.status == "given"


def test_chemotherapy_is_not_held_by_an_irae(measured, coordinator, treatment_start):
    record_ae(measured, coordinator, category="hepatitis", grade=3)
    apply_rules(measured, coordinator)
    values = {"status": "given", "given_on": treatment_start, "dose_given_mg": Decimal("68")}
    assert dose_administer(participant=measured, user=coordinator, key=WEEK1, values=values).status == "given"


def test_once_lifted_toripalimab_can_be_given_again(enrolled, coordinator):
    ae = record_ae(enrolled, coordinator, category="colitis", grade=2, onset=timezone.localdate() - datetime.timedelta(days=5))
    apply_rules(enrolled, coordinator)
    change_ae(ae, coordinator, current_grade=1)
    apply_rules(enrolled, coordinator)
    assert not toripalimab_state(enrolled).blocked
    assert give_toripalimab(enrolled, coordinator, TORI_CCRT_1, timezone.localdate(), **LATE).status == "given"


def test_an_override_to_continue_allows_the_dose(enrolled, coordinator, investigator):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    [decision] = apply_rules(enrolled, coordinator)
    irae_dose_decide(decision=decision, user=investigator, confirm=False, expected_version=decision.version,
                     action="continue", reason="Diarrhoea from radiotherapy, not immune-related colitis")  # fmt: skip
    state = toripalimab_state(enrolled)
    assert not state.blocked and [n.label for n in state.notes] == ["continue — diarrhoea / colitis grade 2"]
    assert give_toripalimab(enrolled, coordinator, TORI_CCRT_1, timezone.localdate(), **LATE).status == "given"
