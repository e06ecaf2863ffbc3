"""BSA and dose calculation: PROTOCOL §2 "Chemotherapy" (Mosteller, DuBois setting, 10 % weight rule)."""

from decimal import Decimal

import pytest

from dosing.rules.dose import (
    ImplausibleInputError,
    bsa,
    bsa_dubois,
    bsa_mosteller,
    dose_exceeds_tolerance,
    dose_mg,
    weight_change_pct,
    weight_change_requires_recalculation,
)

D = Decimal


# Hand-worked: sqrt(h x w / 3600).
@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "expected"),
    [
        (160, 60, D("1.63")),  # sqrt(9600 / 3600) = sqrt(2.6667) = 1.63299
        (180, 80, D("2.00")),  # sqrt(14400 / 3600) = sqrt(4) = 2 exactly
        (150, 54, D("1.50")),  # sqrt(8100 / 3600) = sqrt(2.25) = 1.5 exactly
        (170, 70, D("1.82")),  # sqrt(11900 / 3600) = 1.81812
        (155.5, 48.2, D("1.44")),  # sqrt(7495.1 / 3600) = 1.44290
        (100, 25, D("0.83")),  # smallest accepted: sqrt(2500 / 3600) = 0.83333
        (230, 250, D("4.00")),  # largest accepted: sqrt(57500 / 3600) = 3.99653
    ],
)
def test_bsa_mosteller_hand_worked_values(height_cm, weight_kg, expected):
    assert bsa_mosteller(height_cm, weight_kg) == expected


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "expected"),
    [
        # 150 x 63.375 / 3600 = 2.640625 = 1.625^2 exactly: half-up gives 1.63 (half-even would give 1.62)
        (150, D("63.375"), D("1.63")),
        (150, 63.375, D("1.63")),
        # 100 x 96.2361 / 3600 = 2.673225 = 1.635^2 exactly -> 1.64
        (100, D("96.2361"), D("1.64")),
        # 100 x 96.2360 / 3600 is just under 1.635^2 -> 1.63
        (100, D("96.2360"), D("1.63")),
    ],
)
def test_bsa_mosteller_rounds_an_exact_half_up(height_cm, weight_kg, expected):
    assert bsa_mosteller(height_cm, weight_kg) == expected


# DuBois 0.007184 x W^0.425 x H^0.725, values worked with a calculator (7 decimals shown).
@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "expected"),
    [
        (170, 70, D("1.81")),  # 1.8097078
        (160, 60, D("1.62")),  # 1.6220625
        (180, 80, D("2.00")),  # 1.9964210
        (150, 54, D("1.48")),  # 1.4801299
    ],
)
def test_bsa_dubois_hand_worked_values(height_cm, weight_kg, expected):
    assert bsa_dubois(height_cm, weight_kg) == expected


def test_bsa_returns_a_decimal_with_two_places():
    result = bsa_mosteller(180, 80)
    assert isinstance(result, Decimal)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("formula", "expected"),
    [("mosteller", D("1.63")), ("dubois", D("1.62"))],
)
def test_bsa_uses_the_formula_setting(formula, expected):
    assert bsa(160, 60, formula=formula) == expected


def test_bsa_defaults_to_mosteller():
    assert bsa(160, 60) == bsa_mosteller(160, 60)


def test_bsa_unknown_formula_is_refused():
    with pytest.raises(ValueError, match="Unknown BSA formula"):
        bsa(160, 60, formula="haycock")


@pytest.mark.parametrize("function", [bsa_mosteller, bsa_dubois])
@pytest.mark.parametrize(
    ("height_cm", "weight_kg"),
    [(100, 60), (230, 60), (170, 25), (170, 250), (D("100.0"), D("25.0"))],
)
def test_height_and_weight_at_the_plausibility_limits_are_accepted(function, height_cm, weight_kg):
    assert function(height_cm, weight_kg) > 0


@pytest.mark.parametrize("function", [bsa_mosteller, bsa_dubois])
@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "code", "field"),
    [
        (99.9, 60, "dose.height_cm.range", "height_cm"),
        (230.1, 60, "dose.height_cm.range", "height_cm"),
        (170, 24.9, "dose.weight_kg.range", "weight_kg"),
        (170, 250.1, "dose.weight_kg.range", "weight_kg"),
        (0, 60, "dose.height_cm.range", "height_cm"),
        (-170, 60, "dose.height_cm.negative", "height_cm"),
        (170, -60, "dose.weight_kg.negative", "weight_kg"),
        (None, 60, "dose.height_cm.missing", "height_cm"),
        (170, None, "dose.weight_kg.missing", "weight_kg"),
        (float("nan"), 60, "dose.height_cm.not_finite", "height_cm"),
        (170, float("inf"), "dose.weight_kg.not_finite", "weight_kg"),
        ("170", 60, "dose.height_cm.type", "height_cm"),
        (True, 60, "dose.height_cm.type", "height_cm"),
    ],
)
def test_implausible_height_or_weight_is_refused(function, height_cm, weight_kg, code, field):
    with pytest.raises(ImplausibleInputError) as raised:
        function(height_cm, weight_kg)
    assert raised.value.code == code
    assert raised.value.field == field
    assert isinstance(raised.value, ValueError)


def test_out_of_range_message_names_the_value_and_the_range():
    with pytest.raises(ImplausibleInputError, match=r"height_cm 99\.9 cm is implausible.*between 100 and 230 cm"):
        bsa_mosteller(99.9, 60)


@pytest.mark.parametrize(
    ("mg_per_m2", "bsa_m2", "reduction_pct", "expected"),
    [
        (D("40"), D("1.63"), 0, D("65")),  # 65.2
        (D("40"), D("1.63"), 20, D("52")),  # 52.16
        (D("40"), D("1.63"), 40, D("39")),  # 39.12
        (D("135"), D("1.70"), 0, D("230")),  # 229.5 exactly -> half-up 230
        (D("135"), D("1.70"), 20, D("184")),  # 183.6
        (D("25"), D("1.63"), 0, D("41")),  # 40.75
        (D("25"), D("1.62"), 0, D("41")),  # 40.5 exactly -> 41
        (D("25"), D("1.66"), 0, D("42")),  # 41.5 exactly -> 42 (half-even would give 42 too)
        (D("25"), D("1.70"), 0, D("43")),  # 42.5 exactly -> 43 (half-even would give 42)
        (D("75"), D("1.63"), 0, D("122")),  # 122.25
        (D("40"), D("1.50"), 0, D("60")),
        (40, 2, 0, D("80")),
        (0, D("1.63"), 0, D("0")),
        (D("40"), D("1.63"), 100, D("0")),
    ],
)
def test_dose_mg_hand_worked_values(mg_per_m2, bsa_m2, reduction_pct, expected):
    result = dose_mg(mg_per_m2, bsa_m2, reduction_pct=reduction_pct)
    assert result == expected
    assert result.as_tuple().exponent == 0


def test_dose_mg_defaults_to_no_reduction():
    assert dose_mg(D("40"), D("1.63")) == D("65")


def test_dose_mg_with_float_bsa_is_read_as_written():
    # 1.7 as a binary float is 1.69999999999999996; read as written 135 x 1.7 = 229.5 -> 230.
    assert dose_mg(135, 1.7) == D("230")


@pytest.mark.parametrize(
    ("mg_per_m2", "bsa_m2", "reduction_pct", "code"),
    [
        (D("-40"), D("1.63"), 0, "dose.mg_per_m2.negative"),
        (D("40"), D("0"), 0, "dose.bsa_m2.not_positive"),
        (D("40"), D("-1.63"), 0, "dose.bsa_m2.not_positive"),
        (D("40"), D("1.63"), -20, "dose.reduction_pct.range"),
        (D("40"), D("1.63"), 101, "dose.reduction_pct.range"),
        (None, D("1.63"), 0, "dose.mg_per_m2.missing"),
        (D("40"), None, 0, "dose.bsa_m2.missing"),
    ],
)
def test_dose_mg_refuses_impossible_input(mg_per_m2, bsa_m2, reduction_pct, code):
    with pytest.raises(ImplausibleInputError) as raised:
        dose_mg(mg_per_m2, bsa_m2, reduction_pct=reduction_pct)
    assert raised.value.code == code


def test_dose_mg_reduction_is_keyword_only():
    with pytest.raises(TypeError):
        dose_mg(D("40"), D("1.63"), 20)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("weight_used_kg", "current_weight_kg", "recalculate"),
    [
        (60, 66, True),  # +10 % exactly
        (60, D("65.99"), False),  # +9.98 %
        (60, D("66.01"), True),
        (60, 54, True),  # -10 % exactly
        (60, D("54.01"), False),
        (60, D("53.99"), True),
        (60, 60, False),
        (D("72.5"), D("79.75"), True),  # +10 % exactly
        (D("72.5"), D("79.74"), False),
        (55.5, 61.05, True),  # floats: 5.55 / 55.5 is exactly 10 % when read as written
    ],
)
def test_weight_change_of_10_percent_or_more_requires_recalculation(weight_used_kg, current_weight_kg, recalculate):
    assert weight_change_requires_recalculation(weight_used_kg, current_weight_kg) is recalculate


def test_weight_change_threshold_is_a_setting():
    assert weight_change_requires_recalculation(60, 63, threshold_pct=5) is True
    assert weight_change_requires_recalculation(60, 63) is False


def test_weight_change_pct_is_exact():
    assert weight_change_pct(80, 72) == D("10")


@pytest.mark.parametrize(("used", "current"), [(None, 60), (60, 24.9), (-60, 60)])
def test_weight_change_refuses_implausible_weights(used, current):
    with pytest.raises(ImplausibleInputError):
        weight_change_requires_recalculation(used, current)


@pytest.mark.parametrize(
    ("given_mg", "calculated_mg", "exceeds"),
    [
        (110, 100, False),  # exactly +10 % is accepted
        (D("110.01"), 100, True),
        (111, 100, True),
        (100, 100, False),
        (50, 100, False),  # below the calculated dose is not refused here
        (72, 65, True),  # 65 x 1.1 = 71.5
        (71, 65, False),
    ],
)
def test_a_dose_more_than_10_percent_above_the_calculated_one_needs_an_override(given_mg, calculated_mg, exceeds):
    assert dose_exceeds_tolerance(given_mg, calculated_mg) is exceeds


def test_dose_tolerance_refuses_negative_doses():
    with pytest.raises(ImplausibleInputError):
        dose_exceeds_tolerance(-1, 100)
