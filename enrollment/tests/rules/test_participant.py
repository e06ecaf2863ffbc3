"""Plausibility of a participant's dates (enrollment/rules/participant.py)."""

import datetime

import pytest

from enrollment.rules.participant import MAX_PLAUSIBLE_AGE_YEARS, date_of_birth_problem, screening_date_problem

TODAY = datetime.date(2026, 11, 21)
DAY = datetime.timedelta(days=1)
OLDEST = datetime.date(2026 - MAX_PLAUSIBLE_AGE_YEARS, 11, 21)


@pytest.mark.parametrize(
    "dob, problem",
    [
        (TODAY, None),
        (TODAY + DAY, "future"),
        (OLDEST, None),
        (OLDEST - DAY, "older than"),
    ],
)
def test_date_of_birth_limits(dob, problem):
    result = date_of_birth_problem(dob, today=TODAY)
    assert (result is None) if problem is None else (problem in result)


def test_oldest_limit_on_29_february_falls_back_to_28_february():
    assert date_of_birth_problem(datetime.date(1918, 2, 28), today=datetime.date(2028, 2, 29)) is None
    assert date_of_birth_problem(datetime.date(1918, 2, 27), today=datetime.date(2028, 2, 29)) is not None


@pytest.mark.parametrize(
    "screening_date, dob, problem",
    [
        (TODAY, datetime.date(1980, 1, 1), None),
        (TODAY + DAY, datetime.date(1980, 1, 1), "future"),
        (datetime.date(1980, 1, 1), datetime.date(1980, 1, 1), None),
        (datetime.date(1979, 12, 31), datetime.date(1980, 1, 1), "before the date of birth"),
        (TODAY, None, None),
    ],
)
def test_screening_date_limits(screening_date, dob, problem):
    result = screening_date_problem(screening_date, date_of_birth=dob, today=TODAY)
    assert (result is None) if problem is None else (problem in result)
