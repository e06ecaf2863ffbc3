"""CTCAE v5.0 grading of chemistry values: every limit at, just above and just below, the abnormal
baseline variants, and the errors (CTCAE v5.0 text)."""

import math
from decimal import Decimal

import pytest

from toxicity.rules.ctcae import (
    InvalidLabValueError,
    LabGradingError,
    MissingReferenceError,
    UnknownLabTermError,
    grade_lab,
    grade_lab_detail,
)

ALT = "Alanine aminotransferase increased"
AST = "Aspartate aminotransferase increased"
ALP = "Alkaline phosphatase increased"
GGT = "GGT increased"
BILIRUBIN = "Blood bilirubin increased"
CREATININE = "Creatinine increased"

# ALT/AST, baseline normal: G1 >ULN - 3.0 x ULN; G2 >3.0 - 5.0; G3 >5.0 - 20.0; G4 >20.0 x ULN. ULN 40 U/L.
TRANSAMINASE_ULN_40 = [
    (39.99, 0),
    (40, 0),
    (40.01, 1),
    (120, 1),
    (120.01, 2),
    (200, 2),
    (200.01, 3),
    (240, 3),  # 6 x ULN
    (800, 3),
    (800.01, 4),
]


@pytest.mark.parametrize("term", [ALT, AST])
@pytest.mark.parametrize(("value", "expected"), TRANSAMINASE_ULN_40)
def test_transaminase_grade_with_normal_baseline(term, value, expected):
    assert grade_lab(term, value, uln=40) == expected
    assert grade_lab(term, value, uln=40, baseline=30) == expected  # a normal baseline changes nothing


# ALT/AST, baseline abnormal (60 > ULN 40): G1 1.5 - 3.0; G2 >3.0 - 5.0; G3 >5.0 - 20.0; G4 >20.0 x baseline.
TRANSAMINASE_BASELINE_60 = [
    (41, 0),  # above ULN but below 1.5 x baseline: CTCAE's real gap
    (89.99, 0),
    (90, 1),  # "1.5 - 3.0 x baseline" includes 1.5 x baseline
    (90.01, 1),
    (180, 1),
    (180.01, 2),
    (300, 2),
    (300.01, 3),
    (1200, 3),
    (1200.01, 4),
]


@pytest.mark.parametrize("term", [ALT, AST])
@pytest.mark.parametrize(("value", "expected"), TRANSAMINASE_BASELINE_60)
def test_transaminase_grade_with_abnormal_baseline_is_relative_to_baseline(term, value, expected):
    assert grade_lab(term, value, uln=40, baseline=60) == expected


def test_transaminase_baseline_exactly_at_uln_counts_as_normal():
    assert grade_lab(ALT, 41, uln=40, baseline=40) == 1
    assert grade_lab(ALT, 41, uln=40, baseline=40.01) == 0


# ALP/GGT, baseline normal: G1 >ULN - 2.5 x ULN; G2 >2.5 - 5.0; G3 >5.0 - 20.0; G4 >20.0 x ULN. ULN 100 U/L.
ALP_GGT_ULN_100 = [
    (100, 0),
    (100.1, 1),
    (250, 1),
    (250.1, 2),
    (500, 2),
    (500.1, 3),
    (2000, 3),
    (2000.1, 4),
]
# ALP/GGT, baseline abnormal (150): G1 2.0 - 2.5; G2 >2.5 - 5.0; G3 >5.0 - 20.0; G4 >20.0 x baseline.
ALP_GGT_BASELINE_150 = [
    (299.9, 0),
    (300, 1),
    (375, 1),
    (375.1, 2),
    (750, 2),
    (750.1, 3),
    (3000, 3),
    (3000.1, 4),
]


@pytest.mark.parametrize("term", [ALP, GGT])
@pytest.mark.parametrize(("value", "expected"), ALP_GGT_ULN_100)
def test_alp_and_ggt_grade_with_normal_baseline(term, value, expected):
    assert grade_lab(term, value, uln=100) == expected


@pytest.mark.parametrize("term", [ALP, GGT])
@pytest.mark.parametrize(("value", "expected"), ALP_GGT_BASELINE_150)
def test_alp_and_ggt_grade_with_abnormal_baseline(term, value, expected):
    assert grade_lab(term, value, uln=100, baseline=150) == expected


# Bilirubin: G1 >ULN - 1.5 x ULN; G2 >1.5 - 3.0; G3 >3.0 - 10.0; G4 >10.0 x ULN. ULN 20 umol/L.
# Abnormal baseline (30): G1 >1.0 - 1.5; G2 >1.5 - 3.0; G3 >3.0 - 10.0; G4 >10.0 x baseline.
@pytest.mark.parametrize(
    ("value", "baseline", "expected"),
    [
        (20, None, 0), (20.1, None, 1), (30, None, 1), (30.1, None, 2), (60, None, 2), (60.1, None, 3),
        (200, None, 3), (200.1, None, 4),
        (30, 30, 0), (30.1, 30, 1), (45, 30, 1), (45.1, 30, 2), (90, 30, 2), (90.1, 30, 3), (300, 30, 3),
        (300.1, 30, 4),
    ],
)  # fmt: skip
def test_bilirubin_grade_with_normal_and_abnormal_baseline(value, baseline, expected):
    assert grade_lab(BILIRUBIN, value, uln=20, baseline=baseline) == expected


# Creatinine: G1 >ULN - 1.5 x ULN; G2 >1.5 - 3.0 x baseline or ULN; G3 >3.0 x baseline or >3.0 - 6.0 x ULN;
# G4 >6.0 x ULN. ULN 100 umol/L.
@pytest.mark.parametrize(
    ("value", "baseline", "expected"),
    [
        (100, None, 0), (100.1, None, 1), (150, None, 1), (150.1, None, 2), (300, None, 2), (300.1, None, 3),
        (600, None, 3), (600.1, None, 4),
        # baseline 50: >1.5 x baseline is grade 2 even below ULN, >3.0 x baseline grade 3
        (75, 50, 0), (75.1, 50, 2), (150, 50, 2), (150.1, 50, 3),
        # baseline 150 (abnormal): ULN limits and baseline limits, the higher grade wins
        (225, 150, 2), (225.1, 150, 2), (300.1, 150, 3), (450.1, 150, 3), (600.1, 150, 4),
    ],
)  # fmt: skip
def test_creatinine_grade_by_uln_and_by_baseline(value, baseline, expected):
    assert grade_lab(CREATININE, value, uln=100, baseline=baseline) == expected


# Amylase / lipase: G1 >ULN - 1.5; G2 >1.5 - 2.0, or >2.0 - 5.0 asymptomatic; G3 >5.0 asymptomatic (x ULN).
@pytest.mark.parametrize("term", ["Serum amylase increased", "Lipase increased"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [(100, 0), (100.1, 1), (150, 1), (150.1, 2), (200, 2), (200.1, 2), (500, 2), (500.1, 3), (10_000, 3)],
)
def test_amylase_and_lipase_value_alone_gives_the_asymptomatic_grade(term, value, expected):
    assert grade_lab(term, value, uln=100) == expected


ELECTROLYTES = [
    # Hypokalemia, LLN 3.5: G1 <LLN - 3.0 (grade 2 needs symptoms); G3 <3.0 - 2.5; G4 <2.5
    ("Hypokalemia", 3.5, None, [(3.51, 0), (3.5, 0), (3.49, 1), (3.0, 1), (2.99, 3), (2.5, 3), (2.49, 4)]),
    # Hyperkalemia, ULN 5.3: G1 >ULN - 5.5; G2 >5.5 - 6.0; G3 >6.0 - 7.0; G4 >7.0
    ("Hyperkalemia", None, 5.3, [(5.3, 0), (5.31, 1), (5.5, 1), (5.51, 2), (6.0, 2), (6.01, 3), (7.0, 3),
                                 (7.01, 4)]),
    # Hyponatremia, LLN 135: G1 <LLN - 130; G2 125-129 asymptomatic; G3 120-124; G4 <120
    ("Hyponatremia", 135, None, [(135, 0), (134.9, 1), (130, 1), (129.9, 2), (129.5, 2), (125, 2), (124.9, 3),
                                 (120, 3), (119.9, 4)]),
    # Hypernatremia, ULN 145: G1 >ULN - 150; G2 >150 - 155; G3 >155 - 160; G4 >160
    ("Hypernatremia", None, 145, [(145, 0), (145.1, 1), (150, 1), (150.1, 2), (155, 2), (155.1, 3), (160, 3),
                                  (160.1, 4)]),
    # Hypomagnesemia, LLN 0.75: G1 <LLN - 0.5; G2 <0.5 - 0.4; G3 <0.4 - 0.3; G4 <0.3
    ("Hypomagnesemia", 0.75, None, [(0.75, 0), (0.74, 1), (0.5, 1), (0.49, 2), (0.4, 2), (0.39, 3), (0.3, 3),
                                    (0.29, 4)]),
    # Hypermagnesemia, ULN 1.05: G1 >ULN - 1.23; (no G2); G3 >1.23 - 3.30; G4 >3.30
    ("Hypermagnesemia", None, 1.05, [(1.05, 0), (1.06, 1), (1.23, 1), (1.24, 3), (3.30, 3), (3.31, 4)]),
    # Hypocalcemia (corrected), LLN 2.1: G1 <LLN - 2.0; G2 <2.0 - 1.75; G3 <1.75 - 1.5; G4 <1.5
    ("Hypocalcemia", 2.1, None, [(2.1, 0), (2.09, 1), (2.0, 1), (1.99, 2), (1.75, 2), (1.74, 3), (1.5, 3),
                                 (1.49, 4)]),
    # Hypercalcemia (corrected), ULN 2.6: G1 >ULN - 2.9; G2 >2.9 - 3.1; G3 >3.1 - 3.4; G4 >3.4
    ("Hypercalcemia", None, 2.6, [(2.6, 0), (2.61, 1), (2.9, 1), (2.91, 2), (3.1, 2), (3.11, 3), (3.4, 3),
                                  (3.41, 4)]),
    # Hypoglycemia, LLN 3.9: G1 <LLN - 3.0; G2 <3.0 - 2.2; G3 <2.2 - 1.7; G4 <1.7
    ("Hypoglycemia", 3.9, None, [(3.9, 0), (3.89, 1), (3.0, 1), (2.99, 2), (2.2, 2), (2.19, 3), (1.7, 3),
                                 (1.69, 4)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("term", "lln", "uln", "value", "expected"),
    [(term, lln, uln, value, expected) for term, lln, uln, cases in ELECTROLYTES for value, expected in cases],
)
def test_electrolyte_grade_at_and_around_each_limit(term, lln, uln, value, expected):
    assert grade_lab(term, value, lln=lln, uln=uln) == expected


def test_hyperkalemia_above_5_5_is_grade_2_even_when_the_lab_uln_is_higher():
    assert grade_lab("Hyperkalemia", 5.55, uln=5.6) == 2


# --- exact decimal comparison ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "uln", "expected"),
    [(2.1, 0.7, 1), (2.1000001, 0.7, 2), (0.3, 0.1, 1), (3.3, 1.1, 1), (Decimal("2.1"), Decimal("0.7"), 1)],
)
def test_value_exactly_3_x_uln_is_grade_1_despite_binary_rounding(value, uln, expected):
    # 3 * 0.7 is 2.0999999999999996 in binary floating point; CTCAE means exactly 2.1.
    assert grade_lab(ALT, value, uln=uln) == expected


# --- details and errors ---------------------------------------------------------------------------


def test_detail_names_the_value_the_limits_and_the_basis():
    detail = grade_lab_detail(ALT, 240, uln=40)
    assert (detail.term, detail.grade, detail.band_text) == (ALT, 3, ">5.0 - 20.0 x ULN")
    assert "240 U/L" in detail.reason and "> 200" in detail.reason and "<= 800" in detail.reason
    assert "ULN 40" in detail.reason and "grade 3" in detail.reason


def test_detail_says_when_the_abnormal_baseline_was_used():
    detail = grade_lab_detail(ALT, 90, uln=40, baseline=60)
    assert detail.grade == 1
    assert "baseline abnormal" in detail.basis and "baseline 60" in detail.reason


def test_term_is_matched_ignoring_case_and_surrounding_spaces():
    assert grade_lab("  alanine AMINOTRANSFERASE increased ", 240, uln=40) == 3


@pytest.mark.parametrize("term", ["Hemoglobin decreased", "ALT", "", "Pneumonitis"])
def test_unknown_term_is_refused(term):
    with pytest.raises(UnknownLabTermError, match="not a CTCAE v5.0 term"):
        grade_lab(term, 1.0, lln=1, uln=2)


def test_errors_are_value_errors():
    assert issubclass(UnknownLabTermError, LabGradingError)
    assert issubclass(MissingReferenceError, ValueError)
    assert issubclass(InvalidLabValueError, ValueError)


@pytest.mark.parametrize("term", [ALT, BILIRUBIN, CREATININE, "Lipase increased", "Hyperkalemia"])
def test_high_term_without_uln_is_refused(term):
    with pytest.raises(MissingReferenceError, match="ULN"):
        grade_lab(term, 1000.0, lln=1)


@pytest.mark.parametrize(
    ("value", "uln", "baseline"),
    [(-1, 40, None), (math.nan, 40, None), (math.inf, 40, None), (True, 40, None), ("240", 40, None),
     (240, 0, None), (240, -40, None), (240, 40, 0)],
)  # fmt: skip
def test_invalid_numbers_are_refused(value, uln, baseline):
    with pytest.raises(InvalidLabValueError):
        grade_lab(ALT, value, uln=uln, baseline=baseline)
