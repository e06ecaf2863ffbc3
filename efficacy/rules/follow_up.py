"""Consistency of progressions and the survival follow-up, and how the follow-up moves the
participant's study status.

Source: PROTOCOL §5: OS runs from the diagnosis to death from any cause; PFS from the diagnosis to
progression at any site or death. Our resolution of what the dates must satisfy so those times
can be computed:

- A progression of the trial happens on study: not before the diagnosis, not before enrolment (a
  progression before study treatment is not a trial progression), not in the future, not after a
  recorded death, and not before the date the participant was last known free of progression.
  Several progressions may be recorded (the first ends PFS; the sites of all make the failure
  pattern), but never two on the same day.
- Last known alive and the date of death are not in the future and not before enrolment; a death
  is not before the last progression, needs its cause (and words for "other"), and makes the last
  known alive date the date of death.
- Last known free of progression is not after the first progression and not after the participant
  was last known alive (or died).
- Off study: a date and a reason together (words for "other"), not in the future, not before
  enrolment, not after a death.
- A death moves the participant to "died", an off-study date to "off study" (the lifecycle of
  ``enrollment.rules.status``); a corrected date corrects the date in the status history.

Pure Python: no database, no clock (``today`` is a parameter); Django only for ``gettext`` of the
messages. Every refusal and warning carries a stable code; tests assert the codes, the pages show
the messages (in the user's language).
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from efficacy.rules.recist import PD
from enrollment.rules.status import DIED, OFF_STUDY

# Choice values of ``efficacy.models`` the rules read (kept as plain strings: no models here).
DEATH_CAUSE_TREATMENT = "treatment"
DEATH_CAUSE_OTHER = "other"
OFF_STUDY_REASON_OTHER = "other"

Date = datetime.date


@dataclass(frozen=True)
class Problem:
    """A refusal: stable ``code``, the ``field`` it belongs to ("" for the whole record), ``message``."""

    code: str
    field: str
    message: str


@dataclass(frozen=True)
class ConsistencyWarning:
    """Something to look at on the follow-up page; it does not block saving."""

    code: str
    message: str


def _d(day: Date) -> str:
    return f"{day:%Y-%m-%d}"


# --- Progressions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedAssessment:
    """The tumour assessment a progression is linked to, as far as the rules need it."""

    assessment_date: Date
    is_follow_up: bool
    computed_response: str = ""
    confirmed_response: str | None = None  # the investigator's, valid for the current version


def shows_progression(computed_response: str, confirmed_response: str | None) -> bool:
    """An assessment that can document a progression: its computed or its confirmed overall
    response is PD (RECIST 1.1 section 4.3.4)."""
    return PD in (computed_response, confirmed_response)


def progression_problems(
    *,
    progression_date: Date,
    diagnosis_date: Date | None,
    enrolment_date: Date | None,
    death_date: Date | None,
    last_progression_free_date: Date | None,
    other_progression_dates: Iterable[Date],
    today: Date,
    assessment: LinkedAssessment | None = None,
) -> list[Problem]:
    """Why a progression on ``progression_date`` cannot be recorded (empty when it can).

    Source: PROTOCOL §5 (PFS ends at the first progression at any site) with the resolution in the
    module docstring. Every limit day itself is allowed: the diagnosis day, the enrolment day,
    today, the day of death and the last day known free of progression. ``other_progression_dates``
    are the participant's other progressions (not the one being corrected).

    Codes: ``progression.date.future``, ``progression.date.before_diagnosis``,
    ``progression.date.before_enrolment``, ``progression.date.after_death``,
    ``progression.date.before_progression_free``, ``progression.date.duplicate``,
    ``progression.assessment.not_follow_up``, ``progression.assessment.not_pd``.
    """
    field = "progression_date"
    problems = []
    if progression_date > today:
        problems.append(Problem("progression.date.future", field, _("%(date)s is in the future.") % {"date": _d(progression_date)}))
    if diagnosis_date is not None and progression_date < diagnosis_date:
        problems.append(Problem(
            "progression.date.before_diagnosis", field,
            _("A progression cannot be before the diagnosis (%(date)s).") % {"date": _d(diagnosis_date)},
        ))  # fmt: skip
    if enrolment_date is not None and progression_date < enrolment_date:
        problems.append(Problem(
            "progression.date.before_enrolment", field,
            _("A progression before enrolment (%(date)s) is not a progression of the trial: record it in the "
              "medical history.") % {"date": _d(enrolment_date)},
        ))  # fmt: skip
    if death_date is not None and progression_date > death_date:
        problems.append(Problem(
            "progression.date.after_death", field,
            _("A progression cannot be after the recorded date of death (%(date)s).") % {"date": _d(death_date)},
        ))  # fmt: skip
    if last_progression_free_date is not None and progression_date < last_progression_free_date:
        problems.append(Problem(
            "progression.date.before_progression_free", field,
            _("The follow-up records her free of progression on %(date)s; a progression before that "
              "contradicts it. If that date is wrong, correct the follow-up status first.")
            % {"date": _d(last_progression_free_date)},
        ))  # fmt: skip
    if progression_date in set(other_progression_dates):
        problems.append(Problem(
            "progression.date.duplicate", field,
            _("A progression on %(date)s is already recorded: correct that one instead (give every site in it).")
            % {"date": _d(progression_date)},
        ))  # fmt: skip
    if assessment is not None:
        if not assessment.is_follow_up:
            problems.append(Problem(
                "progression.assessment.not_follow_up", "assessment",
                _("Link a follow-up tumour assessment, not the baseline."),
            ))  # fmt: skip
        elif not shows_progression(assessment.computed_response, assessment.confirmed_response):
            problems.append(Problem(
                "progression.assessment.not_pd", "assessment",
                _("The assessment of %(date)s does not show progressive disease (PD).")
                % {"date": _d(assessment.assessment_date)},
            ))  # fmt: skip
    return problems


# --- Follow-up status ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpFacts:
    """A participant's follow-up status as entered, with the dates it is checked against."""

    enrolment_date: Date | None
    diagnosis_date: Date | None = None
    progression_dates: tuple[Date, ...] = ()
    last_known_alive_date: Date | None = None
    last_progression_free_date: Date | None = None
    death_date: Date | None = None
    death_cause: str = ""
    death_cause_detail: str = ""
    off_study_date: Date | None = None
    off_study_reason: str = ""
    off_study_detail: str = ""


def last_known_alive(*, entered: Date | None, death_date: Date | None) -> Date | None:
    """The last-known-alive date to store: the date of death once there is one (PROTOCOL §5: OS
    ends at death), else what was entered."""
    return death_date if death_date is not None else entered


def follow_up_problems(facts: FollowUpFacts, *, today: Date) -> list[Problem]:
    """Why a follow-up status cannot be saved (empty when it can).

    Source: PROTOCOL §5 (OS to death from any cause, PFS to progression or death) with the
    resolution in the module docstring. Last known alive is read through ``last_known_alive``
    (the date of death when one is given). Every limit day itself is allowed.

    Codes (``follow_up.<field>.<what>``): ``last_known_alive_date.future``,
    ``last_known_alive_date.before_enrolment``, ``death_date.future``, ``death_date.before_enrolment``,
    ``death_date.before_progression``, ``death_date.missing`` (a cause without a date),
    ``death_cause.missing``, ``death_cause_detail.missing``, ``last_progression_free_date.future``,
    ``last_progression_free_date.before_diagnosis``, ``last_progression_free_date.after_progression``,
    ``last_progression_free_date.after_alive``, ``off_study_date.future``,
    ``off_study_date.before_enrolment``, ``off_study_date.after_death``, ``off_study_date.missing``,
    ``off_study_reason.missing``, ``off_study_detail.missing``.
    """
    problems: list[Problem] = []
    enrolment = facts.enrolment_date
    death = facts.death_date
    alive = last_known_alive(entered=facts.last_known_alive_date, death_date=death)

    def add(field: str, what: str, message: str) -> None:
        problems.append(Problem(f"follow_up.{field}.{what}", field, message))

    if facts.last_known_alive_date is not None and death is None:
        day = facts.last_known_alive_date
        if day > today:
            add("last_known_alive_date", "future", _("%(date)s is in the future.") % {"date": _d(day)})
        if enrolment is not None and day < enrolment:
            add("last_known_alive_date", "before_enrolment",
                _("Last known alive cannot be before enrolment (%(date)s).") % {"date": _d(enrolment)})  # fmt: skip

    if death is not None:
        if death > today:
            add("death_date", "future", _("%(date)s is in the future.") % {"date": _d(death)})
        if enrolment is not None and death < enrolment:
            add("death_date", "before_enrolment",
                _("A death before enrolment (%(date)s) cannot be recorded in follow-up.") % {"date": _d(enrolment)})  # fmt: skip
        if facts.progression_dates and death < max(facts.progression_dates):
            add("death_date", "before_progression",
                _("The date of death cannot be before the last recorded progression (%(date)s).")
                % {"date": _d(max(facts.progression_dates))})  # fmt: skip
        if not facts.death_cause:
            add("death_cause", "missing", _("Give the cause of death (choose 'Unknown' when it is not known)."))
        elif facts.death_cause == DEATH_CAUSE_OTHER and not facts.death_cause_detail.strip():
            add("death_cause_detail", "missing", _("Say in words what the other cause of death was."))
    elif facts.death_cause or facts.death_cause_detail.strip():
        add("death_date", "missing", _("A cause of death needs the date of death."))

    free = facts.last_progression_free_date
    if free is not None:
        if free > today:
            add("last_progression_free_date", "future", _("%(date)s is in the future.") % {"date": _d(free)})
        if facts.diagnosis_date is not None and free < facts.diagnosis_date:
            add("last_progression_free_date", "before_diagnosis",
                _("Last known free of progression cannot be before the diagnosis (%(date)s).")
                % {"date": _d(facts.diagnosis_date)})  # fmt: skip
        if facts.progression_dates and free > min(facts.progression_dates):
            add("last_progression_free_date", "after_progression",
                _("Last known free of progression cannot be after the first progression (%(date)s).")
                % {"date": _d(min(facts.progression_dates))})  # fmt: skip
        if alive is not None and free > alive:
            if death is not None:
                message = _("Last known free of progression cannot be after the date of death (%(date)s).")
            else:
                message = _("Last known free of progression cannot be after the date last known alive (%(date)s).")
            add("last_progression_free_date", "after_alive", message % {"date": _d(alive)})

    off = facts.off_study_date
    if off is not None:
        if off > today:
            add("off_study_date", "future", _("%(date)s is in the future.") % {"date": _d(off)})
        if enrolment is not None and off < enrolment:
            add("off_study_date", "before_enrolment",
                _("The off-study date cannot be before enrolment (%(date)s).") % {"date": _d(enrolment)})  # fmt: skip
        if death is not None and off > death:
            add("off_study_date", "after_death",
                _("The off-study date cannot be after the date of death (%(date)s).") % {"date": _d(death)})  # fmt: skip
        if not facts.off_study_reason:
            add("off_study_reason", "missing", _("Give the reason for going off study."))
    elif facts.off_study_reason:
        add("off_study_date", "missing", _("An off-study reason needs the off-study date."))
    if facts.off_study_reason == OFF_STUDY_REASON_OTHER and not facts.off_study_detail.strip():
        add("off_study_detail", "missing", _("Say in words what the other reason was."))
    return problems


# --- Study status (enrollment.rules.status lifecycle) ----------------------------------------------


@dataclass(frozen=True)
class StatusEntry:
    """One row of the participant's status history."""

    status: str
    effective_date: Date


CHANGE = "change"  # move the participant to the status on the date
CORRECT = "correct"  # correct the date of the status already in the history


@dataclass(frozen=True)
class StatusStep:
    action: str  # CHANGE or CORRECT
    status: str
    effective_date: Date


def status_steps(
    *,
    current_status: str,
    history: Sequence[StatusEntry],
    off_study_date: Date | None,
    death_date: Date | None,
) -> tuple[list[StatusStep], list[Problem]]:
    """The status changes a follow-up status implies, in order, or why it contradicts the history.

    Source: the lifecycle of ``enrollment.rules.status`` (PROTOCOL §1-§5): a death makes the
    participant "died", an off-study date "off study" (before the death when both are given);
    neither can be undone. A date that differs from the one in the history corrects it. An
    off-study date of a participant who already died is stored without a status change.
    Whether a change is allowed from the current status on that date is
    ``enrollment.rules.status.check_status_change``'s business (the service applies it).

    Codes: ``follow_up.off_study_date.status_off_study``, ``follow_up.death_date.status_died``.
    """
    steps: list[StatusStep] = []
    problems: list[Problem] = []
    off_entry = _last_entry(history, OFF_STUDY)
    died_entry = _last_entry(history, DIED) if current_status == DIED else None

    if off_study_date is None:
        if off_entry is not None and current_status in (OFF_STUDY, DIED):
            problems.append(Problem(
                "follow_up.off_study_date.status_off_study", "off_study_date",
                _("Her study status history has her off study from %(date)s: give the off-study date and reason "
                  "(going back on study is not possible).") % {"date": _d(off_entry.effective_date)},
            ))  # fmt: skip
    elif off_entry is not None and current_status in (OFF_STUDY, DIED):
        if off_entry.effective_date != off_study_date:
            steps.append(StatusStep(CORRECT, OFF_STUDY, off_study_date))
    elif current_status != DIED:
        steps.append(StatusStep(CHANGE, OFF_STUDY, off_study_date))

    if death_date is None:
        if current_status == DIED:
            if died_entry is not None:
                message = _("Her study status is 'died' since %(date)s: give the date of death and its cause "
                            "(a recorded death cannot be removed here).") % {"date": _d(died_entry.effective_date)}
            else:
                message = _("Her study status is 'died': give the date of death and its cause (a recorded death "
                            "cannot be removed here).")
            problems.append(Problem("follow_up.death_date.status_died", "death_date", message))
    elif current_status == DIED:
        if died_entry is None or died_entry.effective_date != death_date:
            steps.append(StatusStep(CORRECT, DIED, death_date))
    else:
        steps.append(StatusStep(CHANGE, DIED, death_date))
    return steps, problems


def _last_entry(history: Sequence[StatusEntry], status: str) -> StatusEntry | None:
    matching = [entry for entry in history if entry.status == status]
    return matching[-1] if matching else None


# --- Warnings on the follow-up page ----------------------------------------------------------------


@dataclass(frozen=True)
class FatalAdverseEvent:
    number: int
    death_date: Date | None


@dataclass(frozen=True)
class ProgressionLink:
    """A recorded progression and, when it is linked to an assessment, whether that shows PD."""

    progression_date: Date
    assessment_date: Date | None = None
    assessment_shows_pd: bool = True


@dataclass(frozen=True)
class OutcomeFacts:
    """Everything the follow-up page cross-checks for one enrolled participant."""

    status: str
    status_date: Date
    diagnosis_date: Date | None
    progressions: tuple[ProgressionLink, ...] = ()
    # Follow-up assessments whose response (the investigator's where confirmed, else computed) is PD.
    pd_assessment_dates: tuple[Date, ...] = ()
    last_known_alive_date: Date | None = None
    death_date: Date | None = None
    death_cause: str = ""
    off_study_date: Date | None = None
    fatal_adverse_events: tuple[FatalAdverseEvent, ...] = ()


def effective_response(computed_response: str, confirmed_response: str | None) -> str:
    """The response that counts: the investigator's confirmed one, else the computed one."""
    return confirmed_response if confirmed_response else computed_response


def outcome_warnings(facts: OutcomeFacts) -> list[ConsistencyWarning]:
    """What looks inconsistent across the follow-up, the progressions, the tumour assessments,
    the study status and the adverse events (shown, never blocking).

    Source: PROTOCOL §5 (OS and PFS count from the diagnosis; death from any cause; progression at
    any site) and the CTCAE v5.0 grade 5 (death related to an AE).

    Codes: ``outcome.diagnosis_date.missing``, ``outcome.status.died_without_death_date``,
    ``outcome.status.off_study_without_date``, ``outcome.last_known_alive.missing``,
    ``outcome.last_known_alive.before_progression``, ``outcome.assessment.pd_without_progression``,
    ``outcome.progression.assessment_not_pd``, ``outcome.ae.death_date_differs``,
    ``outcome.ae.fatal_without_death``, ``outcome.ae.treatment_death_without_fatal_ae``.
    """
    warnings: list[ConsistencyWarning] = []

    def add(code: str, message: str) -> None:
        warnings.append(ConsistencyWarning(code, message))

    if facts.diagnosis_date is None:
        add("outcome.diagnosis_date.missing",
            _("No diagnosis date: survival times cannot be computed without it (PFS and OS count from the "
              "diagnosis)."))  # fmt: skip
    if facts.status == DIED and facts.death_date is None:
        add("outcome.status.died_without_death_date",
            _("Her study status is 'died' since %(date)s but no date of death is recorded here.")
            % {"date": _d(facts.status_date)})  # fmt: skip
    if facts.status == OFF_STUDY and facts.off_study_date is None:
        add("outcome.status.off_study_without_date",
            _("Her study status is 'off study' since %(date)s but no off-study date and reason are recorded "
              "here.") % {"date": _d(facts.status_date)})  # fmt: skip

    progression_dates = sorted(link.progression_date for link in facts.progressions)
    if facts.death_date is None:
        if facts.last_known_alive_date is None:
            add("outcome.last_known_alive.missing",
                _("No last-known-alive date: overall survival is censored at it; record the last contact."))  # fmt: skip
        elif progression_dates and facts.last_known_alive_date < progression_dates[-1]:
            add("outcome.last_known_alive.before_progression",
                _("Last known alive (%(alive)s) is before the progression of %(progression)s, when she was alive: "
                  "update last known alive.")
                % {"alive": _d(facts.last_known_alive_date), "progression": _d(progression_dates[-1])})  # fmt: skip

    if facts.pd_assessment_dates:
        first_pd = min(facts.pd_assessment_dates)
        if not progression_dates:
            add("outcome.assessment.pd_without_progression",
                _("The tumour assessment of %(date)s shows progressive disease (PD) but no progression is "
                  "recorded.") % {"date": _d(first_pd)})  # fmt: skip
        elif first_pd < progression_dates[0]:
            add("outcome.assessment.pd_without_progression",
                _("The tumour assessment of %(date)s shows progressive disease (PD), before the first recorded "
                  "progression (%(progression)s): PFS may be too long.")
                % {"date": _d(first_pd), "progression": _d(progression_dates[0])})  # fmt: skip
    for link in facts.progressions:
        if link.assessment_date is not None and not link.assessment_shows_pd:
            add("outcome.progression.assessment_not_pd",
                _("The progression of %(progression)s is linked to the assessment of %(assessment)s, whose "
                  "response is no longer PD.")
                % {"progression": _d(link.progression_date), "assessment": _d(link.assessment_date)})  # fmt: skip

    fatal = [event for event in facts.fatal_adverse_events if event.death_date is not None]
    if facts.death_date is not None:
        for event in fatal:
            if event.death_date != facts.death_date:
                add("outcome.ae.death_date_differs",
                    _("Adverse event %(number)s records death on %(date)s; the follow-up says %(follow_up)s.")
                    % {"number": event.number, "date": _d(event.death_date), "follow_up": _d(facts.death_date)})  # fmt: skip
        if facts.death_cause == DEATH_CAUSE_TREATMENT and not facts.fatal_adverse_events:
            add("outcome.ae.treatment_death_without_fatal_ae",
                _("The cause of death is treatment toxicity but no adverse event is recorded as fatal (grade 5): "
                  "record the fatal adverse event."))  # fmt: skip
    else:
        for event in fatal:
            add("outcome.ae.fatal_without_death",
                _("Adverse event %(number)s is fatal (death on %(date)s) but no death is recorded here.")
                % {"number": event.number, "date": _d(event.death_date)})  # fmt: skip
    return warnings
