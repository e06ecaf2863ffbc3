"""CTCAE v5.0 grading of blood counts: every limit at, just above and just below (CTCAE v5.0 text)."""

import pytest

from toxicity.rules.ctcae import MissingReferenceError, grade_lab

# Anemia (Hgb g/dL): G1 <LLN - 10.0; G2 <10.0 - 8.0; G3 <8.0. Lab LLN 11.5 g/dL.
ANEMIA = [
    (11.51, 0),
    (11.5, 0),  # at LLN: normal
    (11.49, 1),
    (10.01, 1),
    (10.0, 1),  # "<LLN - 10.0" includes 10.0
    (9.99, 2),
    (8.01, 2),
    (8.0, 2),  # "<10.0 - 8.0" includes 8.0
    (7.99, 3),
    (3.0, 3),  # grade 4 (life-threatening) is not defined by a value
]


@pytest.mark.parametrize(("hgb_g_dl", "expected"), ANEMIA)
def test_anemia_grade_at_and_around_each_limit(hgb_g_dl, expected):
    assert grade_lab("Anemia", hgb_g_dl, lln=11.5) == expected


# Neutrophil count decreased (x10^9/L): G1 <LLN - 1.5; G2 <1.5 - 1.0; G3 <1.0 - 0.5; G4 <0.5. LLN 2.0.
NEUTROPHILS = [
    (2.01, 0),
    (2.0, 0),
    (1.99, 1),
    (1.51, 1),
    (1.5, 1),
    (1.49, 2),
    (1.01, 2),
    (1.0, 2),
    (0.99, 3),
    (0.51, 3),
    (0.5, 3),
    (0.49, 4),
    (0.0, 4),
]


@pytest.mark.parametrize(("anc", "expected"), NEUTROPHILS)
def test_neutrophil_count_decreased_grade_at_and_around_each_limit(anc, expected):
    assert grade_lab("Neutrophil count decreased", anc, lln=2.0) == expected


def test_neutrophils_exactly_1_5_is_grade_1_and_exactly_1_0_is_grade_2():
    assert grade_lab("Neutrophil count decreased", 1.5, lln=1.8) == 1
    assert grade_lab("Neutrophil count decreased", 1.0, lln=1.8) == 2


# White blood cell decreased (x10^9/L): G1 <LLN - 3.0; G2 <3.0 - 2.0; G3 <2.0 - 1.0; G4 <1.0. LLN 3.5.
WBC = [
    (3.51, 0),
    (3.5, 0),
    (3.49, 1),
    (3.01, 1),
    (3.0, 1),
    (2.99, 2),
    (2.0, 2),
    (1.99, 3),
    (1.0, 3),
    (0.99, 4),
]


@pytest.mark.parametrize(("wbc", "expected"), WBC)
def test_white_blood_cell_decreased_grade_at_and_around_each_limit(wbc, expected):
    assert grade_lab("White blood cell decreased", wbc, lln=3.5) == expected


# Platelet count decreased (x10^9/L): G1 <LLN - 75.0; G2 <75.0 - 50.0; G3 <50.0 - 25.0; G4 <25.0. LLN 125.
PLATELETS = [
    (125.1, 0),
    (125, 0),
    (124.9, 1),
    (75.1, 1),
    (75, 1),
    (74.9, 2),
    (50, 2),
    (49.9, 3),
    (25, 3),
    (24.9, 4),
]


@pytest.mark.parametrize(("platelets", "expected"), PLATELETS)
def test_platelet_count_decreased_grade_at_and_around_each_limit(platelets, expected):
    assert grade_lab("Platelet count decreased", platelets, lln=125) == expected


# Lymphocyte count decreased (x10^9/L): G1 <LLN - 0.8; G2 <0.8 - 0.5; G3 <0.5 - 0.2; G4 <0.2. LLN 1.1.
LYMPHOCYTES = [
    (1.11, 0),
    (1.1, 0),
    (1.09, 1),
    (0.81, 1),
    (0.8, 1),
    (0.79, 2),
    (0.5, 2),
    (0.49, 3),
    (0.2, 3),
    (0.19, 4),
]


@pytest.mark.parametrize(("lymphocytes", "expected"), LYMPHOCYTES)
def test_lymphocyte_count_decreased_grade_at_and_around_each_limit(lymphocytes, expected):
    assert grade_lab("Lymphocyte count decreased", lymphocytes, lln=1.1) == expected


# A lab whose LLN lies below CTCAE's absolute grade-2 limit: the absolute limit still holds.
@pytest.mark.parametrize(
    ("anc", "lln", "expected"),
    [
        (1.45, 1.4, 2),  # inside the lab's range but <1.5 x 10e9/L: CTCAE grade 2
        (1.4, 1.4, 2),
        (1.5, 1.4, 0),  # not below LLN, not below 1.5
        (1.39, 1.4, 2),
    ],
)
def test_neutrophils_below_1_5_are_grade_2_even_when_the_lab_lln_is_lower(anc, lln, expected):
    assert grade_lab("Neutrophil count decreased", anc, lln=lln) == expected


@pytest.mark.parametrize(
    "term", ["Anemia", "Neutrophil count decreased", "White blood cell decreased", "Platelet count decreased",
             "Lymphocyte count decreased"],
)  # fmt: skip
def test_blood_count_without_lln_is_refused_even_for_a_grade_4_value(term):
    with pytest.raises(MissingReferenceError, match="LLN"):
        grade_lab(term, 0.1)


def test_blood_counts_ignore_uln_and_baseline():
    assert grade_lab("Platelet count decreased", 60, lln=125, uln=350, baseline=200) == 2
