"""Plausibility of the diagnosis date (PROTOCOL §5: PFS and OS count from it): not in the future,
not before birth, not after screening; each limit day allowed."""

import datetime

import pytest

from enrollment.rules.plausibility import diagnosis_date_problem

TODAY = datetime.date(2026, 11, 21)
BORN = datetime.date(1975, 3, 14)
SCREENED = datetime.date(2026, 11, 2)
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("diagnosis", "screened", "problem"),
    [
        (SCREENED, SCREENED, None),
        (SCREENED + DAY, SCREENED, "after the screening date"),
        (BORN, SCREENED, None),
        (BORN - DAY, SCREENED, "before the date of birth"),
        (TODAY, None, None),
        (TODAY + DAY, None, "in the future"),
        (TODAY + DAY, TODAY + DAY, "in the future"),
    ],
)
def test_diagnosis_date_limits(diagnosis, screened, problem):
    result = diagnosis_date_problem(diagnosis, date_of_birth=BORN, screening_date=screened, today=TODAY)
    assert (result is None) if problem is None else (problem in result)


def test_unknown_date_of_birth_is_not_compared():
    assert diagnosis_date_problem(datetime.date(1900, 1, 1), date_of_birth=None, screening_date=SCREENED, today=TODAY) is None
