"""Reads for the treatment pages: the participant's calendar (planned vs given, delays, reductions,
holds and the rule behind them), the study-wide doses due, and the protocol deviation list.

Everything is computed by the rules from what is recorded; the pages only display it. Study-wide
reads prefetch every relation they use, so their query count does not grow with the number of
participants.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.sites import visible_participants
from enrollment.models import Participant
from toxicity.models import IraeAction, IraeDoseDecision
from trialsite.protocol.treatment import CCRT, TORIPALIMAB

from ..models import Agent, DoseAdministration, DoseDelay, DoseModification, DoseStatus, Phase
from ..rules.schedule import (
    GivenDose,
    PlannedDose,
    ScheduleFinding,
    ScheduleInputError,
    dose_window_days,
    dose_window_deviation,
    expected_brachytherapy_dates,
    expected_last_ebrt_fraction,
    weekly_cisplatin_deviation,
)
from ..services.common import TREATMENT_STATUSES, treatment_closed_reason
from ..services.doses import (
    ChemoState,
    DoseCalculation,
    ToripalimabHold,
    ToripalimabState,
    chemo_state,
    dose_calculation,
    latest_anthropometrics,
    participant_plan,
    toripalimab_state,
    weight_used_last,
)
from . import radiotherapy as rt
from .radiotherapy import Deviation

GIVEN, OMITTED, DUE, OVERDUE, UPCOMING, HELD, DISCONTINUED, AWAITING = (
    "given",
    "omitted",
    "due",
    "overdue",
    "upcoming",
    "held",
    "discontinued",
    "awaiting_decision",
)
STATE_LABELS = {
    GIVEN: gettext_lazy("Given"),
    OMITTED: pgettext_lazy("dose state", "Not given"),
    DUE: pgettext_lazy("dose state", "Due"),
    OVERDUE: pgettext_lazy("dose state", "Overdue"),
    UPCOMING: pgettext_lazy("dose state", "Planned"),
    HELD: pgettext_lazy("dose state", "Held"),
    DISCONTINUED: pgettext_lazy("dose state", "Discontinued"),
    AWAITING: gettext_lazy("Awaiting investigator"),
}
AGENT_LABELS = dict(Agent.choices)
PHASE_LABELS = dict(Phase.choices)


@dataclass(frozen=True)
class CalendarRow:
    dose: PlannedDose
    agent_label: str
    cycle_label: str
    record: DoseAdministration | None
    delay: DoseDelay | None
    state: str
    state_label: str
    calculation: DoseCalculation | None
    recommendation: DoseModification | None
    window: ScheduleFinding | None
    note: str = ""
    # Toripalimab: the irAE decisions (PROTOCOL §3) holding or stopping this dose, and those that
    # only annotate it (hormone replacement, slow infusion, investigator's override to continue).
    irae_holds: tuple[ToripalimabHold, ...] = ()
    irae_notes: tuple[ToripalimabHold, ...] = ()

    @property
    def key_args(self) -> tuple[str, str, int, int]:
        return self.dose.key

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.dose.phase]

    @property
    def planned_text(self) -> str:
        if self.dose.flat_mg is not None:
            return _("%(dose)s mg flat") % {"dose": self.dose.flat_mg}
        return f"{self.dose.mg_per_m2.normalize():f} mg/m²"


@dataclass(frozen=True)
class PhaseBlock:
    phase: str
    title: str
    rows: list[CalendarRow]


@dataclass(frozen=True)
class RtPlanRow:
    label: str
    planned: datetime.date | None
    actual: str
    provisional: bool


@dataclass(frozen=True)
class TreatmentCalendar:
    participant: Participant
    phases: list[PhaseBlock]
    state: ChemoState
    anthropometrics: object
    recalculation: str
    radiotherapy: list[RtPlanRow]
    deviations: list[Deviation]
    closed_reason: str | None
    error: str = ""
    reviews: list[DoseModification] = field(default_factory=list)
    toripalimab: ToripalimabState | None = None


def cycle_label(dose: PlannedDose) -> str:
    if dose.phase == CCRT and dose.agent != TORIPALIMAB:
        return _("Week %(cycle)s") % {"cycle": dose.cycle}
    return _("Cycle %(cycle)s, day %(day)s") % {"cycle": dose.cycle, "day": dose.day}


def _toripalimab_row_holds(dose: PlannedDose, record, tori: ToripalimabState, next_dose: PlannedDose | None) -> tuple:
    """The irAE decisions (PROTOCOL §3) that apply to this toripalimab dose: an interrupt holds the
    next dose not yet recorded; a discontinue stops that one and every later one not recorded."""
    if dose.agent != TORIPALIMAB or record is not None or next_dose is None:
        return ()
    if dose.key == next_dose.key:
        return tori.holds
    return tuple(h for h in tori.holds if h.action == IraeAction.DISCONTINUE and dose.due >= next_dose.due)


def next_toripalimab(plan: list[PlannedDose], records) -> PlannedDose | None:
    """The first toripalimab dose of the calendar not yet recorded (given or omitted)."""
    candidates = [d for d in plan if d.agent == TORIPALIMAB and d.key not in records]
    return min(candidates, key=lambda d: (d.due, d.phase, d.cycle), default=None)


def _state(dose: PlannedDose, record, state: ChemoState, today: datetime.date, pending_key, irae_holds=()) -> str:
    if record is not None:
        return GIVEN if record.status == DoseStatus.GIVEN else OMITTED
    if irae_holds:
        if any(h.pending for h in irae_holds):
            return AWAITING
        return DISCONTINUED if any(h.action == IraeAction.DISCONTINUE for h in irae_holds) else HELD
    if dose.agent != TORIPALIMAB:
        if state.discontinued:
            return DISCONTINUED
        if pending_key == dose.key:
            return AWAITING
        if state.held_by is not None and state.held_by.target_key == dose.key:
            return HELD
    window = dose_window_days(dose.phase)
    if today > dose.due + datetime.timedelta(days=window):
        return OVERDUE
    if today >= dose.due - datetime.timedelta(days=window):
        return DUE
    return UPCOMING


def _prefetched(queryset: QuerySet[Participant]) -> QuerySet[Participant]:
    return queryset.select_related("radiotherapy_course").prefetch_related(
        Prefetch("doses", queryset=DoseAdministration.objects.order_by("given_on", "id")),
        "dose_delays",
        "dose_modifications",
        Prefetch("irae_dose_decisions", queryset=IraeDoseDecision.objects.select_related("adverse_event__term")),
        "anthropometrics",
        "brachytherapy_fractions",
        "consents",
    )


def _plan(participant: Participant) -> tuple[list[PlannedDose], str]:
    try:
        return participant_plan(participant), ""
    except ScheduleInputError as error:  # recorded data the calendar cannot place
        return [], str(error)


def _reduction_source(modifications: list[DoseModification], on: datetime.date | None) -> str:
    """The decision that set the reduced level in force on ``on`` (None: now), as "rule, how date"
    ("" when none did)."""
    decided = [
        r
        for r in modifications
        if r.decision in ("confirmed", "overridden")
        and r.decided_level_pct is not None
        and r.decided_level_pct < 100
        and (on is None or r.assessed_on <= on)
    ]
    if not decided:
        return ""
    source = max(decided, key=lambda r: (r.assessed_on, r.pk))
    values = {"rule": source.rule_code, "date": f"{source.assessed_on:%Y-%m-%d}"}
    if source.decision == "confirmed":
        return _("%(rule)s, confirmed %(date)s") % values
    return _("%(rule)s, investigator override %(date)s") % values


def _level_note(level_pct: int, source: str, *, given: bool) -> str:
    """The calendar's note on a dose below 100 %: given (or to be given) at the level, with the
    decision that set it when there is one."""
    values = {"level": level_pct, "source": source}
    if given:
        return (_("Given at %(level)s %% (%(source)s)") if source else _("Given at %(level)s %%")) % values
    return (_("At %(level)s %% (%(source)s)") if source else _("At %(level)s %%")) % values


def calendar_rows(participant: Participant, plan: list[PlannedDose], *, today: datetime.date) -> list[CalendarRow]:
    records = {d.key: d for d in participant.doses.all()}
    delays = {d.key: d for d in participant.dose_delays.all()}
    modifications = list(participant.dose_modifications.all())
    state = chemo_state(participant, modifications)
    by_target = {}
    for review in modifications:
        if review.decision != "not_required":
            by_target[review.target_key] = review
    pending_key = state.pending.target_key if state.pending else None
    tori = toripalimab_state(participant, participant.irae_dose_decisions.all())
    next_tori = next_toripalimab(plan, records)
    latest = latest_anthropometrics(participant)
    used = weight_used_last(participant)
    rows = []
    for dose in plan:
        record = records.get(dose.key)
        irae_holds = _toripalimab_row_holds(dose, record, tori, next_tori)
        irae_notes = tori.notes if next_tori is not None and dose.key == next_tori.key else ()
        row_state = _state(dose, record, state, today, pending_key, irae_holds)
        calculation = None
        if record is None and row_state not in (DISCONTINUED,):
            calculation = dose_calculation(participant, dose, state=state, anthropometrics=latest, weight_used_kg=used)
        note = ""
        if record is not None and record.status == DoseStatus.GIVEN and record.dose_level_pct < 100:
            note = _level_note(record.dose_level_pct, _reduction_source(modifications, record.given_on), given=True)
        elif calculation is not None and dose.agent != TORIPALIMAB and calculation.dose_level_pct < 100:
            note = _level_note(calculation.dose_level_pct, _reduction_source(modifications, None), given=False)
        rows.append(
            CalendarRow(
                dose=dose,
                agent_label=AGENT_LABELS[dose.agent],
                cycle_label=cycle_label(dose),
                record=record,
                delay=delays.get(dose.key),
                state=row_state,
                state_label=STATE_LABELS[row_state],
                calculation=calculation,
                recommendation=by_target.get(dose.key),
                window=dose_window_deviation(dose) if record is not None else None,
                note=note,
                irae_holds=irae_holds,
                irae_notes=irae_notes,
            )
        )
    return rows


def _radiotherapy_rows(participant: Participant) -> list[RtPlanRow]:
    course = rt.radiotherapy_course(participant)
    start = participant.planned_treatment_start
    fractions = sorted(participant.brachytherapy_fractions.all(), key=lambda f: f.number)
    last_ebrt = course.end_date if course and course.end_date else None
    expected = expected_brachytherapy_dates(start, last_ebrt=last_ebrt)
    not_recorded = _("Not recorded")
    if last_ebrt:
        last_actual = _("%(date)s (%(count)s fractions)") % {
            "date": f"{course.end_date:%Y-%m-%d}",
            "count": course.fractions_delivered,
        }
    elif course:
        last_actual = _("%(count)s fractions so far") % {"count": course.fractions_delivered}
    else:
        last_actual = not_recorded
    rows = [
        RtPlanRow(
            _("EBRT first fraction"),
            start,
            f"{course.start_date:%Y-%m-%d}" if course else not_recorded,
            False,
        ),
        RtPlanRow(
            _("EBRT last fraction"),
            None if last_ebrt else expected_last_ebrt_fraction(start),
            last_actual,
            last_ebrt is None,
        ),
    ]
    by_number = {f.number: f for f in fractions}
    for number, planned in enumerate(expected, start=1):
        fraction = by_number.get(number)
        actual = not_recorded
        if fraction:
            actual = _("%(date)s (HR-CTV D90 %(dose)s Gy)") % {
                "date": f"{fraction.given_on:%Y-%m-%d}",
                "dose": fraction.hrctv_d90_gy,
            }
        rows.append(
            RtPlanRow(
                _("Brachytherapy fraction %(number)s") % {"number": number},
                planned,
                actual,
                fraction is None and last_ebrt is None,
            )
        )
    for fraction in fractions:
        if fraction.number > len(expected):
            rows.append(
                RtPlanRow(
                    _("Brachytherapy fraction %(number)s") % {"number": fraction.number},
                    None,
                    f"{fraction.given_on:%Y-%m-%d}",
                    False,
                )
            )
    return rows


def ccrt_over(participant: Participant, plan: list[PlannedDose], *, today: datetime.date) -> bool:
    """CCRT is over once EBRT has ended or every weekly cisplatin date is past its window."""
    course = rt.radiotherapy_course(participant)
    if course is not None and course.end_date:
        return True
    weekly = [d for d in plan if d.phase == CCRT and d.agent != TORIPALIMAB]
    return bool(weekly) and all(today > d.due + datetime.timedelta(days=dose_window_days(CCRT)) for d in weekly)


def participant_deviations(
    participant: Participant, *, today: datetime.date, plan: list[PlannedDose] | None = None
) -> list[Deviation]:
    """PROTOCOL §2 deviations: doses outside their window, fewer than 4 weekly cisplatin doses,
    OAR limits exceeded, overall treatment time above 56 days (and the other RT checks)."""
    if plan is None:
        plan, error = _plan(participant)
        if error:
            return [Deviation("schedule.unplaced", error)]
    deviations = []
    for dose in plan:
        finding = dose_window_deviation(dose)
        if finding is not None:
            deviations.append(Deviation(finding.code, finding.message, dose.given_on))
    if ccrt_over(participant, plan, today=today):
        given = [GivenDose(*d.key, d.given_on) for d in plan if d.given_on is not None]
        finding = weekly_cisplatin_deviation(given)
        if finding is not None:
            deviations.append(Deviation(finding.code, finding.message, None))
    deviations.extend(rt.radiotherapy_deviations(participant))
    return deviations


def treatment_calendar(participant: Participant, *, today: datetime.date) -> TreatmentCalendar:
    participant = _prefetched(Participant.objects.filter(pk=participant.pk)).get()
    plan, error = _plan(participant)
    rows = calendar_rows(participant, plan, today=today)
    phases = [
        PhaseBlock(phase, PHASE_LABELS[phase], [r for r in rows if r.dose.phase == phase])
        for phase in (Phase.CCRT, Phase.CONSOLIDATION, Phase.MAINTENANCE)
    ]
    modifications = sorted(participant.dose_modifications.all(), key=lambda r: (r.assessed_on, r.pk))
    latest = latest_anthropometrics(participant)
    used = weight_used_last(participant)
    from ..services.doses import recalculation_note

    return TreatmentCalendar(
        participant=participant,
        phases=phases,
        state=chemo_state(participant, modifications),
        anthropometrics=latest,
        recalculation=recalculation_note(used, latest.weight_kg if latest else None),
        radiotherapy=_radiotherapy_rows(participant),
        deviations=[] if error else participant_deviations(participant, today=today, plan=plan),
        closed_reason=treatment_closed_reason(participant),
        error=error,
        reviews=modifications,
        toripalimab=toripalimab_state(participant, participant.irae_dose_decisions.all()),
    )


def _past_window(dose: PlannedDose, today: datetime.date) -> bool:
    return today > dose.due + datetime.timedelta(days=dose_window_days(dose.phase))


@dataclass(frozen=True)
class DueDose:
    participant: Participant
    row: CalendarRow


def participants_on_treatment(user=None) -> QuerySet[Participant]:
    """Participants whose calendar is followed: on treatment or in follow-up, with a planned
    treatment start and no consent withdrawn (of ``user``'s sites, ``core.sites``)."""
    return (
        visible_participants(user).filter(status__in=TREATMENT_STATUSES, planned_treatment_start__isnull=False)
        .exclude(consents__withdrawn_on__isnull=False)
    )  # fmt: skip


def participant_doses_due(
    participant: Participant, *, start: datetime.date, end: datetime.date, today: datetime.date
) -> tuple[list[DueDose], list[DueDose]]:
    """One participant's doses not yet recorded due between ``start`` and ``end``, and those overdue
    before it (the participant prefetched as ``_prefetched`` does, else one query per relation)."""
    plan, error = _plan(participant)
    if error:
        return [], []
    this_week, overdue = [], []
    for row in calendar_rows(participant, plan, today=today):
        if row.record is not None or row.state == DISCONTINUED:
            continue
        if start <= row.dose.due <= end:
            this_week.append(DueDose(participant, row))
        elif row.dose.due < start and (row.state == OVERDUE or (row.irae_holds and _past_window(row.dose, today))):
            # A toripalimab dose held by an irAE past its window stays listed, with its hold.
            overdue.append(DueDose(participant, row))
    return this_week, overdue


def prefetched_participants(queryset: QuerySet[Participant]) -> QuerySet[Participant]:
    """``queryset`` with every relation the calendar reads, in a fixed number of queries."""
    return _prefetched(queryset)


def doses_due(
    *, start: datetime.date, end: datetime.date, today: datetime.date, user=None
) -> tuple[list[DueDose], list[DueDose]]:
    """Doses not yet recorded that are due between ``start`` and ``end`` (a week), and those
    overdue before it, for every participant on treatment (of ``user``'s sites, ``core.sites``)."""
    participants = _prefetched(participants_on_treatment(user).order_by("study_number"))
    this_week, overdue = [], []
    for participant in participants:
        week, late = participant_doses_due(participant, start=start, end=end, today=today)
        this_week.extend(week)
        overdue.extend(late)
    key = lambda item: (item.row.dose.due, item.participant.study_number or "")  # noqa: E731
    return sorted(this_week, key=key), sorted(overdue, key=key)


@dataclass(frozen=True)
class ParticipantDeviations:
    participant: Participant
    deviations: list[Deviation]


def study_deviations(*, today: datetime.date, user=None) -> list[ParticipantDeviations]:
    """Every participant with treatment data and at least one protocol deviation (of ``user``'s
    sites, ``core.sites``)."""
    participants = _prefetched(
        visible_participants(user).filter(planned_treatment_start__isnull=False).order_by("study_number")
    )
    result = []
    for participant in participants:
        found = participant_deviations(participant, today=today)
        if found:
            result.append(ParticipantDeviations(participant, found))
    return result


def treatment_panel_lines(participant: Participant, *, today: datetime.date) -> list[str]:
    """Lines for the participant dashboard's treatment panel."""
    if participant.planned_treatment_start is None:
        return []
    doses = list(participant.doses.all())
    lines = [_("Treatment start %(date)s") % {"date": f"{participant.planned_treatment_start:%Y-%m-%d}"}]
    given = [d for d in doses if d.status == DoseStatus.GIVEN]
    if given:
        last = max(given, key=lambda d: (d.given_on, d.pk))
        lines.append(
            _("%(count)s dose(s) given; last: %(dose)s on %(date)s")
            % {"count": len(given), "dose": last.dose_label(), "date": f"{last.given_on:%Y-%m-%d}"}
        )
    state = chemo_state(participant)
    if state.discontinued:
        lines.append(_("Chemotherapy discontinued"))
    elif state.pending:
        lines.append(
            _("Dose modification awaiting investigator: %(action)s")
            % {"action": state.pending.get_recommended_action_display()}
        )
    elif state.held_by:
        lines.append(_("Chemotherapy on hold"))
    elif state.level_pct < 100:
        lines.append(_("Chemotherapy at %(level)s %% of the starting dose") % {"level": state.level_pct})
    tori = toripalimab_state(participant)
    if tori.discontinued:
        lines.append(_("Toripalimab discontinued (irAE): %(holds)s") % {"holds": tori.summary})
    elif tori.held:
        lines.append(_("Toripalimab on hold (irAE): %(holds)s") % {"holds": tori.summary})
    lines.extend(rt.radiotherapy_panel_lines(participant))
    return lines
