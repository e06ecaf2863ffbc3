"""Reads for the Simon two-stage monitor (PROTOCOL §5): where stage 1 and the final analysis stand,
the ORR with its exact confidence interval, who is evaluable (and in which order), who is not yet
and why, what is still pending, the operating characteristics of the configured boundaries and the
designs computed from the protocol's parameters, and the history of decision notices.

Every number comes from ``efficacy.rules`` (``response``, ``simon``) applied to
``efficacy.selectors.response.participant_responses``; this module only arranges it for the page,
its CSV, the notification e-mail and the home worklist. A fixed number of queries whatever the
number of participants.
"""

import datetime
import functools
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from core.roles import DATA_MANAGER, INVESTIGATOR
from efficacy.models import OffStudyReason, SimonDecisionNotice
from efficacy.rules import simon
from efficacy.rules.response import ResponseCounts, is_responder, response_counts
from efficacy.selectors.response import ParticipantResponse, participant_responses
from trialsite.protocol.efficacy import (
    RESPONSE_EVALUABLE_DEFINITION,
    SIMON_BOUNDARIES,
    SIMON_PARAMETERS,
    SimonBoundaries,
    SimonParameters,
)

STAGE1, FINAL = "stage1", "final"
STAGE_LABELS = {STAGE1: gettext_lazy("Stage 1"), FINAL: gettext_lazy("Final analysis")}

# Status -> (words, Bootstrap badge class). The words always travel with the colour.
_STATUS_BADGES = {
    simon.OPEN: (gettext_lazy("Open: not decided yet"), "text-bg-secondary"),
    simon.CONTINUE: (gettext_lazy("Decided: continue to stage 2"), "text-bg-success"),
    simon.STOP: (gettext_lazy("Decided: stop after stage 1"), "text-bg-danger"),
    simon.EFFECTIVE: (gettext_lazy("Decided: effective"), "text-bg-success"),
    simon.NOT_EFFECTIVE: (gettext_lazy("Decided: not effective"), "text-bg-danger"),
}

PENDING_NOTE = gettext_lazy(
    "Not counted as responders: a CR or PR still awaiting its confirming assessment (RECIST 1.1 "
    "section 4.6.1, at least 4 weeks later), and any follow-up assessment whose response an "
    "investigator has not yet confirmed."
)
PROTOCOL_WORDING_NOTE = gettext_lazy(
    "PROTOCOL §5: the paper's wording (\"fewer than 19 -> stop\", \"64 responses -> effective\") is "
    "off by one. In Simon's notation the design is r1/n1 = 19/27, r/n = 64/87: continue only if at "
    "least 20 of the first 27 evaluable patients respond, call the regimen effective only if at least "
    "65 of 87 respond. Read literally (18/27, 63/87) the type I error is about 0.047, above the stated "
    "0.025; the paper also calls the design \"minimax\", but 27/87 is Simon's optimal design for these "
    "parameters."
)

# How long a decision notice stays on the investigators' and data managers' home worklist.
OPEN_NOTICE_DAYS = 30

# Why a participant becomes evaluable on her date (RECIST time point, progression or death).
# Lazy: the page shows them in the user's language, the CSV in English (``english_rows``).
EVALUABLE_BY_ASSESSMENT = gettext_lazy("first confirmed follow-up assessment")
EVALUABLE_BY_PROGRESSION = pgettext_lazy("evaluable by", "progression")
EVALUABLE_BY_DEATH = pgettext_lazy("evaluable by", "death")

NO_BASELINE = gettext_lazy("No baseline tumour assessment")
NO_TARGET = gettext_lazy("No target lesion at baseline (no measurable disease by RECIST 1.1)")
NOT_TREATED = gettext_lazy("Not treated: no dose of study treatment recorded as given")
NO_CONFIRMED_FOLLOW_UP = gettext_lazy("No investigator-confirmed follow-up assessment yet")


# --- computed designs (cached: the exhaustive search takes a few tenths of a second) ------------


@functools.lru_cache(maxsize=16)
def computed_design(p0: float, p1: float, alpha: float, beta: float, kind: str) -> simon.SimonDesign | None:
    """Simon's ``kind`` design for the parameters, or ``None`` when none exists within the search."""
    try:
        return simon.simon_design(p0, p1, alpha, beta, kind=kind)
    except ValueError:
        return None


# --- page data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionPoint:
    """One decision point of the design with its progress, for the headline and the progress bars."""

    stage: str
    label: str
    status: simon.StageStatus
    badge_text: str
    badge_css: str
    evaluable_pct: int  # evaluable / of, for the progress bar (0-100)
    responders_pct: int  # responders / needed, capped at 100
    needed_reached: bool


@dataclass(frozen=True)
class EvaluableRow:
    order: int  # 1 = first to become evaluable
    participant_id: int
    study_number: str
    evaluable_on: datetime.date
    evaluable_by: str
    best_response: str  # confirmed best overall response (RECIST 1.1)
    responder: bool
    in_stage1: bool
    counted: bool  # among the first n evaluable (later ones are beyond the design)
    response_pending: bool  # a CR/PR awaiting its confirming assessment


@dataclass(frozen=True)
class NotEvaluableRow:
    participant_id: int
    study_number: str
    reasons: tuple[str, ...]
    awaiting_confirmation: int  # follow-up assessments not yet confirmed by an investigator
    off_study_date: datetime.date | None
    off_study_reason: str


@dataclass(frozen=True)
class ResponseRateView:
    """The ORR with its exact CI, in percent for display."""

    responders: int
    evaluable: int
    rate_pct: float
    ci_low_pct: float
    ci_high_pct: float
    confidence_pct: int


@dataclass(frozen=True)
class DesignPanel:
    parameters: SimonParameters
    boundaries: SimonBoundaries
    configured: simon.OC
    alpha_met: bool  # exact alpha <= the target alpha
    power_met: bool  # power >= 1 - beta
    target_power: float
    optimal: simon.SimonDesign | None
    minimax: simon.SimonDesign | None
    matches_computed: bool  # the configured boundaries equal the computed design of the protocol's kind
    comparison: str  # that, in words

    @property
    def computed_rows(self) -> tuple[tuple[str, simon.SimonDesign | None], ...]:
        return ((_("Computed optimal"), self.optimal), (_("Computed minimax"), self.minimax))


@dataclass(frozen=True)
class NoticeRow:
    pk: int
    stage: str
    stage_label: str
    status: str
    status_label: str
    code: str
    message: str
    evaluable: int
    responders: int
    reached_at: datetime.datetime
    notified_at: datetime.datetime | None
    current: bool | None  # still the decision the data give today (None when not computed)


@dataclass(frozen=True)
class SimonPage:
    boundaries: SimonBoundaries
    monitor: simon.SimonMonitor
    stage1: DecisionPoint
    final: DecisionPoint
    orr: ResponseRateView | None
    enrolled: int
    evaluable: tuple[EvaluableRow, ...]
    not_evaluable: tuple[NotEvaluableRow, ...]
    responses_pending: int  # participants with a CR/PR awaiting its confirming assessment
    follow_ups_awaiting: int  # follow-up assessments awaiting investigator confirmation
    participants_awaiting: int  # participants with at least one of those
    beyond_design: int  # evaluable after the first n (not counted by the design)
    design: DesignPanel
    notices: tuple[NoticeRow, ...]
    definition: str = RESPONSE_EVALUABLE_DEFINITION
    pending_note: str = PENDING_NOTE
    protocol_note: str = PROTOCOL_WORDING_NOTE


def _percent(part: int, whole: int) -> int:
    if whole <= 0:
        return 0
    return min(100, round(100 * part / whole))


def _decision_point(stage: str, status: simon.StageStatus) -> DecisionPoint:
    words, css = _STATUS_BADGES[status.status]
    return DecisionPoint(
        stage=stage,
        label=STAGE_LABELS[stage],
        status=status,
        badge_text=words,
        badge_css=css,
        evaluable_pct=_percent(status.evaluable, status.of),
        responders_pct=_percent(status.responders, status.needed),
        needed_reached=status.responders >= status.needed,
    )


def _evaluable_by(item: ParticipantResponse) -> str:
    first_confirmed = next(
        (point.assessment_date for point in item.timepoints if point.confirmed_response is not None), None
    )
    if first_confirmed == item.evaluable_on:
        return EVALUABLE_BY_ASSESSMENT
    if item.progression_date == item.evaluable_on:
        return EVALUABLE_BY_PROGRESSION
    return EVALUABLE_BY_DEATH


def _not_evaluable_reasons(item: ParticipantResponse) -> tuple[str, ...]:
    reasons = []
    if item.baseline_date is None:
        reasons.append(NO_BASELINE)
    elif not item.measurable_at_baseline:
        reasons.append(NO_TARGET)
    if not item.treated:
        reasons.append(NOT_TREATED)
    has_confirmed = any(point.confirmed_response is not None for point in item.timepoints)
    if not (has_confirmed or item.progression_date or item.death_date):
        reasons.append(NO_CONFIRMED_FOLLOW_UP)
    return tuple(reasons)


def _evaluation_order(items: list[ParticipantResponse]) -> list[ParticipantResponse]:
    """Evaluable participants in the order of ``efficacy.rules.response.response_counts``: by the
    date they became evaluable, ties by study number (PROTOCOL §5)."""
    evaluable = [item for item in items if item.evaluable_on is not None]
    return sorted(evaluable, key=lambda item: (item.evaluable_on, item.study_number))


def _notice_row(notice: SimonDecisionNotice, current: bool | None) -> NoticeRow:
    return NoticeRow(
        pk=notice.pk,
        stage=notice.stage,
        stage_label=STAGE_LABELS.get(notice.stage, notice.stage),
        status=notice.status,
        status_label=_STATUS_BADGES.get(notice.status, (notice.status, ""))[0],
        code=notice.code,
        message=notice.message,
        evaluable=notice.evaluable,
        responders=notice.responders,
        reached_at=notice.reached_at,
        notified_at=notice.notified_at,
        current=current,
    )


def _design_kind(kind: str) -> str:
    """Simon's design kind as it reads inside a sentence ("optimal", "minimax")."""
    if kind == simon.OPTIMAL:
        return pgettext("Simon design", "optimal")
    if kind == simon.MINIMAX:
        return pgettext("Simon design", "minimax")
    return kind


def design_panel(
    boundaries: SimonBoundaries = SIMON_BOUNDARIES, parameters: SimonParameters = SIMON_PARAMETERS
) -> DesignPanel:
    """Operating characteristics of the configured boundaries and the designs the parameters give."""
    b, p = boundaries, parameters
    configured = simon.operating_characteristics(b.r1, b.n1, b.r, b.n, p.p0, p.p1)
    optimal = computed_design(p.p0, p.p1, p.alpha, p.beta, simon.OPTIMAL)
    minimax = computed_design(p.p0, p.p1, p.alpha, p.beta, simon.MINIMAX)
    reference = optimal if p.kind == simon.OPTIMAL else minimax
    matches = reference is not None and (reference.r1, reference.n1, reference.r, reference.n) == (b.r1, b.n1, b.r, b.n)
    values = {"configured": f"{b.r1}/{b.n1}, {b.r}/{b.n}", "kind": _design_kind(p.kind)}
    if reference is None:
        comparison = _("No %(kind)s design exists within the search; the configured boundaries are %(configured)s.")
    elif matches:
        comparison = _("The configured boundaries %(configured)s are the computed %(kind)s design.")
    else:
        values["computed"] = f"{reference.r1}/{reference.n1}, {reference.r}/{reference.n}"
        comparison = _("The configured boundaries %(configured)s differ from the computed %(kind)s design %(computed)s.")
    comparison = comparison % values
    target_power = 1.0 - p.beta
    return DesignPanel(
        parameters=p,
        boundaries=b,
        configured=configured,
        alpha_met=configured.alpha <= p.alpha,
        power_met=configured.power >= target_power,
        target_power=target_power,
        optimal=optimal,
        minimax=minimax,
        matches_computed=matches,
        comparison=comparison,
    )


def _counts(items: list[ParticipantResponse], boundaries: SimonBoundaries) -> ResponseCounts:
    patients = [patient for patient in (item.evaluable_patient() for item in items) if patient is not None]
    return response_counts(patients, boundaries)


def _monitor(counts: ResponseCounts, boundaries: SimonBoundaries) -> simon.SimonMonitor:
    return simon.simon_monitor(
        counts.stage1_evaluable, counts.stage1_responders, counts.evaluable, counts.responders, boundaries
    )


def simon_monitor_now(boundaries: SimonBoundaries = SIMON_BOUNDARIES) -> simon.SimonMonitor:
    """Both decision points as the data stand (read by the decision check)."""
    return _monitor(_counts(participant_responses(), boundaries), boundaries)


def _is_current(notice: SimonDecisionNotice, monitor: simon.SimonMonitor) -> bool:
    status = {STAGE1: monitor.stage1, FINAL: monitor.final}.get(notice.stage)
    return status is not None and status.status == notice.status


def simon_page_data(
    boundaries: SimonBoundaries = SIMON_BOUNDARIES, parameters: SimonParameters = SIMON_PARAMETERS
) -> SimonPage:
    """Everything the Simon monitor page shows (PROTOCOL §5)."""
    items = participant_responses()
    counts = _counts(items, boundaries)
    monitor = _monitor(counts, boundaries)
    stage1_keys = set(counts.stage1_keys)

    ordered = _evaluation_order(items)
    evaluable_rows = tuple(
        EvaluableRow(
            order=position,
            participant_id=item.participant_id,
            study_number=item.study_number,
            evaluable_on=item.evaluable_on,
            evaluable_by=_evaluable_by(item),
            best_response=item.best_response,
            responder=is_responder(item.best_response),
            in_stage1=item.study_number in stage1_keys,
            counted=position <= boundaries.n,
            response_pending=item.response_pending,
        )
        for position, item in enumerate(ordered, start=1)
    )
    off_study_labels = dict(OffStudyReason.choices)
    not_evaluable_rows = tuple(
        NotEvaluableRow(
            participant_id=item.participant_id,
            study_number=item.study_number,
            reasons=_not_evaluable_reasons(item),
            awaiting_confirmation=item.awaiting_confirmation,
            off_study_date=item.off_study_date,
            off_study_reason=off_study_labels.get(item.off_study_reason, item.off_study_reason),
        )
        for item in items
        if item.evaluable_on is None
    )

    responders = simon.count_responders([item.best_response for item in ordered])
    rate = simon.objective_response_rate(responders, len(ordered))
    orr = None
    if rate is not None:
        orr = ResponseRateView(
            responders=rate.responders,
            evaluable=rate.evaluable,
            rate_pct=100 * rate.rate,
            ci_low_pct=100 * rate.ci_low,
            ci_high_pct=100 * rate.ci_high,
            confidence_pct=round(100 * rate.confidence),
        )

    notices = tuple(
        _notice_row(notice, current=_is_current(notice, monitor))
        for notice in SimonDecisionNotice.objects.order_by("reached_at", "id")
    )
    return SimonPage(
        boundaries=boundaries,
        monitor=monitor,
        stage1=_decision_point(STAGE1, monitor.stage1),
        final=_decision_point(FINAL, monitor.final),
        orr=orr,
        enrolled=len(items),
        evaluable=evaluable_rows,
        not_evaluable=not_evaluable_rows,
        responses_pending=sum(1 for item in items if item.response_pending),
        follow_ups_awaiting=sum(item.awaiting_confirmation for item in items),
        participants_awaiting=sum(1 for item in items if item.awaiting_confirmation),
        beyond_design=max(len(ordered) - boundaries.n, 0),
        design=design_panel(boundaries, parameters),
        notices=notices,
    )


# --- CSV of the evaluable patients ----------------------------------------------------------------

EVALUABLE_CSV_COLUMNS = (
    "order",
    "study_number",
    "evaluable_on",
    "evaluable_by",
    "best_overall_response_confirmed",
    "responder",
    "in_stage_1",
    "counted_by_design",
    "response_awaiting_confirming_scan",
)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def evaluable_csv_rows(page: SimonPage) -> Iterator[tuple]:
    """The header and one line per evaluable patient: study number only, ISO dates."""
    yield EVALUABLE_CSV_COLUMNS
    for row in page.evaluable:
        yield (
            row.order,
            row.study_number,
            row.evaluable_on.isoformat(),
            row.evaluable_by,
            row.best_response,
            _yes_no(row.responder),
            _yes_no(row.in_stage1),
            _yes_no(row.counted),
            _yes_no(row.response_pending),
        )


# --- notices: recipients, e-mail wording, home worklist ---------------------------------------------


def simon_notice_recipients() -> QuerySet:
    """Active investigators and data managers with an e-mail address, by user name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=(INVESTIGATOR, DATA_MANAGER))
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


def decision_rules(boundaries: SimonBoundaries = SIMON_BOUNDARIES) -> dict[str, str]:
    """Stage -> the boundary in plain words, e.g. "20 of the first 27 needed to continue"."""
    monitor = simon.simon_monitor(0, 0, 0, 0, boundaries)
    return {STAGE1: monitor.stage1.rule, FINAL: monitor.final.rule}


def notice_status_label(status: str) -> str:
    return _STATUS_BADGES.get(status, (status, ""))[0]


def open_simon_notices(*, now: datetime.datetime, days: int = OPEN_NOTICE_DAYS) -> list[NoticeRow]:
    """Decision notices reached in the last ``days`` days, newest first (one query), for the home
    worklist of investigators and data managers. ``current`` is not computed here (``None``): the
    Simon page says whether each is still the decision the data give."""
    since = now - datetime.timedelta(days=days)
    notices = SimonDecisionNotice.objects.filter(reached_at__gte=since).order_by("-reached_at", "-id")
    return [_notice_row(notice, current=None) for notice in notices]
