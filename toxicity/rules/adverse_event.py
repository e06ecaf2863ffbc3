"""Adverse-event rules (pure): the consistency checks of one adverse event and the SAE reporting clock.

Sources:
- NCI CTCAE v5.0 (27 November 2017): an AE is one term graded 1-5 by the term's own grade texts; a
  grade CTCAE marks "-" does not exist for the term; grade 5 is death related to the AE. The
  general grade meanings (mild, moderate, severe, life-threatening, death) are CTCAE's.
- PROTOCOL §3: AEs are graded by CTCAE v5.0; immune-related AEs (irAEs) fall into the categories
  of the irAE table and drive toripalimab's dose rules; corticosteroids are counted as a
  prednisone-equivalent dose per day (the 10 mg/day taper limit).
- ICH E2A: an AE is serious when it meets at least one criterion (death, life-threatening,
  hospitalisation, disability, congenital anomaly, important medical event); the 24-hour
  expedited reporting of a serious adverse event from the moment the site becomes aware of it is
  ICH E2A / GCP practice, which the issue asks the eCRF to show ("an SAE starts a 24-hour reporting
  clock"). The limit is data in ``trialsite.protocol.toxicity.SAE_REPORT_HOURS``.

How we read the record (our choices, written once here):
- ``grade`` is the worst grade reached; ``current_grade`` the grade at the latest assessment, 0
  meaning back to normal. Both must exist for the term (0 always does for the current grade) and
  the current grade is never above the worst.
- An AE is ongoing exactly when it has no resolution date. A resolved AE has current grade 0 and
  outcome "recovered" or "recovered with sequelae" (sequelae that need grading are a new AE); an
  ongoing AE has current grade >= 1 and outcome "recovering", "not recovered" or "unknown".
- A fatal AE (grade 5) is the exception: it ends on the date of death (resolution date = death
  date, not ongoing), its current grade is 5, its outcome "fatal", and it meets the SAE criterion
  "results in death". Conversely outcome "fatal", a date of death or the death criterion each need
  grade 5.
- Serious exactly when at least one SAE criterion is ticked; a serious AE needs the time the site
  became aware of it, not in the future and not before the onset date.
- An immune-related AE needs its irAE category (PROTOCOL §3) and an attribution to toripalimab of
  possible, probable or definite; a category on an AE that is not immune-related is refused.
- Corticosteroids given: drug, start date and starting prednisone-equivalent dose (> 0 mg/day) are
  required; the current dose may be anything >= 0 (a dose can go up as well as down); the stop
  date is not before the start. Steroid details without "corticosteroids given" are refused.
- Dates (onset, resolution, death, steroid start/stop) are never in the future; the resolution and
  death dates are never before the onset; with an enrolment date given, the onset is not before
  enrolment (earlier conditions are medical history, not AEs of the trial).

Pure Python: ``today`` / ``now`` are parameters; datetimes are compared as given (the caller passes
aware local times).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from toxicity.rules.irae import irae_category_for_term
from trialsite.protocol.toxicity import SAE_REPORT_HOURS

# --- vocabulary (the values of the AdverseEvent model's choices) -----------------------------------

AGENTS: tuple[str, ...] = ("toripalimab", "cisplatin", "paclitaxel", "radiotherapy")
ATTRIBUTIONS: tuple[str, ...] = ("unrelated", "unlikely", "possible", "probable", "definite")
RELATED: tuple[str, ...] = ("possible", "probable", "definite")
SAE_CRITERIA: tuple[str, ...] = (
    "sae_death",
    "sae_life_threatening",
    "sae_hospitalisation",
    "sae_disability",
    "sae_congenital_anomaly",
    "sae_important_medical_event",
)
RECOVERED, RECOVERING, NOT_RECOVERED, SEQUELAE, FATAL, UNKNOWN = (
    "recovered", "recovering", "not_recovered", "sequelae", "fatal", "unknown",
)  # fmt: skip
OUTCOMES: tuple[str, ...] = (RECOVERED, RECOVERING, NOT_RECOVERED, SEQUELAE, FATAL, UNKNOWN)
RESOLVED_OUTCOMES: tuple[str, ...] = (RECOVERED, SEQUELAE)
ONGOING_OUTCOMES: tuple[str, ...] = (RECOVERING, NOT_RECOVERED, UNKNOWN)
# How the messages name each agent, mid-sentence.
AGENT_NAMES: Mapping[str, str] = {
    "toripalimab": gettext_lazy("toripalimab"),
    "cisplatin": gettext_lazy("cisplatin"),
    "paclitaxel": gettext_lazy("paclitaxel"),
    "radiotherapy": gettext_lazy("radiotherapy"),
}

# CTCAE v5.0, "Grades": the general meaning of each grade (0: back to normal, for the current grade).
CTCAE_GRADE_MEANING: Mapping[int, str] = {
    0: gettext_lazy("back to normal"),
    1: gettext_lazy("mild"),
    2: gettext_lazy("moderate"),
    3: gettext_lazy("severe"),
    4: gettext_lazy("life-threatening"),
    5: pgettext_lazy("CTCAE grade 5", "death"),
}
CTCAE_GRADES: tuple[int, ...] = (1, 2, 3, 4, 5)

OPEN = "open"
OVERDUE = "overdue"
SENT = "sent"
SENT_LATE = "sent_late"


@dataclass(frozen=True)
class SaeClock:
    """Where an SAE's report stands.

    ``status``: "open" (not sent, time left), "overdue" (not sent, past due), "sent" (sent by the
    due time) or "sent_late". ``remaining``: ``due_at - now`` while not sent (negative when
    overdue); ``due_at - sent_at`` once sent (negative when sent late).
    """

    due_at: datetime
    sent_at: datetime | None
    status: str
    remaining: timedelta

    @property
    def is_open(self) -> bool:
        return self.sent_at is None


def sae_report_due(awareness_at: datetime) -> datetime:
    """The time the SAE report is due: 24 hours after the site became aware (inclusive)."""
    return awareness_at + timedelta(hours=SAE_REPORT_HOURS)


def sae_clock(*, awareness_at: datetime, sent_at: datetime | None, now: datetime) -> SaeClock:
    """The reporting clock of an SAE the site became aware of at ``awareness_at``.

    A report sent exactly at the due time is on time; the clock is overdue only after it.
    """
    due_at = sae_report_due(awareness_at)
    if sent_at is not None:
        remaining = due_at - sent_at
        return SaeClock(due_at, sent_at, SENT if remaining >= timedelta(0) else SENT_LATE, remaining)
    remaining = due_at - now
    return SaeClock(due_at, None, OPEN if remaining >= timedelta(0) else OVERDUE, remaining)


# --- consistency of one adverse event ---------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One inconsistency: a stable ``code`` (tests assert it), the ``field`` it belongs to ("" for
    the whole record) and the ``message`` the user sees."""

    code: str
    field: str
    message: str


@dataclass(frozen=True)
class AdverseEventFacts:
    """The values of one adverse event the rules look at (the AdverseEvent model's field names)."""

    term: str = ""
    grade: int | None = None
    current_grade: int | None = None
    onset_date: date | None = None
    resolution_date: date | None = None
    ongoing: bool = True
    serious: bool = False
    sae_death: bool = False
    sae_life_threatening: bool = False
    sae_hospitalisation: bool = False
    sae_disability: bool = False
    sae_congenital_anomaly: bool = False
    sae_important_medical_event: bool = False
    sae_awareness_at: datetime | None = None
    attribution_toripalimab: str = ""
    attribution_cisplatin: str = ""
    attribution_paclitaxel: str = ""
    attribution_radiotherapy: str = ""
    immune_related: bool = False
    irae_category: str = ""
    steroid_given: bool = False
    steroid_drug: str = ""
    steroid_start_date: date | None = None
    steroid_start_mg_per_day: Decimal | None = None
    steroid_current_mg_per_day: Decimal | None = None
    steroid_taper_note: str = ""
    steroid_stop_date: date | None = None
    outcome: str = ""
    death_date: date | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> "AdverseEventFacts":
        """The facts among ``values`` (other keys are ignored; None text becomes "")."""
        kwargs = {}
        for item in fields(cls):
            if item.name not in values:
                continue
            value = values[item.name]
            if item.type is str and value is None:
                value = ""
            kwargs[item.name] = value
        return cls(**kwargs)

    @property
    def sae_criteria_met(self) -> tuple[str, ...]:
        return tuple(name for name in SAE_CRITERIA if getattr(self, name))


def adverse_event_problems(
    facts: AdverseEventFacts,
    *,
    available_grades: Iterable[int],
    today: date,
    now: datetime | None = None,
    enrolment_date: date | None = None,
) -> list[Problem]:
    """Every inconsistency of one adverse event (empty when it is consistent).

    ``available_grades``: the grades that exist for the term in CTCAE v5.0 (its grades not marked
    "-"). ``today``: the local date; ``now``: the current time, to refuse an SAE awareness time in
    the future (not checked when None). ``enrolment_date``: the onset may not be earlier.
    """
    grades = tuple(sorted(set(available_grades)))
    problems: list[Problem] = []
    problems += _grade_problems(facts, grades)
    problems += _date_problems(facts, today, enrolment_date)
    problems += _course_problems(facts)
    problems += _seriousness_problems(facts, now)
    problems += _attribution_problems(facts)
    problems += _steroid_problems(facts, today)
    return problems


def sae_report_sent_problems(*, serious: bool, awareness_at: datetime | None, sent_at: datetime | None,
                             now: datetime) -> list[Problem]:  # fmt: skip
    """Checks of the time an SAE report was sent (ICH E2A): only for a serious AE with an awareness
    time, not before the site became aware, not in the future."""
    if not serious or awareness_at is None:
        return [Problem("ae.sae_report_sent_at.not_serious", "",
                        _("Only a serious adverse event with an awareness time has an SAE report to send."))]  # fmt: skip
    if sent_at is None:
        return [Problem("ae.sae_report_sent_at.missing", "sae_report_sent_at", _("Give the time the report was sent."))]
    if sent_at < awareness_at:
        return [Problem("ae.sae_report_sent_at.before_awareness", "sae_report_sent_at",
                        _("The report cannot be sent before the site became aware of the SAE (%(aware)s).")
                        % {"aware": _minute(awareness_at)})]  # fmt: skip
    if sent_at > now:
        return [Problem("ae.sae_report_sent_at.future", "sae_report_sent_at", _("The sending time is in the future."))]
    return []


def problems_by_field(problems: Iterable[Problem]) -> dict[str, list[str]]:
    """Messages grouped by field ("" collects the whole-record ones), in the order found."""
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        grouped.setdefault(problem.field, []).append(problem.message)
    return grouped


def suggest_irae_category(term: str) -> str:
    """The irAE category (PROTOCOL §3) to pre-select for a CTCAE term, or "" when the term belongs
    to no obvious category (the investigator chooses one, or "other")."""
    return irae_category_for_term(term) or ""


def grade_words(grade: int | None) -> str:
    """A grade as a text badge says it, e.g. "Grade 3 (severe)"; "—" when not graded."""
    if grade is None or grade not in CTCAE_GRADE_MEANING:
        return "—"
    return _("Grade %(grade)s (%(meaning)s)") % {"grade": grade, "meaning": CTCAE_GRADE_MEANING[grade]}


# --- internals ---------------------------------------------------------------------------------------


def _day(value: date) -> str:
    return f"{value:%Y-%m-%d}"


def _minute(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M}"


def _grade_list(grades: Sequence[int]) -> str:
    return ", ".join(str(grade) for grade in grades) or _("none")


def _grade_problems(facts: AdverseEventFacts, grades: Sequence[int]) -> list[Problem]:
    problems = []
    term = facts.term or _("this term")
    grade, current = facts.grade, facts.current_grade
    if grade is None:
        problems.append(Problem("ae.grade.missing", "grade", _("Give the worst CTCAE grade.")))
    elif grade not in CTCAE_GRADES:
        problems.append(Problem("ae.grade.range", "grade", _("CTCAE grades are 1 to 5.")))
    elif grade not in grades:
        problems.append(Problem("ae.grade.not_in_term", "grade",
                                _("Grade %(grade)s does not exist for %(term)s in CTCAE v5.0 (its grades: %(grades)s).")
                                % {"grade": grade, "term": term, "grades": _grade_list(grades)}))  # fmt: skip
    if current is None:
        problems.append(Problem("ae.current_grade.missing", "current_grade",
                                _("Give the grade now (0 when back to normal).")))  # fmt: skip
    elif current != 0 and current not in CTCAE_GRADES:
        problems.append(Problem("ae.current_grade.range", "current_grade", _("The grade now is 0 to 5.")))
    elif current != 0 and current not in grades:
        problems.append(Problem("ae.current_grade.not_in_term", "current_grade",
                                _("Grade %(grade)s does not exist for %(term)s in CTCAE v5.0 "
                                  "(its grades: %(grades)s, or 0 when back to normal).")
                                % {"grade": current, "term": term, "grades": _grade_list(grades)}))  # fmt: skip
    elif grade is not None and current > grade:
        problems.append(Problem("ae.current_grade.above_worst", "current_grade",
                                _("The grade now (%(current)s) cannot be above the worst grade (%(worst)s).")
                                % {"current": current, "worst": grade}))  # fmt: skip
    return problems


def _date_problems(facts: AdverseEventFacts, today: date, enrolment_date: date | None) -> list[Problem]:
    problems = []
    onset = facts.onset_date
    if onset is None:
        problems.append(Problem("ae.onset_date.missing", "onset_date", _("Give the onset date.")))
    elif onset > today:
        problems.append(Problem("ae.onset_date.future", "onset_date",
                                _("The onset %(date)s is in the future.") % {"date": _day(onset)}))  # fmt: skip
    elif enrolment_date is not None and onset < enrolment_date:
        problems.append(Problem("ae.onset_date.before_enrolment", "onset_date",
                                _("The onset %(onset)s is before enrolment (%(enrolment)s); an earlier condition is "
                                  "medical history, not an adverse event of the trial.")
                                % {"onset": _day(onset), "enrolment": _day(enrolment_date)}))  # fmt: skip
    in_future = {
        "resolution_date": _("The resolution date %(date)s is in the future."),
        "death_date": _("The date of death %(date)s is in the future."),
    }
    before_onset = {
        "resolution_date": _("The resolution date %(date)s is before the onset (%(onset)s)."),
        "death_date": _("The date of death %(date)s is before the onset (%(onset)s)."),
    }
    for name in ("resolution_date", "death_date"):
        value = getattr(facts, name)
        if value is None:
            continue
        if value > today:
            problems.append(Problem(f"ae.{name}.future", name, in_future[name] % {"date": _day(value)}))
        elif onset is not None and value < onset:
            problems.append(Problem(f"ae.{name}.before_onset", name,
                                    before_onset[name] % {"date": _day(value), "onset": _day(onset)}))  # fmt: skip
    return problems


def _course_problems(facts: AdverseEventFacts) -> list[Problem]:
    """Ongoing / resolved / fatal, with the current grade and the outcome that go with each."""
    problems = []
    resolved = facts.resolution_date is not None
    if facts.ongoing and resolved:
        problems.append(Problem("ae.ongoing.resolved", "ongoing",
                                _("An AE with a resolution date is not ongoing: untick 'ongoing' or clear the date.")))  # fmt: skip
    if not facts.ongoing and not resolved:
        problems.append(Problem("ae.ongoing.no_resolution_date", "resolution_date",
                                _("Give the resolution date of an AE that is no longer ongoing.")))  # fmt: skip

    fatal = facts.grade == 5 or facts.outcome == FATAL
    if facts.grade == 5:
        if facts.outcome != FATAL:
            problems.append(Problem("ae.outcome.grade_5_not_fatal", "outcome", _("A grade 5 AE has outcome 'fatal'.")))
        if facts.death_date is None:
            problems.append(Problem("ae.death_date.missing", "death_date", _("Grade 5 needs the date of death.")))
        if not facts.sae_death:
            problems.append(Problem("ae.sae_death.missing", "sae_death",
                                    _("A grade 5 AE is serious: tick 'results in death'.")))  # fmt: skip
    else:
        if facts.outcome == FATAL:
            problems.append(Problem("ae.outcome.fatal_needs_grade_5", "outcome",
                                    _("Outcome 'fatal' needs worst grade 5 (CTCAE: death related to the AE).")))  # fmt: skip
        if facts.death_date is not None:
            problems.append(Problem("ae.death_date.not_grade_5", "death_date",
                                    _("A date of death belongs to a grade 5 (fatal) AE only.")))  # fmt: skip
        if facts.sae_death:
            problems.append(Problem("ae.sae_death.not_grade_5", "sae_death",
                                    _("'Results in death' needs worst grade 5.")))  # fmt: skip

    if fatal:
        if facts.grade == 5 and facts.death_date is not None and facts.resolution_date != facts.death_date:
            problems.append(Problem("ae.resolution_date.not_death_date", "resolution_date",
                                    _("A fatal AE ends on the date of death: give %(date)s as its resolution date.")
                                    % {"date": _day(facts.death_date)}))  # fmt: skip
        if facts.grade == 5 and facts.current_grade not in (None, 5):
            problems.append(Problem("ae.current_grade.fatal", "current_grade", _("The grade now of a fatal AE is 5.")))
        return problems

    if resolved:
        if facts.current_grade not in (None, 0):
            problems.append(Problem("ae.current_grade.resolved", "current_grade",
                                    _("A resolved AE is back to normal: its grade now is 0.")))  # fmt: skip
        if facts.outcome and facts.outcome not in RESOLVED_OUTCOMES:
            problems.append(Problem("ae.outcome.resolved", "outcome",
                                    _("A resolved AE has outcome 'recovered' or 'recovered with sequelae'.")))  # fmt: skip
    else:
        if facts.current_grade == 0:
            problems.append(Problem("ae.current_grade.zero_unresolved", "current_grade",
                                    _("Grade 0 means back to normal: give the resolution date, or the grade now.")))  # fmt: skip
        if facts.outcome and facts.outcome not in ONGOING_OUTCOMES:
            problems.append(Problem("ae.outcome.unresolved", "outcome",
                                    _("An AE without a resolution date is 'recovering', 'not recovered' or 'unknown'.")))  # fmt: skip
    if not facts.outcome:
        problems.append(Problem("ae.outcome.missing", "outcome", _("Give the outcome.")))
    return problems


def _seriousness_problems(facts: AdverseEventFacts, now: datetime | None) -> list[Problem]:
    problems = []
    criteria = facts.sae_criteria_met
    if facts.serious and not criteria:
        problems.append(Problem("ae.serious.no_criterion", "serious",
                                _("A serious AE meets at least one SAE criterion: tick it, or untick 'serious'.")))  # fmt: skip
    if criteria and not facts.serious:
        problems.append(Problem("ae.serious.criterion_not_serious", "serious",
                                _("An AE that meets an SAE criterion is serious: tick 'serious (SAE)'.")))  # fmt: skip
    if facts.serious:
        aware = facts.sae_awareness_at
        if aware is None:
            problems.append(Problem("ae.sae_awareness_at.missing", "sae_awareness_at",
                                    _("Give the time the site became aware of the SAE (it starts the 24-hour clock).")))  # fmt: skip
        elif now is not None and aware > now:
            problems.append(Problem("ae.sae_awareness_at.future", "sae_awareness_at",
                                    _("The awareness time is in the future.")))  # fmt: skip
        elif facts.onset_date is not None and aware.date() < facts.onset_date:
            problems.append(Problem("ae.sae_awareness_at.before_onset", "sae_awareness_at",
                                    _("The site cannot be aware of the SAE before its onset (%(onset)s).")
                                    % {"onset": _day(facts.onset_date)}))  # fmt: skip
    return problems


def _attribution_problems(facts: AdverseEventFacts) -> list[Problem]:
    problems = []
    for agent in AGENTS:
        name = f"attribution_{agent}"
        value = getattr(facts, name)
        if not value:
            problems.append(Problem(f"ae.{name}.missing", name,
                                    _("Give the attribution to %(agent)s.") % {"agent": AGENT_NAMES[agent]}))  # fmt: skip
        elif value not in ATTRIBUTIONS:
            problems.append(Problem(f"ae.{name}.invalid", name,
                                    _("%(value)s is not an attribution.") % {"value": repr(value)}))  # fmt: skip
    if facts.immune_related:
        if not facts.irae_category:
            problems.append(Problem("ae.irae_category.missing", "irae_category",
                                    _("Choose the irAE category (PROTOCOL §3) of an immune-related AE.")))  # fmt: skip
        if facts.attribution_toripalimab and facts.attribution_toripalimab not in RELATED:
            problems.append(Problem("ae.attribution_toripalimab.not_related", "attribution_toripalimab",
                                    _("An immune-related AE is possibly, probably or definitely related to toripalimab.")))  # fmt: skip
    elif facts.irae_category:
        problems.append(Problem("ae.irae_category.not_immune_related", "irae_category",
                                _("An irAE category belongs to an immune-related AE: answer 'yes' or clear it.")))  # fmt: skip
    return problems


_STEROID_DETAILS = ("steroid_drug", "steroid_start_date", "steroid_start_mg_per_day", "steroid_current_mg_per_day",
                    "steroid_taper_note", "steroid_stop_date")  # fmt: skip


def _steroid_problems(facts: AdverseEventFacts, today: date) -> list[Problem]:
    problems = []
    if not facts.steroid_given:
        if any(getattr(facts, name) not in (None, "") for name in _STEROID_DETAILS):
            problems.append(Problem("ae.steroid_given.missing", "steroid_given",
                                    _("Corticosteroid details are filled in: tick 'corticosteroids given' or clear them.")))  # fmt: skip
        return problems
    if not facts.steroid_drug.strip():
        problems.append(Problem("ae.steroid_drug.missing", "steroid_drug", _("Name the corticosteroid.")))
    start, stop = facts.steroid_start_date, facts.steroid_stop_date
    if start is None:
        problems.append(Problem("ae.steroid_start_date.missing", "steroid_start_date",
                                _("Give the date corticosteroids started.")))  # fmt: skip
    elif start > today:
        problems.append(Problem("ae.steroid_start_date.future", "steroid_start_date",
                                _("The start %(date)s is in the future.") % {"date": _day(start)}))  # fmt: skip
    if stop is not None:
        if stop > today:
            problems.append(Problem("ae.steroid_stop_date.future", "steroid_stop_date",
                                    _("The stop date %(date)s is in the future.") % {"date": _day(stop)}))  # fmt: skip
        elif start is not None and stop < start:
            problems.append(Problem("ae.steroid_stop_date.before_start", "steroid_stop_date",
                                    _("Corticosteroids cannot stop before they started (%(start)s).")
                                    % {"start": _day(start)}))  # fmt: skip
    start_dose, current_dose = facts.steroid_start_mg_per_day, facts.steroid_current_mg_per_day
    if start_dose is None:
        problems.append(Problem("ae.steroid_start_mg_per_day.missing", "steroid_start_mg_per_day",
                                _("Give the starting dose in mg/day prednisone-equivalent.")))  # fmt: skip
    elif start_dose <= 0:
        problems.append(Problem("ae.steroid_start_mg_per_day.not_positive", "steroid_start_mg_per_day",
                                _("The starting dose is more than 0 mg/day.")))  # fmt: skip
    if current_dose is not None and current_dose < 0:
        problems.append(Problem("ae.steroid_current_mg_per_day.negative", "steroid_current_mg_per_day",
                                _("The current dose cannot be negative (0 when stopped).")))  # fmt: skip
    return problems


__all__ = [
    "AGENTS",
    "CTCAE_GRADE_MEANING",
    "OPEN",
    "OVERDUE",
    "OUTCOMES",
    "RELATED",
    "SAE_CRITERIA",
    "SENT",
    "SENT_LATE",
    "AdverseEventFacts",
    "Problem",
    "SaeClock",
    "adverse_event_problems",
    "grade_words",
    "problems_by_field",
    "sae_clock",
    "sae_report_due",
    "sae_report_sent_problems",
    "suggest_irae_category",
]
