"""Survival endpoints of PROTOCOL §5 and their Kaplan-Meier summaries.

PROTOCOL §5: overall survival (OS) runs from the diagnosis date to death from any cause;
progression-free survival (PFS) runs from the diagnosis date to progression at any site or death,
whichever comes first; the secondary endpoints are 2- and 3-year PFS and 3-year OS
(``trialsite.protocol.efficacy.SURVIVAL``).

Conventions, written down once:

- Day 0 is the diagnosis date; a time is the number of calendar days from it (death on the day of
  diagnosis is 0 days).
- Months are days / 30.4375 (365.25 / 12), so 12 months = 1 year = 365.25 days.
- Data cut-off: nothing after the cut-off date is known. An event after it is censored at the
  cut-off; a censoring date after it is moved back to the cut-off.
- OS is censored at the latest date she is known to have been alive: the recorded last-known-alive
  date, or a later date that proves it (last known progression-free, a follow-up tumour
  assessment, a progression, the enrolment date).
- PFS is censored at the latest date she is known to have been free of progression: the recorded
  last-progression-free date or a later follow-up assessment whose response is not PD; when none
  is recorded, the enrolment date (an eligible participant had not progressed), else day 0.
- Kaplan-Meier estimates come from lifelines (``KaplanMeierFitter``): 95 % confidence intervals by
  the exponential Greenwood (log(-log)) method, the median's interval from
  ``lifelines.utils.median_survival_times`` on the interval curves; groups are compared with the
  log-rank test and a Cox proportional-hazards model (Efron ties).

Pure Python (no database, no clock): ``cutoff`` is a parameter; Django only for ``gettext`` of the
labels and messages people read (CSV downloads render them in English).
"""

import datetime
import math
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from lifelines.statistics import logrank_test, multivariate_logrank_test
from lifelines.utils import median_survival_times

from efficacy.rules import recist

DAYS_PER_MONTH = 30.4375  # 365.25 / 12
CONFIDENCE_LEVEL = 0.95
DEFAULT_LANDMARKS_MONTHS: tuple[float, ...] = (12, 24, 36)
DEFAULT_AT_RISK_MONTHS: tuple[float, ...] = tuple(range(0, 61, 6))

# Stable codes of the reasons a participant's times cannot be computed (she is left out of the
# survival analysis and listed with the reason).
NO_DIAGNOSIS_DATE = "survival.no_diagnosis_date"
DIAGNOSED_AFTER_CUTOFF = "survival.diagnosed_after_cutoff"
DATE_BEFORE_DIAGNOSIS = "survival.date_before_diagnosis"
ALIVE_AFTER_DEATH = "survival.alive_after_death"

# Why a time ends (the "basis" of OS and PFS).
DEATH = "death"
PROGRESSION = "progression"
LAST_KNOWN_ALIVE = "last_known_alive"
LAST_PROGRESSION_FREE = "last_progression_free"
LAST_ASSESSMENT = "last_assessment"
ENROLMENT = "enrolment"
DIAGNOSIS = "diagnosis"
CUTOFF = "cutoff"

BASIS_LABELS = {
    DEATH: pgettext_lazy("survival time ends at", "death"),
    PROGRESSION: pgettext_lazy("survival time ends at", "progression"),
    LAST_KNOWN_ALIVE: gettext_lazy("censored: last known alive"),
    LAST_PROGRESSION_FREE: gettext_lazy("censored: last known progression-free"),
    LAST_ASSESSMENT: gettext_lazy("censored: last follow-up assessment"),
    ENROLMENT: gettext_lazy("censored: enrolment (no later follow-up)"),
    DIAGNOSIS: gettext_lazy("censored: diagnosis (no follow-up)"),
    CUTOFF: gettext_lazy("censored: data cut-off"),
}

# The dates a participant's times are read from, named in the messages about them.
_LAST_NON_PD_ASSESSMENT = "last_non_pd_assessment"
_DATE_NAMES = {
    PROGRESSION: pgettext_lazy("a date", "progression"),
    DEATH: pgettext_lazy("a date", "death"),
    LAST_KNOWN_ALIVE: gettext_lazy("last known alive"),
    LAST_PROGRESSION_FREE: gettext_lazy("last known progression-free"),
    LAST_ASSESSMENT: gettext_lazy("last follow-up assessment"),
    _LAST_NON_PD_ASSESSMENT: gettext_lazy("last assessment without progression"),
    ENROLMENT: gettext_lazy("enrolment"),
}

# Order of preference when two sources give the same date (first wins).
_ALIVE_SOURCES = (LAST_KNOWN_ALIVE, LAST_PROGRESSION_FREE, LAST_ASSESSMENT, PROGRESSION, ENROLMENT)
_PROGRESSION_FREE_SOURCES = (LAST_PROGRESSION_FREE, LAST_ASSESSMENT, ENROLMENT)


def _join(names: Iterable[str]) -> str:
    """Names listed in a message ("progression, death")."""
    return pgettext("separator of a list of names", ", ").join(str(name) for name in names)


def days_to_months(days: float) -> float:
    """Days / 30.4375 (the month convention of this module)."""
    return days / DAYS_PER_MONTH


@dataclass(frozen=True)
class SurvivalTimes:
    """One participant's OS and PFS (days from diagnosis, event or censored, and why).

    ``problem`` is a stable code (``survival.*``) when the times cannot be computed; the times are
    then ``None`` and she is left out of the analysis.
    """

    os_days: int | None = None
    os_event: bool = False
    os_end_date: datetime.date | None = None
    os_basis: str = ""
    pfs_days: int | None = None
    pfs_event: bool = False
    pfs_end_date: datetime.date | None = None
    pfs_basis: str = ""
    problem: str = ""
    problem_message: str = ""

    @property
    def os_months(self) -> float | None:
        return None if self.os_days is None else days_to_months(self.os_days)

    @property
    def pfs_months(self) -> float | None:
        return None if self.pfs_days is None else days_to_months(self.pfs_days)

    @property
    def os_basis_label(self) -> str:
        return str(BASIS_LABELS.get(self.os_basis, ""))

    @property
    def pfs_basis_label(self) -> str:
        return str(BASIS_LABELS.get(self.pfs_basis, ""))


def _problem(code: str, message: str) -> SurvivalTimes:
    return SurvivalTimes(problem=code, problem_message=message)


def _latest(sources: dict[str, datetime.date | None], order: Sequence[str]) -> tuple[datetime.date | None, str]:
    """The latest date among ``sources`` and its source (ties: the first source in ``order``)."""
    best: tuple[datetime.date | None, str] = (None, "")
    for name in order:
        day = sources.get(name)
        if day is not None and (best[0] is None or day > best[0]):
            best = (day, name)
    return best


def _end(
    *,
    diagnosis: datetime.date,
    event_date: datetime.date | None,
    event_basis: str,
    censor_date: datetime.date | None,
    censor_basis: str,
    cutoff: datetime.date,
) -> tuple[int, bool, datetime.date, str]:
    """(days, event, end date, basis): the event if on or before the cut-off, else censored at the
    censoring date (or day 0 without one), moved back to the cut-off if it is later."""
    if event_date is not None and event_date <= cutoff:
        return (event_date - diagnosis).days, True, event_date, event_basis
    if event_date is not None:
        return (cutoff - diagnosis).days, False, cutoff, CUTOFF
    if censor_date is None:
        return 0, False, diagnosis, DIAGNOSIS
    if censor_date > cutoff:
        return (cutoff - diagnosis).days, False, cutoff, CUTOFF
    return (censor_date - diagnosis).days, False, censor_date, censor_basis


def survival_times(
    *,
    diagnosis_date: datetime.date | None,
    progression_date: datetime.date | None,
    death_date: datetime.date | None,
    last_known_alive: datetime.date | None,
    last_progression_free: datetime.date | None,
    cutoff: datetime.date,
    last_assessment: datetime.date | None = None,
    last_non_pd_assessment: datetime.date | None = None,
    enrolment_date: datetime.date | None = None,
) -> SurvivalTimes:
    """OS and PFS of one participant at the data cut-off ``cutoff`` (PROTOCOL §5).

    OS: from ``diagnosis_date`` to ``death_date`` (event); otherwise censored at the latest date
    known alive (``last_known_alive``, or a later ``last_progression_free``, ``last_assessment``
    (any follow-up tumour assessment), ``progression_date`` or ``enrolment_date``).

    PFS: from ``diagnosis_date`` to the earlier of ``progression_date`` (the first progression, at
    any site) and ``death_date`` (event); otherwise censored at the latest date known free of
    progression (``last_progression_free`` or ``last_non_pd_assessment``, else ``enrolment_date``,
    else day 0). A last-progression-free date after the progression does not matter: the
    progression ends PFS.

    Events after ``cutoff`` are censored at the cut-off, and so are censoring dates after it.
    Problems (no times computed): no diagnosis date, diagnosis after the cut-off, a date before
    the diagnosis, a date known alive after the date of death.
    """
    if diagnosis_date is None:
        return _problem(NO_DIAGNOSIS_DATE, _("No diagnosis date: OS and PFS count from it (PROTOCOL §5)."))
    if diagnosis_date > cutoff:
        return _problem(
            DIAGNOSED_AFTER_CUTOFF, _("Diagnosed after the data cut-off %(date)s.") % {"date": f"{cutoff:%Y-%m-%d}"}
        )
    named = {
        _DATE_NAMES[PROGRESSION]: progression_date,
        _DATE_NAMES[DEATH]: death_date,
        _DATE_NAMES[LAST_KNOWN_ALIVE]: last_known_alive,
        _DATE_NAMES[LAST_PROGRESSION_FREE]: last_progression_free,
        _DATE_NAMES[LAST_ASSESSMENT]: last_assessment,
        _DATE_NAMES[_LAST_NON_PD_ASSESSMENT]: last_non_pd_assessment,
        _DATE_NAMES[ENROLMENT]: enrolment_date,
    }
    early = [str(name) for name, day in named.items() if day is not None and day < diagnosis_date]
    if early:
        return _problem(
            DATE_BEFORE_DIAGNOSIS,
            _("Date before the diagnosis date %(date)s: %(names)s.")
            % {"date": f"{diagnosis_date:%Y-%m-%d}", "names": _join(early)},
        )
    alive = {
        LAST_KNOWN_ALIVE: last_known_alive,
        LAST_PROGRESSION_FREE: last_progression_free,
        LAST_ASSESSMENT: last_assessment,
        PROGRESSION: progression_date,
        ENROLMENT: enrolment_date,
    }
    if death_date is not None:
        late = [str(_DATE_NAMES[name]) for name in _ALIVE_SOURCES if alive[name] is not None and alive[name] > death_date]
        if late:
            return _problem(
                ALIVE_AFTER_DEATH,
                _("Date after the date of death %(date)s: %(names)s.")
                % {"date": f"{death_date:%Y-%m-%d}", "names": _join(late)},
            )

    alive_date, alive_basis = _latest(alive, _ALIVE_SOURCES)
    os_days, os_event, os_end, os_basis = _end(
        diagnosis=diagnosis_date,
        event_date=death_date,
        event_basis=DEATH,
        censor_date=alive_date,
        censor_basis=alive_basis,
        cutoff=cutoff,
    )

    if progression_date is not None and (death_date is None or progression_date <= death_date):
        pfs_event_date, pfs_event_basis = progression_date, PROGRESSION
    else:
        pfs_event_date, pfs_event_basis = death_date, DEATH
    free = {LAST_PROGRESSION_FREE: last_progression_free, LAST_ASSESSMENT: last_non_pd_assessment}
    free_date, free_basis = _latest(free, _PROGRESSION_FREE_SOURCES)
    if free_date is None and enrolment_date is not None:
        free_date, free_basis = enrolment_date, ENROLMENT
    pfs_days, pfs_event, pfs_end, pfs_basis = _end(
        diagnosis=diagnosis_date,
        event_date=pfs_event_date,
        event_basis=pfs_event_basis,
        censor_date=free_date,
        censor_basis=free_basis,
        cutoff=cutoff,
    )
    return SurvivalTimes(
        os_days=os_days,
        os_event=os_event,
        os_end_date=os_end,
        os_basis=os_basis,
        pfs_days=pfs_days,
        pfs_event=pfs_event,
        pfs_end_date=pfs_end,
        pfs_basis=pfs_basis,
    )


# --- Kaplan-Meier summaries --------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A value with its 95 % confidence interval; ``None`` = not reached / not estimable."""

    value: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class Landmark:
    """Survival at ``months`` with its 95 % CI; not estimable after the last observation."""

    months: float
    estimable: bool
    survival: float | None = None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class AtRisk:
    """Still followed at ``months`` (time >= months), and events and censorings before it."""

    months: float
    at_risk: int
    events_before: int
    censored_before: int


@dataclass(frozen=True)
class CurvePoint:
    """A step of the Kaplan-Meier curve: from ``months`` on, survival is ``survival``."""

    months: float
    survival: float
    lower: float
    upper: float
    at_risk: int = 0
    events: int = 0
    censored: int = 0


@dataclass(frozen=True)
class KmSummary:
    n: int
    events: int
    median: Estimate  # months; value None = median not reached
    landmarks: tuple[Landmark, ...]
    at_risk: tuple[AtRisk, ...]
    curve: tuple[CurvePoint, ...]  # starts at (0, 1.0); one point per distinct observed time
    censor_marks: tuple[tuple[float, float], ...]  # (months, survival) of each censored time
    max_follow_up_months: float | None

    @property
    def censored(self) -> int:
        return self.n - self.events

    @property
    def median_reached(self) -> bool:
        return self.median.value is not None


def _finite(value) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _fit_km(durations: Sequence[float], events: Sequence[bool]) -> KaplanMeierFitter:
    fitter = KaplanMeierFitter(alpha=1 - CONFIDENCE_LEVEL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(np.asarray(durations, dtype=float), event_observed=np.asarray(events, dtype=bool))
    return fitter


def _step_value(frame: pd.DataFrame, time: float) -> pd.Series:
    """The row of a step function (indexed by time) in force at ``time``."""
    return frame.loc[frame.index <= time].iloc[-1]


def km_summary(
    durations: Sequence[float],
    events: Sequence[bool],
    *,
    landmarks_months: Iterable[float] = DEFAULT_LANDMARKS_MONTHS,
    at_risk_months: Iterable[float] = DEFAULT_AT_RISK_MONTHS,
) -> KmSummary:
    """Kaplan-Meier summary of times in months (lifelines ``KaplanMeierFitter``).

    The median with its 95 % CI (``median_survival_times`` on the interval curves; ``None`` where a
    curve never reaches 0.5: "not reached"), survival with its 95 % CI at each landmark (the step
    function in force at that time; not estimable after the last observed time unless the curve has
    reached 0), numbers at risk (time >= t), and the curve as steps for plotting.
    """
    durations = [float(value) for value in durations]
    events = [bool(value) for value in events]
    if len(durations) != len(events):
        raise ValueError("durations and events differ in length")
    landmarks_months = tuple(landmarks_months)
    at_risk_months = tuple(at_risk_months)
    n = len(durations)
    if n == 0:
        return KmSummary(
            n=0,
            events=0,
            median=Estimate(None, None, None),
            landmarks=tuple(Landmark(months=month, estimable=False) for month in landmarks_months),
            at_risk=tuple(
                AtRisk(months=month, at_risk=0, events_before=0, censored_before=0) for month in at_risk_months
            ),
            curve=(),
            censor_marks=(),
            max_follow_up_months=None,
        )
    fitter = _fit_km(durations, events)
    survival = fitter.survival_function_
    interval = fitter.confidence_interval_
    lower_col, upper_col = interval.columns[0], interval.columns[1]
    table = fitter.event_table

    median = _finite(fitter.median_survival_time_)
    median_ci = median_survival_times(interval)
    median_estimate = Estimate(
        value=median,
        lower=_finite(median_ci.iloc[0, 0]),
        upper=_finite(median_ci.iloc[0, 1]),
    )

    last_time = max(durations)
    landmarks = []
    for month in landmarks_months:
        value = float(fitter.survival_function_at_times(month).iloc[0])
        if month > last_time and value > 0:
            landmarks.append(Landmark(months=month, estimable=False))
            continue
        bounds = _step_value(interval, month)
        landmarks.append(
            Landmark(
                months=month,
                estimable=True,
                survival=value,
                lower=float(bounds[lower_col]),
                upper=float(bounds[upper_col]),
            )
        )

    at_risk = []
    for month in at_risk_months:
        before = table.loc[table.index < month]
        at_risk.append(
            AtRisk(
                months=month,
                at_risk=sum(1 for value in durations if value >= month),
                events_before=int(before["observed"].sum()),
                censored_before=int(before["censored"].sum()),
            )
        )

    curve = [CurvePoint(months=0.0, survival=1.0, lower=1.0, upper=1.0, at_risk=n)]
    for time, row in table.iterrows():
        if row["removed"] == 0:
            continue  # lifelines' own time-0 row when nobody has time 0
        bounds = interval.loc[time]
        curve.append(
            CurvePoint(
                months=float(time),
                survival=float(survival.loc[time].iloc[0]),
                lower=float(bounds[lower_col]),
                upper=float(bounds[upper_col]),
                at_risk=int(row["at_risk"]),
                events=int(row["observed"]),
                censored=int(row["censored"]),
            )
        )
    censor_marks = tuple(
        (float(time), float(survival.loc[time].iloc[0])) for time, row in table.iterrows() if row["censored"] > 0
    )
    return KmSummary(
        n=n,
        events=sum(events),
        median=median_estimate,
        landmarks=tuple(landmarks),
        at_risk=tuple(at_risk),
        curve=tuple(curve),
        censor_marks=censor_marks,
        max_follow_up_months=last_time,
    )


# --- Comparison by a baseline factor ----------------------------------------------------------


@dataclass(frozen=True)
class GroupSummary:
    level: str
    km: KmSummary
    reference: bool = False


@dataclass(frozen=True)
class HazardRatio:
    """Cox hazard ratio of ``level`` against the reference level, with 95 % CI and Wald p."""

    level: str
    hazard_ratio: float
    lower: float
    upper: float
    p_value: float


@dataclass(frozen=True)
class GroupComparison:
    groups: tuple[GroupSummary, ...]
    reference: str
    logrank_p: float | None
    logrank_statistic: float | None
    logrank_df: int | None
    logrank_note: str  # why there is no p-value, when there is none
    hazard_ratios: tuple[HazardRatio, ...]
    cox_note: str  # why there is no fit, or a warning about it

    @property
    def has_cox(self) -> bool:
        return bool(self.hazard_ratios)


def _reference_level(counts: Counter, order: Sequence[str] | None) -> str:
    if order:
        for level in order:
            if counts.get(level):
                return level
    # The largest group; ties broken by the level's name so the choice is reproducible.
    return min(counts, key=lambda level: (-counts[level], level))


def _logrank(frame: pd.DataFrame, levels: Sequence[str]) -> tuple[float | None, float | None, int | None, str]:
    if len(levels) < 2:
        return None, None, None, _("Only one group: nothing to compare.")
    if not frame["event"].any():
        return None, None, None, _("No events: the log-rank test needs at least one.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(levels) == 2:
            first = frame[frame["group"] == levels[0]]
            second = frame[frame["group"] == levels[1]]
            result = logrank_test(
                first["time"], second["time"], event_observed_A=first["event"], event_observed_B=second["event"]
            )
        else:
            result = multivariate_logrank_test(frame["time"], frame["group"], frame["event"])
    return _finite(result.p_value), _finite(result.test_statistic), int(result.degrees_of_freedom), ""


def _cox(frame: pd.DataFrame, levels: Sequence[str], reference: str) -> tuple[tuple[HazardRatio, ...], str]:
    if len(levels) < 2:
        return (), _("Only one group: no hazard ratio.")
    no_events = [level for level in levels if not frame.loc[frame["group"] == level, "event"].any()]
    if no_events:
        return (), _("No Cox model: no events in %(groups)s (the hazard ratio would be 0 or infinite).") % {
            "groups": _join(no_events)
        }
    others = [level for level in levels if level != reference]
    columns = {f"x{index}": level for index, level in enumerate(others)}
    design = pd.DataFrame({"time": frame["time"], "event": frame["event"].astype(int)})
    for column, level in columns.items():
        design[column] = (frame["group"] == level).astype(float)
    fitter = CoxPHFitter(alpha=1 - CONFIDENCE_LEVEL)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitter.fit(design, duration_col="time", event_col="event")
        except (ConvergenceError, np.linalg.LinAlgError) as error:
            return (), _("No Cox model: the fit did not converge (%(error)s).") % {"error": str(error).splitlines()[0]}
    summary = fitter.summary
    lower_col = next(column for column in summary.columns if column.startswith("exp(coef) lower"))
    upper_col = next(column for column in summary.columns if column.startswith("exp(coef) upper"))
    ratios = []
    for column, level in columns.items():
        row = summary.loc[column]
        values = (float(row["exp(coef)"]), float(row[lower_col]), float(row[upper_col]), float(row["p"]))
        if not all(math.isfinite(value) for value in values):
            return (), _(
                "No Cox model: the hazard ratio of %(group)s cannot be estimated (too few events, or the groups' "
                "times do not overlap)."
            ) % {"group": level}
        ratios.append(
            HazardRatio(level=level, hazard_ratio=values[0], lower=values[1], upper=values[2], p_value=values[3])
        )
    note = ""
    if any(issubclass(warning.category, ConvergenceWarning) for warning in caught):
        note = _(
            "The Cox fit warned about convergence (few events or a near-empty group): read the hazard ratios with care."
        )
    return tuple(ratios), note


def compare_groups(
    durations: Sequence[float],
    events: Sequence[bool],
    groups: Sequence[str],
    *,
    order: Sequence[str] | None = None,
    landmarks_months: Iterable[float] = DEFAULT_LANDMARKS_MONTHS,
    at_risk_months: Iterable[float] = DEFAULT_AT_RISK_MONTHS,
) -> GroupComparison:
    """Kaplan-Meier by group, log-rank test and Cox hazard ratios against a reference level.

    The reference is the first level of ``order`` that has participants, else the largest group.
    Two groups: ``logrank_test``; more: ``multivariate_logrank_test`` (chi-square, k - 1 df). The Cox
    model has the factor one-hot encoded against the reference. When a test or fit is impossible
    (one group, no events, a group without events, no convergence) the result says why.
    """
    durations = [float(value) for value in durations]
    events = [bool(value) for value in events]
    groups = [str(value) for value in groups]
    if not len(durations) == len(events) == len(groups):
        raise ValueError("durations, events and groups differ in length")
    landmarks_months = tuple(landmarks_months)
    at_risk_months = tuple(at_risk_months)
    counts = Counter(groups)
    if not counts:
        return GroupComparison(
            groups=(),
            reference="",
            logrank_p=None,
            logrank_statistic=None,
            logrank_df=None,
            logrank_note=_("No participants to compare."),
            hazard_ratios=(),
            cox_note=_("No participants to compare."),
        )
    reference = _reference_level(counts, order)
    if order:
        levels = [level for level in order if counts.get(level)] + sorted(
            level for level in counts if level not in order
        )
    else:
        levels = sorted(counts)
    frame = pd.DataFrame({"time": durations, "event": events, "group": groups})
    summaries = []
    for level in levels:
        part = frame[frame["group"] == level]
        summaries.append(
            GroupSummary(
                level=level,
                reference=level == reference,
                km=km_summary(
                    part["time"].tolist(),
                    part["event"].tolist(),
                    landmarks_months=landmarks_months,
                    at_risk_months=at_risk_months,
                ),
            )
        )
    p_value, statistic, df, logrank_note = _logrank(frame, levels)
    ratios, cox_note = _cox(frame, levels, reference)
    return GroupComparison(
        groups=tuple(summaries),
        reference=reference,
        logrank_p=p_value,
        logrank_statistic=statistic,
        logrank_df=df,
        logrank_note=logrank_note,
        hazard_ratios=ratios,
        cox_note=cox_note,
    )


# --- Response and failure pattern (the retrospective study's Table 4) -----------------------------

LOCOREGIONAL = "locoregional"
DISTANT = "distant"
BOTH = "both"

RESPONSE_ROWS: tuple[tuple[str, str], ...] = (
    (recist.CR, "CR"),
    (recist.PR, "PR"),
    (recist.SD, "SD"),
    (recist.NON_CR_NON_PD, gettext_lazy("Non-CR/non-PD")),
    (recist.PD, "PD"),
    (recist.NE, "NE"),
)
PATTERN_ROWS: tuple[tuple[str, str], ...] = (
    ("progression_any", gettext_lazy("Any site")),
    ("progression_locoregional", gettext_lazy("Locoregional")),
    ("progression_distant", gettext_lazy("Distant")),
    ("progression_both", gettext_lazy("Both sites")),
    ("deaths", gettext_lazy("Deaths")),
)


@dataclass(frozen=True)
class PatternInput:
    best_response: str  # confirmed best overall response (RECIST 1.1)
    progression_sites: frozenset[str]  # every site recorded: locoregional / distant / both
    died: bool


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    n: int
    pct: float | None  # of the population; None when it is empty


@dataclass(frozen=True)
class ResponsePattern:
    population_n: int
    responses: tuple[Count, ...]  # one per best response; they add up to population_n
    patterns: tuple[Count, ...]  # failure pattern and deaths; a participant may count in several

    @property
    def cells(self) -> tuple[Count, ...]:
        return self.responses + self.patterns


def _count(key: str, label: str, n: int, population: int) -> Count:
    return Count(key=key, label=label, n=n, pct=100.0 * n / population if population else None)


def response_pattern(patients: Iterable[PatternInput]) -> ResponsePattern:
    """Best response (CR / PR / SD / non-CR/non-PD / PD / NE), progression by site and deaths, as
    counts and percentages of the participants given (the caller's report population).

    A progression "includes" a site when any progression recorded there is: locoregional =
    "locoregional" or "both"; distant = "distant" or "both"; both = a "both" record, or separate
    locoregional and distant records. A best response outside the RECIST categories counts as NE.
    """
    patients = list(patients)
    total = len(patients)
    known = {code for code, _ in RESPONSE_ROWS}
    responses = Counter(patient.best_response if patient.best_response in known else recist.NE for patient in patients)
    locoregional = distant = both = any_site = deaths = 0
    for patient in patients:
        sites = patient.progression_sites
        has_local = LOCOREGIONAL in sites or BOTH in sites
        has_distant = DISTANT in sites or BOTH in sites
        any_site += bool(sites)
        locoregional += has_local
        distant += has_distant
        both += has_local and has_distant
        deaths += patient.died
    pattern_counts = dict(
        zip((key for key, _ in PATTERN_ROWS), (any_site, locoregional, distant, both, deaths), strict=True)
    )
    return ResponsePattern(
        population_n=total,
        responses=tuple(_count(code, label, responses.get(code, 0), total) for code, label in RESPONSE_ROWS),
        patterns=tuple(_count(key, label, pattern_counts[key], total) for key, label in PATTERN_ROWS),
    )
