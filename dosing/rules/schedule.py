"""The planned treatment calendar of PROTOCOL §2 ("Resolution (the planned calendar)").

Vocabulary (stable, used by records, services and pages):

- ``agent``: ``"cisplatin"``, ``"paclitaxel"`` or ``"toripalimab"``.
- ``phase``: ``"ccrt"``, ``"consolidation"`` or ``"maintenance"``.
- ``cycle`` / ``day``, per phase:
  - CCRT weekly cisplatin: ``cycle`` = week number 1..6 (study days 1, 8, 15, 22, 29, 36),
    ``day`` = 1 always (one dose per week);
  - CCRT toripalimab: ``cycle`` 1..2 (study days 1 and 22), ``day`` = 1;
  - consolidation: ``cycle`` 1..6; paclitaxel and toripalimab on ``day`` 1, cisplatin on ``day``
    2, 3 and 4 of the cycle;
  - maintenance toripalimab: ``cycle`` 1, 2, ... counted from the first maintenance dose, ``day`` = 1.
- ``GivenDose(agent, phase, cycle, day, given_on)``: the actual date one planned dose was given,
  identified by the same four keys. ``plan_doses`` refuses a ``GivenDose`` that matches no planned
  dose or that repeats one (``ScheduleInputError``), except a maintenance dose recorded beyond the
  one-year horizon, which is kept in the plan (it was given).

How dates follow actual dates ("plans follow actual dates"):

- The doses planned for the same date form a slot (e.g. CCRT day 22: cisplatin week 4 +
  toripalimab cycle 2; consolidation cycle k day 1: paclitaxel + toripalimab). A slot's actual
  date is the EARLIEST ``given_on`` among its doses; until one is given it is the slot's due date.
- CCRT: each slot is due the planned gap (7, 7, 7, 7, 7 days) after the actual date of the slot
  before, so a delay (or an early dose) moves every later CCRT date by the same amount, for both
  agents.
- Consolidation cycle 1 day 1 is due 21 days after the last radiotherapy fraction; cycle k + 1
  day 1 is due 21 days after the ACTUAL day 1 of cycle k (a delay of days 2-4 does not move the
  next cycle); days 2, 3, 4 each follow the actual date of the day before. CCRT delays do not
  move consolidation: it is anchored to the end of radiotherapy, not to chemotherapy.
- Maintenance cycle 1 is due 42 days after the last consolidation toripalimab dose (its
  ``given_on``, else the actual day 1 of consolidation cycle 6), each later one 42 days after the
  actual date of the one before, while the due date is <= treatment start + 365 days.
- Without ``last_rt_fraction`` consolidation is planned from ``expected_last_rt_fraction`` and
  every date resting on that estimate is ``provisional``; a date anchored on a dose actually given
  since (and every dose already given) is not provisional.

A dose's ``due`` is the date it is planned for from the actual dates before it; its own
``given_on`` (when given) may differ, and then moves the doses after it.

Pure Python: no database, no clock (messages are marked for translation with ``gettext``).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from trialsite.protocol.treatment import (
    AGENTS,
    CALENDAR,
    CCRT,
    CISPLATIN,
    CISPLATIN_PER_DAY,
    CISPLATIN_TOTAL_PER_CYCLE,
    CONSOLIDATION,
    CONSOLIDATION_CISPLATIN_MODES,
    DOSES,
    MAINTENANCE,
    PACLITAXEL,
    PHASES,
    TORIPALIMAB,
    ChemoDoses,
    TreatmentCalendar,
)

# The agent and phase codes as words in messages: in English the codes themselves.
_AGENT_WORDS = {
    CISPLATIN: pgettext_lazy("agent in a message", "cisplatin"),
    PACLITAXEL: pgettext_lazy("agent in a message", "paclitaxel"),
    TORIPALIMAB: pgettext_lazy("agent in a message", "toripalimab"),
}
_PHASE_WORDS = {
    CCRT: pgettext_lazy("phase in a message", "ccrt"),
    CONSOLIDATION: pgettext_lazy("phase in a message", "consolidation"),
    MAINTENANCE: pgettext_lazy("phase in a message", "maintenance"),
}


def agent_word(agent: str) -> str:
    """``agent`` ("cisplatin", ...) as a word in a message, in the active language."""
    return str(_AGENT_WORDS.get(agent, agent))


def phase_word(phase: str) -> str:
    """``phase`` ("ccrt", ...) as a word in a message, in the active language."""
    return str(_PHASE_WORDS.get(phase, phase))


class ScheduleInputError(ValueError):
    """A given dose that matches no planned dose, a repeated one, or an unknown agent/phase."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class GivenDose:
    """The actual administration date of one planned dose (keys as in ``PlannedDose``)."""

    agent: str
    phase: str
    cycle: int
    day: int
    given_on: datetime.date

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.agent, self.phase, self.cycle, self.day)


@dataclass(frozen=True)
class PlannedDose:
    """One dose of the PROTOCOL §2 calendar; exactly one of ``mg_per_m2`` / ``flat_mg`` is set."""

    agent: str
    phase: str
    cycle: int
    day: int
    due: datetime.date
    mg_per_m2: Decimal | None = None
    flat_mg: Decimal | None = None
    provisional: bool = False
    given_on: datetime.date | None = None
    # The date the dose was due before a documented postponement moved it (None: not postponed).
    postponed_from: datetime.date | None = None

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.agent, self.phase, self.cycle, self.day)

    @property
    def delay_days(self) -> int | None:
        """Days between due and given (negative when given early); None while not given."""
        return None if self.given_on is None else (self.given_on - self.due).days


@dataclass(frozen=True)
class Postponement:
    """A documented decision to give a dose later than planned (e.g. held for toxicity).

    It moves the dose's whole slot (doses planned for the same date move together) to
    ``delayed_to``: that is the slot's due date from then on, also once it is given (so a dose
    given on its postponed date is on time), and every later date follows from the slot's actual
    date. A postponement to a date on or before the dose's due date has no effect.
    """

    agent: str
    phase: str
    cycle: int
    day: int
    delayed_to: datetime.date

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.agent, self.phase, self.cycle, self.day)


@dataclass(frozen=True)
class ScheduleFinding:
    """A protocol deviation found in the calendar, with a stable code and a message."""

    code: str
    message: str


def consolidation_cisplatin_mg_per_m2_per_day(
    *, doses: ChemoDoses = DOSES, calendar: TreatmentCalendar = CALENDAR
) -> Decimal:
    """Cisplatin mg/m^2 on each of consolidation days 2-4.

    Source: PROTOCOL §2 resolution: 75 mg/m^2 is the total per cycle divided evenly over days 2-4
    (25 mg/m^2/day, ``"total_per_cycle"``); the setting ``"per_day"`` gives 75 mg/m^2 each day.
    """
    if doses.consolidation_cisplatin_mode == CISPLATIN_TOTAL_PER_CYCLE:
        return doses.consolidation_cisplatin_mg_per_m2 / len(calendar.consolidation_cisplatin_days)
    if doses.consolidation_cisplatin_mode == CISPLATIN_PER_DAY:
        return doses.consolidation_cisplatin_mg_per_m2
    raise ValueError(  # a configuration error, for developers
        f"Unknown consolidation cisplatin mode {doses.consolidation_cisplatin_mode!r}; "
        f"expected one of {CONSOLIDATION_CISPLATIN_MODES}."
    )


def expected_last_rt_fraction(
    treatment_start: datetime.date, *, calendar: TreatmentCalendar = CALENDAR
) -> datetime.date:
    """The expected date of the last radiotherapy fraction, used while the actual one is unknown.

    Source: issue 4 / PROTOCOL §2 (setting): 28 EBRT fractions at 5 a week, fraction 1 on
    treatment start and fractions on 5 consecutive days of every 7 (fraction 28 on day 38), then 4
    brachytherapy fractions a week apart, the first a week after the last EBRT fraction (the last
    on day 66, i.e. treatment start + 65 days).
    """
    last_ebrt = expected_last_ebrt_fraction(treatment_start, calendar=calendar)
    brachytherapy = expected_brachytherapy_dates(treatment_start, last_ebrt=last_ebrt, calendar=calendar)
    return brachytherapy[-1] if brachytherapy else last_ebrt


def expected_last_ebrt_fraction(
    treatment_start: datetime.date, *, calendar: TreatmentCalendar = CALENDAR
) -> datetime.date:
    """The expected date of the 28th EBRT fraction: 5 fractions on consecutive days of every 7,
    fraction 1 on treatment start (day 38). Source: issue 4 / PROTOCOL §2 calendar setting."""
    n = calendar.expected_ebrt_fractions
    per_week = calendar.expected_ebrt_fractions_per_week
    return treatment_start + datetime.timedelta(days=((n - 1) // per_week) * 7 + (n - 1) % per_week)


def _index_given(given: Iterable[GivenDose]) -> dict[tuple[str, str, int, int], datetime.date]:
    index: dict[tuple[str, str, int, int], datetime.date] = {}
    for dose in given:
        if dose.agent not in AGENTS:
            raise ScheduleInputError(
                "schedule.given.agent",
                _("Unknown agent %(agent)s; expected one of %(agents)s.") % {"agent": repr(dose.agent), "agents": AGENTS},
            )
        if dose.phase not in PHASES:
            raise ScheduleInputError(
                "schedule.given.phase",
                _("Unknown phase %(phase)s; expected one of %(phases)s.") % {"phase": repr(dose.phase), "phases": PHASES},
            )
        if dose.key in index:
            raise ScheduleInputError(
                "schedule.given.duplicate",
                _("%(dose)s is recorded as given twice (%(first)s and %(second)s).")
                % {
                    "dose": _describe(dose.key),
                    "first": index[dose.key].isoformat(),
                    "second": dose.given_on.isoformat(),
                },
            )
        index[dose.key] = dose.given_on
    return index


def _describe(key: tuple[str, str, int, int]) -> str:
    agent, phase, cycle, day = key
    return _("%(agent)s (%(phase)s, cycle %(cycle)s, day %(day)s)") % {
        "agent": agent_word(agent),
        "phase": phase_word(phase),
        "cycle": cycle,
        "day": day,
    }


class _Planner:
    """Builds the plan slot by slot, consuming the given doses it matches."""

    def __init__(
        self,
        given: dict[tuple[str, str, int, int], datetime.date],
        postponed: dict[tuple[str, str, int, int], datetime.date] | None = None,
    ):
        self.given = given
        self.postponed = postponed or {}
        self.used: set[tuple[str, str, int, int]] = set()
        self.doses: list[PlannedDose] = []

    def slot(
        self,
        due: datetime.date,
        provisional: bool,
        members: list[tuple[str, str, int, int, Decimal | None, Decimal | None]],
    ) -> tuple[datetime.date, bool]:
        """Plan the doses of one slot; return the slot's actual date and whether it is provisional."""
        postponed_from = None
        delays = [self.postponed[member[:4]] for member in members if member[:4] in self.postponed]
        if delays and max(delays) > due:
            postponed_from, due, provisional = due, max(delays), False
        given_dates = []
        for agent, phase, cycle, day, mg_per_m2, flat_mg in members:
            key = (agent, phase, cycle, day)
            given_on = self.given.get(key)
            if given_on is not None:
                self.used.add(key)
                given_dates.append(given_on)
            self.doses.append(
                PlannedDose(
                    agent=agent,
                    phase=phase,
                    cycle=cycle,
                    day=day,
                    due=due,
                    mg_per_m2=mg_per_m2,
                    flat_mg=flat_mg,
                    provisional=provisional and given_on is None,
                    given_on=given_on,
                    postponed_from=postponed_from,
                )
            )
        if given_dates:
            return min(given_dates), False
        return due, provisional


def plan_doses(
    treatment_start: datetime.date,
    *,
    last_rt_fraction: datetime.date | None = None,
    given: Iterable[GivenDose] = (),
    calendar: TreatmentCalendar = CALENDAR,
    doses: ChemoDoses = DOSES,
    postponed: Iterable[Postponement] = (),
) -> list[PlannedDose]:
    """Every planned dose of PROTOCOL §2, in calendar order (CCRT, consolidation, maintenance).

    Source: PROTOCOL §2 "Resolution (the planned calendar)"; see the module docstring for the
    cycle/day vocabulary, how ``given`` (``GivenDose`` items) moves later dates, and when a dose
    is ``provisional``. With no delays and a known end of radiotherapy 65 days after start the
    plan has 6 weekly cisplatin + 2 CCRT toripalimab + 6 x (paclitaxel, toripalimab, 3 cisplatin
    days) + 4 maintenance toripalimab doses = 42 doses.

    ``postponed`` (``Postponement`` items, beside the public contract): documented delays of doses
    not yet given; each moves its slot to the later date (``postponed_from`` keeps the date it
    replaced, the dose is no longer provisional) and every date that follows from it.
    """
    given_on = _index_given(given)
    planner = _Planner(given_on, {p.key: p.delayed_to for p in postponed})
    cisplatin_ccrt = doses.ccrt_cisplatin_mg_per_m2
    paclitaxel = doses.consolidation_paclitaxel_mg_per_m2
    cisplatin_daily = consolidation_cisplatin_mg_per_m2_per_day(doses=doses, calendar=calendar)
    toripalimab = doses.toripalimab_flat_mg

    # CCRT: slots by study day; both agents share the chain of actual dates.
    ccrt_members: dict[int, list] = {}
    for week, study_day in enumerate(calendar.weekly_cisplatin_days, start=1):
        ccrt_members.setdefault(study_day, []).append((CISPLATIN, CCRT, week, 1, cisplatin_ccrt, None))
    for cycle, study_day in enumerate(calendar.ccrt_toripalimab_days, start=1):
        ccrt_members.setdefault(study_day, []).append((TORIPALIMAB, CCRT, cycle, 1, None, toripalimab))
    previous_day = 1
    anchor = treatment_start
    for study_day in sorted(ccrt_members):
        due = anchor + datetime.timedelta(days=study_day - previous_day)
        anchor, _provisional = planner.slot(due, False, ccrt_members[study_day])
        previous_day = study_day

    # Consolidation: cycle 1 from the end of radiotherapy; each cycle from the actual day 1 before.
    provisional = last_rt_fraction is None
    rt_end = (
        last_rt_fraction
        if last_rt_fraction is not None
        else expected_last_rt_fraction(treatment_start, calendar=calendar)
    )
    cycle_due = rt_end + datetime.timedelta(days=calendar.consolidation_start_after_last_rt_days)
    cycle_provisional = provisional
    last_toripalimab: tuple[datetime.date, bool] = (cycle_due, cycle_provisional)
    for cycle in range(1, calendar.consolidation_cycles + 1):
        members_by_day: dict[int, list] = {}
        for day in calendar.consolidation_toripalimab_days:
            members_by_day.setdefault(day, []).append((TORIPALIMAB, CONSOLIDATION, cycle, day, None, toripalimab))
        for day in calendar.consolidation_paclitaxel_days:
            members_by_day.setdefault(day, []).append((PACLITAXEL, CONSOLIDATION, cycle, day, paclitaxel, None))
        for day in calendar.consolidation_cisplatin_days:
            members_by_day.setdefault(day, []).append((CISPLATIN, CONSOLIDATION, cycle, day, cisplatin_daily, None))
        day_anchor, day_provisional = cycle_due, cycle_provisional
        previous_day = 1
        day1_anchor = (cycle_due, cycle_provisional)
        for day in sorted(members_by_day):
            due = day_anchor + datetime.timedelta(days=day - previous_day)
            day_anchor, day_provisional = planner.slot(due, day_provisional, members_by_day[day])
            if day == 1:
                day1_anchor = (day_anchor, day_provisional)
            if day in calendar.consolidation_toripalimab_days:
                tori_given = given_on.get((TORIPALIMAB, CONSOLIDATION, cycle, day))
                last_toripalimab = (tori_given, False) if tori_given is not None else (day_anchor, day_provisional)
            previous_day = day
        cycle_due = day1_anchor[0] + datetime.timedelta(days=calendar.consolidation_cycle_length_days)
        cycle_provisional = day1_anchor[1]

    # Maintenance: every 42 days from the last consolidation toripalimab, up to start + 365 days.
    horizon = treatment_start + datetime.timedelta(days=calendar.maintenance_horizon_days)
    anchor, anchor_provisional = last_toripalimab
    cycle = 1
    while True:
        due = anchor + datetime.timedelta(days=calendar.maintenance_interval_days)
        if due > horizon and (TORIPALIMAB, MAINTENANCE, cycle, 1) not in given_on:
            break
        anchor, anchor_provisional = planner.slot(
            due, anchor_provisional, [(TORIPALIMAB, MAINTENANCE, cycle, 1, None, toripalimab)]
        )
        cycle += 1

    unmatched = sorted(set(given_on) - planner.used)
    if unmatched:
        listed = pgettext("list separator", "; ").join(_describe(key) for key in unmatched)
        raise ScheduleInputError(
            "schedule.given.unplanned",
            _("Given dose(s) that match no planned dose of PROTOCOL §2: %(doses)s.") % {"doses": listed},
        )
    return planner.doses


def weekly_cisplatin_deviation(
    given: Iterable[GivenDose], *, calendar: TreatmentCalendar = CALENDAR
) -> ScheduleFinding | None:
    """A deviation when fewer than 4 weekly cisplatin doses were given during CCRT, else None.

    Source: PROTOCOL §2 ("6 planned; fewer than 4 given is a protocol deviation"). Call it once
    CCRT is over (the caller knows when); exactly 4 given is not a deviation.
    """
    count = sum(1 for dose in given if dose.agent == CISPLATIN and dose.phase == CCRT)
    minimum = calendar.min_weekly_cisplatin_doses
    if count >= minimum:
        return None
    return ScheduleFinding(
        code="ccrt.cisplatin.below_minimum",
        message=_("%(count)s weekly cisplatin dose(s) given during CCRT; the protocol requires at least %(minimum)s.")
        % {"count": count, "minimum": minimum},
    )


def dose_window_days(phase: str, *, calendar: TreatmentCalendar = CALENDAR) -> int:
    """How many days either side of its due date a dose of ``phase`` may be given.

    Source: PROTOCOL §2 / §4 resolution in ``trialsite.protocol.treatment.TreatmentCalendar``
    (weekly CCRT doses +/-2 days, consolidation and maintenance cycles +/-3 days).
    """
    if phase not in PHASES:
        raise ScheduleInputError(
            "schedule.phase.unknown",
            _("Unknown phase %(phase)s; expected one of %(phases)s.") % {"phase": repr(phase), "phases": PHASES},
        )
    return calendar.ccrt_dose_window_days if phase == CCRT else calendar.cycle_dose_window_days


def dose_window_deviation(dose: PlannedDose, *, calendar: TreatmentCalendar = CALENDAR) -> ScheduleFinding | None:
    """A deviation when a given dose was given outside its window around its due date, else None.

    Source: PROTOCOL §2 calendar ("plans follow actual dates") and the dose-window resolution:
    a dose given exactly ``window`` days early or late is within it; one day more is not. A
    documented postponement moves the due date, so a dose given on its postponed date is on time.
    """
    if dose.given_on is None:
        return None
    window = dose_window_days(dose.phase, calendar=calendar)
    delay = (dose.given_on - dose.due).days
    if abs(delay) <= window:
        return None
    params = {
        "dose": _describe(dose.key),
        "given": dose.given_on.isoformat(),
        "days": abs(delay),
        "due": dose.due.isoformat(),
        "window": window,
    }
    if delay > 0:
        message = _("%(dose)s given on %(given)s, %(days)s day(s) late for its due date %(due)s (window +/-%(window)s days).")
    else:
        message = _(
            "%(dose)s given on %(given)s, %(days)s day(s) early for its due date %(due)s (window +/-%(window)s days)."
        )
    return ScheduleFinding(code="dose.outside_window", message=message % params)


def expected_brachytherapy_dates(
    treatment_start: datetime.date,
    *,
    last_ebrt: datetime.date | None = None,
    calendar: TreatmentCalendar = CALENDAR,
) -> list[datetime.date]:
    """The expected dates of the brachytherapy fractions (PROTOCOL §2: 4 fractions of 7 Gy).

    Source: the calendar setting used for ``expected_last_rt_fraction``: weekly, the first one week
    after the last EBRT fraction; while that is unknown, after the expected 28th fraction.
    """
    if last_ebrt is None:
        last_ebrt = expected_last_ebrt_fraction(treatment_start, calendar=calendar)
    first = last_ebrt + datetime.timedelta(days=calendar.expected_first_brachy_after_last_ebrt_days)
    return [
        first + datetime.timedelta(days=i * calendar.expected_brachy_interval_days)
        for i in range(calendar.expected_brachy_fractions)
    ]
