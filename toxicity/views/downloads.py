"""CSV downloads of the safety list pages: a participant's lab results, adverse events and irAE
dose decisions, and the study-wide adverse events proposed from lab values. Each streams what its
page shows, pseudonymised (study number, never initials), ISO dates, units in the column names.

The contents are data for the statisticians: every row is built and written in English
(``core.csv_stream``), whatever the language of the user who downloads it."""


from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.csv_stream import CHUNK_SIZE, csv_response
from enrollment.models import Participant
from trialsite.protocol.labs import ANALYTE_BY_CODE

from ..models import LabResult
from ..selectors import adverse_events as ae_selectors
from ..selectors import irae as irae_selectors
from ..selectors import labs as lab_selectors


def _number(participant: Participant) -> str:
    return participant.study_number or participant.screening_number


def _stamp() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def _iso(day) -> str:
    return day.isoformat() if day is not None else ""


def _when(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="minutes") if moment is not None else ""


def _user(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


LAB_COLUMNS = [
    "study_number", "collected_on", "laboratory", "section", "analyte", "value", "unit", "lln", "uln",
    "ctcae_term", "ctcae_grade", "adverse_event",
]  # fmt: skip


@permission_required("toxicity.view_labpanel", raise_exception=True)
def lab_list_csv(request, pk):
    """The lab table of the participant, one row per value (the page shows them as analytes x dates)."""
    participant = get_object_or_404(Participant, pk=pk)
    results = (
        LabResult.objects.filter(panel__participant=participant)
        .select_related("panel")
        .order_by("panel__collected_on", "panel_id", "pk")
    )

    def rows():
        for result in results.iterator(chunk_size=CHUNK_SIZE):
            analyte = ANALYTE_BY_CODE.get(result.analyte)
            yield [
                _number(participant), _iso(result.panel.collected_on), result.panel.laboratory,
                analyte.section if analyte else "", result.get_analyte_display(), result.value, result.unit,
                result.lln, result.uln, result.ctcae_term, result.grade, result.get_ae_proposal_display(),
            ]  # fmt: skip

    return csv_response(f"lab_results_{_number(participant)}_{_stamp()}.csv", LAB_COLUMNS, rows())


PROPOSAL_COLUMNS = ["study_number", "collected_on", "analyte", "value", "unit", "ctcae_grade", "ctcae_term"]


@permission_required("toxicity.view_labresult", raise_exception=True)
def lab_proposals_csv(request):
    def rows():
        for row in lab_selectors.pending_proposals(user=request.user):
            result = row.result
            yield [
                _number(row.participant), _iso(result.panel.collected_on), row.analyte.label, result.value,
                result.unit, result.grade, result.ctcae_term,
            ]  # fmt: skip

    return csv_response(f"lab_ae_proposals_{_stamp()}.csv", PROPOSAL_COLUMNS, rows())


AE_COLUMNS = [
    "study_number", "ae_number", "ctcae_term", "soc", "worst_grade", "grade_now", "onset_date", "resolution_date",
    "ongoing", "serious", "sae_report", "immune_related", "irae_category", "related_to", "signed_by", "signed_at",
]  # fmt: skip


@permission_required("toxicity.view_adverseevent", raise_exception=True)
def ae_list_csv(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    now = timezone.now()

    def rows():
        for row in ae_selectors.adverse_event_rows(participant, now=now):
            event = row.adverse_event
            yield [
                _number(participant), event.number, event.term.term, event.term.soc, event.grade, event.current_grade,
                _iso(event.onset_date), _iso(event.resolution_date), "yes" if event.ongoing else "no",
                "yes" if event.serious else "no", row.clock.text if row.clock else "",
                "yes" if event.immune_related else "no", row.irae_label, row.attribution_summary,
                row.signature.signer_name if row.signature else "", _when(row.signature.signed_at if row.signature else None),
            ]  # fmt: skip

    return csv_response(f"adverse_events_{_number(participant)}_{_stamp()}.csv", AE_COLUMNS, rows())


IRAE_COLUMNS = [
    "study_number", "assessed_on", "ae_number", "ctcae_term", "grade", "action", "target_dose", "rule_code",
    "rule_reason", "decision", "decided_by", "decided_at", "decided_action", "decision_reason", "in_force",
    "ended_on", "end_reason",
]  # fmt: skip


@permission_required("toxicity.view_iraedosedecision", raise_exception=True)
def irae_decisions_csv(request, pk):
    participant = get_object_or_404(Participant, pk=pk)

    def rows():
        for row in irae_selectors.participant_irae_decisions(participant):
            decision = row.decision
            yield [
                _number(participant), _iso(decision.assessed_on), decision.adverse_event.number,
                decision.adverse_event.term.term, decision.grade, decision.label, row.target_label, decision.rule_code,
                decision.rule_reason, decision.get_decision_display(), _user(decision.decided_by),
                _when(decision.decided_at), decision.get_decided_action_display(), decision.decision_reason,
                "yes" if decision.active else "no", _iso(decision.ended_on), decision.end_reason,
            ]  # fmt: skip

    return csv_response(f"irae_decisions_{_number(participant)}_{_stamp()}.csv", IRAE_COLUMNS, rows())
