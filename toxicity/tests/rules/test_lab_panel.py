"""Grading a lab-panel value against its analyte's CTCAE v5.0 term(s): two-sided analytes at their
boundaries, the grade-0 side at the middle of the range, ungraded analytes, unusable baselines."""

from decimal import Decimal

import pytest

from toxicity.rules.ctcae import LabGradingError
from toxicity.rules.lab_panel import grade_analyte
from trialsite.protocol.labs import ANALYTE_BY_CODE

D = Decimal
POTASSIUM = ANALYTE_BY_CODE["k"]  # LLN 3.5, ULN 5.3 in these tests; the middle is 4.4


@pytest.mark.parametrize(
    ("value", "term", "grade"),
    [
        ("2.49", "Hypokalemia", 4),
        ("2.5", "Hypokalemia", 3),
        ("2.99", "Hypokalemia", 3),
        ("3.0", "Hypokalemia", 1),
        ("3.49", "Hypokalemia", 1),
        ("3.5", "Hypokalemia", 0),  # at the LLN: normal, on the low side of the range
        ("4.39", "Hypokalemia", 0),
        ("4.4", "Hyperkalemia", 0),  # the middle belongs to the high side
        ("5.3", "Hyperkalemia", 0),
        ("5.31", "Hyperkalemia", 1),
        ("5.5", "Hyperkalemia", 1),
        ("5.51", "Hyperkalemia", 2),
        ("7.01", "Hyperkalemia", 4),
    ],
)
def test_two_sided_analyte_keeps_the_abnormal_side_and_names_the_side_of_a_normal_value(value, term, grade):
    found = grade_analyte(POTASSIUM, D(value), lln=D("3.5"), uln=D("5.3"))
    assert (found.term, found.grade) == (term, grade)


def test_one_sided_analyte_grades_its_own_term_with_the_band_and_basis():
    found = grade_analyte(ANALYTE_BY_CODE["alt"], D(240), lln=D(7), uln=D(40))
    assert (found.term, found.grade) == ("Alanine aminotransferase increased", 3)
    assert found.band_text == ">5.0 - 20.0 x ULN"
    assert found.label(ANALYTE_BY_CODE["alt"]) == "Grade 3 — ALT >5.0 - 20.0 x ULN"


@pytest.mark.parametrize("code", ["tsh", "ft4", "urea"])
def test_analytes_without_a_ctcae_term_are_recorded_but_not_graded(code):
    found = grade_analyte(ANALYTE_BY_CODE[code], D(1), lln=D(0), uln=D(100))
    assert (found.term, found.grade) == ("", None)
    assert found.label(ANALYTE_BY_CODE[code]).startswith("Not graded")


@pytest.mark.parametrize("baseline", [D(0), D(-5)])
def test_a_baseline_that_cannot_anchor_multiples_is_ignored(baseline):
    with_baseline = grade_analyte(ANALYTE_BY_CODE["alt"], D(130), lln=D(7), uln=D(40), baseline=baseline)
    without = grade_analyte(ANALYTE_BY_CODE["alt"], D(130), lln=D(7), uln=D(40))
    assert with_baseline == without


def test_an_abnormal_baseline_switches_to_the_multiples_of_baseline():
    # ALT baseline 80 (2 x ULN): grade 1 is "1.5 - 3.0 x baseline" = from 120 (CTCAE v5.0 abnormal-baseline
    # rule); below it the value is not graded (the real gap of those rules).
    assert grade_analyte(ANALYTE_BY_CODE["alt"], D("119.99"), lln=D(7), uln=D(40), baseline=D(80)).grade == 0
    assert grade_analyte(ANALYTE_BY_CODE["alt"], D(120), lln=D(7), uln=D(40), baseline=D(80)).grade == 1


def test_missing_uln_for_a_term_graded_on_it_is_refused():
    with pytest.raises(LabGradingError):
        grade_analyte(ANALYTE_BY_CODE["alt"], D(240), lln=D(7), uln=None)
