"""PROTOCOL §3's irAE table applied to toripalimab: the decisions ``irae_dose_rules_apply`` keeps
per immune-related AE (hold, supersede, lift, permanent discontinue, recurrent, 12 weeks, steroid
taper, idempotence) and the investigator's decision (``irae_dose_decide``)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import StaleRecordError
from toxicity.models import IraeDoseDecision
from toxicity.services.irae import irae_dose_decide, irae_dose_rules_sweep, next_toripalimab_dose
from toxicity.tests.irae_fixtures import (
    TORI_CCRT_1,
    TORI_CCRT_2,
    apply_rules,
    change_ae,
    give_toripalimab,
    record_ae,
)

pytestmark = pytest.mark.django_db


def active(participant):
    return list(IraeDoseDecision.objects.filter(participant=participant, active=True))


def only_active(participant) -> IraeDoseDecision:
    decisions = active(participant)
    assert len(decisions) == 1, decisions
    return decisions[0]


def days(n):
    return datetime.timedelta(days=n)


# --- hold and discontinue -----------------------------------------------------------------------


def test_hepatitis_grade_3_discontinues_the_next_toripalimab_dose_pending_the_investigator(
    enrolled, coordinator, treatment_start
):
    give_toripalimab(enrolled, coordinator, TORI_CCRT_1, treatment_start)
    ae = record_ae(enrolled, coordinator, category="hepatitis", grade=3)
    changed = apply_rules(enrolled, coordinator)
    decision = only_active(enrolled)
    assert changed == [decision]
    assert decision.adverse_event == ae
    assert decision.recommended_action == "discontinue"
    assert decision.rule_code == "irae.hepatitis.g3"
    assert decision.decision == "pending"
    assert decision.label == "discontinue — hepatitis grade 3"
    assert (decision.target_phase, decision.target_cycle, decision.target_day) == ("ccrt", 2, 1)
    assert decision.assessed_on == timezone.localdate()
    audit = decision.history.get()
    assert "AE 1" in audit.history_change_reason and "irae.hepatitis.g3" in audit.history_change_reason
    assert audit.history_user == coordinator


def test_colitis_grade_2_interrupts_and_targets_the_first_toripalimab_dose_not_recorded(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    apply_rules(enrolled, coordinator)
    decision = only_active(enrolled)
    assert decision.recommended_action == "interrupt"
    assert decision.rule_code == "irae.colitis.g2"
    assert decision.decision == "pending"
    assert (decision.target_phase, decision.target_cycle, decision.target_day) == TORI_CCRT_1[1:]
    assert next_toripalimab_dose(enrolled).key == TORI_CCRT_1


def test_applying_twice_with_nothing_changed_changes_nothing(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    apply_rules(enrolled, coordinator)
    decision = only_active(enrolled)
    assert apply_rules(enrolled, coordinator) == []
    decision.refresh_from_db()
    assert decision.version == 1 and decision.history.count() == 1
    assert IraeDoseDecision.objects.count() == 1


def test_an_ae_not_immune_related_changes_nothing(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="hepatitis", grade=4, immune_related=False)
    assert apply_rules(enrolled, coordinator) == []
    assert not IraeDoseDecision.objects.exists()


@pytest.mark.parametrize(
    ("category", "grade"),
    [("hepatitis", 1), ("rash", 2), ("colitis", 1)],  # grade 1: the table starts at 2; rash G2: not listed
)
def test_an_irae_whose_rule_says_continue_creates_nothing(enrolled, coordinator, category, grade):
    record_ae(enrolled, coordinator, category=category, grade=grade)
    assert apply_rules(enrolled, coordinator) == []
    assert not IraeDoseDecision.objects.exists()


@pytest.mark.parametrize(
    ("category", "grade", "action", "code"),
    [
        ("infusion_reaction", 2, "slow_infusion", "irae.infusion_reaction.g2"),
        ("hypothyroidism", 4, "hormone_replacement", "irae.hypothyroidism.g4"),
    ],
)
def test_hormone_replacement_and_slow_infusion_are_notes_not_holds(enrolled, coordinator, category, grade, action, code):
    record_ae(enrolled, coordinator, category=category, grade=grade)
    apply_rules(enrolled, coordinator)
    decision = only_active(enrolled)
    assert (decision.recommended_action, decision.rule_code) == (action, code)
    assert decision.decision == "not_required"


# --- change of grade ------------------------------------------------------------------------------


def test_a_change_of_grade_supersedes_the_decision(enrolled, coordinator):
    ae = record_ae(enrolled, coordinator, category="colitis", grade=2)
    apply_rules(enrolled, coordinator)
    first = only_active(enrolled)
    change_ae(ae, coordinator, current_grade=3)
    changed = apply_rules(enrolled, coordinator)
    first.refresh_from_db()
    second = only_active(enrolled)
    assert changed == [first, second]
    assert not first.active and first.ended_on == timezone.localdate()
    assert first.end_reason == "superseded by irae.colitis.g3"
    assert (second.rule_code, second.recommended_action, second.decision) == ("irae.colitis.g3", "interrupt", "pending")
    assert second.grade == 3


def test_escalation_from_interrupt_to_discontinue_supersedes(enrolled, coordinator):
    ae = record_ae(enrolled, coordinator, category="hepatitis", grade=2)
    apply_rules(enrolled, coordinator)
    change_ae(ae, coordinator, current_grade=3)
    apply_rules(enrolled, coordinator)
    assert only_active(enrolled).label == "discontinue — hepatitis grade 3"


@pytest.mark.parametrize("back_to", [1, 0])
def test_an_interrupt_lifts_when_the_irae_is_back_to_grade_0_or_1(enrolled, coordinator, back_to):
    ae = record_ae(enrolled, coordinator, category="colitis", grade=3)
    apply_rules(enrolled, coordinator)
    hold = only_active(enrolled)
    change_ae(ae, coordinator, current_grade=back_to)
    assert apply_rules(enrolled, coordinator) == [hold]
    hold.refresh_from_db()
    assert not hold.active
    assert hold.end_reason == f"lifted: Colitis back to grade {back_to} on {timezone.localdate():%Y-%m-%d}"
    assert active(enrolled) == []
    assert "lifted" in hold.history.first().history_change_reason


def test_an_interrupt_lifts_when_the_irae_is_resolved_on_its_resolution_date(enrolled, coordinator):
    today = timezone.localdate()
    ae = record_ae(enrolled, coordinator, category="colitis", grade=2, onset=today - days(10))
    apply_rules(enrolled, coordinator)
    change_ae(ae, coordinator, ongoing=False, resolution_date=today - days(2), outcome="recovered")
    [hold] = apply_rules(enrolled, coordinator)
    assert hold.end_reason == f"lifted: Colitis back to grade 2 on {today - days(2):%Y-%m-%d}"


def test_an_interrupt_stays_until_grade_0_1_even_where_the_lower_grade_row_says_continue(enrolled, coordinator):
    # Rash G3 interrupts "until back to grade 0-1"; rash G2 alone would be "continue".
    ae = record_ae(enrolled, coordinator, category="rash", grade=3)
    apply_rules(enrolled, coordinator)
    hold = only_active(enrolled)
    change_ae(ae, coordinator, current_grade=2)
    assert apply_rules(enrolled, coordinator) == []
    assert only_active(enrolled) == hold
    change_ae(ae, coordinator, current_grade=1)
    assert apply_rules(enrolled, coordinator) == [hold]


@pytest.mark.parametrize("later", [{"current_grade": 1}, {"current_grade": 0}, {"current_grade": 2}])
def test_a_discontinue_is_permanent_whatever_the_later_grade(enrolled, coordinator, later):
    ae = record_ae(enrolled, coordinator, category="hepatitis", grade=3)
    apply_rules(enrolled, coordinator)
    decision = only_active(enrolled)
    change_ae(ae, coordinator, **later)
    assert apply_rules(enrolled, coordinator) == []
    decision.refresh_from_db()
    assert decision.active and decision.effective_action == "discontinue"


def test_a_confirmed_discontinue_survives_resolution(enrolled, coordinator, investigator):
    ae = record_ae(enrolled, coordinator, category="pneumonitis", grade=3)
    apply_rules(enrolled, coordinator)
    decision = only_active(enrolled)
    irae_dose_decide(decision=decision, user=investigator, confirm=True, expected_version=decision.version)
    change_ae(ae, coordinator, current_grade=0, ongoing=False, resolution_date=timezone.localdate())
    assert apply_rules(enrolled, coordinator) == []
    assert only_active(enrolled).decision == "confirmed"


def test_an_ae_no_longer_immune_related_ends_its_hold(enrolled, coordinator):
    ae = record_ae(enrolled, coordinator, category="hepatitis", grade=3)
    apply_rules(enrolled, coordinator)
    decision = only_active(enrolled)
    change_ae(ae, coordinator, immune_related=False, irae_category="", reason="Not immune-related after review")
    assert apply_rules(enrolled, coordinator) == [decision]
    decision.refresh_from_db()
    assert not decision.active
    assert decision.end_reason == "AE 1 is no longer recorded as immune-related"


def test_an_irae_moved_to_another_category_ends_the_old_decision_and_applies_the_new_row(enrolled, coordinator):
    ae = record_ae(enrolled, coordinator, category="hepatitis", grade=3)
    apply_rules(enrolled, coordinator)
    change_ae(ae, coordinator, irae_category="colitis")
    ended, created = apply_rules(enrolled, coordinator)
    assert not ended.active and "re-categorised" in ended.end_reason
    assert created.rule_code == "irae.colitis.g3" and created.recommended_action == "interrupt"


def test_each_irae_keeps_its_own_decision(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    record_ae(enrolled, coordinator, category="rash", grade=3)
    apply_rules(enrolled, coordinator)
    assert sorted(d.rule_code for d in active(enrolled)) == ["irae.colitis.g2", "irae.rash.g3"]


# --- recurrent and persistent rows -----------------------------------------------------------------


def test_recurrent_pneumonitis_grade_2_discontinues(enrolled, coordinator):
    today = timezone.localdate()
    record_ae(enrolled, coordinator, category="pneumonitis", grade=2, current_grade=0, onset=today - days(40),
              ongoing=False, resolution_date=today - days(20), outcome="recovered")  # fmt: skip
    record_ae(enrolled, coordinator, category="pneumonitis", grade=2, onset=today)
    apply_rules(enrolled, coordinator)
    decision = only_active(enrolled)
    assert decision.rule_code == "irae.pneumonitis.g2.recurrent"
    assert decision.recommended_action == "discontinue"
    assert decision.adverse_event.number == 2


def test_the_first_occurrence_is_not_recurrent(enrolled, coordinator):
    today = timezone.localdate()
    record_ae(enrolled, coordinator, category="pneumonitis", grade=2, onset=today - days(3))
    record_ae(enrolled, coordinator, category="pneumonitis", grade=1, onset=today - days(1))
    apply_rules(enrolled, coordinator)
    assert only_active(enrolled).rule_code == "irae.pneumonitis.g2"


def test_recurrent_colitis_grade_3_discontinues_but_an_earlier_ae_not_immune_related_does_not_count(
    enrolled, coordinator
):
    today = timezone.localdate()
    record_ae(enrolled, coordinator, category="colitis", grade=3, current_grade=0, onset=today - days(30),
              immune_related=False, ongoing=False, resolution_date=today - days(10))  # fmt: skip
    record_ae(enrolled, coordinator, category="colitis", grade=3, onset=today)
    apply_rules(enrolled, coordinator)
    assert only_active(enrolled).rule_code == "irae.colitis.g3"
    record_ae(enrolled, coordinator, category="colitis", grade=3, current_grade=0, onset=today - days(60),
              ongoing=False, resolution_date=today - days(50))  # fmt: skip
    apply_rules(enrolled, coordinator)
    assert only_active(enrolled).rule_code == "irae.colitis.g3.recurrent"


@pytest.mark.parametrize(("after_days", "code"), [(84, "irae.colitis.g2"), (85, "irae.colitis.g2.unresolved")])
def test_grade_2_unresolved_more_than_12_weeks_after_the_last_dose_discontinues(
    enrolled, coordinator, treatment_start, after_days, code
):
    give_toripalimab(enrolled, coordinator, TORI_CCRT_1, treatment_start)
    record_ae(enrolled, coordinator, category="colitis", grade=2, onset=treatment_start + days(10))
    apply_rules(enrolled, coordinator, today=treatment_start + days(20))
    count = irae_dose_rules_sweep(today=treatment_start + days(after_days))
    decision = only_active(enrolled)
    assert decision.rule_code == code
    assert count == (0 if after_days == 84 else 2)  # the interrupt ended, the discontinue created
    assert decision.recommended_action == ("interrupt" if after_days == 84 else "discontinue")


def test_without_any_toripalimab_dose_given_the_12_weeks_do_not_run(enrolled, coordinator, treatment_start):
    record_ae(enrolled, coordinator, category="colitis", grade=2, onset=treatment_start)
    apply_rules(enrolled, coordinator, today=treatment_start + days(200))
    assert only_active(enrolled).rule_code == "irae.colitis.g2"


@pytest.mark.parametrize(("mg_per_day", "discontinued"), [("10", False), ("10.5", True)])
def test_corticosteroids_not_tapered_within_12_weeks_discontinue_even_at_grade_1(
    enrolled, coordinator, treatment_start, mg_per_day, discontinued
):
    give_toripalimab(enrolled, coordinator, TORI_CCRT_1, treatment_start)
    record_ae(enrolled, coordinator, category="colitis", grade=3, current_grade=1, onset=treatment_start + days(5),
              steroid_given=True, steroid_drug="Prednisone", steroid_start_date=treatment_start + days(6),
              steroid_start_mg_per_day=Decimal("60"), steroid_current_mg_per_day=Decimal(mg_per_day))  # fmt: skip
    changed = apply_rules(enrolled, coordinator, today=treatment_start + days(85))
    if discontinued:
        decision = only_active(enrolled)
        assert decision.rule_code == "irae.colitis.g1.steroid_taper"
        assert decision.recommended_action == "discontinue" and decision.decision == "pending"
    else:
        assert changed == [] and active(enrolled) == []


def test_steroids_stopped_do_not_count_as_not_tapered(enrolled, coordinator, treatment_start):
    give_toripalimab(enrolled, coordinator, TORI_CCRT_1, treatment_start)
    record_ae(enrolled, coordinator, category="hypothyroidism", grade=2, onset=treatment_start + days(5),
              steroid_given=True, steroid_current_mg_per_day=Decimal("40"),
              steroid_stop_date=treatment_start + days(30))  # fmt: skip
    apply_rules(enrolled, coordinator, today=treatment_start + days(100))
    assert only_active(enrolled).rule_code == "irae.hypothyroidism.g2"


def test_the_sweep_covers_only_participants_with_immune_related_aes(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    assert irae_dose_rules_sweep(today=timezone.localdate()) == 1
    assert irae_dose_rules_sweep(today=timezone.localdate()) == 0
    decision = only_active(enrolled)
    assert decision.history.get().history_user is None


# --- the investigator's decision -----------------------------------------------------------------------


@pytest.fixture
def pending(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="hepatitis", grade=3)
    apply_rules(enrolled, coordinator)
    return only_active(enrolled)


def errors_of(excinfo) -> dict:
    return {k: " ".join(v) for k, v in excinfo.value.message_dict.items()}


def test_only_an_investigator_can_decide(pending, coordinator):
    with pytest.raises(ValidationError, match="Only an investigator"):
        irae_dose_decide(decision=pending, user=coordinator, confirm=True, expected_version=pending.version)
    pending.refresh_from_db()
    assert pending.decision == "pending"


def test_the_investigator_confirms_the_rule(pending, investigator):
    decision = irae_dose_decide(decision=pending, user=investigator, confirm=True, expected_version=pending.version)
    assert decision.decision == "confirmed"
    assert decision.decided_action == "discontinue" and decision.decided_by == investigator
    assert decision.decided_at is not None
    assert decision.history.first().history_change_reason.startswith("Investigator confirmed irae.hepatitis.g3")


def test_an_override_needs_an_action_and_a_reason(pending, investigator):
    with pytest.raises(ValidationError) as excinfo:
        irae_dose_decide(decision=pending, user=investigator, confirm=False, expected_version=pending.version)
    assert set(errors_of(excinfo)) == {"action", "reason"}
    with pytest.raises(ValidationError) as excinfo:
        irae_dose_decide(decision=pending, user=investigator, confirm=False, expected_version=pending.version,
                         action="discontinue", reason="Same")  # fmt: skip
    assert "confirm it" in errors_of(excinfo)["action"]
    pending.refresh_from_db()
    assert pending.decision == "pending" and pending.version == 1


def test_an_override_to_interrupt_then_lifts_at_grade_1(pending, investigator, coordinator, enrolled):
    decision = irae_dose_decide(decision=pending, user=investigator, confirm=False, expected_version=pending.version,
                                action="interrupt", reason="ALT falling fast; hold rather than stop")  # fmt: skip
    assert decision.decision == "overridden" and decision.effective_action == "interrupt"
    assert decision.label == "interrupt — hepatitis grade 3"
    assert "override" in decision.history.first().history_change_reason
    change_ae(decision.adverse_event, coordinator, current_grade=1)
    assert apply_rules(enrolled, coordinator) == [decision]


def test_an_override_to_continue_lifts_the_hold_and_stays_on_record(pending, investigator, coordinator, enrolled):
    decision = irae_dose_decide(decision=pending, user=investigator, confirm=False, expected_version=pending.version,
                                action="continue", reason="Hepatitis attributed to another cause")  # fmt: skip
    assert decision.active and decision.effective_action == "continue"
    assert apply_rules(enrolled, coordinator) == []


def test_a_stale_version_is_refused(pending, investigator):
    with pytest.raises(StaleRecordError):
        irae_dose_decide(decision=pending, user=investigator, confirm=True, expected_version=pending.version + 1)


def test_only_a_pending_decision_in_force_can_be_decided(pending, investigator, enrolled, coordinator):
    irae_dose_decide(decision=pending, user=investigator, confirm=True, expected_version=pending.version)
    pending.refresh_from_db()
    with pytest.raises(ValidationError, match="already decided"):
        irae_dose_decide(decision=pending, user=investigator, confirm=True, expected_version=pending.version)
    ae = record_ae(enrolled, coordinator, category="colitis", grade=2)
    apply_rules(enrolled, coordinator)
    superseded = IraeDoseDecision.objects.get(adverse_event=ae)
    change_ae(ae, coordinator, current_grade=3)
    apply_rules(enrolled, coordinator)
    superseded.refresh_from_db()
    with pytest.raises(ValidationError, match="no longer in force"):
        irae_dose_decide(decision=superseded, user=investigator, confirm=True, expected_version=superseded.version)


def test_target_follows_the_doses_recorded(enrolled, coordinator, treatment_start):
    give_toripalimab(enrolled, coordinator, TORI_CCRT_1, treatment_start)
    give_toripalimab(enrolled, coordinator, TORI_CCRT_2, treatment_start + days(21))
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    apply_rules(enrolled, coordinator)
    decision = only_active(enrolled)
    assert (decision.target_phase, decision.target_cycle, decision.target_day) == ("consolidation", 1, 1)


def test_an_override_to_continue_ends_when_the_grade_falls_to_one_the_table_continues(
    enrolled, coordinator, investigator
):
    ae = record_ae(enrolled, coordinator, category="rash", grade=3)
    [decision] = apply_rules(enrolled, coordinator)
    irae_dose_decide(decision=decision, user=investigator, confirm=False, expected_version=decision.version,
                     action="continue", reason="Rash from radiotherapy field")  # fmt: skip
    change_ae(ae, coordinator, current_grade=2)
    assert apply_rules(enrolled, coordinator) == [decision]
    decision.refresh_from_db()
    assert not decision.active and decision.end_reason == "superseded by irae.rash.g2 (continue)"


def test_a_hormone_replacement_note_ends_when_back_to_grade_1(enrolled, coordinator):
    ae = record_ae(enrolled, coordinator, category="hypothyroidism", grade=4)
    [note] = apply_rules(enrolled, coordinator)
    change_ae(ae, coordinator, current_grade=1)
    assert apply_rules(enrolled, coordinator) == [note]
    note.refresh_from_db()
    assert not note.active and note.end_reason.startswith("lifted: Hypothyroidism back to grade 1")


def test_a_second_active_decision_for_one_ae_is_superseded_by_the_newest(enrolled, coordinator):
    from core.services import clinical_record_save

    record_ae(enrolled, coordinator, category="colitis", grade=2)
    [first] = apply_rules(enrolled, coordinator)
    duplicate = IraeDoseDecision.objects.get(pk=first.pk)
    duplicate.pk = None
    clinical_record_save(instance=duplicate, user=coordinator)
    changed = apply_rules(enrolled, coordinator)
    first.refresh_from_db()
    assert changed == [first] and first.end_reason == "superseded by irae.colitis.g2"
    assert only_active(enrolled).pk == duplicate.pk
