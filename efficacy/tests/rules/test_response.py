"""Who is response-evaluable, and the stage-1 / overall counts in order of evaluability
(PROTOCOL §5 with the resolution in trialsite.protocol.efficacy.RESPONSE_EVALUABLE_DEFINITION)."""

import datetime

import pytest

from efficacy.rules.response import EvaluablePatient, is_responder, response_counts, response_evaluable_on
from trialsite.protocol.efficacy import SimonBoundaries

D = datetime.date


@pytest.mark.parametrize(
    ("measurable", "treated", "assessed", "progressed", "died", "expected"),
    [
        (True, True, D(2026, 4, 1), None, None, D(2026, 4, 1)),
        (True, True, None, None, None, None),  # nothing yet after baseline
        (False, True, D(2026, 4, 1), None, None, None),  # no measurable disease at baseline
        (True, False, D(2026, 4, 1), None, None, None),  # never treated
        (True, True, D(2026, 4, 1), D(2026, 3, 1), None, D(2026, 3, 1)),  # progressed first
        (True, True, None, None, D(2026, 2, 1), D(2026, 2, 1)),  # died before any assessment
        (True, True, D(2026, 4, 1), D(2026, 5, 1), D(2026, 6, 1), D(2026, 4, 1)),
    ],
)
def test_response_evaluable_on(measurable, treated, assessed, progressed, died, expected):
    assert (
        response_evaluable_on(
            measurable_at_baseline=measurable,
            treated=treated,
            first_confirmed_assessment=assessed,
            progression_date=progressed,
            death_date=died,
        )
        == expected
    )


@pytest.mark.parametrize(("best", "responder"), [("CR", True), ("PR", True), ("SD", False), ("PD", False),
                                                 ("NE", False), ("NON-CR/NON-PD", False)])
def test_only_confirmed_cr_and_pr_are_objective_responses(best, responder):
    assert is_responder(best) is responder


SMALL = SimonBoundaries(r1=1, n1=3, r=2, n=5)


def _patient(key: str, day: int, best: str) -> EvaluablePatient:
    return EvaluablePatient(key=key, evaluable_on=D(2026, 1, day), best_response=best)


def test_stage_one_is_the_first_n1_in_order_of_evaluability_ties_by_study_number():
    patients = [
        _patient("P04", 3, "PR"),
        _patient("P02", 2, "SD"),
        _patient("P03", 2, "CR"),
        _patient("P01", 5, "PR"),
    ]

    counts = response_counts(patients, SMALL)

    assert counts.stage1_keys == ("P02", "P03", "P04")
    assert (counts.stage1_evaluable, counts.stage1_responders) == (3, 2)
    assert (counts.evaluable, counts.responders) == (4, 3)


def test_patients_beyond_n_are_not_counted():
    patients = [_patient(f"P{index:02d}", index, "PR") for index in range(1, 8)]

    counts = response_counts(patients, SMALL)

    assert (counts.evaluable, counts.responders) == (5, 5)


def test_no_evaluable_patient_gives_zero_counts():
    counts = response_counts([], SMALL)

    assert (counts.stage1_evaluable, counts.evaluable, counts.responders) == (0, 0, 0)
