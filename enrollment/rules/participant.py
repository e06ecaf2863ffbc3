"""Plausibility of the participant's identifying facts (PROTOCOL §1: I1 needs a date of birth;
no names or national ID numbers are stored).

Pure rules: dates are checked against ``today`` given by the caller.
"""

import datetime

# Nobody older than this is screened; an older date of birth is a typing error (e.g. 1886 for 1986).
MAX_PLAUSIBLE_AGE_YEARS = 110


def date_of_birth_problem(date_of_birth: datetime.date, *, today: datetime.date) -> str | None:
    """A message when a date of birth cannot be right, else None.

    Limits: not after ``today``; not more than MAX_PLAUSIBLE_AGE_YEARS before it.
    """
    if date_of_birth > today:
        return f"{date_of_birth:%Y-%m-%d} is in the future."
    earliest = _years_before(today, MAX_PLAUSIBLE_AGE_YEARS)
    if date_of_birth < earliest:
        return f"{date_of_birth:%Y-%m-%d} would make the patient older than {MAX_PLAUSIBLE_AGE_YEARS}; check the year."
    return None


def screening_date_problem(
    screening_date: datetime.date, *, date_of_birth: datetime.date | None, today: datetime.date
) -> str | None:
    """A message when a screening date cannot be right (future, or before birth), else None."""
    if screening_date > today:
        return f"{screening_date:%Y-%m-%d} is in the future."
    if date_of_birth is not None and screening_date < date_of_birth:
        return "The screening date is before the date of birth."
    return None


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap target year
        return day.replace(year=day.year - years, day=28)
