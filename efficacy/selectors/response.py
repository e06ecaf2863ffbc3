"""Each enrolled participant's response data for the primary endpoint, in a fixed number of queries:
time-point responses (investigator-confirmed), best overall response confirmed and unconfirmed,
evaluability, progression, death and follow-up dates, and the baseline factors of the reports.

Read by the Simon monitor, the survival report, the response table and their CSVs.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.utils.translation import gettext

from dosing.models import DoseAdministration, DoseStatus, RadiotherapyCourse
from efficacy.models import (
    AssessmentKind,
    FollowUpStatus,
    LesionKind,
    Progression,
    ResponseConfirmation,
    TumourAssessment,
)
from efficacy.rules import recist
from efficacy.rules.response import EvaluablePatient, response_evaluable_on
from enrollment.models import Participant


@dataclass(frozen=True)
class TimePoint:
    assessment_id: int
    assessment_date: datetime.date
    computed_response: str
    confirmed_response: str | None  # None while awaiting the investigator's confirmation


@dataclass
class ParticipantResponse:
    participant_id: int
    study_number: str
    enrolment_date: datetime.date | None
    diagnosis_date: datetime.date | None
    start_date: datetime.date | None  # first day of study treatment, else enrolment
    treated: bool
    figo_stage: str = ""
    histology: str = ""
    baseline_nodes: str = ""
    baseline_date: datetime.date | None = None
    target_lesions: int = 0
    non_target_lesions: int = 0
    timepoints: list[TimePoint] = field(default_factory=list)
    best: recist.BestResponse | None = None  # confirmed BOR (RECIST 1.1 table 3, confirmation required)
    best_unconfirmed: str = recist.NE  # BOR without confirmation (for the "awaiting" column)
    progression_date: datetime.date | None = None  # first progression
    progression_sites: frozenset[str] = frozenset()  # every site recorded: locoregional/distant/both
    first_progression_site: str = ""
    death_date: datetime.date | None = None
    death_cause: str = ""
    last_known_alive_date: datetime.date | None = None
    last_progression_free_date: datetime.date | None = None
    off_study_date: datetime.date | None = None
    off_study_reason: str = ""
    evaluable_on: datetime.date | None = None

    @property
    def measurable_at_baseline(self) -> bool:
        return self.target_lesions > 0

    @property
    def best_response(self) -> str:
        return self.best.response if self.best is not None else recist.NE

    @property
    def awaiting_confirmation(self) -> int:
        return sum(1 for point in self.timepoints if point.confirmed_response is None)

    @property
    def response_pending(self) -> bool:
        """A CR/PR seen (as confirmed time points) that is not yet a confirmed best response."""
        return self.best_unconfirmed in (recist.CR, recist.PR) and self.best_response not in (recist.CR, recist.PR)

    @property
    def first_confirmed_pd_date(self) -> datetime.date | None:
        """The first follow-up whose investigator-confirmed overall response is PD."""
        return next((point.assessment_date for point in self.timepoints if point.confirmed_response == recist.PD), None)

    @property
    def pfs_progression_date(self) -> datetime.date | None:
        """Progression for PFS (PROTOCOL §5: progression at any site): the earlier of the first
        progression recorded and the first confirmed RECIST PD (RECIST 1.1: PD dates from the scan
        that shows it), so a PD scan whose progression form is still missing is not lost."""
        dates = [day for day in (self.progression_date, self.first_confirmed_pd_date) if day is not None]
        return min(dates) if dates else None

    @property
    def pd_without_progression_record(self) -> bool:
        return self.first_confirmed_pd_date is not None and self.progression_date is None

    @property
    def last_assessment_date(self) -> datetime.date | None:
        dates = [point.assessment_date for point in self.timepoints]
        return max(dates) if dates else None

    def evaluable_patient(self) -> EvaluablePatient | None:
        if self.evaluable_on is None:
            return None
        return EvaluablePatient(key=self.study_number, evaluable_on=self.evaluable_on, best_response=self.best_response)


def _first_treatment_dates(participant_ids: list[int]) -> dict[int, datetime.date]:
    first: dict[int, datetime.date] = {}
    doses = (
        DoseAdministration.objects.filter(participant_id__in=participant_ids, status=DoseStatus.GIVEN)
        .values("participant_id")
        .annotate(first=Min("given_on"))
        .order_by()
    )
    for row in doses:
        if row["first"] is not None:
            first[row["participant_id"]] = row["first"]
    for row in RadiotherapyCourse.objects.filter(participant_id__in=participant_ids).values(
        "participant_id", "start_date"
    ):
        day = row["start_date"]
        if day is not None and (row["participant_id"] not in first or day < first[row["participant_id"]]):
            first[row["participant_id"]] = day
    return first


def _treated(participant_ids: list[int]) -> set[int]:
    return set(
        DoseAdministration.objects.filter(participant_id__in=participant_ids, status=DoseStatus.GIVEN)
        .values_list("participant_id", flat=True)
        .distinct()
    )


def confirmed_responses(assessments: Iterable[TumourAssessment]) -> dict[int, str]:
    """Assessment pk -> the investigator's latest confirmed response, for confirmations of the
    assessment's current version (an edit after confirming voids the confirmation)."""
    versions = {assessment.pk: assessment.version for assessment in assessments}
    confirmed: dict[int, str] = {}
    rows = ResponseConfirmation.objects.filter(assessment_id__in=list(versions)).order_by(
        "assessment_id", "-confirmed_at", "-id"
    )
    for row in rows.values("assessment_id", "assessment_version", "response"):
        if row["assessment_id"] not in confirmed and row["assessment_version"] == versions[row["assessment_id"]]:
            confirmed[row["assessment_id"]] = row["response"]
    return confirmed


def enrolled_participants() -> Iterable[Participant]:
    return Participant.objects.filter(enrolment_date__isnull=False)


def participant_responses(participant_ids: Iterable[int] | None = None) -> list[ParticipantResponse]:
    """Response data of every enrolled participant (or of ``participant_ids``), by study number.

    A fixed number of queries whatever the number of participants. The study-wide result is kept
    per data version (``core.study_cache``): the Simon page, the survival report and the decision
    check read it without recomputing it until a CRF record changes.
    """
    if participant_ids is None:
        from core.study_cache import cached

        return list(cached("efficacy.participant_responses", None, _participant_responses))
    return _participant_responses(participant_ids)


def _participant_responses(participant_ids: Iterable[int] | None = None) -> list[ParticipantResponse]:
    participants = enrolled_participants().select_related("screening", "follow_up_status").order_by("study_number")
    if participant_ids is not None:
        participants = participants.filter(pk__in=list(participant_ids))
    participants = list(participants)
    ids = [participant.pk for participant in participants]
    first_treatment = _first_treatment_dates(ids)
    treated = _treated(ids)

    assessments = {
        assessment.pk: assessment
        for assessment in TumourAssessment.objects.filter(participant_id__in=ids)
        .annotate(
            target_count=Count("lesions", filter=Q(lesions__kind=LesionKind.TARGET)),
            non_target_count=Count("lesions", filter=Q(lesions__kind=LesionKind.NON_TARGET)),
        )
        .order_by("participant_id", "assessment_date", "id")
    }
    confirmed = confirmed_responses(assessments.values())
    by_participant: dict[int, list[TumourAssessment]] = defaultdict(list)
    for assessment in assessments.values():
        by_participant[assessment.participant_id].append(assessment)

    progressions: dict[int, list[Progression]] = defaultdict(list)
    for progression in Progression.objects.filter(participant_id__in=ids).order_by("progression_date", "id"):
        progressions[progression.participant_id].append(progression)

    results = []
    for participant in participants:
        screening = getattr(participant, "screening", None)
        try:
            follow_up: FollowUpStatus | None = participant.follow_up_status
        except FollowUpStatus.DoesNotExist:
            follow_up = None
        item = ParticipantResponse(
            participant_id=participant.pk,
            study_number=participant.study_number or participant.screening_number,
            enrolment_date=participant.enrolment_date,
            diagnosis_date=participant.diagnosis_date,
            start_date=first_treatment.get(participant.pk, participant.enrolment_date),
            treated=participant.pk in treated,
            figo_stage=screening.figo_stage if screening else "",
            histology=screening.histology if screening else "",
        )
        for assessment in by_participant.get(participant.pk, []):
            if assessment.kind == AssessmentKind.BASELINE:
                item.baseline_date = assessment.assessment_date
                item.baseline_nodes = assessment.baseline_nodes
                item.target_lesions = assessment.target_count
                item.non_target_lesions = assessment.non_target_count
            elif assessment.computed_response:
                item.timepoints.append(
                    TimePoint(
                        assessment_id=assessment.pk,
                        assessment_date=assessment.assessment_date,
                        computed_response=assessment.computed_response,
                        confirmed_response=confirmed.get(assessment.pk),
                    )
                )
        own_progressions = progressions.get(participant.pk, [])
        if own_progressions:
            item.progression_date = own_progressions[0].progression_date
            item.first_progression_site = own_progressions[0].site
            item.progression_sites = frozenset(progression.site for progression in own_progressions)
        if follow_up is not None:
            item.death_date = follow_up.death_date
            item.death_cause = follow_up.death_cause
            item.last_known_alive_date = follow_up.last_known_alive_date
            item.last_progression_free_date = follow_up.last_progression_free_date
            item.off_study_date = follow_up.off_study_date
            item.off_study_reason = follow_up.off_study_reason
        _set_best_response(item)
        first_confirmed = next(
            (point.assessment_date for point in item.timepoints if point.confirmed_response is not None), None
        )
        item.evaluable_on = response_evaluable_on(
            measurable_at_baseline=item.measurable_at_baseline,
            treated=item.treated,
            first_confirmed_assessment=first_confirmed,
            progression_date=item.progression_date,
            death_date=item.death_date,
        )
        results.append(item)
    return results


def _set_best_response(item: ParticipantResponse) -> None:
    """RECIST 1.1 table 3 over the confirmed time points on or after the start of treatment."""
    if item.start_date is None:
        item.best = recist.BestResponse(recist.NE, None, None, gettext("No treatment start or enrolment date."))
        return
    confirmed = [
        (point.assessment_date, point.confirmed_response)
        for point in item.timepoints
        if point.confirmed_response is not None and point.assessment_date >= item.start_date
    ]
    item.best = recist.best_overall_response_detail(confirmed, start=item.start_date, confirm=True)
    item.best_unconfirmed = recist.best_overall_response(confirmed, start=item.start_date, confirm=False)
