"""Reads for the participant pages."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .models import Participant, ParticipantStatus


def participant_list(*, search: str = "", status: str = "") -> QuerySet[Participant]:
    """Participants matching a number or initials and, optionally, a status."""
    participants = Participant.objects.all()
    search = search.strip()
    if search:
        participants = participants.filter(
            Q(screening_number__icontains=search)
            | Q(study_number__icontains=search)
            | Q(initials__iexact=search)
        )
    if status in ParticipantStatus.values:
        participants = participants.filter(status=status)
    return participants.order_by("-screening_date", "-id")


@dataclass(frozen=True)
class Panel:
    """One form area of the participant dashboard."""

    key: str
    title: str
    recorded: bool
    summary: str
    empty_text: str


def participant_panels(participant: Participant) -> list[Panel]:
    """The dashboard's form areas. Each says honestly what is recorded; areas whose forms are not
    part of the system yet show that nothing is recorded."""
    return [
        Panel("eligibility", "Eligibility", False, "", "No eligibility assessment recorded yet."),
        Panel("treatment", "Treatment", False, "", "No doses or radiotherapy recorded yet."),
        Panel("visits", "Visits", False, "", "No visits recorded yet."),
        Panel("adverse_events", "Adverse events", False, "", "No adverse events recorded yet."),
        Panel("response", "Tumour response", False, "", "No tumour assessments recorded yet."),
    ]
