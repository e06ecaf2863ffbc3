"""Plausibility of the participant's identifying facts (PROTOCOL §1: I1 needs a date of birth;
no names or national ID numbers are stored).

Pure rules: dates are checked against ``today`` given by the caller.
"""

import datetime

from django.utils.translation import gettext as _

# Nobody older than this is screened; an older date of birth is a typing error (e.g. 1886 for 1986).
MAX_PLAUSIBLE_AGE_YEARS = 110


def date_of_birth_problem(date_of_birth: datetime.date, *, today: datetime.date) -> str | None:
    """A message when a date of birth cannot be right, else None.

    Limits: not after ``today``; not more than MAX_PLAUSIBLE_AGE_YEARS before it.
    """
    if date_of_birth > today:
        return in_the_future(date_of_birth)
    earliest = _years_before(today, MAX_PLAUSIBLE_AGE_YEARS)
    if date_of_birth < earliest:
        return _("%(date)s would make the patient older than %(age)s; check the year.") % {
            "date": f"{date_of_birth:%Y-%m-%d}", "age": MAX_PLAUSIBLE_AGE_YEARS
        }
    return None


def in_the_future(day: datetime.date) -> str:
    """"<date> is in the future.", the message of every date that cannot be later than today."""
    return _("%(date)s is in the future.") % {"date": f"{day:%Y-%m-%d}"}


def screening_date_problem(
    screening_date: datetime.date, *, date_of_birth: datetime.date | None, today: datetime.date
) -> str | None:
    """A message when a screening date cannot be right (future, or before birth), else None."""
    if screening_date > today:
        return in_the_future(screening_date)
    if date_of_birth is not None and screening_date < date_of_birth:
        return _("The screening date is before the date of birth.")
    return None


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap target year
        return day.replace(year=day.year - years, day=28)
