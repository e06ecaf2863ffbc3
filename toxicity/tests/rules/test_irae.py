"""Toripalimab irAE dose rules: every row of PROTOCOL §3's irAE table at every grade, and the
recurrent and persistent rows (12 weeks, steroid taper). The expected actions are restated here
from PROTOCOL §3, not read from ``trialsite.protocol.toxicity``, so that a wrong table fails."""

from datetime import date
from decimal import Decimal

import pytest

from toxicity.rules.irae import (
    Action,
    InvalidIraeInputError,
    IraeRuleError,
    UnknownIraeCategoryError,
    irae_categories,
    irae_category_for_term,
    steroid_taper_has_failed,
    toripalimab_action,
    weeks_since,
)

C, INT, D, H, S = "continue", "interrupt", "discontinue", "hormone_replacement", "slow_infusion"

# PROTOCOL §3, actions for grades 1, 2, 3, 4, 5 (first occurrence, resolving in time, steroids tapered).
TABLE = {
    "pneumonitis": (C, INT, D, D, D),  # G2 interrupt; G3-4 discontinue
    "colitis": (C, INT, INT, D, D),  # G2-3 interrupt; G4 discontinue
    "hepatitis": (C, INT, D, D, D),  # G2 (ALT/AST >3-5 x ULN) interrupt; G3-4 discontinue
    "nephritis": (C, INT, INT, D, D),  # G2-3 interrupt; G4 discontinue
    "hypothyroidism": (C, INT, INT, H, D),  # G2-3 interrupt or replacement; G4 replacement, not discontinuation
    "hyperthyroidism": (C, INT, INT, H, D),
    "hypophysitis": (C, INT, INT, H, D),
    "adrenal_insufficiency": (C, INT, H, H, D),  # G2 interrupt; G3-4 replacement
    "hyperglycemia": (C, C, INT, H, D),  # G3 / T1DM interrupt; G4 replacement
    "rash": (C, C, INT, D, D),  # G3 interrupt; G4 discontinue
    "sjs_ten": (D, D, D, D, D),  # SJS / TEN discontinue
    "thrombocytopenia": (C, C, INT, D, D),  # G3 interrupt; G4 discontinue
    "amylase_lipase": (C, INT, INT, D, D),  # G2-3 interrupt; G4 discontinue
    "pancreatitis": (C, INT, D, D, D),  # G2 interrupt; G3-4 discontinue
    "myocarditis": (C, INT, D, D, D),  # G2 interrupt; G3-4 discontinue
    "encephalitis": (C, INT, D, D, D),  # G2 as any other first G2-3; G3-4 discontinue
    "other": (C, INT, INT, D, D),  # any other first G2-3 interrupt; first G4 discontinue
    "infusion_reaction": (C, S, D, D, D),  # G2 slow the infusion; G3-4 discontinue
}
ENDOCRINE = {"hypothyroidism", "hyperthyroidism", "hypophysitis", "adrenal_insufficiency", "hyperglycemia"}
NON_ENDOCRINE = sorted(set(TABLE) - ENDOCRINE)


def test_categories_are_exactly_the_issues_list_in_table_order():
    assert irae_categories() == tuple(TABLE)


@pytest.mark.parametrize(
    ("category", "grade", "action"),
    [(category, grade, actions[grade - 1]) for category, actions in TABLE.items() for grade in range(1, 6)],
)
def test_table_row_action_for_each_grade(category, grade, action):
    decision = toripalimab_action(category, grade)
    assert decision.action == action
    assert decision.code == f"irae.{category}.g{grade}"
    assert (decision.category, decision.grade) == (category, grade)
    assert decision.reason.startswith("PROTOCOL §3 irAE table")


def test_hepatitis_grade_3_discontinues_with_the_alt_limit_in_the_reason():
    decision = toripalimab_action("hepatitis", 3)
    assert (decision.action, decision.code) == ("discontinue", "irae.hepatitis.g3")
    assert "ALT/AST >5 x ULN" in decision.reason and "discontinue toripalimab" in decision.reason


def test_action_is_a_string_enum():
    decision = toripalimab_action("colitis", 2)
    assert decision.action is Action.INTERRUPT
    assert decision.action == "interrupt" and str(decision.action) == "interrupt"


@pytest.mark.parametrize(("category", "grade"), [("colitis", 2), ("nephritis", 3), ("hypothyroidism", 2)])
def test_interrupt_resumes_at_grade_0_1(category, grade):
    assert toripalimab_action(category, grade).resume_at_or_below_grade == 1


@pytest.mark.parametrize(("category", "grade"), [("colitis", 4), ("hypothyroidism", 4), ("rash", 2),
                                                 ("infusion_reaction", 2)])  # fmt: skip
def test_only_interrupt_carries_a_resume_grade(category, grade):
    assert toripalimab_action(category, grade).resume_at_or_below_grade is None


def test_endocrine_interrupt_names_the_hormone_replacement_option():
    assert "hormone replacement" in toripalimab_action("hypophysitis", 3).reason


@pytest.mark.parametrize("category", sorted(ENDOCRINE - {"adrenal_insufficiency"}))
def test_endocrine_grade_4_is_hormone_replacement_not_discontinuation(category):
    decision = toripalimab_action(category, 4)
    assert decision.action == "hormone_replacement"
    assert "not discontinuation" in decision.reason


def test_infusion_reaction_grade_2_slows_the_infusion():
    decision = toripalimab_action("infusion_reaction", 2)
    assert (decision.action, decision.code) == ("slow_infusion", "irae.infusion_reaction.g2")
    assert "close observation" in decision.reason


@pytest.mark.parametrize("category", sorted(set(TABLE) - {"sjs_ten"}))
def test_grade_1_of_anything_continues(category):
    assert toripalimab_action(category, 1).action == "continue"


# --- recurrent ------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", NON_ENDOCRINE)
@pytest.mark.parametrize("grade", [3, 4])
def test_recurrent_grade_3_4_not_endocrine_discontinues(category, grade):
    assert toripalimab_action(category, grade, recurrent=True).action == "discontinue"


@pytest.mark.parametrize(("category", "grade"), [("colitis", 3), ("nephritis", 3), ("rash", 3),
                                                 ("thrombocytopenia", 3), ("amylase_lipase", 3), ("other", 3)])  # fmt: skip
def test_recurrence_turns_a_grade_3_interrupt_into_discontinue(category, grade):
    assert toripalimab_action(category, grade).action == "interrupt"
    decision = toripalimab_action(category, grade, recurrent=True)
    assert (decision.action, decision.code) == ("discontinue", f"irae.{category}.g3.recurrent")
    assert "recurrent grade 3-4" in decision.reason


def test_recurrent_grade_2_pneumonitis_discontinues():
    assert toripalimab_action("pneumonitis", 2).action == "interrupt"
    decision = toripalimab_action("pneumonitis", 2, recurrent=True)
    assert (decision.action, decision.code) == ("discontinue", "irae.pneumonitis.g2.recurrent")
    assert "recurrent grade 2" in decision.reason


@pytest.mark.parametrize("category", ["colitis", "hepatitis", "nephritis", "amylase_lipase", "other", "myocarditis"])
def test_recurrent_grade_2_other_than_pneumonitis_still_interrupts(category):
    assert toripalimab_action(category, 2, recurrent=True).action == "interrupt"


@pytest.mark.parametrize("category", sorted(ENDOCRINE))
@pytest.mark.parametrize("grade", [2, 3, 4])
def test_recurrent_endocrine_irae_is_not_discontinued(category, grade):
    decision = toripalimab_action(category, grade, recurrent=True)
    assert decision.action == TABLE[category][grade - 1]
    assert decision.action != "discontinue"


@pytest.mark.parametrize("category", sorted(set(NON_ENDOCRINE) - {"sjs_ten"}))  # SJS/TEN: any grade discontinues
def test_recurrent_grade_1_continues(category):
    assert toripalimab_action(category, 1, recurrent=True).action == "continue"


# --- persistent: not back to grade 0-1 within 12 weeks after the last dose --------------------------


@pytest.mark.parametrize(
    ("weeks", "action"),
    [(0, INT), (11.9, INT), (12, INT), (Decimal("12.01"), D), (12.1, D), (13, D), (52, D)],
)
def test_grade_2_colitis_unresolved_beyond_12_weeks_discontinues(weeks, action):
    decision = toripalimab_action("colitis", 2, weeks_unresolved=weeks)
    assert decision.action == action
    if action == D:
        assert decision.code == "irae.colitis.g2.unresolved"
        assert "12 weeks" in decision.reason


@pytest.mark.parametrize("category", sorted(set(NON_ENDOCRINE) - {"sjs_ten"}))
@pytest.mark.parametrize("grade", [2, 3])
def test_any_non_endocrine_grade_2_3_unresolved_after_13_weeks_discontinues(category, grade):
    assert toripalimab_action(category, grade, weeks_unresolved=13).action == "discontinue"


@pytest.mark.parametrize("category", sorted(ENDOCRINE))
@pytest.mark.parametrize("grade", [2, 3])
def test_endocrine_irae_unresolved_after_12_weeks_is_not_discontinued(category, grade):
    assert toripalimab_action(category, grade, weeks_unresolved=20).action == TABLE[category][grade - 1]


@pytest.mark.parametrize("category", ["colitis", "rash", "other"])
def test_grade_1_is_resolved_so_weeks_do_not_matter(category):
    assert toripalimab_action(category, 1, weeks_unresolved=20).action == "continue"


def test_rash_grade_2_unresolved_after_12_weeks_discontinues_although_grade_2_alone_continues():
    assert toripalimab_action("rash", 2, weeks_unresolved=12).action == "continue"
    assert toripalimab_action("rash", 2, weeks_unresolved=13).code == "irae.rash.g2.unresolved"


# --- corticosteroid taper ---------------------------------------------------------------------------


@pytest.mark.parametrize("category", list(TABLE))
@pytest.mark.parametrize("grade", [1, 2, 3])
def test_steroid_taper_failure_discontinues_every_category(category, grade):
    decision = toripalimab_action(category, grade, steroid_taper_failed=True)
    assert decision.action == "discontinue"
    if TABLE[category][grade - 1] != D:
        assert decision.code == f"irae.{category}.g{grade}.steroid_taper"
        assert "10 mg/day" in decision.reason


def test_endocrine_grade_4_with_failed_taper_discontinues():
    assert toripalimab_action("hypophysitis", 4, steroid_taper_failed=True).action == "discontinue"


def test_a_table_discontinue_keeps_its_own_code_when_escalations_also_apply():
    decision = toripalimab_action("hepatitis", 4, recurrent=True, weeks_unresolved=20, steroid_taper_failed=True)
    assert decision.code == "irae.hepatitis.g4"


def test_recurrence_is_named_before_persistence_and_steroids():
    decision = toripalimab_action("colitis", 3, recurrent=True, weeks_unresolved=20, steroid_taper_failed=True)
    assert decision.code == "irae.colitis.g3.recurrent"
    assert toripalimab_action("colitis", 3, weeks_unresolved=20, steroid_taper_failed=True).code == (
        "irae.colitis.g3.unresolved"
    )


@pytest.mark.parametrize(
    ("dose_mg", "weeks", "failed"),
    [
        (Decimal("10.1"), 12.1, True),
        (Decimal("10"), 12.1, False),  # exactly 10 mg/day is tapered
        (Decimal("9.9"), 20, False),
        (Decimal("10.1"), 12, False),  # week 12 itself is still within the window
        (Decimal("10.1"), 11.9, False),
        (Decimal("60"), 13, True),
    ],
)
def test_steroid_taper_has_failed_at_the_10_mg_and_12_week_limits(dose_mg, weeks, failed):
    assert steroid_taper_has_failed(prednisone_equivalent_mg_per_day=dose_mg, weeks_since_last_dose=weeks) is failed


@pytest.mark.parametrize(
    ("last_dose", "today", "weeks"),
    [(date(2024, 1, 1), date(2024, 1, 1), 0), (date(2024, 1, 1), date(2024, 3, 25), 12),
     (date(2024, 1, 1), date(2024, 3, 26), Decimal(85) / 7)],
)  # fmt: skip
def test_weeks_since_last_dose(last_dose, today, weeks):
    assert weeks_since(last_dose, today=today) == weeks


def test_day_84_is_within_12_weeks_and_day_85_is_not():
    last = date(2024, 1, 1)
    assert toripalimab_action("nephritis", 2, weeks_unresolved=weeks_since(last, today=date(2024, 3, 25))).action == INT
    assert toripalimab_action("nephritis", 2, weeks_unresolved=weeks_since(last, today=date(2024, 3, 26))).action == D


def test_weeks_since_refuses_a_today_before_the_dose():
    with pytest.raises(InvalidIraeInputError):
        weeks_since(date(2024, 2, 1), today=date(2024, 1, 31))


# --- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["Hepatitis", "diarrhoea", "", "endocrine", None])
def test_unknown_category_is_refused(category):
    with pytest.raises(UnknownIraeCategoryError, match="not an irAE category"):
        toripalimab_action(category, 2)


@pytest.mark.parametrize("grade", [0, 6, -1, True, 2.0, "3", None])
def test_grade_outside_1_to_5_is_refused(grade):
    with pytest.raises(InvalidIraeInputError, match="grade"):
        toripalimab_action("colitis", grade)


@pytest.mark.parametrize("weeks", [-1, float("nan"), "13", True])
def test_invalid_weeks_unresolved_is_refused(weeks):
    with pytest.raises(InvalidIraeInputError, match="weeks_unresolved"):
        toripalimab_action("colitis", 2, weeks_unresolved=weeks)


def test_irae_errors_are_value_errors():
    assert issubclass(UnknownIraeCategoryError, IraeRuleError)
    assert issubclass(InvalidIraeInputError, ValueError)


# --- CTCAE term -> category ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "category"),
    [
        ("Pneumonitis", "pneumonitis"),
        ("Colitis", "colitis"),
        ("Diarrhea", "colitis"),
        ("Alanine aminotransferase increased", "hepatitis"),
        ("Aspartate aminotransferase increased", "hepatitis"),
        ("Blood bilirubin increased", "hepatitis"),
        ("Creatinine increased", "nephritis"),
        ("Hypothyroidism", "hypothyroidism"),
        ("Hyperthyroidism", "hyperthyroidism"),
        ("Hypophysitis", "hypophysitis"),
        ("Adrenal insufficiency", "adrenal_insufficiency"),
        ("Hyperglycemia", "hyperglycemia"),
        ("Rash maculo-papular", "rash"),
        ("Stevens-Johnson syndrome", "sjs_ten"),
        ("Toxic epidermal necrolysis", "sjs_ten"),
        ("Platelet count decreased", "thrombocytopenia"),
        ("Serum amylase increased", "amylase_lipase"),
        ("Lipase increased", "amylase_lipase"),
        ("Pancreatitis", "pancreatitis"),
        ("Myocarditis", "myocarditis"),
        ("Encephalitis", "encephalitis"),
        ("Infusion related reaction", "infusion_reaction"),
        ("  infusion RELATED reaction ", "infusion_reaction"),
    ],
)
def test_ctcae_term_maps_to_its_obvious_irae_category(term, category):
    assert irae_category_for_term(term) == category
    assert category in irae_categories()


@pytest.mark.parametrize("term", ["Anemia", "Fatigue", "Neutrophil count decreased", "Proctitis", "", None])
def test_other_terms_have_no_obvious_category(term):
    assert irae_category_for_term(term) is None
