"""EQD2, cumulative EBRT + brachytherapy doses, OAR limits, femoral head V50, overall treatment time
(PROTOCOL §2 "Radiotherapy")."""

import datetime
import math
from dataclasses import replace

import pytest

from dosing.rules.radiotherapy import (
    BrachyFraction,
    EbrtCourse,
    RadiotherapyInputError,
    check_femoral_head_v50,
    check_oar_limits,
    check_overall_treatment_time,
    eqd2,
    exceeded_oar_limits,
    hrctv_eqd2,
    oar_d2cc_eqd2,
    overall_treatment_time_days,
)
from trialsite.protocol.treatment import RADIOTHERAPY

EBRT_45 = EbrtCourse(total_dose_gy=45.0, fractions=25)  # 1.8 Gy/fraction
EBRT_50 = EbrtCourse(total_dose_gy=50.0, fractions=25)  # 2 Gy/fraction: EQD2 50 at any a/b
FOUR_BY_SEVEN = [BrachyFraction(hrctv_d90_gy=7.0)] * 4


def _oar_fractions(organ: str, doses: list[float]) -> list[BrachyFraction]:
    return [BrachyFraction(hrctv_d90_gy=7.0, **{f"{organ}_d2cc_gy": dose}) for dose in doses]


# Hand-worked: D x (d + a/b) / (2 + a/b).
@pytest.mark.parametrize(
    ("total_gy", "per_fraction_gy", "alpha_beta_gy", "expected"),
    [
        (28, 7, 10, 39.6667),  # 28 x 17 / 12
        (45, 1.8, 3, 43.2),  # 45 x 4.8 / 5
        (45, 1.8, 10, 44.25),  # 45 x 11.8 / 12
        (50.4, 1.8, 3, 48.384),  # 50.4 x 4.8 / 5
        (50, 2, 3, 50.0),  # 2-Gy fractions: EQD2 = D
        (50, 2, 10, 50.0),
        (7, 7, 3, 14.0),  # 7 x 10 / 5
        (7, 7, 10, 9.9167),  # 7 x 17 / 12
        (5, 5, 3, 8.0),  # 5 x 8 / 5
        (59.92, 2.14, 10, 60.6191),  # SIB: 59.92 x 12.14 / 12
        (0, 0, 3, 0.0),
    ],
)
def test_eqd2_hand_worked_values(total_gy, per_fraction_gy, alpha_beta_gy, expected):
    result = eqd2(total_gy, per_fraction_gy, alpha_beta_gy)
    assert isinstance(result, float)
    assert result == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((-1, 2, 3), "rt.total_dose_gy.negative"),
        ((10, -2, 3), "rt.dose_per_fraction_gy.negative"),
        ((10, 2, 0), "rt.alpha_beta_gy.not_positive"),
        ((10, 2, -3), "rt.alpha_beta_gy.not_positive"),
        ((None, 2, 3), "rt.total_dose_gy.missing"),
        ((10, math.nan, 3), "rt.dose_per_fraction_gy.not_finite"),
        (("10", 2, 3), "rt.total_dose_gy.type"),
    ],
)
def test_eqd2_refuses_impossible_input(args, code):
    with pytest.raises(RadiotherapyInputError) as raised:
        eqd2(*args)
    assert raised.value.code == code
    assert isinstance(raised.value, ValueError)


def test_hrctv_sums_prescribed_ebrt_and_each_fraction_at_alpha_beta_10():
    total = hrctv_eqd2(EBRT_45, FOUR_BY_SEVEN)
    assert total.alpha_beta_gy == 10.0
    assert total.ebrt_eqd2_gy == pytest.approx(44.25)
    assert total.brachy_eqd2_gy == pytest.approx((9.916667,) * 4)
    assert total.total_eqd2_gy == pytest.approx(44.25 + 39.666667, abs=1e-5)  # 83.92
    assert total.complete


def test_hrctv_with_no_brachytherapy_yet_is_the_ebrt_alone():
    total = hrctv_eqd2(EBRT_45, [])
    assert total.total_eqd2_gy == pytest.approx(44.25)
    assert total.brachy_eqd2_gy == ()


def test_hrctv_missing_fraction_dose_is_reported_not_counted():
    fractions = [BrachyFraction(7.0), BrachyFraction(None), BrachyFraction(7.0)]
    total = hrctv_eqd2(EBRT_45, fractions)
    assert total.missing_fractions == (2,)
    assert not total.complete
    assert total.brachy_eqd2_gy[1] is None
    assert total.total_eqd2_gy == pytest.approx(44.25 + 2 * 9.916667, abs=1e-5)


@pytest.mark.parametrize("organ", ["bladder", "rectum", "sigmoid"])
def test_oar_ebrt_contribution_is_the_prescribed_dose_without_a_measured_dose(organ):
    total = oar_d2cc_eqd2(organ, EBRT_45, _oar_fractions(organ, [4.0]))
    assert total.ebrt_source == "prescribed"
    assert total.ebrt_eqd2_gy == pytest.approx(43.2)
    assert total.total_eqd2_gy == pytest.approx(43.2 + 5.6)  # 4 x 7 / 5 = 5.6


@pytest.mark.parametrize("organ", ["bladder", "rectum", "sigmoid"])
def test_oar_ebrt_contribution_is_the_measured_dose_when_entered(organ):
    # 40 Gy in the course's 25 fractions = 1.6 Gy/fraction: 40 x 4.6 / 5 = 36.8.
    ebrt = replace(EBRT_45, **{f"{organ}_d2cc_gy": 40.0})
    total = oar_d2cc_eqd2(organ, ebrt, _oar_fractions(organ, [4.0]))
    assert total.ebrt_source == "measured"
    assert total.ebrt_eqd2_gy == pytest.approx(36.8)
    assert total.total_eqd2_gy == pytest.approx(36.8 + 5.6)


def test_measured_dose_of_one_organ_does_not_change_another():
    ebrt = replace(EBRT_45, rectum_d2cc_gy=40.0)
    assert oar_d2cc_eqd2("bladder", ebrt, []).ebrt_eqd2_gy == pytest.approx(43.2)


def test_unknown_organ_is_refused():
    with pytest.raises(RadiotherapyInputError) as raised:
        oar_d2cc_eqd2("bowel", EBRT_45, [])
    assert raised.value.code == "rt.organ.unknown"


# Exactly at the limit, hand-worked with alpha/beta 3 (EQD2 per fraction = d(d + 3)/5):
#   rectum/sigmoid: 50 Gy in 2-Gy fractions = 50, + 1.5, 3.5, 4.5, 6.5 Gy = 1.35 + 4.55 + 6.75 + 12.35 = 25 -> 75
#   bladder: 45 Gy/25 = 43.2, + 1.5, 6.5, 6.5, 7.5 Gy = 1.35 + 12.35 + 12.35 + 15.75 = 41.8 -> 85
@pytest.mark.parametrize(
    ("organ", "ebrt", "doses", "total", "exceeded"),
    [
        ("rectum", EBRT_50, [1.5, 3.5, 4.5, 6.5], 75.0, False),
        ("rectum", EBRT_50, [1.5, 3.5, 4.5, 6.51], 75.03202, True),  # 6.51 x 9.51 / 5 = 12.38202
        ("rectum", EBRT_50, [1.5, 3.5, 4.5, 6.49], 74.96799, False),  # 6.49 x 9.49 / 5 = 12.31802
        ("sigmoid", EBRT_50, [1.5, 3.5, 4.5, 6.5], 75.0, False),
        ("sigmoid", EBRT_50, [1.5, 3.5, 4.5, 6.51], 75.03202, True),
        ("bladder", EBRT_45, [1.5, 6.5, 6.5, 7.5], 85.0, False),
        ("bladder", EBRT_45, [1.5, 6.5, 6.5, 7.51], 85.03602, True),  # 7.51 x 10.51 / 5 = 15.78602
        ("bladder", EBRT_45, [1.5, 6.5, 6.5, 7.49], 84.96402, False),  # 7.49 x 10.49 / 5 = 15.71402
        ("rectum", EBRT_45, [5.0, 5.0, 5.0, 5.0], 75.2, True),  # 43.2 + 4 x 8
    ],
)
def test_oar_limit_at_the_limit_passes_and_just_above_fails(organ, ebrt, doses, total, exceeded):
    checks = {check.code: check for check in check_oar_limits(ebrt, _oar_fractions(organ, doses))}
    check = checks[f"oar.{organ}.d2cc"]
    assert check.value == pytest.approx(total, abs=1e-4)
    assert check.exceeded is exceeded
    assert check.limit == {"bladder": 85.0, "rectum": 75.0, "sigmoid": 75.0}[organ]


def test_oar_limit_codes_and_order_follow_the_protocol():
    checks = check_oar_limits(EBRT_45, [])
    assert [check.code for check in checks] == ["oar.bladder.d2cc", "oar.rectum.d2cc", "oar.sigmoid.d2cc"]
    assert not any(check.exceeded for check in checks)


def test_exceeded_oar_limits_names_only_the_exceeded_ones():
    fractions = [BrachyFraction(7.0, bladder_d2cc_gy=5.0, rectum_d2cc_gy=5.0, sigmoid_d2cc_gy=4.0)] * 4
    exceeded = exceeded_oar_limits(EBRT_45, fractions)
    # rectum 43.2 + 32 = 75.2 > 75; bladder 75.2 <= 85; sigmoid 43.2 + 22.4 = 65.6.
    assert [check.code for check in exceeded] == ["oar.rectum.d2cc"]
    assert "75.20 Gy" in exceeded[0].message and "75 Gy" in exceeded[0].message


def test_oar_limit_with_missing_doses_is_incomplete_and_says_which_fractions():
    fractions = [BrachyFraction(7.0, rectum_d2cc_gy=4.0), BrachyFraction(7.0, rectum_d2cc_gy=None)]
    check = {c.code: c for c in check_oar_limits(EBRT_45, fractions)}["oar.rectum.d2cc"]
    assert check.complete is False
    assert check.exceeded is False
    assert "fraction(s) 2" in check.message


def test_oar_limit_exceeded_even_with_missing_doses_is_reported():
    fractions = [BrachyFraction(7.0, rectum_d2cc_gy=7.0)] * 3 + [BrachyFraction(7.0)]
    check = {c.code: c for c in check_oar_limits(EBRT_45, fractions)}["oar.rectum.d2cc"]
    assert check.exceeded is True  # 43.2 + 3 x 14 = 85.2 already above 75
    assert check.complete is False


def test_oar_limit_value_is_a_protocol_setting():
    stricter = replace(
        RADIOTHERAPY,
        oar_limits=tuple(
            replace(limit, max_eqd2_gy=70.0) if limit.organ == "rectum" else limit for limit in RADIOTHERAPY.oar_limits
        ),
    )
    fractions = _oar_fractions("rectum", [4.0, 4.0, 5.0, 5.0])  # 43.2 + 2 x 5.6 + 2 x 8 = 70.4
    assert not exceeded_oar_limits(EBRT_45, fractions)
    assert [c.code for c in exceeded_oar_limits(EBRT_45, fractions, protocol=stricter)] == ["oar.rectum.d2cc"]


@pytest.mark.parametrize("fractions", [0, -1, 2.5, True])
def test_ebrt_fraction_count_must_be_a_positive_whole_number(fractions):
    with pytest.raises(RadiotherapyInputError) as raised:
        hrctv_eqd2(EbrtCourse(total_dose_gy=45.0, fractions=fractions), [])
    assert raised.value.code == "rt.ebrt.fractions"


@pytest.mark.parametrize(
    ("v50_pct", "exceeded"),
    [(0, False), (4.99, False), (5.0, True), (5.01, True), (100, True)],
)
def test_femoral_head_v50_must_stay_below_5_percent(v50_pct, exceeded):
    check = check_femoral_head_v50(v50_pct)
    assert check.code == "oar.femoral_head.v50"
    assert check.exceeded is exceeded
    assert check.limit == 5.0


@pytest.mark.parametrize(
    ("v50_pct", "code"), [(-0.1, "rt.v50_pct.range"), (100.1, "rt.v50_pct.range"), (None, "rt.v50_pct.missing")]
)
def test_femoral_head_v50_outside_0_to_100_is_refused(v50_pct, code):
    with pytest.raises(RadiotherapyInputError) as raised:
        check_femoral_head_v50(v50_pct)
    assert raised.value.code == code


START = datetime.date(2024, 1, 1)  # a Monday


@pytest.mark.parametrize(
    ("last_offset_days", "ott_days"),
    [(0, 1), (1, 2), (54, 55), (55, 56), (56, 57), (65, 66)],
)
def test_overall_treatment_time_counts_both_the_first_and_the_last_day(last_offset_days, ott_days):
    last = START + datetime.timedelta(days=last_offset_days)
    assert overall_treatment_time_days(START, last) == ott_days


@pytest.mark.parametrize(
    ("last_offset_days", "exceeded"),
    [(54, False), (55, False), (56, True)],  # 55, 56 and 57 days counted inclusively
)
def test_overall_treatment_time_warning_is_above_56_days(last_offset_days, exceeded):
    check = check_overall_treatment_time(START, START + datetime.timedelta(days=last_offset_days))
    assert check.code == "rt.ott.over_limit"
    assert check.exceeded is exceeded
    assert check.limit == 56


def test_overall_treatment_time_refuses_a_last_fraction_before_the_first():
    with pytest.raises(RadiotherapyInputError) as raised:
        overall_treatment_time_days(START, START - datetime.timedelta(days=1))
    assert raised.value.code == "rt.ott.order"


def test_protocol_settings_hold_the_published_values():
    assert RADIOTHERAPY.alpha_beta_tumour_gy == 10.0
    assert RADIOTHERAPY.alpha_beta_oar_gy == 3.0
    assert {limit.organ: limit.max_eqd2_gy for limit in RADIOTHERAPY.oar_limits} == {
        "bladder": 85.0,
        "rectum": 75.0,
        "sigmoid": 75.0,
    }
    assert RADIOTHERAPY.brachy_fractions * RADIOTHERAPY.brachy_dose_per_fraction_gy == RADIOTHERAPY.brachy_total_dose_gy


def test_protocol_oar_limit_lookup_by_organ():
    assert RADIOTHERAPY.oar_limit("rectum").code == "oar.rectum.d2cc"
    with pytest.raises(KeyError, match="bowel"):
        RADIOTHERAPY.oar_limit("bowel")


@pytest.mark.parametrize(
    ("total", "fractions", "per_fraction", "problems"),
    [
        (45.0, 25, 1.8, 0),
        (50.4, 28, 1.8, 0),
        (44.99, 25, 1.8, 1),
        (50.41, 28, 1.8, 1),
        (45.0, 24, 1.8, 1),
        (50.4, 29, 1.8, 1),
        (50.0, 25, 2.0, 1),
        (60.0, 30, 2.0, 3),
    ],
)
def test_ebrt_prescription_ranges_are_inclusive(total, fractions, per_fraction, problems):
    from dosing.rules.radiotherapy import ebrt_prescription_problems

    assert len(ebrt_prescription_problems(total, fractions, per_fraction)) == problems


@pytest.mark.parametrize(
    ("total", "per_fraction", "problems"),
    [(53.50, 2.14, 0), (59.92, 2.14, 0), (53.49, 2.14, 1), (59.93, 2.14, 1), (55.0, 2.2, 1), (55.0, None, 0)],
)
def test_sib_prescription_ranges_are_inclusive(total, per_fraction, problems):
    from dosing.rules.radiotherapy import sib_prescription_problems

    assert len(sib_prescription_problems(total, per_fraction)) == problems
