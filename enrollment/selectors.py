"""Reads for the participant pages."""

from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from .models import Consent, EligibilitySignature, Participant, ParticipantStatus, Screening
from .rules.eligibility import CRITERIA, CRITERIA_BY_ID, EligibilityResult


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


class EvaluationRow(NamedTuple):
    id: str
    kind: str
    label: str
    status: str
    reason: str


def evaluation_rows(result: EligibilityResult) -> list[EvaluationRow]:
    """One row per criterion of PROTOCOL §1, in protocol order, for display."""
    return [
        EvaluationRow(c.id, c.kind, c.label, result.criteria[c.id].status, result.criteria[c.id].reason)
        for c in CRITERIA
    ]


def screening_open(participant: Participant) -> bool:
    """Screening data may still be entered (in screening, consent not withdrawn)."""
    return participant.status == ParticipantStatus.SCREENING and not participant.consents.filter(
        withdrawn_on__isnull=False
    ).exists()


@dataclass(frozen=True)
class Panel:
    """One form area of the participant dashboard: a title and lines of what is recorded."""

    key: str
    title: str
    lines: list[str]
    empty_text: str


def eligibility_panel_lines(participant: Participant) -> list[str]:
    from .services.screening import active_consent, screening_evaluation, valid_signature

    screening = Screening.objects.filter(participant=participant).first()
    lines = []
    consent = participant.consents.order_by("-consent_date", "-id").first()
    if consent is not None:
        line = f"Consent {consent.icf_version} on {consent.consent_date:%Y-%m-%d}"
        if consent.withdrawn_on:
            line += f" — withdrawn on {consent.withdrawn_on:%Y-%m-%d}: {consent.withdrawal_reason}"
        lines.append(line)
    if screening is None:
        return lines
    if participant.study_number:
        lines.append(f"Enrolled {participant.enrolment_date:%Y-%m-%d}; planned treatment start "
                     f"{participant.planned_treatment_start:%Y-%m-%d}")
    result = screening_evaluation(screening, participant)
    if result.eligible is True:
        lines.append("Eligible: all 27 criteria pass")
    elif result.eligible is False:
        lines.append("Not eligible: " + ", ".join(result.failed))
    else:
        lines.append(f"Screening incomplete: {len(result.missing)} criteria still need data")
    signature = participant.eligibility_signatures.order_by("-signed_at").first()
    if signature is not None:
        state = "" if valid_signature(participant, screening) else " (screening changed since: sign again)"
        lines.append(f"Signed by {signature.signer_name} at {signature.signed_at:%Y-%m-%d %H:%M}{state}")
    elif active_consent(participant) and result.eligible:
        lines.append("Awaiting the investigator's signature")
    return lines


def participant_panels(participant: Participant) -> list[Panel]:
    """The dashboard's form areas, each with what is recorded; areas whose forms come in later
    modules say honestly that nothing is recorded."""
    from dosing.selectors.calendar import treatment_panel_lines
    from toxicity.selectors.panel import safety_panel_lines

    return [
        Panel("eligibility", "Eligibility", eligibility_panel_lines(participant),
              "No eligibility assessment recorded yet."),
        Panel("treatment", "Treatment", treatment_panel_lines(participant, today=timezone.localdate()),
              "Not enrolled: the treatment calendar starts at enrolment."),
        Panel("visits", "Visits", [], "No visits recorded yet."),
        Panel("adverse_events", "Adverse events", safety_panel_lines(participant, now=timezone.now()),
              "No adverse events recorded yet."),
        Panel("response", "Tumour response", [], "No tumour assessments recorded yet."),
    ]


@dataclass(frozen=True)
class EligibilityState:
    """What can be done next about a participant's screening (drives the dashboard's buttons)."""

    screening_open: bool
    has_screening: bool
    eligible: bool | None
    active_consent: Consent | None
    signed: bool
    can_sign: bool
    can_fail: bool
    can_enrol: bool


def eligibility_state(participant: Participant) -> EligibilityState:
    from .services.screening import active_consent, screening_evaluation, valid_signature

    screening = Screening.objects.filter(participant=participant).first()
    is_open = screening_open(participant)
    eligible = screening_evaluation(screening, participant).eligible if screening else None
    consent = active_consent(participant)
    signed = valid_signature(participant, screening) is not None
    return EligibilityState(
        screening_open=is_open,
        has_screening=screening is not None,
        eligible=eligible,
        active_consent=consent,
        signed=signed,
        can_sign=is_open and eligible is True and consent is not None and not signed,
        can_fail=is_open and eligible is False,
        can_enrol=is_open and eligible is True and consent is not None and signed,
    )


def _with_screening_facts() -> QuerySet[Participant]:
    return Participant.objects.select_related("screening").prefetch_related(
        Prefetch("consents", queryset=Consent.objects.order_by("-consent_date", "-id")),
        Prefetch("eligibility_signatures", queryset=EligibilitySignature.objects.order_by("-signed_at")),
    ).order_by("screening_date", "id")


@dataclass(frozen=True)
class ScreeningLog:
    screened: int
    in_screening: int
    screen_failures: int
    enrolled: int
    withdrawn_before_enrolment: int
    eligible_awaiting_enrolment: int
    failed_by_criterion: list[tuple[str, str, int]]


def screening_log() -> ScreeningLog:
    """The counts a CONSORT diagram needs: screened, failed (by criterion), enrolled."""
    participants = list(Participant.objects.select_related("screening"))
    failures = [p for p in participants if p.status == ParticipantStatus.SCREEN_FAILURE]
    by_criterion = Counter(
        cid for p in failures if hasattr(p, "screening") for cid in p.screening.failed_criteria
    )
    return ScreeningLog(
        screened=len(participants),
        in_screening=sum(p.status == ParticipantStatus.SCREENING for p in participants),
        screen_failures=len(failures),
        enrolled=sum(bool(p.study_number) for p in participants),
        withdrawn_before_enrolment=sum(
            p.status in {ParticipantStatus.OFF_STUDY, ParticipantStatus.DIED} and not p.study_number
            for p in participants
        ),
        eligible_awaiting_enrolment=sum(
            p.status == ParticipantStatus.SCREENING and hasattr(p, "screening") and p.screening.eligible is True
            for p in participants
        ),
        failed_by_criterion=[
            (cid, CRITERIA_BY_ID[cid].label, by_criterion[cid]) for cid in CRITERIA_BY_ID if by_criterion[cid]
        ],
    )


SCREENING_LOG_COLUMNS = (
    "screening_number", "study_number", "screening_date", "status", "status_date", "eligible",
    "failed_criteria", "missing_criteria", "consent_date", "consent_withdrawn_on", "signed_by",
    "signed_at", "enrolment_date", "planned_treatment_start",
)


def screening_log_rows():
    """One row per screened patient (ISO dates; eligible as yes / no / incomplete)."""
    for p in _with_screening_facts():
        screening = getattr(p, "screening", None)
        consents = list(p.consents.all())
        signatures = list(p.eligibility_signatures.all())
        eligible = screening.eligible if screening else None
        yield (
            p.screening_number,
            p.study_number or "",
            p.screening_date.isoformat(),
            p.status,
            p.status_date.isoformat(),
            {True: "yes", False: "no"}.get(eligible, "incomplete"),
            ";".join(screening.failed_criteria) if screening else "",
            ";".join(screening.missing_criteria) if screening else "",
            consents[0].consent_date.isoformat() if consents else "",
            consents[0].withdrawn_on.isoformat() if consents and consents[0].withdrawn_on else "",
            signatures[0].signer_name if signatures else "",
            signatures[0].signed_at.isoformat() if signatures else "",
            p.enrolment_date.isoformat() if p.enrolment_date else "",
            p.planned_treatment_start.isoformat() if p.planned_treatment_start else "",
        )
