"""Reads for the investigator's toxicity dashboard and its CSV downloads, and the per-participant AE
timeline.

The standard safety table: for each CTCAE v5.0 term, grouped by MedDRA system organ class, the
number and percentage of patients with the term at any grade and at grade >= 3, and the patients
by their worst grade. A patient with several AEs of one term is counted once, at the worst grade
(``AdverseEvent.grade`` is already the AE's worst grade). The denominator is the safety
population: participants with at least one dose of any study drug recorded as given; only their AEs
are counted in the tables. The work lists (SAE reporting clocks, AEs awaiting the investigator's
signature, participants with holds) cover every participant. With study sites configured
(``core.sites``), everything is limited to the participants of the ``user``'s sites: the safety
population, the tables and the work lists (``user=None``: the whole study).

Numbers are aggregated in the database (worst grade per patient and term) and grouped here, so
the number of queries does not grow with the number of participants. The templates only display.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.sites import restrict_to_user_sites, site_access
from dosing.models import (
    Agent,
    BrachytherapyFraction,
    DoseAdministration,
    DoseModification,
    DoseStatus,
    ModificationAction,
    Phase,
    RadiotherapyCourse,
)
from dosing.services.doses import chemo_state
from enrollment.models import Participant
from trialsite.protocol.toxicity import DISCONTINUE, INTERRUPT, IRAE_ROWS
from trialsite.protocol.treatment import CCRT, CISPLATIN

from ..labels import irae_category_label as category_name
from ..models import (
    AE_AGENTS,
    GRADES,
    RELATED_ATTRIBUTIONS,
    SAE_CRITERIA,
    AdverseEvent,
    AdverseEventSignature,
    IraeDecisionStatus,
    IraeDoseDecision,
)
from ..rules.adverse_event import OPEN, OVERDUE, SENT, SENT_LATE, sae_clock

# --- filters --------------------------------------------------------------------------------------

RELATED_LABEL = gettext_lazy("possible, probable or definite")
# One message per agent of ``AE_AGENTS`` (a sentence reads better translated whole).
_RELATED_TO_LABELS = {
    "toripalimab": gettext_lazy("Related to toripalimab"),
    "cisplatin": gettext_lazy("Related to cisplatin"),
    "paclitaxel": gettext_lazy("Related to paclitaxel"),
    "radiotherapy": gettext_lazy("Related to radiotherapy"),
}
RELATED_TO_CHOICES = (("", gettext_lazy("All adverse events")),) + tuple(
    (agent, _RELATED_TO_LABELS.get(agent, f"Related to {label.lower()}")) for agent, label in AE_AGENTS
)
_AGENT_LABELS = dict(AE_AGENTS)


@dataclass(frozen=True)
class DashboardFilters:
    """Which AEs the tables count: related to one agent (attribution possible, probable or
    definite), and onset within a period (both ends included)."""

    related_to: str = ""
    onset_from: datetime.date | None = None
    onset_to: datetime.date | None = None

    def __post_init__(self):
        if self.related_to and self.related_to not in _AGENT_LABELS:
            raise ValueError(f"Unknown agent {self.related_to!r}.")

    @property
    def active(self) -> bool:
        return bool(self.related_to or self.onset_from or self.onset_to)

    def describe(self) -> str:
        """E.g. "AEs related to toripalimab (possible, probable or definite), onset 2025-01-01 to 2025-03-31"."""
        what = (
            _("AEs related to %(agent)s (%(related)s)")
            % {"agent": _(_AGENT_LABELS[self.related_to]).lower(), "related": RELATED_LABEL}
            if self.related_to else _("All AEs")
        )
        start = f"{self.onset_from:%Y-%m-%d}" if self.onset_from else ""
        end = f"{self.onset_to:%Y-%m-%d}" if self.onset_to else ""
        if self.onset_from and self.onset_to:
            when = _("onset %(start)s to %(end)s") % {"start": start, "end": end}
        elif self.onset_from:
            when = _("onset on or after %(date)s") % {"date": start}
        elif self.onset_to:
            when = _("onset on or before %(date)s") % {"date": end}
        else:
            when = _("any onset date")
        return _("%(what)s, %(when)s") % {"what": what, "when": when}


NO_FILTERS = DashboardFilters()


def _filtered(queryset: QuerySet[AdverseEvent], filters: DashboardFilters) -> QuerySet[AdverseEvent]:
    if filters.related_to:
        queryset = queryset.filter(**{f"attribution_{filters.related_to}__in": RELATED_ATTRIBUTIONS})
    if filters.onset_from:
        queryset = queryset.filter(onset_date__gte=filters.onset_from)
    if filters.onset_to:
        queryset = queryset.filter(onset_date__lte=filters.onset_to)
    return queryset


# --- safety population ----------------------------------------------------------------------------

SAFETY_POPULATION_DEFINITION = gettext_lazy(
    "Safety population: every participant with at least one dose of any study drug (toripalimab, "
    "cisplatin or paclitaxel) recorded as given. Percentages use it as the denominator; only its "
    "participants' AEs are counted. A patient is counted once per term, at the worst grade recorded "
    "for that term, and once per system organ class and overall, at the worst grade there."
)


def _treated_doses(user=None) -> QuerySet[DoseAdministration]:
    return restrict_to_user_sites(DoseAdministration.objects.filter(status=DoseStatus.GIVEN), user)


def safety_population(*, user=None) -> dict[int, datetime.date | None]:
    """Participant pk -> date of the first dose given, for the safety population (one query)."""
    rows = _treated_doses(user).values("participant_id").annotate(first_dose=Min("given_on")).order_by()
    return {row["participant_id"]: row["first_dose"] for row in rows}


def _safety_aes(filters: DashboardFilters, user=None) -> QuerySet[AdverseEvent]:
    treated = _treated_doses(user).values("participant_id")
    return _filtered(AdverseEvent.objects.filter(participant_id__in=treated), filters)


# --- safety tables --------------------------------------------------------------------------------

TOTAL, SOC, TERM, CATEGORY = "total", "soc", "term", "category"
ROW_KIND_LABELS = {TOTAL: "Any AE", SOC: "System organ class", TERM: "CTCAE term", CATEGORY: "irAE category"}


@dataclass(frozen=True)
class PatientCount:
    n: int
    pct: float | None  # of the safety population, one decimal; None when the population is empty


@dataclass(frozen=True)
class SafetyRow:
    kind: str  # TOTAL, SOC, TERM or CATEGORY
    soc: str
    label: str
    meddra_code: int | None
    any_grade: PatientCount
    grade_3_plus: PatientCount
    worst_grade: tuple[int, int, int, int, int]  # patients whose worst grade here is 1, 2, 3, 4, 5


@dataclass(frozen=True)
class SafetyTable:
    population_n: int
    rows: tuple[SafetyRow, ...]

    @property
    def total(self) -> SafetyRow:
        return self.rows[0]

    @property
    def soc_rows(self) -> tuple[SafetyRow, ...]:
        return tuple(row for row in self.rows if row.kind == SOC)

    @property
    def has_events(self) -> bool:
        return self.total.any_grade.n > 0


def _count(n: int, population_n: int) -> PatientCount:
    return PatientCount(n, round(100 * n / population_n, 1) if population_n else None)


def _row(kind: str, soc: str, label: str, meddra_code, worst_by_patient: dict[int, int], population_n: int) -> SafetyRow:
    worst = tuple(sum(1 for grade in worst_by_patient.values() if grade == g) for g in GRADES)
    return SafetyRow(
        kind=kind,
        soc=soc,
        label=label,
        meddra_code=meddra_code,
        any_grade=_count(len(worst_by_patient), population_n),
        grade_3_plus=_count(sum(1 for grade in worst_by_patient.values() if grade >= 3), population_n),
        worst_grade=worst,
    )


def _worst_per_patient_and_term(aes: QuerySet[AdverseEvent]):
    return (
        aes.values("participant_id", "term_id", "term__term", "term__soc", "term__meddra_code")
        .annotate(worst=Max("grade"))
        .order_by()
    )


def _table(pairs: Iterable[dict], population_n: int) -> SafetyTable:
    """Group (patient, term, worst grade) rows into the total, SOC and term rows."""
    by_term: dict[int, dict[int, int]] = defaultdict(dict)
    by_soc: dict[str, dict[int, int]] = defaultdict(dict)
    terms_of_soc: dict[str, set[int]] = defaultdict(set)
    term_info: dict[int, tuple[str, int]] = {}
    overall: dict[int, int] = {}
    for pair in pairs:
        patient, term, soc, worst = pair["participant_id"], pair["term_id"], pair["term__soc"], pair["worst"]
        term_info[term] = (pair["term__term"], pair["term__meddra_code"])
        terms_of_soc[soc].add(term)
        by_term[term][patient] = max(by_term[term].get(patient, 0), worst)
        by_soc[soc][patient] = max(by_soc[soc].get(patient, 0), worst)
        overall[patient] = max(overall.get(patient, 0), worst)
    rows = [_row(TOTAL, "", _("Any adverse event"), None, overall, population_n)]
    for soc in sorted(by_soc):
        rows.append(_row(SOC, soc, soc, None, by_soc[soc], population_n))
        ordered = sorted(terms_of_soc[soc], key=lambda t: (-len(by_term[t]), term_info[t][0]))
        rows.extend(
            _row(TERM, soc, term_info[t][0], term_info[t][1], by_term[t], population_n) for t in ordered
        )
    return SafetyTable(population_n, tuple(rows))


def safety_table(filters: DashboardFilters = NO_FILTERS, *, population_n: int | None = None, user=None) -> SafetyTable:
    """The standard safety table of every AE (two queries; one when ``population_n`` is given)."""
    if population_n is None:
        population_n = len(safety_population(user=user))
    return _table(_worst_per_patient_and_term(_safety_aes(filters, user)), population_n)


def irae_table(filters: DashboardFilters = NO_FILTERS, *, population_n: int | None = None, user=None) -> SafetyTable:
    """The same table for immune-related AEs only."""
    if population_n is None:
        population_n = len(safety_population(user=user))
    aes = _safety_aes(filters, user).filter(immune_related=True)
    return _table(_worst_per_patient_and_term(aes), population_n)


def irae_category_label(category: str) -> str:
    """The category's name (``toxicity.labels``, in the active language) with a capital, as the
    tables show it."""
    if category not in IRAE_ROWS:
        return _("Category not recorded")
    name = category_name(category)
    return name[:1].upper() + name[1:]


def irae_category_rows(
    filters: DashboardFilters = NO_FILTERS, *, population_n: int | None = None, user=None
) -> tuple[SafetyRow, ...]:
    """Patients with an irAE of each PROTOCOL §3 category, counted once at their worst grade."""
    if population_n is None:
        population_n = len(safety_population(user=user))
    pairs = (
        _safety_aes(filters, user).filter(immune_related=True)
        .values("participant_id", "irae_category").annotate(worst=Max("grade")).order_by()
    )
    by_category: dict[str, dict[int, int]] = defaultdict(dict)
    for pair in pairs:
        by_category[pair["irae_category"]][pair["participant_id"]] = pair["worst"]
    rows = [
        _row(CATEGORY, "", irae_category_label(category), None, patients, population_n)
        for category, patients in by_category.items()
    ]
    return tuple(sorted(rows, key=lambda row: (-row.any_grade.n, row.label)))


# --- time to onset of irAEs -------------------------------------------------------------------------


@dataclass(frozen=True)
class IraeOnset:
    participant_pk: int
    participant_label: str
    ae_pk: int
    ae_number: int
    term: str
    grade: int
    category: str
    onset_date: datetime.date
    start_date: datetime.date
    start_basis: str  # "treatment start" or "first dose"
    days: int  # onset - start, in days (0 = the day treatment started)

    @property
    def label(self) -> str:
        return f"{self.participant_label} AE {self.ae_number}: {self.term} G{self.grade}"


def participant_label(participant: Participant) -> str:
    return participant.study_number or participant.screening_number


def irae_onsets(
    filters: DashboardFilters = NO_FILTERS, *, population: dict | None = None, user=None
) -> tuple[IraeOnset, ...]:
    """Every irAE of the safety population with the days from the participant's treatment start
    (``planned_treatment_start``, day 1 of PROTOCOL §2; the first dose when it is not set) to its
    onset, earliest first."""
    if population is None:
        population = safety_population(user=user)
    aes = _safety_aes(filters, user).filter(immune_related=True).select_related("participant", "term")
    onsets = []
    for ae in aes:
        participant = ae.participant
        if participant.planned_treatment_start is not None:
            start, basis = participant.planned_treatment_start, _("treatment start")
        else:
            start, basis = population.get(participant.pk), _("first dose")
        if start is None:
            continue
        onsets.append(IraeOnset(
            participant_pk=participant.pk,
            participant_label=participant_label(participant),
            ae_pk=ae.pk,
            ae_number=ae.number,
            term=ae.term.term,
            grade=ae.grade,
            category=irae_category_label(ae.irae_category),
            onset_date=ae.onset_date,
            start_date=start,
            start_basis=basis,
            days=(ae.onset_date - start).days,
        ))
    return tuple(sorted(onsets, key=lambda o: (o.days, o.participant_label, o.ae_number)))


# --- chart data (Chart.js, passed with json_script) -------------------------------------------------

# One colour per CTCAE grade, shared by the charts and the timeline (colour-blind-safe ramp).
GRADE_COLOURS = {1: "#9ecae1", 2: "#fdd049", 3: "#f28e2b", 4: "#d62728", 5: "#3b3b3b"}


def soc_grade_chart(table: SafetyTable) -> dict:
    """Stacked bars: patients per system organ class by their worst grade in it."""
    socs = table.soc_rows
    return {
        "labels": [row.label for row in socs],
        "datasets": [
            {"label": _("Grade %(grade)s") % {"grade": grade}, "colour": GRADE_COLOURS[grade],
             "data": [row.worst_grade[grade - 1] for row in socs]}
            for grade in GRADES
        ],
        "axis": _("Patients"),
    }


def irae_onset_chart(onsets: Iterable[IraeOnset]) -> dict:
    """One bar per irAE: days from treatment start to onset, coloured by grade."""
    onsets = list(onsets)
    return {
        "labels": [o.label for o in onsets],
        "days": [o.days for o in onsets],
        "colours": [GRADE_COLOURS[o.grade] for o in onsets],
        "axis": _("Days from treatment start to onset"),
    }


# --- SAE reporting clocks ---------------------------------------------------------------------------

NO_AWARENESS = "no_awareness"
SAE_STATUS_LABELS = {
    NO_AWARENESS: gettext_lazy("Time of awareness not recorded"),
    OPEN: pgettext_lazy("SAE report", "Open"),
    OVERDUE: pgettext_lazy("SAE report", "Overdue"),
    SENT: gettext_lazy("Sent on time"),
    SENT_LATE: gettext_lazy("Sent late"),
}


def duration_text(delta: datetime.timedelta) -> str:
    """A duration as "2 d 3 h", "5 h 20 min" or "12 min" (sign ignored)."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


@dataclass(frozen=True)
class SaeRow:
    participant_pk: int
    participant_label: str
    ae_pk: int
    ae_number: int
    term: str
    grade: int
    onset_date: datetime.date
    criteria: tuple[str, ...]
    awareness_at: datetime.datetime | None
    due_at: datetime.datetime | None
    sent_at: datetime.datetime | None
    status: str
    status_label: str
    time_text: str
    hours_left: float | None  # until due (negative: overdue) while open; before due when sent (negative: late)

    @property
    def is_open(self) -> bool:
        return self.sent_at is None

    @property
    def needs_attention(self) -> bool:
        return self.status in (OVERDUE, NO_AWARENESS)


def _sae_row(ae: AdverseEvent, now: datetime.datetime) -> SaeRow:
    criteria = tuple(_(label) for name, label in SAE_CRITERIA if getattr(ae, name))
    due_at = hours_left = None
    if ae.sae_awareness_at is None:
        status, text = NO_AWARENESS, _("Record when the site became aware to start the 24-hour clock")
    else:
        clock = sae_clock(awareness_at=ae.sae_awareness_at, sent_at=ae.sae_report_sent_at, now=now)
        status, due_at = clock.status, clock.due_at
        hours_left = round(clock.remaining.total_seconds() / 3600, 1)
        text = {
            OPEN: _("%(duration)s left"),
            OVERDUE: _("overdue by %(duration)s"),
            SENT: _("sent %(duration)s before the deadline"),
            SENT_LATE: _("sent %(duration)s late"),
        }[status] % {"duration": duration_text(clock.remaining)}
    return SaeRow(
        participant_pk=ae.participant_id,
        participant_label=participant_label(ae.participant),
        ae_pk=ae.pk,
        ae_number=ae.number,
        term=ae.term.term,
        grade=ae.grade,
        onset_date=ae.onset_date,
        criteria=criteria,
        awareness_at=ae.sae_awareness_at,
        due_at=due_at,
        sent_at=ae.sae_report_sent_at,
        status=status,
        status_label=str(SAE_STATUS_LABELS[status]),
        time_text=text,
        hours_left=hours_left,
    )


def _sae_order(row: SaeRow):
    """Open reports first (no awareness time, then by due time: overdue before open), then the
    sent ones, most recent first."""
    if row.status == NO_AWARENESS:
        return (0, 0, 0.0)
    if row.is_open:
        return (0, 1, row.due_at.timestamp())
    return (1, 0, -row.due_at.timestamp())


def _serious(user=None) -> QuerySet[AdverseEvent]:
    return restrict_to_user_sites(AdverseEvent.objects.filter(serious=True), user)


def _sae_rows(aes: QuerySet[AdverseEvent], now: datetime.datetime) -> tuple[SaeRow, ...]:
    return tuple(sorted((_sae_row(ae, now) for ae in aes.select_related("participant", "term")), key=_sae_order))


def sae_rows(filters: DashboardFilters = NO_FILTERS, *, now: datetime.datetime, user=None) -> tuple[SaeRow, ...]:
    """Every SAE (all participants) with its 24-hour reporting clock, open ones first (one query)."""
    return _sae_rows(_filtered(_serious(user), filters), now)


def open_sae_rows(
    filters: DashboardFilters = NO_FILTERS, *, now: datetime.datetime, user=None
) -> tuple[SaeRow, ...]:
    """The SAEs whose report is not yet sent, with their clocks, most urgent first (one query; the
    worklists need only these, not every SAE of the study)."""
    return _sae_rows(_filtered(_serious(user), filters).filter(sae_report_sent_at__isnull=True), now)


def _sent_sae_rows(filters: DashboardFilters, *, now: datetime.datetime, user=None) -> tuple[SaeRow, ...]:
    """The SAEs whose report is sent, most recent first: their clocks no longer move with ``now``."""
    return _sae_rows(_filtered(_serious(user), filters).filter(sae_report_sent_at__isnull=False), now)


def open_saes_outside(filters: DashboardFilters, user=None) -> int:
    """How many unsent SAE reports the filters hide (0 without filters)."""
    if not filters.active:
        return 0
    unsent = _serious(user).filter(sae_report_sent_at__isnull=True)
    return unsent.count() - _filtered(unsent, filters).count()


# --- AEs awaiting the investigator's signature -----------------------------------------------------


@dataclass(frozen=True)
class SignoffRow:
    participant_pk: int
    participant_label: str
    ae_pk: int
    ae_number: int
    term: str
    grade: int
    onset_date: datetime.date
    serious: bool
    immune_related: bool
    version: int
    changed_since_signed: bool  # signed at an earlier version: the edit needs a new signature
    updated_at: datetime.datetime


def signoff_rows(filters: DashboardFilters = NO_FILTERS, *, user=None) -> tuple[SignoffRow, ...]:
    """AEs (all participants) with no signature at their current version, longest waiting first
    (one query)."""
    signatures = AdverseEventSignature.objects.filter(adverse_event=OuterRef("pk"))
    aes = (
        _filtered(restrict_to_user_sites(AdverseEvent.objects.all(), user), filters)
        .annotate(signed_now=Exists(signatures.filter(ae_version=OuterRef("version"))), signed_before=Exists(signatures))
        .filter(signed_now=False)
        .select_related("participant", "term")
        .order_by("updated_at", "pk")
    )
    return tuple(
        SignoffRow(
            participant_pk=ae.participant_id,
            participant_label=participant_label(ae.participant),
            ae_pk=ae.pk,
            ae_number=ae.number,
            term=ae.term.term,
            grade=ae.grade,
            onset_date=ae.onset_date,
            serious=ae.serious,
            immune_related=ae.immune_related,
            version=ae.version,
            changed_since_signed=ae.signed_before,
            updated_at=ae.updated_at,
        )
        for ae in aes
    )


# --- participants with holds ------------------------------------------------------------------------

_AGENT_NAMES = dict(Agent.choices)
_PHASE_NAMES = dict(Phase.choices)


def dose_text(agent: str, phase: str, cycle: int | None, day: int | None) -> str:
    """E.g. "Toripalimab cycle 2 day 1 (maintenance)" or "Cisplatin week 3 (concurrent chemoradiotherapy)"."""
    name = _AGENT_NAMES.get(agent, agent)
    if not phase or cycle is None:
        return _("%(agent)s: next dose") % {"agent": name}
    values = {"agent": name, "cycle": cycle, "day": day, "phase": _PHASE_NAMES.get(phase, phase).lower()}
    if (agent, phase) == (CISPLATIN, CCRT):
        return _("%(agent)s week %(cycle)s (%(phase)s)") % values
    return _("%(agent)s cycle %(cycle)s day %(day)s (%(phase)s)") % values


@dataclass(frozen=True)
class HoldRow:
    participant_pk: int
    participant_label: str
    treatment: str  # "Toripalimab" or "Chemotherapy"
    action: str  # e.g. "discontinue — hepatitis grade 3"
    status: str  # e.g. "awaiting investigator", "confirmed"
    awaiting: bool
    target: str  # the dose it applies to
    assessed_on: datetime.date
    rule_code: str
    reason: str
    ae_pk: int | None = None
    ae_number: int | None = None


_HOLDING_ACTIONS = (INTERRUPT, DISCONTINUE)


def _irae_holds(user=None) -> list[HoldRow]:
    decisions = (
        restrict_to_user_sites(IraeDoseDecision.objects.filter(active=True), user)
        .filter(Q(decided_action__in=_HOLDING_ACTIONS) | Q(decided_action="", recommended_action__in=_HOLDING_ACTIONS))
        .select_related("participant", "adverse_event", "adverse_event__term")
    )
    rows = []
    for decision in decisions:
        awaiting = decision.decision == IraeDecisionStatus.PENDING
        rows.append(HoldRow(
            participant_pk=decision.participant_id,
            participant_label=participant_label(decision.participant),
            treatment=_("Toripalimab"),
            action=decision.label,
            status=_("awaiting investigator") if awaiting else decision.get_decision_display().lower(),
            awaiting=awaiting,
            target=dose_text(Agent.TORIPALIMAB, decision.target_phase, decision.target_cycle, decision.target_day),
            assessed_on=decision.assessed_on,
            rule_code=decision.rule_code,
            reason=decision.decision_reason or decision.rule_reason,
            ae_pk=decision.adverse_event_id,
            ae_number=decision.adverse_event.number,
        ))
    return rows


def _modification_action(review: DoseModification, *, decided: bool) -> str:
    action = review.decided_action if decided and review.decided_action else review.recommended_action
    level = review.decided_level_pct if decided and review.decided_level_pct else review.recommended_level_pct
    words = dict(ModificationAction.choices).get(action, action).lower()
    if action in (ModificationAction.REDUCE, ModificationAction.CONTINUE_REDUCED) and level:
        words = _("%(action)s to %(level)s %%") % {"action": words, "level": level}
    return words


def _chemo_hold(review: DoseModification, *, pending: bool, action: str) -> HoldRow:
    return HoldRow(
        participant_pk=review.participant_id,
        participant_label=participant_label(review.participant),
        treatment=_("Chemotherapy"),
        action=action,
        status=_("awaiting investigator") if pending else review.get_decision_display().lower(),
        awaiting=pending,
        target=dose_text(review.target_agent, review.target_phase, review.target_cycle, review.target_day),
        assessed_on=review.assessed_on,
        rule_code=review.rule_code,
        reason=review.decision_reason if not pending and review.decision_reason else review.localized_rule_reason,
    )


def _chemo_holds(user=None) -> list[HoldRow]:
    """Per participant, the chemotherapy state the decided reviews add up to
    (``dosing.services.doses.chemo_state``): a review awaiting the investigator, a decided hold in
    force, or chemotherapy discontinued. One query for all participants."""
    reviews_of: dict[int, list[DoseModification]] = defaultdict(list)
    for review in restrict_to_user_sites(DoseModification.objects.all(), user).select_related("participant"):
        reviews_of[review.participant_id].append(review)
    rows = []
    for reviews in reviews_of.values():
        state = chemo_state(reviews[0].participant, modifications=reviews)
        if state.pending is not None:
            rows.append(_chemo_hold(state.pending, pending=True, action=_modification_action(state.pending, decided=False)))
        if state.held_by is not None:
            rows.append(_chemo_hold(state.held_by, pending=False, action=_modification_action(state.held_by, decided=True)))
        elif state.discontinued:
            rows.append(_chemo_hold(state.last_decision, pending=False, action=_("discontinue chemotherapy")))
    return rows


def hold_rows(*, user=None) -> tuple[HoldRow, ...]:
    """Participants with toripalimab held or discontinued by an active irAE decision (the rule's
    action until the investigator decides), and chemotherapy modifications awaiting the
    investigator, decided holds in force and discontinuations (two queries)."""
    rows = _irae_holds(user) + _chemo_holds(user)
    return tuple(sorted(rows, key=lambda r: (not r.awaiting, r.participant_label, r.treatment, r.assessed_on)))


# --- the whole dashboard --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    filters: DashboardFilters
    population_n: int
    safety: SafetyTable
    irae: SafetyTable
    irae_categories: tuple[SafetyRow, ...]
    irae_onsets: tuple[IraeOnset, ...]
    saes: tuple[SaeRow, ...]
    open_saes_hidden: int
    signoff: tuple[SignoffRow, ...]
    holds: tuple[HoldRow, ...]
    soc_chart: dict
    onset_chart: dict


def dashboard(filters: DashboardFilters = NO_FILTERS, *, now: datetime.datetime | None = None, user=None) -> Dashboard:
    """Everything the dashboard page shows, in a fixed number of queries (of ``user``'s sites).

    All but the clocks of the SAE reports not yet sent (which run with ``now``) is kept per data
    version, filters and the user's sites (``core.study_cache``): recomputed only when a CRF record
    changes. A sent report's clock is fixed (sent before or after its deadline), so the sent rows
    are kept too; sending a report is a CRF change."""
    from core.study_cache import cached

    now = now or timezone.now()
    tables = cached("toxicity.dashboard", (filters, site_access(user)), lambda: _dashboard(filters, now=now, user=user))
    return replace(
        tables,
        saes=open_sae_rows(filters, now=now, user=user) + tables.saes,
        open_saes_hidden=open_saes_outside(filters, user),
    )


def _dashboard(filters: DashboardFilters, *, now: datetime.datetime, user=None) -> Dashboard:
    population = safety_population(user=user)
    n = len(population)
    safety = safety_table(filters, population_n=n, user=user)
    onsets = irae_onsets(filters, population=population, user=user)
    return Dashboard(
        filters=filters,
        population_n=n,
        safety=safety,
        irae=irae_table(filters, population_n=n, user=user),
        irae_categories=irae_category_rows(filters, population_n=n, user=user),
        irae_onsets=onsets,
        saes=_sent_sae_rows(filters, now=now, user=user),  # the open ones are added per request
        open_saes_hidden=0,  # counted per request
        signoff=signoff_rows(filters, user=user),
        holds=hold_rows(user=user),
        soc_chart=soc_grade_chart(safety),
        onset_chart=irae_onset_chart(onsets),
    )


# --- CSV downloads ----------------------------------------------------------------------------------

CSV_TABLES = ("safety", "irae", "sae", "signoff", "holds")


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _pct(count: PatientCount) -> str:
    return "" if count.pct is None else f"{count.pct:.1f}"


def _safety_csv(rows: Iterable[SafetyRow], population_n: int) -> Iterator[list]:
    yield [
        "Row type", "MedDRA system organ class", "CTCAE term / irAE category", "MedDRA code",
        "Any grade (patients, n)", f"Any grade (% of safety population, N={population_n})",
        "Grade >= 3 (patients, n)", f"Grade >= 3 (% of safety population, N={population_n})",
        *[f"Worst grade {grade} (patients, n)" for grade in GRADES],
    ]
    for row in rows:
        yield [
            ROW_KIND_LABELS[row.kind], row.soc, row.label, row.meddra_code or "",
            row.any_grade.n, _pct(row.any_grade), row.grade_3_plus.n, _pct(row.grade_3_plus), *row.worst_grade,
        ]


def _sae_csv(rows: Iterable[SaeRow]) -> Iterator[list]:
    zone = timezone.get_current_timezone_name()
    yield [
        "Participant", "AE number", "CTCAE term", "Worst grade", "Onset date (YYYY-MM-DD)", "SAE criteria",
        f"Site aware ({zone})", f"Report due ({zone})", "Status", "Time left before due (hours; negative = overdue or late)",
        f"Report sent ({zone})",
    ]
    for row in rows:
        yield [
            row.participant_label, row.ae_number, row.term, row.grade, row.onset_date.isoformat(), "; ".join(row.criteria),
            _local(row.awareness_at), _local(row.due_at), row.status_label,
            "" if row.hours_left is None else f"{row.hours_left:.1f}", _local(row.sent_at),
        ]


def _signoff_csv(rows: Iterable[SignoffRow]) -> Iterator[list]:
    zone = timezone.get_current_timezone_name()
    yield [
        "Participant", "AE number", "CTCAE term", "Worst grade", "Onset date (YYYY-MM-DD)", "Serious (SAE)",
        "Immune-related", "AE version", "Changed since signed", f"Last changed ({zone})",
    ]
    for row in rows:
        yield [
            row.participant_label, row.ae_number, row.term, row.grade, row.onset_date.isoformat(),
            "yes" if row.serious else "no", "yes" if row.immune_related else "no", row.version,
            "yes" if row.changed_since_signed else "no", _local(row.updated_at),
        ]


def _holds_csv(rows: Iterable[HoldRow]) -> Iterator[list]:
    yield [
        "Participant", "Treatment", "Action", "Decision", "Applies to dose", "Assessed on (YYYY-MM-DD)",
        "Rule code", "Reason", "AE number",
    ]
    for row in rows:
        yield [
            row.participant_label, row.treatment, row.action, row.status, row.target, row.assessed_on.isoformat(),
            row.rule_code, row.reason, row.ae_number or "",
        ]


def csv_rows(
    table: str, *, filters: DashboardFilters = NO_FILTERS, now: datetime.datetime | None = None, user=None
) -> list[list]:
    """The rows (header first) of one dashboard table's CSV, with the same filters as the page.
    The numbers are read here, before the response streams them."""
    if table not in CSV_TABLES:
        raise ValueError(f"No dashboard table {table!r}.")
    if table == "safety":
        safety = safety_table(filters, user=user)
        return list(_safety_csv(safety.rows, safety.population_n))
    if table == "irae":
        n = len(safety_population(user=user))
        rows = irae_table(filters, population_n=n, user=user).rows + irae_category_rows(filters, population_n=n, user=user)
        return list(_safety_csv(rows, n))
    if table == "sae":
        return list(_sae_csv(sae_rows(filters, now=now or timezone.now(), user=user)))
    if table == "signoff":
        return list(_signoff_csv(signoff_rows(filters, user=user)))
    return list(_holds_csv(hold_rows(user=user)))


# --- the participant's AE timeline ----------------------------------------------------------------

# Geometry of the server-rendered SVG (user units; the SVG scales to the page width).
SVG_WIDTH = 1000
PLOT_LEFT = 310
PLOT_RIGHT = 985
AXIS_HEIGHT = 36
ROW_HEIGHT = 26
BAR_HEIGHT = 16
MARK_RADIUS = 5
MIN_BAR_WIDTH = 3.0
TICK_STEPS_DAYS = (7, 14, 28, 56, 91, 182, 365, 730)
MAX_TICKS = 8
TICK_LABEL_WIDTH = 66
MAX_LABEL_CHARS = 48
IRAE_STROKE = "#6f42c1"
DOSE_COLOURS = {Agent.TORIPALIMAB: "#6f42c1", Agent.CISPLATIN: "#0d6efd", Agent.PACLITAXEL: "#198754"}
RADIOTHERAPY_COLOUR = "#adb5bd"


@dataclass(frozen=True)
class TimelineMark:
    x: float
    title: str


@dataclass(frozen=True)
class TimelineSpan:
    x: float
    width: float
    title: str


@dataclass(frozen=True)
class DoseLane:
    label: str
    y: float  # centre line of the lane
    colour: str
    marks: tuple[TimelineMark, ...]
    spans: tuple[TimelineSpan, ...] = ()

    @property
    def bar_y(self) -> float:
        return self.y - BAR_HEIGHT / 2

    @property
    def text_y(self) -> float:
        return self.y + 4


@dataclass(frozen=True)
class AeBar:
    ae_pk: int
    number: int
    term: str
    grade: int
    immune_related: bool
    irae_category: str
    serious: bool
    onset_date: datetime.date
    end_date: datetime.date  # resolution, or today while unresolved
    resolved: bool
    days_from_start: int | None
    label: str
    x: float
    y: float  # top of the bar
    width: float
    colour: str
    title: str

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2 + 4

    @property
    def stroke(self) -> str:
        return IRAE_STROKE if self.immune_related else "none"


@dataclass(frozen=True)
class AxisTick:
    x: float
    label: str


@dataclass(frozen=True)
class DoseGiven:
    given_on: datetime.date
    agent: str
    dose: str
    dose_given_mg: object


@dataclass(frozen=True)
class Timeline:
    start_date: datetime.date
    end_date: datetime.date
    start_basis: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: int
    ticks: tuple[AxisTick, ...]
    today_x: float | None
    lanes: tuple[DoseLane, ...]
    bars: tuple[AeBar, ...]
    doses: tuple[DoseGiven, ...]
    legend: tuple[tuple[str, str], ...]  # (label, colour) per grade

    @property
    def empty(self) -> bool:
        return not self.bars and not self.doses

    @property
    def label_x(self) -> int:
        return 4

    @property
    def axis_label_y(self) -> int:
        return self.axis_y - 6


class _Axis:
    """Dates to x positions: day ``d`` occupies [x(d), x(d + 1 day))."""

    def __init__(self, start: datetime.date, end: datetime.date):
        self.start = start
        self.days = (end - start).days + 1
        self.scale = (PLOT_RIGHT - PLOT_LEFT) / self.days

    def x(self, day: datetime.date) -> float:
        return round(PLOT_LEFT + (day - self.start).days * self.scale, 1)

    def centre(self, day: datetime.date) -> float:
        return round(self.x(day) + self.scale / 2, 1)

    def width(self, first: datetime.date, last: datetime.date) -> float:
        return round(max(((last - first).days + 1) * self.scale, MIN_BAR_WIDTH), 1)

    def ticks(self) -> tuple[AxisTick, ...]:
        step = next((s for s in TICK_STEPS_DAYS if self.days / s <= MAX_TICKS), TICK_STEPS_DAYS[-1])
        ticks = []
        for offset in range(0, self.days, step):
            day = self.start + datetime.timedelta(days=offset)
            x = self.x(day)
            # A date label needs about TICK_LABEL_WIDTH units: none where it would run off the plot.
            ticks.append(AxisTick(x, f"{day:%Y-%m-%d}" if x <= PLOT_RIGHT - TICK_LABEL_WIDTH else ""))
        return tuple(ticks)


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _dose_mark_title(dose: DoseAdministration) -> str:
    """E.g. "Cisplatin week 1 (concurrent chemoradiotherapy): 2025-05-06, 68 mg"."""
    values = {"dose": dose_text(dose.agent, dose.phase, dose.cycle, dose.day), "date": f"{dose.given_on:%Y-%m-%d}"}
    if dose.dose_given_mg is None:
        return _("%(dose)s: %(date)s") % values
    return _("%(dose)s: %(date)s, %(mg)s mg") % {**values, "mg": f"{dose.dose_given_mg:g}"}


def participant_timeline(participant: Participant, *, today: datetime.date) -> Timeline:
    """The participant's AEs as bars from onset to resolution (or today while unresolved), labelled
    with term and worst grade and outlined when immune-related, above the same date axis as the
    doses given per agent and the radiotherapy course. Everything the SVG needs is computed here."""
    aes = list(participant.adverse_events.select_related("term").order_by("onset_date", "number"))
    doses = list(
        DoseAdministration.objects.filter(participant=participant, status=DoseStatus.GIVEN, given_on__isnull=False)
        .order_by("given_on", "agent", "phase", "cycle", "day")
    )
    course = RadiotherapyCourse.objects.filter(participant=participant).first()
    fractions = list(BrachytherapyFraction.objects.filter(participant=participant).order_by("number"))

    first_dose = doses[0].given_on if doses else None
    start_basis = _("treatment start") if participant.planned_treatment_start else _("first dose")
    treatment_start = participant.planned_treatment_start or first_dose
    ae_ends = [ae.resolution_date or max(today, ae.onset_date) for ae in aes]
    candidates_start = [d for d in (treatment_start, first_dose, course.start_date if course else None) if d]
    candidates_start += [ae.onset_date for ae in aes] + [f.given_on for f in fractions]
    start = min(candidates_start, default=today)
    candidates_end = [today, *ae_ends, *(d.given_on for d in doses), *(f.given_on for f in fractions)]
    if course and course.end_date:
        candidates_end.append(course.end_date)
    end = max(candidates_end)
    axis = _Axis(start, end)

    lanes = []
    y = AXIS_HEIGHT + ROW_HEIGHT / 2
    for agent in (Agent.TORIPALIMAB, Agent.CISPLATIN, Agent.PACLITAXEL):
        given = [d for d in doses if d.agent == agent]
        if not given:
            continue
        marks = tuple(TimelineMark(axis.centre(d.given_on), _dose_mark_title(d)) for d in given)
        lanes.append(DoseLane(Agent(agent).label, y, DOSE_COLOURS[agent], marks))
        y += ROW_HEIGHT
    if course or fractions:
        spans = ()
        if course:
            ebrt_end = course.end_date or max(today, course.start_date)
            period = {"start": f"{course.start_date:%Y-%m-%d}", "end": f"{course.end_date:%Y-%m-%d}" if course.end_date else ""}
            spans = (TimelineSpan(axis.x(course.start_date), axis.width(course.start_date, ebrt_end),
                                  (_("EBRT %(start)s to %(end)s") if course.end_date else _("EBRT %(start)s to ongoing"))
                                  % period),)
        marks = tuple(
            TimelineMark(axis.centre(f.given_on), _("Brachytherapy fraction %(number)s: %(date)s")
                         % {"number": f.number, "date": f"{f.given_on:%Y-%m-%d}"})
            for f in fractions
        )
        lanes.append(DoseLane(_("Radiotherapy"), y, RADIOTHERAPY_COLOUR, marks, spans))
        y += ROW_HEIGHT

    bars = []
    top = y - ROW_HEIGHT / 2 + (ROW_HEIGHT - BAR_HEIGHT) / 2 + (6 if lanes else 0)
    for ae, ae_end in zip(aes, ae_ends, strict=True):
        irae = " (irAE)" if ae.immune_related else ""
        until = (
            _("resolved %(date)s") % {"date": f"{ae.resolution_date:%Y-%m-%d}"} if ae.resolution_date else _("not resolved")
        )
        bars.append(AeBar(
            ae_pk=ae.pk,
            number=ae.number,
            term=ae.term.term,
            grade=ae.grade,
            immune_related=ae.immune_related,
            irae_category=irae_category_label(ae.irae_category) if ae.immune_related else "",
            serious=ae.serious,
            onset_date=ae.onset_date,
            end_date=ae_end,
            resolved=ae.resolution_date is not None,
            days_from_start=(ae.onset_date - treatment_start).days if treatment_start else None,
            label=_short(f"AE {ae.number} {ae.term.term}", MAX_LABEL_CHARS - 8) + f" G{ae.grade}{' irAE' if ae.immune_related else ''}",
            x=axis.x(ae.onset_date),
            y=round(top, 1),
            width=axis.width(ae.onset_date, ae_end),
            colour=GRADE_COLOURS[ae.grade],
            title=_("AE %(number)s: %(term)s, grade %(grade)s%(irae)s; onset %(onset)s, %(until)s") % {
                "number": ae.number, "term": ae.term.term, "grade": ae.grade, "irae": irae,
                "onset": f"{ae.onset_date:%Y-%m-%d}", "until": until,
            },
        ))
        top += ROW_HEIGHT

    height = int(max(top, y) + 10)
    return Timeline(
        start_date=start,
        end_date=end,
        start_basis=start_basis,
        width=SVG_WIDTH,
        height=height,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        axis_y=AXIS_HEIGHT - 8,
        ticks=axis.ticks(),
        today_x=axis.centre(today) if start <= today <= end else None,
        lanes=tuple(lanes),
        bars=tuple(bars),
        doses=tuple(
            DoseGiven(d.given_on, Agent(d.agent).label, dose_text(d.agent, d.phase, d.cycle, d.day), d.dose_given_mg)
            for d in doses
        ),
        legend=tuple((_("Grade %(grade)s") % {"grade": grade}, GRADE_COLOURS[grade]) for grade in GRADES),
    )
