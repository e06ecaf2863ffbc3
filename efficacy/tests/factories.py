"""Efficacy test data written straight to the tables (a shortcut for report and selector tests; the
services' own tests go through the services). Stored computed columns are given as the test says."""

import datetime
from decimal import Decimal

from django.utils import timezone

from dosing.models import DoseAdministration
from efficacy.models import (
    AssessmentKind,
    FollowUpStatus,
    ImagingMethod,
    Lesion,
    LesionKind,
    Progression,
    ProgressionConfirmation,
    ResponseConfirmation,
    TumourAssessment,
)
from enrollment.models import Participant


def treated_participant(*, coordinator, investigator, treatment_start: datetime.date, diagnosis_date=None,
                        figo_stage: str | None = None, histology: str | None = None) -> Participant:
    """An enrolled participant (real services) with one toripalimab dose given on ``treatment_start``."""
    from dosing.tests.factories import participant_enrolled

    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=treatment_start)
    DoseAdministration.objects.create(
        participant=participant, agent="toripalimab", phase="ccrt", cycle=1, day=1, status="given",
        due_on=treatment_start,
        given_on=treatment_start, planned_dose_mg=Decimal(240), calculated_dose_mg=Decimal(240),
        dose_given_mg=Decimal(240), recorded_by=coordinator,
    )
    changes = {}
    if diagnosis_date is not None:
        changes["diagnosis_date"] = diagnosis_date
    if changes:
        Participant.objects.filter(pk=participant.pk).update(**changes)
    screening_changes = {key: value for key, value in (("figo_stage", figo_stage), ("histology", histology)) if value}
    if screening_changes:
        type(participant.screening).objects.filter(pk=participant.screening.pk).update(**screening_changes)
    participant.refresh_from_db()
    return participant


def baseline(participant, *, on: datetime.date, targets=((Decimal(50), False),), non_targets: int = 0,
             nodes: str = "none") -> TumourAssessment:
    """A baseline assessment; ``targets`` are (diameter_mm, is_lymph_node) pairs."""
    assessment = TumourAssessment.objects.create(
        participant=participant, kind=AssessmentKind.BASELINE, assessment_date=on,
        imaging_method=ImagingMethod.MRI, baseline_nodes=nodes,
        target_sum_mm=sum((Decimal(size) for size, _ in targets), Decimal(0)) if targets else None,
    )
    for number, (size, node) in enumerate(targets, start=1):
        Lesion.objects.create(
            baseline=assessment, kind=LesionKind.TARGET, label=f"T{number}",
            organ="lymph node" if node else "cervix", is_lymph_node=node, baseline_diameter_mm=Decimal(size),
        )
    for number in range(1, non_targets + 1):
        Lesion.objects.create(baseline=assessment, kind=LesionKind.NON_TARGET, label=f"NT{number}", organ="parametrium")
    return assessment


def follow_up(participant, *, on: datetime.date, response: str, confirmed_by=None,
              confirmed_response: str | None = None) -> TumourAssessment:
    """A follow-up assessment with its computed overall response, confirmed by ``confirmed_by`` if given."""
    assessment = TumourAssessment.objects.create(
        participant=participant, kind=AssessmentKind.FOLLOW_UP, assessment_date=on,
        imaging_method=ImagingMethod.MRI, non_target_response="", computed_response=response,
        target_response=response if response != "NON-CR/NON-PD" else "",
    )
    if confirmed_by is not None:
        ResponseConfirmation.objects.create(
            assessment=assessment, assessment_version=assessment.version, computed_response=response,
            response=confirmed_response or response, confirmed_by=confirmed_by,
            signer_name=confirmed_by.get_full_name() or confirmed_by.username, confirmed_at=timezone.now(),
        )
    return assessment


def progression(participant, *, on: datetime.date, site: str = "distant") -> Progression:
    return Progression.objects.create(
        participant=participant, progression_date=on, site=site,
        confirmed_by_method=ProgressionConfirmation.IMAGING,
    )


def follow_up_status(participant, **values) -> FollowUpStatus:
    status, _ = FollowUpStatus.objects.update_or_create(participant=participant, defaults=values)
    return status
