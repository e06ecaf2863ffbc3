"""PROTOCOL §1 eligibility: the criteria table, inclusion criteria I1-I9 and how missing data
decides. Exclusion criteria and date windows: test_eligibility_windows.py."""

import datetime
from decimal import Decimal

import pytest

from enrollment.rules.eligibility import (
    CRITERIA,
    EVENT_DATE_KEYS,
    FAIL,
    MISSING,
    PASS,
    age_in_years,
    evaluate,
    evaluate_with_settings,
)
from trialsite.protocol.eligibility import (
    ELIGIBILITY,
    FIGO_2018_STAGES,
    FIGO_2018_SUBSTAGES,
    EligibilitySettings,
)

D = datetime.date
ENROLMENT = D(2024, 6, 14)

PROTOCOL_ORDER = (
    "I1", "I2", "I3", "I4a", "I4b", "I4c", "I4d", "I4e", "I4f", "I4g", "I4h",
    "I5", "I6", "I7", "I8", "I9",
    "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "E11",
)  # fmt: skip

# A patient who meets every criterion of PROTOCOL §1 for enrolment on ENROLMENT.
ELIGIBLE: dict[str, object] = {
    "date_of_birth": D(1975, 3, 2),
    "consent_date": D(2024, 6, 3),
    "figo_stage": "IIIC1",
    "pathology_confirmed": True,
    "previously_treated": False,
    "ecog": 1,
    "lab_date": D(2024, 6, 5),
    "hemoglobin_g_dl": Decimal("11.2"),
    "neutrophils_10e9_l": Decimal("3.4"),
    "leukocytes_10e9_l": Decimal("6.1"),
    "platelets_10e9_l": 245,
    "alt": 22, "alt_uln": 40,
    "ast": 25, "ast_uln": 40,
    "bilirubin": Decimal("12.5"), "bilirubin_uln": 21,
    "bun": Decimal("5.2"), "bun_uln": Decimal("7.1"),
    "creatinine": 68, "creatinine_uln": 97,
    "life_expectancy_over_6_months": True,
    "pi_confirms_ccrt": True,
    "active_bleeding": False,
    "childbearing_potential": True,
    "pregnancy_test_negative": True,
    "contraception_agreed": True,
    "uncontrolled_infection": False,
    "prior_malignancy_date": None,
    "prior_malignancy_nonmelanoma_skin": None,
    "uncontrolled_hypertension_or_diabetes": False,
    "cardiocerebral_event_date": None,
    "last_immunosuppressant_date": None,
    "immunosuppressant_planned": False,
    "last_live_vaccine_date": None,
    "live_vaccine_planned": False,
    "therapeutic_hpv_vaccine_after_diagnosis": False,
    "organ_transplant": False,
    "hiv": False,
    "uncontrolled_mental_illness": False,
    "hbv_dna_iu_ml": 0,
    "hcv_rna_copies_ml": 0,
    "distant_metastasis_or_recurrence": False,
    "mab_allergy": False,
    "active_autoimmune_disease": False,
}  # fmt: skip


def outcome(criterion: str, enrolment_date: datetime.date = ENROLMENT, **changes: object):
    """The outcome of one criterion for the eligible patient with ``changes`` applied."""
    return evaluate({**ELIGIBLE, **changes}, enrolment_date=enrolment_date).criteria[criterion]


def status(criterion: str, enrolment_date: datetime.date = ENROLMENT, **changes: object) -> str:
    return outcome(criterion, enrolment_date, **changes).status


def without(*keys: str) -> dict[str, object]:
    return {k: v for k, v in ELIGIBLE.items() if k not in keys}


# --- the table and the overall decision -----------------------------------------------------------


def test_eligible_patient_passes_all_27_criteria_in_protocol_order():
    result = evaluate(ELIGIBLE, enrolment_date=ENROLMENT)
    assert tuple(result.criteria) == PROTOCOL_ORDER
    assert {cid: o.status for cid, o in result.criteria.items()} == dict.fromkeys(PROTOCOL_ORDER, PASS)
    assert result.eligible is True
    assert result.failed == () and result.missing == ()


def test_criteria_table_lists_27_criteria_in_protocol_order_with_kind_label_and_keys():
    assert tuple(c.id for c in CRITERIA) == PROTOCOL_ORDER
    for criterion in CRITERIA:
        assert criterion.kind == ("inclusion" if criterion.id.startswith("I") else "exclusion")
        assert criterion.label
        assert criterion.keys and set(criterion.keys) <= set(ELIGIBLE)


def test_every_data_key_feeds_some_criterion():
    used = {key for criterion in CRITERIA for key in criterion.keys}
    assert used == set(ELIGIBLE)


def test_outcome_carries_its_criterion_id():
    result = evaluate(ELIGIBLE, enrolment_date=ENROLMENT)
    assert all(o.criterion == cid for cid, o in result.criteria.items())


def test_no_data_is_undecided_with_every_criterion_missing():
    result = evaluate({}, enrolment_date=ENROLMENT)
    assert result.eligible is None
    assert result.missing == PROTOCOL_ORDER


def test_all_none_is_undecided_not_eligible():
    result = evaluate(dict.fromkeys(ELIGIBLE), enrolment_date=ENROLMENT)
    assert result.eligible is None
    # None on an event-date key means "no such event", so those date parts pass, but each of
    # those exclusions also needs a yes/no that is still missing.
    assert set(result.missing) == set(PROTOCOL_ORDER) - {"E2"}
    assert result.criteria["E2"].status == PASS


# The skin-cancer flag only matters for a malignancy inside the window (test_eligibility_windows).
@pytest.mark.parametrize("key", sorted(set(ELIGIBLE) - {"prior_malignancy_nonmelanoma_skin"}))
def test_removing_one_key_leaves_only_the_criteria_that_read_it_missing(key):
    result = evaluate(without(key), enrolment_date=ENROLMENT)
    readers = {c.id for c in CRITERIA if key in c.keys}
    not_passing = {cid for cid, o in result.criteria.items() if o.status != PASS}
    assert result.eligible is None
    assert not_passing and not_passing <= readers
    assert all(result.criteria[cid].status == MISSING for cid in not_passing)


@pytest.mark.parametrize("key", sorted(EVENT_DATE_KEYS))
def test_event_date_none_means_no_event_but_absent_means_not_recorded(key):
    assert evaluate(ELIGIBLE, enrolment_date=ENROLMENT).eligible is True
    assert evaluate(without(key), enrolment_date=ENROLMENT).eligible is None


def test_a_failure_decides_not_eligible_even_with_missing_data():
    result = evaluate({"ecog": 3}, enrolment_date=ENROLMENT)
    assert result.eligible is False
    assert result.failed == ("I3",)


def test_failed_lists_every_failing_criterion_in_order():
    result = evaluate({**ELIGIBLE, "hiv": True, "ecog": 2, "neutrophils_10e9_l": 1}, enrolment_date=ENROLMENT)
    assert result.failed == ("I3", "I4b", "E6")


def test_amended_settings_change_the_outcome():
    data = {**ELIGIBLE, "neutrophils_10e9_l": Decimal("1.9")}
    amended = EligibilitySettings(neutrophils_above_10e9_l=Decimal("1.5"))
    assert evaluate(data, enrolment_date=ENROLMENT).criteria["I4b"].status == FAIL
    assert evaluate_with_settings(data, enrolment_date=ENROLMENT, settings=amended).eligible is True


# --- input types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("neutrophils_10e9_l", "1.9"),
        ("neutrophils_10e9_l", True),
        ("ecog", 1.0),
        ("ecog", True),
        ("consent_date", "2024-06-01"),
        ("consent_date", datetime.datetime(2024, 6, 1, 9, 0)),
        ("hiv", 0),
        ("figo_stage", 3),
    ],
)
def test_wrong_type_raises_type_error(key, value):
    with pytest.raises(TypeError, match=key):
        evaluate({**ELIGIBLE, key: value}, enrolment_date=ENROLMENT)


def test_enrolment_date_must_be_a_date_not_a_datetime():
    with pytest.raises(TypeError, match="enrolment_date"):
        evaluate(ELIGIBLE, enrolment_date=datetime.datetime(2024, 6, 14, 8, 0))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN")])
def test_non_finite_number_raises_value_error(value):
    with pytest.raises(ValueError, match="neutrophils_10e9_l"):
        evaluate({**ELIGIBLE, "neutrophils_10e9_l": value}, enrolment_date=ENROLMENT)


# --- I1 age ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (D(2000, 6, 14), D(2018, 6, 14), 18),
        (D(2000, 6, 14), D(2018, 6, 13), 17),
        (D(2004, 2, 29), D(2022, 2, 28), 17),  # common year: birthday counts from 1 March
        (D(2004, 2, 29), D(2022, 3, 1), 18),
        (D(2004, 2, 29), D(2024, 2, 29), 20),
        (D(2004, 2, 29), D(2024, 2, 28), 19),
        (D(1999, 12, 31), D(2000, 1, 1), 0),
    ],
)
def test_age_in_years_counts_completed_birthdays(born, on, age):
    assert age_in_years(born, on) == age


@pytest.mark.parametrize(
    ("born", "consent", "expected"),
    [
        (D(2006, 6, 3), D(2024, 6, 3), PASS),  # 18th birthday on the consent day
        (D(2006, 6, 4), D(2024, 6, 3), FAIL),  # day before the 18th birthday
        (D(2006, 6, 2), D(2024, 6, 3), PASS),
        (D(1949, 6, 3), D(2024, 6, 3), PASS),  # 75th birthday
        (D(1948, 6, 4), D(2024, 6, 3), PASS),  # day before the 76th birthday: still 75
        (D(1948, 6, 3), D(2024, 6, 3), FAIL),  # 76th birthday
        (D(2004, 2, 29), D(2022, 2, 28), FAIL),  # born 29 Feb, 18 only from 1 March in 2022
        (D(2004, 2, 29), D(2022, 3, 1), PASS),
        (D(1948, 2, 29), D(2024, 2, 28), PASS),  # born 29 Feb, 76 on 29 Feb 2024
        (D(1948, 2, 29), D(2024, 2, 29), FAIL),
    ],
)
def test_age_18_to_75_inclusive_at_consent(born, consent, expected):
    assert status("I1", date_of_birth=born, consent_date=consent) == expected


def test_age_reason_names_age_and_limits():
    reason = outcome("I1", date_of_birth=D(2006, 6, 4), consent_date=D(2024, 6, 3)).reason
    assert reason == "age 17 years at consent, must be 18-75"


@pytest.mark.parametrize("key", ["date_of_birth", "consent_date"])
def test_age_missing_without_either_date(key):
    assert status("I1", **{key: None}) == MISSING


def test_consent_before_birth_leaves_age_missing_with_reason():
    result = outcome("I1", date_of_birth=D(2024, 6, 4), consent_date=D(2024, 6, 3))
    assert result.status == MISSING
    assert "before date of birth" in result.reason


# --- I2 disease -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        *[(s, PASS) for s in ("IIIA", "IIIB", "IIIC1", "IIIC2", "IVA")],
        *[(s, FAIL) for s in ("I", "IA1", "IB3", "II", "IIA", "IIA2", "IIB", "IVB")],
        ("III", MISSING),  # substage needed
        ("IIIC", MISSING),
        ("IV", MISSING),  # could be IVA or IVB
        ("iiic1", PASS),
        (" IVA ", PASS),
        ("stage 3", MISSING),
        ("", MISSING),
    ],
)
def test_figo_stage_iiia_to_iva_only(stage, expected):
    assert status("I2", figo_stage=stage) == expected


def test_figo_stage_fail_reason_names_stage_and_allowed_stages():
    assert outcome("I2", figo_stage="IIB").reason == "FIGO stage IIB, must be IIIA, IIIB, IIIC1, IIIC2 or IVA"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"pathology_confirmed": False}, FAIL),
        ({"pathology_confirmed": None}, MISSING),
        ({"previously_treated": True}, FAIL),
        ({"previously_treated": None}, MISSING),
        ({"previously_treated": True, "figo_stage": None}, FAIL),  # a known failure decides
        ({"figo_stage": "IB1", "pathology_confirmed": None}, FAIL),
    ],
)
def test_disease_needs_pathology_and_no_prior_treatment(changes, expected):
    assert status("I2", **changes) == expected


def test_figo_substage_table_covers_every_stage_once():
    children = [c for kids in FIGO_2018_SUBSTAGES.values() for c in kids]
    assert len(children) == len(set(children))
    assert set(children) | set(FIGO_2018_SUBSTAGES) <= set(FIGO_2018_STAGES)
    roots = set(FIGO_2018_STAGES) - set(children)
    assert roots == {"I", "II", "III", "IV"}
    assert set(ELIGIBILITY.figo_stages_allowed) <= set(FIGO_2018_STAGES) - set(FIGO_2018_SUBSTAGES)


# --- I3 ECOG --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ecog", "expected"),
    [(0, PASS), (1, PASS), (2, FAIL), (5, FAIL), (6, MISSING), (-1, MISSING), (None, MISSING)],
)
def test_ecog_0_to_1(ecog, expected):
    assert status("I3", ecog=ecog) == expected


def test_ecog_reason_names_value_and_limit():
    assert outcome("I3", ecog=2).reason == "ECOG 2, must be 0-1"


# --- I4a-d blood counts ---------------------------------------------------------------------------

COUNTS = [
    ("I4a", "hemoglobin_g_dl", Decimal("8.0")),
    ("I4b", "neutrophils_10e9_l", Decimal("2.0")),
    ("I4c", "leukocytes_10e9_l", Decimal("4.0")),
    ("I4d", "platelets_10e9_l", Decimal(100)),
]


@pytest.mark.parametrize(("criterion", "key", "limit"), COUNTS)
@pytest.mark.parametrize(
    ("offset", "expected"),
    [(Decimal(0), FAIL), (Decimal("0.01"), PASS), (Decimal("-0.01"), FAIL)],
)
def test_blood_count_must_be_strictly_above_limit(criterion, key, limit, offset, expected):
    assert status(criterion, **{key: limit + offset}) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2, FAIL),
        (2.0, FAIL),
        (Decimal("2.00"), FAIL),
        (2.01, PASS),
        (2.0000000001, PASS),
        (1.9999999999, FAIL),
        (3, PASS),
    ],
)
def test_neutrophils_accept_int_float_and_decimal_compared_exactly(value, expected):
    assert status("I4b", neutrophils_10e9_l=value) == expected


def test_neutrophils_exactly_2_0_fails_inclusion():
    assert status("I4b", neutrophils_10e9_l=Decimal("2.0")) == FAIL


def test_neutrophils_1_9_reason_names_value_and_limit():
    result = outcome("I4b", neutrophils_10e9_l=1.9)
    assert result.status == FAIL
    assert result.reason == "neutrophils 1.9 x10^9/L, must be > 2.0"
    assert evaluate({**ELIGIBLE, "neutrophils_10e9_l": 1.9}, enrolment_date=ENROLMENT).eligible is False


@pytest.mark.parametrize("criterion", ["I4a", "I4b", "I4c", "I4d"])
def test_negative_count_is_missing_not_decided(criterion):
    key = next(k for c, k, _ in COUNTS if c == criterion)
    assert status(criterion, **{key: -1}) == MISSING


# --- I4e-h chemistry against ULN ------------------------------------------------------------------

ULN_LIMITS = [
    # criterion, value key, ULN, value exactly at factor x ULN
    ("I4e", "alt", Decimal(40), Decimal(100)),
    ("I4e", "ast", Decimal(35), Decimal("87.5")),
    ("I4f", "bilirubin", Decimal(21), Decimal("31.5")),
    ("I4g", "bun", Decimal("7.1"), Decimal("10.65")),
    ("I4h", "creatinine", Decimal(97), Decimal("145.5")),
]


@pytest.mark.parametrize(("criterion", "key", "uln", "at_limit"), ULN_LIMITS)
@pytest.mark.parametrize(
    ("offset", "expected"),
    [(Decimal(0), PASS), (Decimal("0.01"), FAIL), (Decimal("-0.01"), PASS)],
)
def test_chemistry_at_most_factor_times_uln(criterion, key, uln, at_limit, offset, expected):
    assert status(criterion, **{key: at_limit + offset, f"{key}_uln": uln}) == expected


def test_alt_exactly_2_5_times_uln_passes_and_reason_names_limit():
    result = outcome("I4e", alt=100, alt_uln=40)
    assert result.status == PASS
    assert "ALT 100 (ULN 40), must be <= 2.5 x ULN = 100" in result.reason


def test_alt_just_above_2_5_times_uln_fails_with_reason():
    result = outcome("I4e", alt=Decimal("100.1"), alt_uln=40)
    assert result.status == FAIL
    assert result.reason == "ALT 100.1 (ULN 40), must be <= 2.5 x ULN = 100"


def test_uln_product_is_exact_where_float_arithmetic_is_not():
    assert 1.5 * 0.7 < 1.05  # the float artefact the rule must not inherit
    assert status("I4f", bilirubin=1.05, bilirubin_uln=0.7) == PASS


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"alt": 101}, FAIL),
        ({"ast": 101}, FAIL),
        ({"alt": 101, "ast": None}, FAIL),
        ({"alt": None}, MISSING),
        ({"ast_uln": None}, MISSING),
        ({"alt_uln": 0}, MISSING),
        ({"alt_uln": -40}, MISSING),
        ({"ast": -1}, MISSING),
    ],
)
def test_alt_and_ast_both_needed_and_either_failing_fails(changes, expected):
    assert status("I4e", **changes) == expected


# --- I4 lab freshness -----------------------------------------------------------------------------

I4 = ("I4a", "I4b", "I4c", "I4d", "I4e", "I4f", "I4g", "I4h")


@pytest.mark.parametrize(
    ("days_before", "expected"),
    [(0, PASS), (13, PASS), (14, PASS), (15, MISSING), (-1, MISSING)],
)
def test_labs_must_be_at_most_14_days_old_and_not_after_enrolment(days_before, expected):
    lab_date = ENROLMENT - datetime.timedelta(days=days_before)
    result = evaluate({**ELIGIBLE, "lab_date": lab_date}, enrolment_date=ENROLMENT)
    assert {result.criteria[c].status for c in I4} == {expected}
    assert result.eligible is (True if expected == PASS else None)


def test_stale_labs_make_a_failing_count_missing_with_reason():
    result = outcome("I4b", lab_date=ENROLMENT - datetime.timedelta(days=15), neutrophils_10e9_l=1.9)
    assert result.status == MISSING
    assert "15 days old" in result.reason and "14" in result.reason


def test_lab_date_missing_makes_every_lab_criterion_missing():
    result = evaluate({**ELIGIBLE, "lab_date": None}, enrolment_date=ENROLMENT)
    assert {result.criteria[c].reason for c in I4} == {"lab date not recorded"}
    assert result.missing == I4


def test_lab_date_after_enrolment_reason():
    assert "after enrolment" in outcome("I4a", lab_date=ENROLMENT + datetime.timedelta(days=1)).reason


# --- I5-I7 yes/no items ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criterion", "key", "passing"),
    [
        ("I5", "life_expectancy_over_6_months", True),
        ("I6", "pi_confirms_ccrt", True),
        ("I7", "active_bleeding", False),
    ],
)
def test_yes_no_inclusion_items(criterion, key, passing):
    assert status(criterion, **{key: passing}) == PASS
    assert status(criterion, **{key: not passing}) == FAIL
    assert status(criterion, **{key: None}) == MISSING


# --- I8 pregnancy and contraception ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("potential", "test_negative", "contraception", "expected"),
    [
        (False, None, None, PASS),
        (False, False, False, PASS),
        (True, True, True, PASS),
        (True, False, True, FAIL),
        (True, True, False, FAIL),
        (True, None, True, MISSING),
        (True, True, None, MISSING),
        (True, None, False, FAIL),
        (None, True, True, MISSING),
        (None, None, None, MISSING),
        (None, False, None, FAIL),  # a positive test shows childbearing potential
    ],
)
def test_pregnancy_test_and_contraception_only_with_childbearing_potential(
    potential, test_negative, contraception, expected
):
    changes = {
        "childbearing_potential": potential,
        "pregnancy_test_negative": test_negative,
        "contraception_agreed": contraception,
    }
    assert status("I8", **changes) == expected


# --- I9 consent before enrolment ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("consent", "expected"),
    [(ENROLMENT, PASS), (D(2024, 6, 13), PASS), (D(2024, 6, 15), FAIL), (None, MISSING)],
)
def test_consent_on_or_before_enrolment(consent, expected):
    assert status("I9", consent_date=consent) == expected


def test_consent_after_enrolment_reason_names_both_dates():
    reason = outcome("I9", consent_date=D(2024, 6, 15)).reason
    assert "2024-06-15" in reason and "2024-06-14" in reason
