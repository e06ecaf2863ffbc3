"""Reads of lab panels for the pages: the reference ranges that pre-fill a new panel, the
participant's pre-treatment baseline of an analyte, the table of panels over time, one panel's
results, and the study-wide list of adverse events proposed by a graded value.

Grade badges are built here (text and colour), so the templates only display them: the text always
says the grade ("Grade 3"), colour is never the only signal. The stored ``grade_basis`` of a graded
value quotes CTCAE v5.0 and stays in English; an ungraded value's is shown in the active language.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.sites import restrict_to_user_sites
from enrollment.models import Participant
from trialsite.protocol.labs import ANALYTE_BY_CODE, ANALYTES, SECTIONS, Analyte

from ..labels import analyte_label
from ..models import AeProposal, LabPanel, LabResult
from .badges import GRADE_BADGE_CSS


@dataclass(frozen=True)
class GradeBadge:
    """How a grade is shown: ``text`` ("Grade 3", "Not graded"), a Bootstrap ``css`` class and a
    ``title`` with the CTCAE basis."""

    text: str
    css: str
    title: str = ""


def grade_badge(grade: int | None, *, basis: str = "") -> GradeBadge:
    """``basis``: how a graded value was graded (shown as the badge's title); an ungraded value's
    title always says why it is not graded, in the active language."""
    if grade is None:
        return GradeBadge(_("Not graded"), "text-bg-light border", _("No CTCAE v5.0 term grades this analyte by value."))
    return GradeBadge(_("Grade %(grade)s") % {"grade": grade}, GRADE_BADGE_CSS.get(grade, "text-bg-secondary"), basis)


def shown_basis(analyte: Analyte | None, grade: int | None, basis: str) -> str:
    """The "how it was graded" text of a value: the stored CTCAE basis, or for a value not graded by
    value, why not (in the active language)."""
    if grade is None and analyte is not None:
        return _("%(analyte)s is recorded but not graded: no CTCAE v5.0 term grades it by value.") % {
            "analyte": analyte_label(analyte),
        }
    return basis


def previous_ranges(participant: Participant, *, exclude_panel_id: int | None = None) -> dict[str, tuple]:
    """Per analyte code, the (LLN, ULN) of the participant's latest panel that has that analyte,
    else (or for a side that panel left blank) the analyte's defaults (``trialsite.protocol.labs``)."""
    ranges = {analyte.code: (analyte.default_lln, analyte.default_uln) for analyte in ANALYTES}
    results = LabResult.objects.filter(panel__participant=participant)
    if exclude_panel_id is not None:
        results = results.exclude(panel_id=exclude_panel_id)
    seen = set()
    for result in results.order_by("-panel__collected_on", "-panel_id").only("analyte", "lln", "uln"):
        if result.analyte in seen or result.analyte not in ranges:
            continue
        seen.add(result.analyte)
        default_lln, default_uln = ranges[result.analyte]
        ranges[result.analyte] = (
            result.lln if result.lln is not None else default_lln,
            result.uln if result.uln is not None else default_uln,
        )
    return ranges


def lab_baseline(
    participant: Participant,
    analyte: str,
    *,
    collected_on: datetime.date | None,
    exclude_panel_id: int | None = None,
) -> Decimal | None:
    """The participant's pre-treatment value of ``analyte``: the earliest one collected on or before
    the treatment start (``planned_treatment_start``), from a panel other than ``exclude_panel_id``
    and collected no later than ``collected_on`` (a value is not its own baseline, and a pre-treatment
    value is not graded against a later one). None when there is none."""
    start = participant.planned_treatment_start
    if start is None:
        return None
    limit = min(start, collected_on) if collected_on is not None else start
    results = LabResult.objects.filter(panel__participant=participant, analyte=analyte, panel__collected_on__lte=limit)
    if exclude_panel_id is not None:
        results = results.exclude(panel_id=exclude_panel_id)
    first = results.order_by("panel__collected_on", "panel_id").only("value").first()
    return first.value if first is not None else None


# --- pages ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultCell:
    result: LabResult
    badge: GradeBadge


@dataclass(frozen=True)
class TableRow:
    analyte: Analyte
    cells: tuple[ResultCell | None, ...]


@dataclass(frozen=True)
class LabTable:
    """Panels as columns (oldest first), analytes with at least one value as rows."""

    panels: tuple[LabPanel, ...]
    sections: tuple[tuple[str, tuple[TableRow, ...]], ...]


def lab_table(participant: Participant) -> LabTable:
    panels = tuple(participant.lab_panels.order_by("collected_on", "id").prefetch_related("results"))
    by_panel = [{result.analyte: result for result in panel.results.all()} for panel in panels]
    present = {code for results in by_panel for code in results}
    sections = []
    for section in SECTIONS:
        rows = []
        for analyte in ANALYTES:
            if analyte.section != section or analyte.code not in present:
                continue
            cells = []
            for results in by_panel:
                result = results.get(analyte.code)
                cells.append(ResultCell(result, grade_badge(result.grade, basis=result.grade_basis)) if result else None)
            rows.append(TableRow(analyte, tuple(cells)))
        if rows:
            sections.append((section, tuple(rows)))
    return LabTable(panels, tuple(sections))


@dataclass(frozen=True)
class PanelResultRow:
    result: LabResult
    analyte: Analyte
    badge: GradeBadge
    proposed: bool
    basis: str = ""


def panel_results(panel: LabPanel) -> tuple[tuple[str, tuple[PanelResultRow, ...]], ...]:
    """A panel's results grouped by section in the order of ``trialsite.protocol.labs``."""
    order = {analyte.code: index for index, analyte in enumerate(ANALYTES)}
    results = sorted(panel.results.select_related("adverse_event"), key=lambda r: order.get(r.analyte, len(order)))
    grouped = []
    for section in SECTIONS:
        rows = tuple(
            PanelResultRow(
                result=result,
                analyte=ANALYTE_BY_CODE[result.analyte],
                badge=grade_badge(result.grade, basis=result.grade_basis),
                proposed=result.ae_proposal == AeProposal.PROPOSED,
                basis=shown_basis(ANALYTE_BY_CODE[result.analyte], result.grade, result.grade_basis),
            )
            for result in results
            if result.analyte in ANALYTE_BY_CODE and ANALYTE_BY_CODE[result.analyte].section == section
        )
        if rows:
            grouped.append((section, rows))
    return tuple(grouped)


@dataclass(frozen=True)
class ProposalRow:
    result: LabResult
    participant: Participant
    analyte: Analyte
    badge: GradeBadge


def pending_proposals(*, user=None) -> list[ProposalRow]:
    """Every graded value awaiting the coordinator (an adverse event proposed, neither recorded nor
    dismissed), oldest sample first: the coordinator's to-do list (of ``user``'s sites, ``core.sites``)."""
    results = (
        restrict_to_user_sites(LabResult.objects.filter(ae_proposal=AeProposal.PROPOSED), user, lookup="panel__participant")
        .select_related("panel", "panel__participant")
        .order_by("panel__collected_on", "panel_id", "id")
    )
    return [
        ProposalRow(
            result=result,
            participant=result.panel.participant,
            analyte=ANALYTE_BY_CODE[result.analyte],
            badge=grade_badge(result.grade, basis=result.grade_basis),
        )
        for result in results
        if result.analyte in ANALYTE_BY_CODE
    ]
