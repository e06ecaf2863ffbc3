"""Reads for the home page: the coordinator's worklist, the investigator's queue of signatures and
decisions, and the read-only overview of data managers and monitors (issue 6, "The coordinator
worklist"); with the data queries of issue 8 (to answer for the site, awaiting closure and by age
for monitors and data managers).

Every line says what is due, for whom and why, and links to the form that clears it. The lines are
read from what the other apps already compute - the visit flags the daily task ``flag_visits_due``
keeps, the treatment calendar's doses due (``dosing.selectors.calendar.doses_due``), the toxicity
selectors - so the worklist never holds a rule of its own except the pre-dose lab check below.

Query counts are bounded: each section is one or a few study-wide queries (with ``select_related``
/ ``prefetch_related``), never one query per participant.

With study sites configured (``core.sites``) every section and count covers only the participants of
the ``user``'s sites (``user=None``: the whole study, e.g. for a system caller).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from core import work_snapshots
from core.data_management.queries import selectors as query_selectors
from core.models import DataQuery
from core.sites import restrict_to_user_sites, site_access
from core.study_cache import cached
from dosing.models import Decision, DoseModification
from dosing.selectors import calendar as dose_calendar
from enrollment.models import (
    Consent,
    EligibilitySignature,
    FlagKind,
    Participant,
    ParticipantStatus,
    VisitFlag,
)
from enrollment.rules.visits import visit_definitions
from enrollment.selectors import missing_forms_report
from toxicity.models import AeProposal, LabPanel, LabResult
from toxicity.rules.labs_before_dose import has_pre_dose_labs, needs_pre_dose_labs, pre_dose_lab_window
from toxicity.selectors.adverse_events import adverse_events_awaiting_signature
from toxicity.selectors.dashboard import open_sae_rows
from toxicity.selectors.irae import pending_irae_decisions, target_label
from trialsite.protocol.labs import LABS_BEFORE_DOSE_DAYS

# How many lines a section shows; its heading always gives the full count.
MAX_LINES = 10
# "This week": today and the six days after it.
WEEK_DAYS = 7
# Doses due up to this many days ago that are still inside their window are "today" work.
DOSES_LOOKBACK_DAYS = 7

DANGER, WARNING, INFO, SECONDARY = "text-bg-danger", "text-bg-warning", "text-bg-info", "text-bg-secondary"


def safe_reverse(name: str, **kwargs) -> str:
    """The path of ``name``, or "" when the URL does not exist (yet): a page of another part that is
    not installed must not break the home page."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def participant_label(participant: Participant) -> str:
    return participant.study_number or participant.screening_number


def list_text(items) -> str:
    """Items joined as a list in the active language ("a, b" / "a、b")."""
    return pgettext("separator between the items of a list", ", ").join(str(item) for item in items)


def reasons_text(reasons) -> str:
    """Reasons joined in the active language ("a; b" / "a；b")."""
    return pgettext("separator between reasons", "; ").join(str(reason) for reason in reasons)


def day_text(day: datetime.date) -> str:
    """A date with its weekday, e.g. "Tue 2025-06-03" (the weekday in the active language)."""
    return f"{date_format(day, 'D')} {day:%Y-%m-%d}"


@dataclass(frozen=True)
class WorkLine:
    """One thing to do: for ``participant_label``, ``text`` (what), ``detail`` (why / which rule),
    a badge whose text says the state (colour is never the only signal), and the form that clears it."""

    participant_pk: int
    participant_label: str
    text: str
    detail: str
    badge: str
    badge_css: str
    url: str
    action: str  # the link's words, e.g. "Record the visit"
    when: datetime.date | None = None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    count: int  # every line that applies; ``lines`` holds at most MAX_LINES of them
    lines: tuple[WorkLine, ...]
    more_url: str = ""
    more_text: str = ""
    empty_text: str = gettext_lazy("Nothing due")
    note: str = ""

    @property
    def hidden(self) -> int:
        return max(self.count - len(self.lines), 0)


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    sections: tuple[Section, ...]

    @property
    def count(self) -> int:
        return sum(section.count for section in self.sections)


@dataclass(frozen=True)
class Worklist:
    groups: tuple[Group, ...]

    @property
    def count(self) -> int:
        return sum(group.count for group in self.groups)

    def section(self, key: str) -> Section:
        return next(s for group in self.groups for s in group.sections if s.key == key)


def _section(key: str, title: str, lines: Sequence[WorkLine], **kwargs) -> Section:
    return Section(key, title, len(lines), tuple(lines[:MAX_LINES]), **kwargs)


class QueryLines(Sequence):
    """The lines of a queryset, read lazily: its length is one COUNT query and a slice reads only
    the rows it shows, so a section of thousands of rows costs two small queries."""

    def __init__(self, queryset, to_line: Callable[[object], WorkLine]):
        self.queryset, self.to_line = queryset, to_line
        self._count: int | None = None
        self._slices: dict[tuple, list[WorkLine]] = {}

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            key = (index.start, index.stop, index.step)
            if key not in self._slices:
                self._slices[key] = [self.to_line(item) for item in self.queryset[index]]
            return self._slices[key]
        return self.to_line(self.queryset[index])

    def __iter__(self):
        return (self.to_line(item) for item in self.queryset)


# --- visits ------------------------------------------------------------------------------------------

_FLAG_BADGES = {
    FlagKind.OVERDUE: (gettext_lazy("Overdue"), DANGER),
    FlagKind.DUE_NOW: (gettext_lazy("Due now"), WARNING),
    FlagKind.DUE_SOON: (gettext_lazy("Due soon"), INFO),
}


def _visit_labels() -> dict[str, str]:
    return {definition.code: str(definition.label) for definition in visit_definitions()}


def _flag_line(flag: VisitFlag, labels: dict[str, str], today: datetime.date) -> WorkLine:
    badge, css = _FLAG_BADGES[flag.kind]
    window = _("window %(start)s to %(end)s, target %(target)s") % {
        "start": f"{flag.window_start:%Y-%m-%d}", "end": f"{flag.window_end:%Y-%m-%d}",
        "target": f"{flag.target_date:%Y-%m-%d}",
    }  # fmt: skip
    if flag.kind == FlagKind.OVERDUE:
        late = (today - flag.window_end).days
        detail = (
            ngettext("%(window)s; closed %(days)s day ago", "%(window)s; closed %(days)s days ago", late)
            % {"window": window, "days": late}
            if late > 0
            else window
        )
    elif flag.kind == FlagKind.DUE_SOON:
        detail = (
            _("%(window)s; opens in %(days)s days") % {"window": window, "days": (flag.window_start - today).days}
            if flag.window_start > today
            else window
        )
    else:
        detail = window
    participant = flag.participant
    return WorkLine(
        participant_pk=participant.pk,
        participant_label=participant_label(participant),
        text=labels.get(flag.visit_code, flag.visit_code),
        detail=detail,
        badge=str(badge),
        badge_css=css,
        url=safe_reverse("enrollment:visit_record", pk=participant.pk, visit_code=flag.visit_code),
        action=_("Record the visit"),
        when=flag.target_date,
    )


def _flag_order(flag: VisitFlag) -> tuple:
    """Overdue first, the most recently closed window first (the visits that can still be caught up;
    a long-overdue visit is cleared by recording it as missed); then due now by the closing of the
    window; then due soon by its opening."""
    label = participant_label(flag.participant)
    if flag.kind == FlagKind.OVERDUE:
        return (0, -flag.window_end.toordinal(), label, flag.pk)
    if flag.kind == FlagKind.DUE_NOW:
        return (1, flag.window_end.toordinal(), label, flag.pk)
    return (2, flag.window_start.toordinal(), label, flag.pk)


class MappedLines(Sequence):
    """Items made into lines only when shown: a section of hundreds of flags words ten of them."""

    def __init__(self, items: list, to_line: Callable[[object], WorkLine]):
        self.items, self.to_line = items, to_line

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.to_line(item) for item in self.items[index]]
        return self.to_line(self.items[index])


def visit_lines(*, today: datetime.date, user=None) -> tuple[Sequence[WorkLine], Sequence[WorkLine]]:
    """The open visit flags (one query): (overdue and due now, due soon), in ``_flag_order``. A flag
    is what the daily task ``flag_visits_due`` found; once a visit is recorded its flag closes at the
    task's next run."""
    flags = sorted(
        restrict_to_user_sites(VisitFlag.objects.filter(closed_at__isnull=True), user)
        .select_related("participant")
        .only("visit_code", "kind", "target_date", "window_start", "window_end",
              "participant__study_number", "participant__screening_number"),  # fmt: skip
        key=_flag_order,
    )
    labels = _visit_labels()

    def line(flag: VisitFlag) -> WorkLine:
        return _flag_line(flag, labels, today)

    now = [flag for flag in flags if flag.kind in (FlagKind.OVERDUE, FlagKind.DUE_NOW)]
    soon = [flag for flag in flags if flag.kind == FlagKind.DUE_SOON]
    return MappedLines(now, line), MappedLines(soon, line)


# --- doses -------------------------------------------------------------------------------------------

_DOSE_BADGE_CSS = {
    dose_calendar.OVERDUE: DANGER,
    dose_calendar.DUE: WARNING,
    dose_calendar.HELD: WARNING,
    dose_calendar.AWAITING: WARNING,
    dose_calendar.UPCOMING: INFO,
}


def _hold_reason(row: dose_calendar.CalendarRow) -> str:
    """Why a dose is held or awaits a decision: the irAE decisions holding toripalimab, or the
    chemotherapy dose modification behind the hold."""
    reasons = [
        _("%(hold)s (awaiting investigator)") % {"hold": h.label} if h.pending else str(h.label) for h in row.irae_holds
    ]
    if row.state in (dose_calendar.HELD, dose_calendar.AWAITING) and row.recommendation is not None:
        review = row.recommendation
        action = str(
            review.get_decided_action_display() if review.decided_action else review.get_recommended_action_display()
        )
        reason = review.localized_rule_reason if review.rule_reason else ""
        reasons.append(_("%(action)s: %(reason)s") % {"action": action, "reason": reason} if reason else action)
    if row.delay is not None:
        reasons.append(_("delayed: %(reason)s") % {"reason": row.delay.reason})
    return reasons_text(reasons)


def _dose_line(item: dose_calendar.DueDose) -> WorkLine:
    row, participant = item.row, item.participant
    agent, phase, cycle, day = row.key_args
    detail = [_("due %(date)s") % {"date": day_text(row.dose.due)}]
    reason = _hold_reason(row)
    if reason:
        detail.append(reason)
    if row.note:
        detail.append(str(row.note))
    return WorkLine(
        participant_pk=participant.pk,
        participant_label=participant_label(participant),
        text=_("%(agent)s %(cycle)s (%(phase)s)")
        % {"agent": row.agent_label, "cycle": row.cycle_label, "phase": row.phase_label.lower()},
        detail=reasons_text(detail),
        badge=str(row.state_label),
        badge_css=_DOSE_BADGE_CSS.get(row.state, SECONDARY),
        url=safe_reverse("dosing:dose_record", pk=participant.pk, agent=agent, phase=phase, cycle=cycle, day=day),
        action=_("Record the dose"),
        when=row.dose.due,
    )


def _dose_entry(item: dose_calendar.DueDose, bucket: str) -> dict:
    """A dose due, as kept in the participant's worklist snapshot (``core.work_snapshots``; JSON, so
    every label is made a plain string in the active language)."""
    line = _dose_line(item)
    return {
        "bucket": bucket,
        "due": item.row.dose.due.isoformat(),
        "state": item.row.state,
        "agent": str(item.row.agent_label),
        "text": str(line.text),
        "detail": str(line.detail),
        "badge": str(line.badge),
        "badge_css": line.badge_css,
        "url": line.url,
    }


@dataclass(frozen=True)
class SnapshotDose:
    """A dose due read back from a snapshot: what the worklist sections and ``labs_needed`` use."""

    participant: Participant
    due: datetime.date
    state: str
    agent_label: str
    line: WorkLine


def _snapshot_dose(participant: Participant, entry: dict) -> SnapshotDose:
    due = datetime.date.fromisoformat(entry["due"])
    line = WorkLine(
        participant_pk=participant.pk,
        participant_label=participant_label(participant),
        text=entry["text"],
        detail=entry["detail"],
        badge=entry["badge"],
        badge_css=entry["badge_css"],
        url=entry["url"],
        action=_("Record the dose"),
        when=due,
    )
    return SnapshotDose(participant, due, entry["state"], entry["agent"], line)


def compute_participant_work(
    participant_ids: list[int], today: datetime.date
) -> dict[int, work_snapshots.ParticipantWork]:
    """The worklist lines of these participants (``core.work_snapshots``'s ``compute``): their doses
    due in the worklist's window (``dosing.selectors.calendar``, from ``DOSES_LOOKBACK_DAYS`` ago to
    the end of the week, and the overdue ones before it) and their visits with missing forms
    (``enrollment.selectors.missing_forms_report``). A fixed number of queries for any number."""
    work = {pk: work_snapshots.ParticipantWork() for pk in participant_ids}
    start = today - datetime.timedelta(days=DOSES_LOOKBACK_DAYS)
    end = today + datetime.timedelta(days=WEEK_DAYS - 1)
    on_treatment = dose_calendar.prefetched_participants(
        dose_calendar.participants_on_treatment().filter(pk__in=participant_ids).order_by("pk")
    )
    for participant in on_treatment:
        recent, overdue = dose_calendar.participant_doses_due(participant, start=start, end=end, today=today)
        work[participant.pk].doses = [_dose_entry(item, "overdue") for item in overdue] + [
            _dose_entry(item, "recent") for item in recent
        ]
    lines, counts = _missing_form_lines(missing_forms_report(today=today, participant_ids=participant_ids))
    for visit_id, line in lines:
        work[line.participant_pk].missing_forms.append({
            "visit_id": visit_id, "visit_date": line.when.isoformat(), "text": str(line.text),
            "detail": str(line.detail), "badge": str(line.badge), "url": line.url,
        })  # fmt: skip
    for pk, count in counts.items():
        work[pk].missing_form_count = count
    return work


def worklist_snapshots(*, today: datetime.date, user=None) -> list:
    """The valid worklist snapshots with something to do, of the participants with a treatment
    calendar (of ``user``'s sites), computing the missing or outdated ones first."""
    participants = restrict_to_user_sites(
        Participant.objects.filter(planned_treatment_start__isnull=False), user, lookup=""
    )
    return work_snapshots.current_snapshots(participants, today=today, compute=compute_participant_work)


def _participant_order(participant: Participant) -> str:
    return participant.study_number or ""


def due_doses(*, today: datetime.date, user=None, snapshots=None) -> tuple[list[SnapshotDose], list[SnapshotDose]]:
    """Doses not recorded (study-wide, from the participants' snapshots of ``doses_due``): (due
    today or before and still to act on - overdue, due, held or awaiting a decision -, due in the
    rest of the week)."""
    if snapshots is None:
        snapshots = worklist_snapshots(today=today, user=user)
    now, later = [], []
    for snapshot in snapshots:
        for entry in snapshot.doses:
            dose = _snapshot_dose(snapshot.participant, entry)
            (later if entry["bucket"] == "recent" and dose.due > today else now).append(dose)
    now.sort(key=lambda item: (item.due, participant_label(item.participant)))
    later.sort(key=lambda item: (item.due, _participant_order(item.participant)))
    return now, later


# --- labs before a dose ------------------------------------------------------------------------------


def labs_needed(doses: list[SnapshotDose], *, today: datetime.date, days: int | None = None) -> Sequence[WorkLine]:
    """Participants with a dose due within ``days`` days and no lab panel collected in that dose's
    window (``toxicity.rules.labs_before_dose``, PROTOCOL §3). Only chemotherapy and toripalimab doses
    not yet recorded and not held, discontinued or awaiting a decision count. One line per participant
    and due date (one panel serves every agent given that day), worded only when shown. One query.
    """
    days = LABS_BEFORE_DOSE_DAYS if days is None else days
    last_due = today + datetime.timedelta(days=days)
    actionable = (dose_calendar.DUE, dose_calendar.UPCOMING, dose_calendar.OVERDUE)
    wanted: dict[tuple[int, datetime.date], list[SnapshotDose]] = defaultdict(list)
    for item in doses:
        due = item.due
        if needs_pre_dose_labs(due, today=today, days=days) and item.state in actionable:
            wanted[(item.participant.pk, due)].append(item)
    if not wanted:
        return []
    panels: dict[int, list[datetime.date]] = defaultdict(list)
    rows = LabPanel.objects.filter(
        participant_id__in={pk for pk, _due in wanted},
        collected_on__gte=today - datetime.timedelta(days=days),
        collected_on__lte=last_due,
    ).values_list("participant_id", "collected_on")
    for participant_id, collected_on in rows:
        panels[participant_id].append(collected_on)
    missing = [
        (participant_pk, due, items)
        for (participant_pk, due), items in sorted(wanted.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        if not has_pre_dose_labs(due, panels[participant_pk], days=days)
    ]
    return MappedLines(missing, lambda entry: _labs_line(*entry, days=days))


def _labs_line(participant_pk: int, due: datetime.date, items: list[SnapshotDose], *, days: int) -> WorkLine:
    earliest, _last = pre_dose_lab_window(due, days=days)
    agents = list_text(dict.fromkeys(item.agent_label for item in items))
    return WorkLine(
        participant_pk=participant_pk,
        participant_label=participant_label(items[0].participant),
        text=_("Labs before %(agents)s on %(date)s") % {"agents": agents, "date": day_text(due)},
        detail=_("No lab panel collected from %(start)s to %(end)s")
        % {"start": f"{earliest:%Y-%m-%d}", "end": f"{due:%Y-%m-%d}"},
        badge=_("Labs needed"),
        badge_css=WARNING,
        url=safe_reverse("toxicity:lab_create", pk=participant_pk),
        action=_("Enter a lab panel"),
        when=due,
    )


# --- missing forms -----------------------------------------------------------------------------------


def _missing_form_lines(rows) -> tuple[list[tuple[int, WorkLine]], dict[int, int]]:
    """One line per done visit with expected forms missing (``missing_forms_report``'s rows), with
    the visit's id, and the number of missing forms per participant."""
    by_visit: dict[int, list] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        by_visit[row.visit_id].append(row)
        counts[row.participant.pk] += 1
    lines = []
    for visit_id, visit_rows in by_visit.items():
        first = visit_rows[0]
        participant = first.participant
        lines.append((
            visit_id,
            WorkLine(
                participant_pk=participant.pk,
                participant_label=participant_label(participant),
                text=f"{first.visit_label} ({first.visit_date:%Y-%m-%d})",
                detail=list_text(row.form_label for row in visit_rows),
                badge=ngettext("%(count)s missing", "%(count)s missing", len(visit_rows)) % {"count": len(visit_rows)},
                badge_css=WARNING,
                url=safe_reverse("enrollment:visit_forms", pk=participant.pk, visit_pk=visit_id),
                action=_("Enter the forms"),
                when=first.visit_date,
            ),
        ))  # fmt: skip
    return lines, counts


def missing_form_lines(*, today: datetime.date, user=None, snapshots=None) -> tuple[list[WorkLine], int]:
    """One line per done visit with expected forms neither entered nor marked not done (from the
    participants' snapshots of ``enrollment.selectors.missing_forms_report``, oldest visit first),
    and the number of missing forms in all. The line links to the visit's forms page, where each
    form is entered or marked not done."""
    if snapshots is None:
        snapshots = worklist_snapshots(today=today, user=user)
    lines, total = [], 0
    for snapshot in snapshots:
        total += snapshot.missing_form_count
        participant = snapshot.participant
        for entry in snapshot.missing_forms:
            visit_date = datetime.date.fromisoformat(entry["visit_date"])
            lines.append((visit_date, participant.pk, entry["visit_id"], WorkLine(
                participant_pk=participant.pk,
                participant_label=participant_label(participant),
                text=entry["text"],
                detail=entry["detail"],
                badge=entry["badge"],
                badge_css=WARNING,
                url=entry["url"],
                action=_("Enter the forms"),
                when=visit_date,
            )))  # fmt: skip
    lines.sort(key=lambda item: item[:3])
    return [item[3] for item in lines], total


# --- safety ------------------------------------------------------------------------------------------


class CountedLines(Sequence):
    """A count and the first lines of a section, as kept by the study cache."""

    def __init__(self, count: int, first: list[WorkLine]):
        self.count, self.first = count, first

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        whole = len(self.first) == self.count
        if isinstance(index, slice) and (whole or (index.start in (None, 0) and (index.stop or 0) <= MAX_LINES)):
            return self.first[index]
        raise IndexError("only the first lines of a cached section are kept")


def _study_cached(name: str, user, lines: QueryLines) -> CountedLines:
    """A section read only from CRF records, kept per data version, language and the user's sites
    (``core.study_cache``): its count and first ``MAX_LINES`` lines."""
    return cached(name, site_access(user), lambda: CountedLines(len(lines), list(lines[:MAX_LINES])))


def _ae_signature_line(ae) -> WorkLine:
    return WorkLine(
        participant_pk=ae.participant_id,
        participant_label=participant_label(ae.participant),
        text=_("AE %(number)s: %(term)s, grade %(grade)s") % {"number": ae.number, "term": ae.term.term, "grade": ae.grade},
        detail=(_("onset %(date)s; serious (SAE)") if ae.serious else _("onset %(date)s"))
        % {"date": f"{ae.onset_date:%Y-%m-%d}"},
        badge=_("Awaiting signature"),
        badge_css=WARNING,
        url=safe_reverse("toxicity:ae_detail", pk=ae.participant_id, ae_pk=ae.pk),
        action=_("Open the AE"),
        when=ae.onset_date,
    )


def awaiting_signature_lines(*, user=None) -> QueryLines:
    """AEs without the investigator's signature at their current version (a count and one query
    for the lines shown)."""
    events = (
        restrict_to_user_sites(adverse_events_awaiting_signature(), user)
        .select_related("participant", "term")
        .order_by("onset_date", "participant__study_number", "number")
    )
    return _study_cached("worklist.ae_signoff", user, QueryLines(events, _ae_signature_line))


def sae_clock_lines(*, now: datetime.datetime, user=None) -> list[WorkLine]:
    """SAE reports not yet sent, with their 24-hour clock (open, overdue, or awareness time missing)."""
    css = {"overdue": DANGER, "no_awareness": DANGER, "open": WARNING}
    return [
        WorkLine(
            participant_pk=row.participant_pk,
            participant_label=row.participant_label,
            text=_("SAE report, AE %(number)s: %(term)s, grade %(grade)s")
            % {"number": row.ae_number, "term": row.term, "grade": row.grade},
            detail=str(row.time_text),
            badge=str(row.status_label),
            badge_css=css.get(row.status, SECONDARY),
            url=safe_reverse("toxicity:ae_detail", pk=row.participant_pk, ae_pk=row.ae_pk),
            action=_("Open the AE"),
            when=row.onset_date,
        )
        for row in open_sae_rows(now=now, user=user)
    ]


def _lab_proposal_line(result) -> WorkLine:
    return WorkLine(
        participant_pk=result.panel.participant_id,
        participant_label=participant_label(result.panel.participant),
        text=f"{result.get_analyte_display()} {result.value.normalize():f} {result.unit}"
        + (f" — {result.ctcae_term}" if result.ctcae_term else ""),
        detail=_("grade %(grade)s, collected %(date)s")
        % {"grade": result.grade, "date": f"{result.panel.collected_on:%Y-%m-%d}"},
        badge=_("AE proposed"),
        badge_css=INFO,
        url=safe_reverse("toxicity:lab_detail", pk=result.panel.participant_id, panel_pk=result.panel_id),
        action=_("Confirm or dismiss"),
        when=result.panel.collected_on,
    )


def lab_proposal_lines(*, user=None) -> QueryLines:
    """Graded lab values that propose an adverse event the coordinator has not yet confirmed or
    dismissed (a count and one query for the lines shown)."""
    results = (
        restrict_to_user_sites(
            LabResult.objects.filter(ae_proposal=AeProposal.PROPOSED), user, lookup="panel__participant"
        )
        .select_related("panel__participant")
        .order_by("panel__collected_on", "panel_id", "id")
    )
    return _study_cached("worklist.lab_proposals", user, QueryLines(results, _lab_proposal_line))


# --- data queries ------------------------------------------------------------------------------------

# A query waiting longer than these many days gets a warning badge, then a danger badge.
QUERY_AGE_WARNING_DAYS = 14
QUERY_AGE_DANGER_DAYS = 30


def _query_line(query: DataQuery, *, now: datetime.datetime, action: str) -> WorkLine:
    waiting = query_selectors.age_days(query, now)
    since = query.answered_at if query.status == "answered" and query.answered_at else query.raised_at
    waited = max((now - since).days, 0)
    css = DANGER if waited > QUERY_AGE_DANGER_DAYS else WARNING if waited > QUERY_AGE_WARNING_DAYS else INFO
    what = query.field_label or _("the record as a whole")
    text = query.text if len(query.text) <= 120 else query.text[:119] + "…"
    return WorkLine(
        participant_pk=query.participant_id,
        participant_label=participant_label(query.participant),
        text=_("Query #%(number)s: %(form)s %(record)s — %(what)s")
        % {"number": query.pk, "form": query.form_label, "record": query.record_label, "what": what},
        detail=ngettext(
            "“%(text)s” raised %(date)s by %(user)s, %(days)s day ago",
            "“%(text)s” raised %(date)s by %(user)s, %(days)s days ago",
            waiting,
        )
        % {"text": text, "date": f"{query.raised_at.date():%Y-%m-%d}",
           "user": query_selectors.user_name(query.raised_by), "days": waiting},  # fmt: skip
        badge=_("%(status)s %(days)s d") % {"status": query.get_status_display(), "days": waited},
        badge_css=css,
        url=safe_reverse("dm:query_detail", query_pk=query.pk),
        action=action,
        when=since.date(),
    )


def _query_section(key: str, title: str, queries, *, now: datetime.datetime, action: str, more_query: str,
                   empty_text: str, user=None) -> Section:  # fmt: skip
    """A section of queries (the oldest first): the count and the first MAX_LINES (two queries)."""
    queries = restrict_to_user_sites(queries.filter(participant__isnull=False), user)
    list_url = safe_reverse("dm:query_list")
    return Section(
        key,
        title,
        queries.count(),
        tuple(_query_line(query, now=now, action=action) for query in queries[:MAX_LINES]),
        more_url=f"{list_url}?{more_query}" if list_url else "",
        more_text=_("Query list"),
        empty_text=empty_text,
    )


def queries_to_answer_section(*, now: datetime.datetime, user=None) -> Section:
    """Open queries waiting for the site's answer, the oldest first (coordinators and investigators)."""
    return _query_section("queries", _("Queries to answer"), query_selectors.open_queries_oldest_first(), now=now,
                          action=_("Answer the query"), more_query="status=open", empty_text=_("No open query"),
                          user=user)  # fmt: skip


def queries_to_close_section(*, now: datetime.datetime, user=None) -> Section:
    """Answered queries waiting for the raiser's side to close or re-open them (monitors, data managers)."""
    return _query_section("queries_answered", _("Answered queries awaiting closure"),
                          query_selectors.answered_queries_oldest_first(), now=now, action=_("Close or re-open"),
                          more_query="status=answered", empty_text=_("No answered query waiting"), user=user)  # fmt: skip


# --- the investigator's decisions --------------------------------------------------------------------


def eligibility_signature_lines(*, user=None) -> list[WorkLine]:
    """Participants in screening whose screening is eligible (as last evaluated when it was saved),
    with an active consent and no signature on the screening as it stands: they wait for the
    investigator's signature (``enrollment.selectors.eligibility_state``'s ``can_sign``, set-based:
    three queries whatever the number of participants)."""
    participants = (
        restrict_to_user_sites(Participant.objects.all(), user, lookup="")
        .filter(status=ParticipantStatus.SCREENING, screening__eligible=True)
        .select_related("screening")
        .prefetch_related(
            Prefetch("consents", queryset=Consent.objects.order_by("-consent_date", "-id")),
            Prefetch("eligibility_signatures", queryset=EligibilitySignature.objects.order_by("-signed_at")),
        )
        .order_by("screening_date", "id")
    )
    lines = []
    for participant in participants:
        consents = list(participant.consents.all())
        if not consents or consents[0].withdrawn_on is not None:
            continue
        signatures = list(participant.eligibility_signatures.all())
        if signatures and signatures[0].screening_version == participant.screening.version:
            continue
        detail = (
            _("screened %(date)s (screening changed since the last signature)") if signatures else _("screened %(date)s")
        ) % {"date": f"{participant.screening_date:%Y-%m-%d}"}
        lines.append(
            WorkLine(
                participant_pk=participant.pk,
                participant_label=participant_label(participant),
                text=_("Eligibility: all criteria pass"),
                detail=detail,
                badge=_("Awaiting signature"),
                badge_css=WARNING,
                url=safe_reverse("enrollment:eligibility_sign", pk=participant.pk),
                action=_("Review and sign"),
                when=participant.screening_date,
            )
        )
    return lines


def irae_decision_lines(*, user=None) -> list[WorkLine]:
    """irAE dose decisions in force that await the investigator (PROTOCOL §3 irAE table; one query)."""
    lines = []
    for decision in restrict_to_user_sites(pending_irae_decisions(), user):
        target = target_label(decision)
        lines.append(
            WorkLine(
                participant_pk=decision.participant_id,
                participant_label=participant_label(decision.participant),
                text=_("Toripalimab: %(decision)s") % {"decision": decision.label},
                detail=reasons_text([decision.rule_code, target]) if target else decision.rule_code,
                badge=_("Decision pending"),
                badge_css=WARNING,
                url=safe_reverse("toxicity:irae_decide", pk=decision.participant_id, decision_pk=decision.pk),
                action=_("Decide"),
                when=decision.assessed_on,
            )
        )
    return lines


def modification_lines(*, user=None) -> list[WorkLine]:
    """Chemotherapy dose modifications recommended by the rules and awaiting the investigator
    (PROTOCOL §3; one query)."""
    reviews = (
        restrict_to_user_sites(DoseModification.objects.filter(decision=Decision.PENDING), user)
        .select_related("participant")
        .order_by("assessed_on", "id")
    )
    return [
        WorkLine(
            participant_pk=review.participant_id,
            participant_label=participant_label(review.participant),
            text=(
                _("Chemotherapy: %(action)s to %(level)s %%")
                if review.recommended_level_pct
                else _("Chemotherapy: %(action)s")
            )
            % {"action": review.get_recommended_action_display(), "level": review.recommended_level_pct},
            detail=f"{review.rule_code}: {review.localized_rule_reason}",
            badge=_("Decision pending"),
            badge_css=WARNING,
            url=safe_reverse("dosing:modification_decide", pk=review.participant_id, record_pk=review.pk),
            action=_("Decide"),
            when=review.assessed_on,
        )
        for review in reviews
    ]


# --- the worklists -----------------------------------------------------------------------------------


def _once(shared: dict | None, key: str, compute: Callable[[], object]):
    """``compute()``, once per ``shared`` dict: the home page of a user who gets both worklists
    reads the sections they have in common (AEs to sign, SAE clocks, queries) once."""
    if shared is None:
        return compute()
    if key not in shared:
        shared[key] = compute()
    return shared[key]


def _snapshot_sections(*, today: datetime.date, user=None) -> tuple:
    """The doses due (today, later this week) and the visits with missing forms (lines, count), from
    the participants' snapshots. Kept in the study cache per day and the user's sites: the snapshots
    change only when a CRF record does (the data fingerprint) or the day does, and a process that
    finds the entry has already brought every snapshot up to date for that fingerprint."""
    snapshots = worklist_snapshots(today=today, user=user)
    doses_now, doses_later = due_doses(today=today, snapshots=snapshots)
    missing, missing_count = missing_form_lines(today=today, snapshots=snapshots)
    return tuple(doses_now), tuple(doses_later), tuple(missing), missing_count


def coordinator_worklist(*, today: datetime.date, now: datetime.datetime, user=None, shared: dict | None = None) -> Worklist:
    """What the coordinator must do today and this week, study-wide: visits overdue or due (from the
    visit flags), doses due with their holds, labs needed before a dose, missing forms, AEs awaiting
    the investigator, SAE reporting clocks and lab values proposed as AEs."""
    visits_now, visits_soon = visit_lines(today=today, user=user)
    doses_now, doses_later, missing, missing_count = cached(
        "worklist.snapshot_sections", (today, site_access(user)), lambda: _snapshot_sections(today=today, user=user)
    )
    labs = labs_needed(doses_now + doses_later, today=today)
    doses_url = safe_reverse("dosing:doses_due")
    today_sections = (
        _section(
            "visits_now",
            _("Visits overdue or due now"),
            visits_now,
            note=_("From the daily visit check; a recorded visit leaves the list at its next run."),
        ),
        _section(
            "doses_now",
            _("Doses due today or overdue"),
            [i.line for i in doses_now],
            more_url=doses_url,
            more_text=_("Doses due"),
        ),
        _section("labs", _("Labs needed before a dose"), labs),
        _section(
            "sae_clocks", _("SAE reports to send"), _once(shared, "sae", lambda: sae_clock_lines(now=now, user=user)), empty_text=_("No SAE report open")
        ),
        _section(
            "lab_proposals",
            _("Lab values proposed as adverse events"),
            lab_proposal_lines(user=user),
            more_url=safe_reverse("toxicity:lab_proposals"),
            more_text=_("Lab proposals"),
            empty_text=_("Nothing to confirm"),
        ),
        _section(
            "missing_forms",
            _("Visits with missing forms"),
            missing,
            more_url=safe_reverse("enrollment:missing_forms"),
            more_text=_("Missing-forms report"),
            empty_text=_("No forms missing"),
            note=_("%(count)s form(s) missing in all.") % {"count": missing_count} if missing else "",
        ),
        _section(
            "ae_signoff",
            _("AEs awaiting investigator sign-off"),
            _once(shared, "signoff", lambda: awaiting_signature_lines(user=user)),
            more_url=safe_reverse("toxicity:dashboard"),
            more_text=_("Safety dashboard"),
            empty_text=_("Nothing awaiting sign-off"),
        ),
        _once(shared, "queries", lambda: queries_to_answer_section(now=now, user=user)),
    )
    week_sections = (
        _section("visits_soon", _("Visits due soon"), visits_soon),
        _section(
            "doses_week",
            _("Doses due later this week"),
            [i.line for i in doses_later],
            more_url=doses_url,
            more_text=_("Doses due"),
        ),
    )
    return Worklist(
        (
            Group("today", _("Today"), today_sections),
            Group(
                "week",
                _("This week (to %(date)s)") % {"date": day_text(today + datetime.timedelta(days=WEEK_DAYS - 1))},
                week_sections,
            ),
        )
    )


# The investigator's sections below read only CRF records: they are kept per data version, language
# and the user's sites (``core.study_cache``), as the AEs to sign and the lab proposals are.


def investigator_worklist(*, today: datetime.date, now: datetime.datetime, user=None, shared: dict | None = None) -> Worklist:
    """What awaits the investigator's signature or decision: eligibility signatures, AEs to sign,
    irAE dose decisions, chemotherapy dose modifications, and the SAE reporting clocks."""
    sections = (
        _section(
            "eligibility", _("Eligibility to sign"),
            cached("worklist.eligibility", site_access(user), lambda: eligibility_signature_lines(user=user)), empty_text=_("Nothing to sign")
        ),
        _section(
            "ae_signoff",
            _("Adverse events to sign"),
            _once(shared, "signoff", lambda: awaiting_signature_lines(user=user)),
            empty_text=_("Nothing to sign"),
            more_url=safe_reverse("toxicity:dashboard"),
            more_text=_("Safety dashboard"),
        ),
        _section(
            "irae_decisions",
            _("irAE dose decisions (toripalimab)"),
            cached("worklist.irae_decisions", site_access(user), lambda: irae_decision_lines(user=user)),
            empty_text=_("No decision pending"),
        ),
        _section(
            "modifications",
            _("Chemotherapy dose modifications"),
            cached("worklist.modifications", site_access(user), lambda: modification_lines(user=user)),
            empty_text=_("No decision pending"),
        ),
        _section(
            "sae_clocks", _("SAE reports to send"), _once(shared, "sae", lambda: sae_clock_lines(now=now, user=user)), empty_text=_("No SAE report open")
        ),
        _once(shared, "queries", lambda: queries_to_answer_section(now=now, user=user)),
    )
    return Worklist((Group("decisions", _("Awaiting your signature or decision"), sections),))


@dataclass(frozen=True)
class Overview:
    """Study-wide counts for the read-only roles (data managers, monitors)."""

    participants_by_status: tuple[tuple[str, int], ...]
    flags_by_kind: tuple[tuple[str, int], ...]
    awaiting_signature: int
    sae_reports_open: int
    lab_proposals: int
    # Data queries: open ones by how long they have waited, and the answered ones awaiting closure.
    open_queries_by_age: tuple[tuple[str, int], ...] = ()
    queries_to_close: Section | None = None

    @property
    def open_queries(self) -> int:
        return sum(n for _label, n in self.open_queries_by_age)


def overview(*, now: datetime.datetime, user=None) -> Overview:
    """Counts (seven aggregate queries) and the answered queries awaiting closure (two more), for the
    home page of data managers and monitors."""
    participants = restrict_to_user_sites(Participant.objects.all(), user, lookup="")
    by_status = dict(participants.values_list("status").annotate(n=Count("id")).order_by())
    flags = restrict_to_user_sites(VisitFlag.objects.filter(closed_at__isnull=True), user)
    by_kind = dict(flags.values_list("kind").annotate(n=Count("id")).order_by())
    return Overview(
        participants_by_status=tuple((label, by_status.get(value, 0)) for value, label in ParticipantStatus.choices),
        flags_by_kind=tuple((label, by_kind.get(value, 0)) for value, label in reversed(FlagKind.choices)),
        awaiting_signature=restrict_to_user_sites(adverse_events_awaiting_signature(), user).count(),
        sae_reports_open=len(open_sae_rows(now=now, user=user)),
        lab_proposals=restrict_to_user_sites(
            LabResult.objects.filter(ae_proposal=AeProposal.PROPOSED), user, lookup="panel__participant"
        ).count(),
        open_queries_by_age=query_selectors.open_counts_by_age(now=now, user=user),
        queries_to_close=queries_to_close_section(now=now, user=user),
    )
