"""Reads for the irAE dose decision pages (PROTOCOL §3 irAE table): a participant's history of
toripalimab decisions and, study-wide, the decisions in force."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dosing.models import Phase
from enrollment.models import Participant

from ..models import IraeDecisionStatus, IraeDoseDecision


@dataclass(frozen=True)
class IraeDecisionRow:
    decision: IraeDoseDecision
    target_label: str  # e.g. "Toripalimab cycle 2, day 1 (concurrent chemoradiotherapy)"; "" when none left


def target_label(decision: IraeDoseDecision) -> str:
    """The toripalimab dose a decision was made for, as the calendar names it."""
    if not decision.target_phase:
        return ""
    phase = dict(Phase.choices).get(decision.target_phase, decision.target_phase)
    return _("Toripalimab cycle %(cycle)s, day %(day)s (%(phase)s)") % {
        "cycle": decision.target_cycle, "day": decision.target_day, "phase": phase.lower(),
    }


def _decisions() -> QuerySet[IraeDoseDecision]:
    return IraeDoseDecision.objects.select_related("adverse_event__term", "decided_by", "participant")


def participant_irae_decisions(participant: Participant) -> list[IraeDecisionRow]:
    """Every irAE dose decision of the participant, newest first (in force and ended)."""
    decisions = _decisions().filter(participant=participant).order_by("-assessed_on", "-id")
    return [IraeDecisionRow(decision, target_label(decision)) for decision in decisions]


def active_irae_decisions() -> QuerySet[IraeDoseDecision]:
    """Study-wide: the decisions in force (holds, discontinuations and notes), by participant."""
    return _decisions().filter(active=True).order_by("participant__study_number", "assessed_on", "id")


def pending_irae_decisions() -> QuerySet[IraeDoseDecision]:
    """Study-wide: the decisions in force awaiting the investigator."""
    return active_irae_decisions().filter(decision=IraeDecisionStatus.PENDING)
