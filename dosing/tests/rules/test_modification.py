"""Chemotherapy dose modification (PROTOCOL §3, chemotherapy part; CTCAE v5.0 terms)."""

from dataclasses import replace
from pathlib import Path

import pytest

from dosing.rules.modification import (
    ACTIONS,
    CONTINUE_REDUCED,
    DISCONTINUE,
    FULL_DOSE,
    HOLD,
    REDUCE,
    GradedToxicity,
    ToxicityInputError,
    chemo_modification,
    is_haematological,
)
from trialsite.protocol.treatment import CHEMO_MODIFICATION

NEUTRO = "Neutrophil count decreased"
PLATELET = "Platelet count decreased"
WBC = "White blood cell decreased"
FN = "Febrile neutropenia"
ANEMIA = "Anemia"
LYMPHO = "Lymphocyte count decreased"


def decide(toxicities, *, level=100, recovered=True, febrile=False, protocol=CHEMO_MODIFICATION):
    return chemo_modification(
        toxicities,
        current_level_pct=level,
        haematological_recovered=recovered,
        febrile=febrile,
        protocol=protocol,
    )


# Each qualifying event, at its grade boundary (one grade below does not qualify).
@pytest.mark.parametrize(
    ("toxicities", "febrile", "qualifies"),
    [
        ([(NEUTRO, 4)], False, True),
        ([(NEUTRO, 3)], False, False),
        ([(PLATELET, 4)], False, True),
        ([(PLATELET, 3)], False, False),
        ([(WBC, 4)], False, True),
        ([(WBC, 3)], False, False),
        ([(NEUTRO, 3)], True, True),  # grade 3 neutropenia with fever
        ([(NEUTRO, 2)], True, False),
        ([(FN, 3)], False, True),
        ([(FN, 4)], False, True),
        ([(ANEMIA, 4)], False, False),  # haematological, but not named by PROTOCOL §3
        ([(LYMPHO, 4)], False, False),
        ([(PLATELET, 3)], True, False),  # fever only qualifies neutropenia
        ([], True, False),
        ([(NEUTRO, 0), (PLATELET, 1), (WBC, 2)], False, False),
    ],
)
def test_qualifying_haematological_events_reduce_the_next_cycle_by_one_step(toxicities, febrile, qualifies):
    decision = decide(toxicities, febrile=febrile)
    if qualifies:
        assert (decision.action, decision.dose_level_pct, decision.code) == (REDUCE, 80, "chemo.haem.reduce")
        assert decision.reduction_pct == 20
        assert decision.triggers
    else:
        assert (decision.action, decision.dose_level_pct, decision.code) == (FULL_DOSE, 100, "chemo.full_dose")
        assert decision.reduction_pct == 0


@pytest.mark.parametrize(
    ("level", "action", "new_level", "code"),
    [
        (100, REDUCE, 80, "chemo.haem.reduce"),
        (80, REDUCE, 60, "chemo.haem.reduce"),
        (60, DISCONTINUE, None, "chemo.haem.at_lowest_level"),
    ],
)
def test_reductions_step_100_80_60_and_an_event_at_60_discontinues(level, action, new_level, code):
    decision = decide([(NEUTRO, 4)], level=level)
    assert (decision.action, decision.dose_level_pct, decision.code) == (action, new_level, code)


def test_discontinuation_at_the_lowest_level_is_a_setting():
    keep = replace(CHEMO_MODIFICATION, discontinue_on_event_at_lowest_level=False)
    decision = decide([(NEUTRO, 4)], level=60, protocol=keep)
    assert (decision.action, decision.dose_level_pct) == (CONTINUE_REDUCED, 60)
    assert decide([(NEUTRO, 4)], level=60, recovered=False, protocol=keep).action == HOLD


@pytest.mark.parametrize(
    ("term", "grade", "action", "code"),
    [
        ("Nausea", 4, DISCONTINUE, "chemo.nonhaem.g4"),
        ("Nausea", 3, FULL_DOSE, "chemo.full_dose"),
        ("Acute kidney injury", 4, DISCONTINUE, "chemo.nonhaem.g4"),
        ("Peripheral sensory neuropathy", 3, FULL_DOSE, "chemo.full_dose"),
        ("Alanine aminotransferase increased", 4, DISCONTINUE, "chemo.nonhaem.g4"),
        ("Diarrhea", 5, DISCONTINUE, "chemo.grade5"),
        (FN, 5, DISCONTINUE, "chemo.grade5"),
        (NEUTRO, 4, REDUCE, "chemo.haem.reduce"),  # haematological grade 4 is not "non-haematological"
        (ANEMIA, 4, FULL_DOSE, "chemo.full_dose"),
    ],
)
def test_grade_4_non_haematological_toxicity_discontinues_chemotherapy(term, grade, action, code):
    decision = decide([(term, grade)])
    assert (decision.action, decision.code) == (action, code)
    if action == DISCONTINUE:
        assert decision.dose_level_pct is None
        assert decision.reduction_pct is None


@pytest.mark.parametrize("level", [100, 80, 60])
def test_non_haematological_grade_4_wins_over_a_haematological_event(level):
    decision = decide([(NEUTRO, 4), ("Vomiting", 4)], level=level)
    assert decision.code == "chemo.nonhaem.g4"
    assert decision.triggers == (GradedToxicity("Vomiting", 4),)


@pytest.mark.parametrize(
    ("level", "recovered", "action", "resume_level", "code"),
    [
        (80, False, HOLD, 80, "chemo.haem.not_recovered"),
        (60, False, HOLD, 60, "chemo.haem.not_recovered"),
        (80, None, HOLD, 80, "chemo.haem.recovery_unknown"),
        (80, True, CONTINUE_REDUCED, 80, "chemo.continue_reduced"),
        (60, True, CONTINUE_REDUCED, 60, "chemo.continue_reduced"),
        # At full dose with no qualifying event the protocol's hold rule does not apply.
        (100, False, FULL_DOSE, 100, "chemo.full_dose"),
        (100, None, FULL_DOSE, 100, "chemo.full_dose"),
    ],
)
def test_after_a_reduction_unrecovered_haematological_toxicity_holds_chemotherapy(
    level, recovered, action, resume_level, code
):
    decision = decide([(NEUTRO, 2)], level=level, recovered=recovered)
    assert (decision.action, decision.dose_level_pct, decision.code) == (action, resume_level, code)


@pytest.mark.parametrize(
    ("level", "recovered", "new_level", "code"),
    [
        (100, False, 80, "chemo.haem.reduce_and_hold"),
        (100, None, 80, "chemo.haem.reduce_and_hold"),
        (80, False, 60, "chemo.haem.reduce_and_hold"),
        (100, True, 80, "chemo.haem.reduce"),
    ],
)
def test_a_reduction_with_unrecovered_toxicity_is_held_then_given_at_the_reduced_level(
    level, recovered, new_level, code
):
    decision = decide([(PLATELET, 4)], level=level, recovered=recovered)
    assert decision.dose_level_pct == new_level
    assert decision.code == code
    assert decision.action == (REDUCE if recovered else HOLD)


@pytest.mark.parametrize("level", [80, 60])
def test_doses_are_never_re_escalated(level):
    decision = decide([], level=level, recovered=True)
    assert decision.action == CONTINUE_REDUCED
    assert decision.dose_level_pct == level
    assert "never re-escalated" in decision.reason


def test_reason_names_the_event_and_the_levels():
    decision = decide([(NEUTRO, 3)], febrile=True)
    assert "grade 3 neutropenia with fever" in decision.reason
    assert "100 %" in decision.reason and "80 %" in decision.reason


def test_toxicities_may_be_dataclasses_or_pairs_and_terms_ignore_case():
    as_pairs = decide([("neutrophil count decreased ", 4)])
    as_objects = decide([GradedToxicity(NEUTRO, 4)])
    assert as_pairs.code == as_objects.code == "chemo.haem.reduce"


def test_toxicities_may_be_any_iterable():
    assert decide(iter([(WBC, 4)])).action == REDUCE


@pytest.mark.parametrize(
    ("toxicities", "level", "code"),
    [
        ([(NEUTRO, 6)], 100, "chemo.toxicity.grade"),
        ([(NEUTRO, -1)], 100, "chemo.toxicity.grade"),
        ([(NEUTRO, 3.5)], 100, "chemo.toxicity.grade"),
        ([(NEUTRO, None)], 100, "chemo.toxicity.grade"),
        ([("", 3)], 100, "chemo.toxicity.term"),
        ([(None, 3)], 100, "chemo.toxicity.term"),
        ([], 90, "chemo.level.unknown"),
        ([], 40, "chemo.level.unknown"),
    ],
)
def test_impossible_grades_terms_or_levels_are_refused(toxicities, level, code):
    with pytest.raises(ToxicityInputError) as raised:
        decide(toxicities, level=level)
    assert raised.value.code == code
    assert isinstance(raised.value, ValueError)


def test_recovery_must_be_stated():
    with pytest.raises(TypeError):
        chemo_modification([], current_level_pct=100)  # type: ignore[call-arg]


def test_every_decision_uses_a_known_action():
    cases = [decide([]), decide([(NEUTRO, 4)]), decide([(NEUTRO, 4)], level=60), decide([], level=80, recovered=False)]
    assert {decision.action for decision in cases} <= set(ACTIONS)


@pytest.mark.parametrize(
    ("term", "haematological"),
    [(NEUTRO, True), (PLATELET, True), (WBC, True), (FN, True), (ANEMIA, True), (LYMPHO, True), ("Nausea", False)],
)
def test_haematological_terms(term, haematological):
    assert is_haematological(term) is haematological


def test_haematological_terms_are_ctcae_v5_terms():
    workbook = Path(__file__).resolve().parents[3] / "../shared/reference/ctcae/CTCAE_v5.0.xlsx"
    if not workbook.exists():
        pytest.skip("CTCAE v5.0 reference workbook not present")
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(workbook, read_only=True)["CTCAE v5.0 Clean Copy"]
    terms = {row[2].strip() for row in sheet.iter_rows(min_row=2, values_only=True) if row[2]}
    assert set(CHEMO_MODIFICATION.haematological_terms) <= terms
