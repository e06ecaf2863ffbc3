"""Field-level plausibility of screening data (issue 3, PROTOCOL §1 data items)."""

import datetime
from decimal import Decimal

import pytest

from enrollment.rules.plausibility import (
    COUNT_RANGES,
    EVENT_DATE_KEYS,
    check_plausibility,
)
from enrollment.tests.rules.test_eligibility import ELIGIBLE
from trialsite.protocol.eligibility import ELIGIBILITY, FIGO_2018_STAGES

D = datetime.date
TODAY = D(2024, 6, 14)


def problems(**data: object) -> dict[str, str]:
    return check_plausibility(data, today=TODAY)


def test_eligible_patient_has_no_plausibility_problems():
    assert check_plausibility(ELIGIBLE, today=TODAY) == {}


def test_empty_and_none_values_are_not_checked():
    assert check_plausibility({}, today=TODAY) == {}
    assert check_plausibility(dict.fromkeys(ELIGIBLE), today=TODAY) == {}


# --- units of blood counts ---------------------------------------------------------------------------


def test_haemoglobin_95_g_dl_looks_like_g_l():
    assert problems(hemoglobin_g_dl=95) == {"hemoglobin_g_dl": "95 g/dL looks like g/L; enter g/dL (e.g. 9.5)."}


@pytest.mark.parametrize(
    ("key", "value", "hint"),
    [
        ("neutrophils_10e9_l", 2000, "(e.g. 2)"),
        ("neutrophils_10e9_l", 150, "(e.g. 0.15)"),
        ("leukocytes_10e9_l", 5600, "(e.g. 5.6)"),
        ("platelets_10e9_l", 150000, "(e.g. 150)"),
        ("hemoglobin_g_dl", Decimal(112), "(e.g. 11.2)"),
    ],
)
def test_count_in_a_common_wrong_unit_gets_a_conversion_hint(key, value, hint):
    message = problems(**{key: value})[key]
    assert "looks like" in message and hint in message


def test_neutrophils_2000_looks_like_per_microlitre():
    assert problems(neutrophils_10e9_l=2000)["neutrophils_10e9_l"] == (
        "2000 x10^9/L looks like /uL; enter x10^9/L (e.g. 2)."
    )


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [
        ("hemoglobin_g_dl", Decimal(1), Decimal(25)),
        ("neutrophils_10e9_l", Decimal(0), Decimal(100)),
        ("leukocytes_10e9_l", Decimal(0), Decimal(200)),
        ("platelets_10e9_l", Decimal(0), Decimal(2000)),
    ],
)
def test_count_plausible_range_is_inclusive_at_both_ends(key, low, high):
    step = Decimal("0.01")
    assert key not in problems(**{key: low})
    assert key not in problems(**{key: high})
    assert key in problems(**{key: high + step})
    if low > 0:
        assert key in problems(**{key: low - step})


def test_count_far_beyond_any_unit_is_refused_with_the_range():
    message = problems(platelets_10e9_l=5_000_000)["platelets_10e9_l"]
    assert "0-2000 x10^9/L" in message


def test_haemoglobin_below_1_is_refused():
    assert "not a possible haemoglobin value" in problems(hemoglobin_g_dl=Decimal("0.5"))["hemoglobin_g_dl"]


@pytest.mark.parametrize("key", sorted(COUNT_RANGES))
def test_negative_count_is_refused(key):
    assert "cannot be negative" in problems(**{key: -1})[key]


@pytest.mark.parametrize("key", sorted(COUNT_RANGES))
def test_protocol_limit_lies_inside_the_plausible_range(key):
    limit = {
        "hemoglobin_g_dl": ELIGIBILITY.hemoglobin_above_g_dl,
        "neutrophils_10e9_l": ELIGIBILITY.neutrophils_above_10e9_l,
        "leukocytes_10e9_l": ELIGIBILITY.leukocytes_above_10e9_l,
        "platelets_10e9_l": ELIGIBILITY.platelets_above_10e9_l,
    }[key]
    assert problems(**{key: limit}) == {}


@pytest.mark.parametrize("value", ["2.0", True, float("nan")])
def test_count_that_is_not_a_number_is_refused(value):
    assert problems(neutrophils_10e9_l=value) == {"neutrophils_10e9_l": "Enter a number."}


# --- ECOG -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ecog", [0, 1, 5])
def test_ecog_0_to_5_is_plausible(ecog):
    assert problems(ecog=ecog) == {}


@pytest.mark.parametrize("ecog", [6, 7, -1])
def test_ecog_outside_0_to_5_is_refused(ecog):
    assert problems(ecog=ecog) == {"ecog": "ECOG is 0-5."}


@pytest.mark.parametrize("ecog", [1.5, "1", True])
def test_ecog_must_be_a_whole_number(ecog):
    assert problems(ecog=ecog)["ecog"].startswith("ECOG is 0-5")


# --- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["date_of_birth", *EVENT_DATE_KEYS])
def test_date_in_the_future_is_refused(key):
    assert problems(**{key: D(2024, 6, 15)}) == {key: "2024-06-15 is in the future."}


@pytest.mark.parametrize("key", ["date_of_birth", *EVENT_DATE_KEYS])
def test_date_today_is_plausible(key):
    assert key not in problems(**{key: TODAY})


def test_consent_before_date_of_birth_is_refused():
    result = problems(date_of_birth=D(1980, 5, 2), consent_date=D(1980, 5, 1))
    assert result == {"consent_date": "Consent (1980-05-01) is before the date of birth (1980-05-02)."}


def test_consent_on_date_of_birth_is_not_refused_here():
    assert problems(date_of_birth=D(1980, 5, 2), consent_date=D(1980, 5, 2)) == {}


def test_event_before_date_of_birth_is_refused():
    assert "before the date of birth" in problems(date_of_birth=D(1980, 5, 2), lab_date=D(1970, 1, 1))["lab_date"]


def test_date_of_birth_more_than_110_years_ago_is_refused():
    assert "date_of_birth" in problems(date_of_birth=D(1900, 1, 1))


@pytest.mark.parametrize("value", ["2024-01-01", datetime.datetime(2024, 1, 1, 8, 0)])
def test_date_that_is_not_a_date_is_refused(value):
    assert problems(consent_date=value) == {"consent_date": "Enter a date."}


# --- chemistry and viral loads -------------------------------------------------------------------------------


@pytest.mark.parametrize("uln", [0, -40, Decimal("-0.1")])
def test_uln_zero_or_below_is_refused(uln):
    assert "greater than 0" in problems(alt_uln=uln)["alt_uln"]


@pytest.mark.parametrize("key", ["alt_uln", "ast_uln", "bilirubin_uln", "bun_uln", "creatinine_uln"])
def test_smallest_positive_uln_is_plausible(key):
    assert problems(**{key: Decimal("0.01")}) == {}


@pytest.mark.parametrize("key", ["alt", "ast", "bilirubin", "bun", "creatinine"])
def test_negative_chemistry_value_is_refused_and_zero_is_not(key):
    assert "cannot be negative" in problems(**{key: -1})[key]
    assert problems(**{key: 0}) == {}


@pytest.mark.parametrize("key", ["hbv_dna_iu_ml", "hcv_rna_copies_ml"])
def test_negative_viral_load_is_refused_with_undetectable_hint(key):
    assert problems(**{key: -5}) == {key: "-5 cannot be negative (enter 0 when undetectable)."}
    assert problems(**{key: 0}) == {}


# --- FIGO stage ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [*FIGO_2018_STAGES, "iiic1", " IVA "])
def test_every_figo_2018_stage_is_plausible(stage):
    assert problems(figo_stage=stage) == {}


@pytest.mark.parametrize("stage", ["IIIC3", "V", "3", "IB4", "IIC", 3])
def test_unknown_figo_stage_is_refused_with_the_list(stage):
    message = problems(figo_stage=stage)["figo_stage"]
    assert message.startswith("Enter a FIGO 2018 stage") and "IIIC2" in message


def test_figo_2018_stage_list_is_exactly_the_22_stages():
    assert FIGO_2018_STAGES == (
        "I", "IA", "IA1", "IA2", "IB", "IB1", "IB2", "IB3", "II", "IIA", "IIA1", "IIA2", "IIB",
        "III", "IIIA", "IIIB", "IIIC", "IIIC1", "IIIC2", "IV", "IVA", "IVB",
    )  # fmt: skip


def test_several_problems_are_reported_per_key():
    result = problems(ecog=7, hemoglobin_g_dl=95, consent_date=D(2030, 1, 1), hbv_dna_iu_ml=-1)
    assert set(result) == {"ecog", "hemoglobin_g_dl", "consent_date", "hbv_dna_iu_ml"}
