"""Reads of adverse events for the pages: the participant's AE list, one AE with its grade texts,
SAE clock, signatures, linked lab results and history, the CTCAE term search, and the AEs still
awaiting the investigator's signature."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..models import AE_AGENTS, SAE_CRITERIA, AdverseEvent, AdverseEventSignature, CtcaeTerm, LabResult
from ..rules.adverse_event import (
    CTCAE_GRADE_MEANING,
    OPEN,
    OVERDUE,
    SENT,
    SENT_LATE,
    SaeClock,
    grade_words,
    sae_clock,
    suggest_irae_category,
)
from .badges import GRADE_BADGE_CSS

TERM_SEARCH_LIMIT = 20

_CLOCK_BADGE = {OPEN: "text-bg-warning", OVERDUE: "text-bg-danger", SENT: "text-bg-success",
                SENT_LATE: "text-bg-secondary"}  # fmt: skip


@dataclass(frozen=True)
class GradeBadge:
    text: str
    css: str


@dataclass(frozen=True)
class ClockView:
    """An SAE clock as the pages show it."""

    clock: SaeClock
    text: str
    css: str


@dataclass(frozen=True)
class AeRow:
    """One line of the participant's AE list."""

    adverse_event: AdverseEvent
    worst: GradeBadge
    current: GradeBadge
    clock: ClockView | None
    irae_label: str
    attribution_summary: str
    signature: AdverseEventSignature | None


@dataclass(frozen=True)
class GradeTextRow:
    grade: int
    meaning: str
    text: str
    is_worst: bool
    is_current: bool


@dataclass(frozen=True)
class AgentRow:
    agent: str
    attribution: str
    action: str
    related: bool


@dataclass(frozen=True)
class SignatureRow:
    signature: AdverseEventSignature
    valid: bool


@dataclass(frozen=True)
class HistoryRow:
    when: datetime.datetime
    user: str
    version: int
    reason: str


@dataclass(frozen=True)
class AeDetail:
    row: AeRow
    grade_texts: list[GradeTextRow]
    sae_criteria: list[str]
    agents: list[AgentRow]
    signatures: list[SignatureRow]
    lab_results: list[LabResult]
    worst_text: str = ""
    history: list[HistoryRow] = field(default_factory=list)
    dose_decisions: list = field(default_factory=list)  # IraeDoseDecision, newest first


def grade_badge(grade: int | None) -> GradeBadge:
    return GradeBadge(grade_words(grade), GRADE_BADGE_CSS.get(grade, "text-bg-secondary"))


def _duration(delta: datetime.timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": f"{minutes:02d}"}


def clock_view(adverse_event: AdverseEvent, *, now: datetime.datetime) -> ClockView | None:
    """The 24-hour SAE reporting clock of a serious AE (``toxicity.rules.adverse_event.sae_clock``)."""
    if not adverse_event.serious or adverse_event.sae_awareness_at is None:
        return None
    clock = sae_clock(awareness_at=adverse_event.sae_awareness_at, sent_at=adverse_event.sae_report_sent_at, now=now)
    due = f"{timezone.localtime(clock.due_at):%Y-%m-%d %H:%M}"
    if clock.status == OPEN:
        text = _("SAE report due %(due)s (%(duration)s left)") % {"due": due, "duration": _duration(clock.remaining)}
    elif clock.status == OVERDUE:
        text = _("SAE report overdue by %(duration)s (due %(due)s)") % {"due": due, "duration": _duration(clock.remaining)}
    else:
        sent = f"{timezone.localtime(clock.sent_at):%Y-%m-%d %H:%M}"
        text = _("SAE report sent %(sent)s (on time)") % {"sent": sent} if clock.status == SENT else (
            _("SAE report sent %(sent)s, %(duration)s late") % {"sent": sent, "duration": _duration(clock.remaining)}
        )
    return ClockView(clock, text, _CLOCK_BADGE[clock.status])


def attribution_summary(adverse_event: AdverseEvent) -> str:
    """The agents the AE is possibly, probably or definitely related to, e.g. "Toripalimab:
    probable; Cisplatin: possible", or "Not related to any agent"."""
    related = [
        _("%(agent)s: %(attribution)s") % {
            "agent": _(label), "attribution": getattr(adverse_event, f"get_attribution_{agent}_display")().lower(),
        }
        for agent, label in AE_AGENTS
        if getattr(adverse_event, f"attribution_{agent}") in ("possible", "probable", "definite")
    ]
    return pgettext("list separator", "; ").join(related) or _("Not related to any agent")


def _row(adverse_event: AdverseEvent, *, now: datetime.datetime) -> AeRow:
    return AeRow(
        adverse_event=adverse_event,
        worst=grade_badge(adverse_event.grade),
        current=grade_badge(adverse_event.current_grade),
        clock=clock_view(adverse_event, now=now),
        irae_label=adverse_event.get_irae_category_display() if adverse_event.immune_related else "",
        attribution_summary=attribution_summary(adverse_event),
        signature=valid_signature(adverse_event),
    )


def adverse_event_rows(participant, *, now: datetime.datetime) -> list[AeRow]:
    """The participant's adverse events by number."""
    events = participant.adverse_events.select_related("term").prefetch_related("signatures").order_by("number")
    return [_row(event, now=now) for event in events]


def adverse_event_history(adverse_event: AdverseEvent) -> list[HistoryRow]:
    """Every saved version of the AE, newest first, with who saved it and why."""
    rows = adverse_event.history.select_related("history_user").order_by("-history_date", "-history_id")
    return [
        HistoryRow(
            when=row.history_date,
            user=(row.history_user.get_full_name() or row.history_user.get_username()) if row.history_user else _("system"),
            version=row.version,
            reason=row.history_change_reason or "",
        )
        for row in rows
    ]


def adverse_event_detail(adverse_event: AdverseEvent, *, now: datetime.datetime) -> AeDetail:
    term = adverse_event.term
    grade_texts = [
        GradeTextRow(grade, CTCAE_GRADE_MEANING[grade], term.grade_text(grade), grade == adverse_event.grade,
                     grade == adverse_event.current_grade)  # fmt: skip
        for grade in term.available_grades()
    ]
    agents = [
        AgentRow(
            agent=_(label),
            attribution=getattr(adverse_event, f"get_attribution_{agent}_display")(),
            action=getattr(adverse_event, f"get_action_{agent}_display")(),
            related=getattr(adverse_event, f"attribution_{agent}") in ("possible", "probable", "definite"),
        )
        for agent, label in AE_AGENTS
    ]
    signatures = [
        SignatureRow(signature, signature.ae_version == adverse_event.version)
        for signature in adverse_event.signatures.order_by("-signed_at")
    ]
    return AeDetail(
        row=_row(adverse_event, now=now),
        grade_texts=grade_texts,
        sae_criteria=[_(label) for name, label in SAE_CRITERIA if getattr(adverse_event, name)],
        agents=agents,
        signatures=signatures,
        lab_results=list(adverse_event.lab_results.select_related("panel").order_by("panel__collected_on", "id")),
        worst_text=term.grade_text(adverse_event.grade) if adverse_event.grade in term.available_grades() else "",
        history=adverse_event_history(adverse_event),
        dose_decisions=list(adverse_event.dose_decisions.select_related("adverse_event__term")),
    )


def valid_signature(adverse_event: AdverseEvent) -> AdverseEventSignature | None:
    """The investigator's signature of the AE as it stands now (made at its current version), or None."""
    signed_now = [s for s in adverse_event.signatures.all() if s.ae_version == adverse_event.version]
    return max(signed_now, key=lambda signature: signature.signed_at, default=None)


def adverse_events_awaiting_signature(queryset: QuerySet | None = None) -> QuerySet:
    """AEs without an investigator's signature at their current version (never signed, or changed
    since signing)."""
    queryset = AdverseEvent.objects.all() if queryset is None else queryset
    signed_now = AdverseEventSignature.objects.filter(adverse_event=OuterRef("pk"), ae_version=OuterRef("version"))
    return queryset.filter(~Exists(signed_now))


# --- CTCAE terms -----------------------------------------------------------------------------------


def grade_choice_label(grade: int, text: str = "") -> str:
    """How the AE form offers a grade, e.g. "Grade 3 (severe): <the term's CTCAE text>" (the CTCAE
    text stays in English)."""
    short = _("Grade %(grade)s (%(meaning)s)") % {"grade": grade, "meaning": CTCAE_GRADE_MEANING[grade]}
    return _("%(grade)s: %(text)s") % {"grade": short, "text": text} if text else short


def term_grades(term: CtcaeTerm) -> list[dict]:
    """The grades that exist for ``term`` with their CTCAE text and the form's labels."""
    return [
        {"grade": grade, "text": term.grade_text(grade), "short": grade_choice_label(grade),
         "label": grade_choice_label(grade, term.grade_text(grade))}  # fmt: skip
        for grade in term.available_grades()
    ]


def ctcae_term_search(query: str, *, limit: int = TERM_SEARCH_LIMIT) -> list[dict]:
    """Terms whose name, system organ class or MedDRA code contains ``query`` (case-insensitive),
    names starting with it first, each with its existing grades and the irAE category suggested
    for it."""
    query = (query or "").replace("\x00", "").strip()  # a NUL cannot be searched for (PostgreSQL refuses it)
    if not query:
        return []
    terms = (
        CtcaeTerm.objects.annotate(code_text=Cast("meddra_code", CharField()))
        .filter(Q(term__icontains=query) | Q(soc__icontains=query) | Q(code_text__icontains=query))
        .annotate(starts=Case(When(term__istartswith=query, then=Value(0)), default=Value(1),
                              output_field=IntegerField()))  # fmt: skip
        .order_by("starts", "term")[:limit]
    )
    return [
        {
            "id": term.pk,
            "term": term.term,
            "soc": term.soc,
            "meddra_code": term.meddra_code,
            "grades": term_grades(term),
            "irae_category": suggest_irae_category(term.term),
        }
        for term in terms
    ]


def ctcae_term_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Every term grouped by system organ class, for the no-JavaScript <select>."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, soc, name in CtcaeTerm.objects.order_by("soc", "term").values_list("pk", "soc", "term"):
        groups.setdefault(soc, []).append((pk, name))
    return list(groups.items())
