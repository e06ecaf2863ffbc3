"""The visit schedule of a participant and the status of each visit on a given day (PROTOCOL §4;
the paper's Table 2), and which of a visit's expected forms are entered, missing or not done.

Pure rules: the schedule is computed from the treatment start date, and ``today`` is always a
parameter. The timepoints, windows and forms are declared in ``trialsite.protocol.visits``.
Actual visit dates never move later targets (see that module's "Shifting" note).
"""

import calendar
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trialsite.protocol.visits import (
    DAYS_PER_MONTH,
    DUE_SOON_DAYS,
    FIXED_VISITS,
    FOLLOW_UP_HORIZON_YEARS,
    FOLLOW_UP_SERIES,
    FORM_LABELS,
    MONTH_CONVENTION,
    MONTH_ROUNDING,
    MonthConvention,
    OffsetUnit,
    VisitDefinition,
    VisitKind,
)


class VisitStatus(StrEnum):
    UPCOMING = "upcoming"  # the window has not opened yet
    DUE = "due"  # today is inside the window (both ends inclusive)
    OVERDUE = "overdue"  # the window has closed and the visit is neither done nor missed
    DONE = "done"
    MISSED = "missed"


class FormStatus(StrEnum):
    ENTERED = "entered"
    MISSING = "missing"
    NOT_DONE = "not_done"


@dataclass(frozen=True)
class ScheduledVisit:
    code: str
    label: str
    kind: VisitKind
    target_date: datetime.date
    window_start: datetime.date
    window_end: datetime.date
    expected_forms: tuple[str, ...]
    actual_date: datetime.date | None = None


@dataclass(frozen=True)
class WindowDeviation:
    """A visit done outside its window: ``days`` (> 0) before it opened or after it closed."""

    code: str  # "visit.window.early" or "visit.window.late"
    days: int
    message: str


# --- The schedule --------------------------------------------------------------------------------


def months_to_days(months: int) -> int:
    """Days in ``months`` average months: months x DAYS_PER_MONTH, rounded half up.

    Source: PROTOCOL §4 follow-up timepoints in months; the conversion is the resolution in
    ``trialsite.protocol.visits`` (MonthConvention.AVERAGE).
    """
    return int((Decimal(months) * DAYS_PER_MONTH).quantize(Decimal(1), rounding=MONTH_ROUNDING))


def add_calendar_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month ``months`` calendar months on, clamped to the month's last day
    (31 January + 1 month = 28 or 29 February). Source: MonthConvention.CALENDAR (PROTOCOL §4)."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_code(month: int) -> str:
    """The stable code of the follow-up visit ``month`` months after treatment start."""
    return f"fu_m{month}"


def visit_definitions(*, horizon_years: int = FOLLOW_UP_HORIZON_YEARS) -> tuple[VisitDefinition, ...]:
    """Every protocol visit up to ``horizon_years`` after treatment start, in protocol order.

    Source: PROTOCOL §4 - eligibility, RT planning, CCRT weeks 0-8, end of EBRT, months 3 and 6,
    then every 3 months to 2 years, every 6 months in years 3-5 and yearly after 5 years, cut at
    the horizon (FOLLOW_UP_HORIZON_YEARS). Follow-ups are numbered in order (month 3 is
    follow-up 1, month 6 follow-up 2, month 9 follow-up 3, ...), as in Table 2.
    """
    if horizon_years < 1:
        raise ValueError(f"The follow-up horizon must be at least 1 year (got {horizon_years}).")
    horizon_months = 12 * horizon_years
    definitions = [
        visit for visit in FIXED_VISITS if visit.offset_unit is not OffsetUnit.MONTHS or visit.offset <= horizon_months
    ]
    follow_up_number = sum(1 for visit in definitions if visit.kind is VisitKind.FOLLOW_UP)
    for series in FOLLOW_UP_SERIES:
        last_month = horizon_months if series.last_month is None else min(series.last_month, horizon_months)
        for month in range(series.first_month, last_month + 1, series.interval_months):
            follow_up_number += 1
            definitions.append(
                VisitDefinition(
                    follow_up_code(month),
                    _("Follow-up %(number)s (month %(month)s)") % {"number": follow_up_number, "month": month},
                    VisitKind.FOLLOW_UP,
                    month,
                    OffsetUnit.MONTHS,
                    series.window,
                    series.forms,
                )
            )
    codes = [visit.code for visit in definitions]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValueError(f"Visit codes declared twice: {', '.join(duplicates)}.")
    return tuple(definitions)


def target_date(
    definition: VisitDefinition,
    treatment_start: datetime.date,
    *,
    month_convention: MonthConvention = MONTH_CONVENTION,
) -> datetime.date:
    """The visit's target date: treatment start (offset 0 = week 0 day 1) plus its offset.

    Source: PROTOCOL §2 (day 1 = first EBRT fraction) and §4 (timepoints).
    """
    if definition.offset_unit is OffsetUnit.DAYS:
        return treatment_start + datetime.timedelta(days=definition.offset)
    if month_convention is MonthConvention.CALENDAR:
        return add_calendar_months(treatment_start, definition.offset)
    return treatment_start + datetime.timedelta(days=months_to_days(definition.offset))


def visit_schedule(
    treatment_start: datetime.date,
    *,
    actual_dates: Mapping[str, datetime.date] | None = None,
    horizon_years: int = FOLLOW_UP_HORIZON_YEARS,
    month_convention: MonthConvention = MONTH_CONVENTION,
) -> list[ScheduledVisit]:
    """The participant's visits with target date and window, ordered by target date (ties in
    protocol order: CCRT week 5 before the end of EBRT).

    Source: PROTOCOL §4 and the paper's Table 2. Every target counts from ``treatment_start``;
    ``actual_dates`` (visit code -> date done) are carried onto the visits but never move a target
    (resolution in ``trialsite.protocol.visits``). A code that is not in the schedule is an error.
    """
    actual_dates = dict(actual_dates or {})
    definitions = visit_definitions(horizon_years=horizon_years)
    unknown = sorted(set(actual_dates) - {definition.code for definition in definitions})
    if unknown:
        raise ValueError(f"Actual dates given for visits not in the schedule: {', '.join(unknown)}.")
    visits = []
    for definition in definitions:
        target = target_date(definition, treatment_start, month_convention=month_convention)
        visits.append(
            ScheduledVisit(
                code=definition.code,
                label=definition.label,
                kind=definition.kind,
                target_date=target,
                window_start=target - datetime.timedelta(days=definition.window.days_before),
                window_end=target + datetime.timedelta(days=definition.window.days_after),
                expected_forms=definition.forms,
                actual_date=actual_dates.get(definition.code),
            )
        )
    order = {definition.code: index for index, definition in enumerate(definitions)}
    return sorted(visits, key=lambda visit: (visit.target_date, order[visit.code]))


# --- Status on a given day -----------------------------------------------------------------------


def visit_status(
    visit: ScheduledVisit,
    *,
    today: datetime.date,
    actual_date: datetime.date | None = None,
    missed: bool = False,
) -> str:
    """The visit's status on ``today``: "done", "missed", "upcoming", "due" or "overdue".

    Source: PROTOCOL §4 windows. Done (an actual date; ``visit.actual_date`` when none is passed)
    and missed override the calendar; otherwise the visit is upcoming before ``window_start``,
    due from ``window_start`` to ``window_end`` inclusive, and overdue after ``window_end``.
    A visit cannot be both done and missed, nor done after ``today``.
    """
    done_on = actual_date if actual_date is not None else visit.actual_date
    if done_on is not None:
        if missed:
            raise ValueError(f"Visit {visit.code} cannot be both done ({done_on:%Y-%m-%d}) and missed.")
        if done_on > today:
            raise ValueError(
                f"Visit {visit.code} cannot be done on {done_on:%Y-%m-%d}, after today ({today:%Y-%m-%d})."
            )
        return VisitStatus.DONE
    if missed:
        return VisitStatus.MISSED
    if today < visit.window_start:
        return VisitStatus.UPCOMING
    if today <= visit.window_end:
        return VisitStatus.DUE
    return VisitStatus.OVERDUE


def days_until_window_opens(visit: ScheduledVisit, *, today: datetime.date) -> int:
    """Days from ``today`` to the first day of the window (0 on that day, negative once open)."""
    return (visit.window_start - today).days


def is_due_soon(
    visit: ScheduledVisit,
    *,
    today: datetime.date,
    actual_date: datetime.date | None = None,
    missed: bool = False,
    within_days: int = DUE_SOON_DAYS,
) -> bool:
    """Whether an upcoming visit's window opens within ``within_days`` days of ``today``
    (inclusive: opening exactly ``within_days`` days from now is due soon).

    Source: issue 6 "due soon" flag; N = DUE_SOON_DAYS (``trialsite.protocol.visits``). A visit
    already due, overdue, done or missed is not "due soon".
    """
    if visit_status(visit, today=today, actual_date=actual_date, missed=missed) != VisitStatus.UPCOMING:
        return False
    return days_until_window_opens(visit, today=today) <= within_days


# --- Window of a visit that was done -------------------------------------------------------------


def is_within_window(visit: ScheduledVisit, actual_date: datetime.date) -> bool:
    """Whether ``actual_date`` lies in the visit's window, both ends inclusive (PROTOCOL §4)."""
    return visit.window_start <= actual_date <= visit.window_end


def days_outside_window(visit: ScheduledVisit, actual_date: datetime.date) -> int:
    """How far ``actual_date`` lies outside the window: 0 inside it, negative when early (days
    before ``window_start``), positive when late (days after ``window_end``). Source: PROTOCOL §4."""
    if actual_date < visit.window_start:
        return (actual_date - visit.window_start).days
    if actual_date > visit.window_end:
        return (actual_date - visit.window_end).days
    return 0


def window_deviation(visit: ScheduledVisit, actual_date: datetime.date) -> WindowDeviation | None:
    """The out-of-window note for a visit done on ``actual_date``, or None inside the window.

    Source: PROTOCOL §4 windows. The message names the date, the distance and the window.
    """
    days = days_outside_window(visit, actual_date)
    if days == 0:
        return None
    values = {
        "visit": visit.label,
        "date": f"{actual_date:%Y-%m-%d}",
        "days": _days(abs(days)),
        "start": f"{visit.window_start:%Y-%m-%d}",
        "end": f"{visit.window_end:%Y-%m-%d}",
        "target": f"{visit.target_date:%Y-%m-%d}",
    }
    if days < 0:
        return WindowDeviation(
            "visit.window.early",
            -days,
            _(
                "%(visit)s done on %(date)s, %(days)s before its window opened "
                "(window %(start)s to %(end)s, target %(target)s)."
            ) % values,
        )
    return WindowDeviation(
        "visit.window.late",
        days,
        _(
            "%(visit)s done on %(date)s, %(days)s after its window closed "
            "(window %(start)s to %(end)s, target %(target)s)."
        ) % values,
    )


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


# --- Forms of a visit ----------------------------------------------------------------------------


def missing_forms(expected: Iterable[str], entered: Iterable[str], not_done: Iterable[str]) -> dict[str, str]:
    """Each expected form's status: "entered", "not_done" (marked not done, with a reason kept by
    the caller) or "missing", in the order expected.

    Source: paper's Table 2 (expected forms, ``trialsite.protocol.visits``) and issue 6
    missing-form tracking. A form both entered and marked not done counts as entered (the data
    exists; the mark is stale). Forms entered that the visit does not expect are ignored; an
    expected form outside the form vocabulary is an error.
    """
    expected = list(dict.fromkeys(expected))
    unknown = [code for code in expected if code not in FORM_LABELS]
    if unknown:
        raise ValueError(f"Unknown form codes: {', '.join(unknown)}.")
    entered_codes = set(entered)
    not_done_codes = set(not_done)
    statuses: dict[str, str] = {}
    for code in expected:
        if code in entered_codes:
            statuses[code] = FormStatus.ENTERED
        elif code in not_done_codes:
            statuses[code] = FormStatus.NOT_DONE
        else:
            statuses[code] = FormStatus.MISSING
    return statuses


def forms_complete(statuses: Mapping[str, str]) -> bool:
    """Whether no expected form is missing (every one entered or marked not done). Issue 6."""
    return all(status != FormStatus.MISSING for status in statuses.values())
