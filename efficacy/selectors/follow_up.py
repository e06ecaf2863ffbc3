"""Reads of the follow-up pages (PROTOCOL §5): the linkable tumour assessments, the form's starting
values, and the overview of a participant's diagnosis, progressions, follow-up status and the
consistency warnings of ``efficacy.rules.follow_up``."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from enrollment.models import Participant, ParticipantStatus
from toxicity.models import AdverseEvent, Outcome

from ..models import AssessmentKind, FollowUpStatus, Progression, TumourAssessment
from ..rules import follow_up as rules
from .response import confirmed_responses


def status_history(participant: Participant) -> list[rules.StatusEntry]:
    """The participant's status changes in the order they were recorded."""
    return [
        rules.StatusEntry(change.to_status, change.effective_date)
        for change in participant.status_changes.order_by("id")
    ]


# --- the pages ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentChoice:
    assessment: TumourAssessment
    computed_response: str
    confirmed_response: str | None

    @property
    def label(self) -> str:
        values = {
            "date": f"{self.assessment.assessment_date:%Y-%m-%d}",
            "method": self.assessment.get_imaging_method_display(),
            "computed": self.computed_response or "—",
            "confirmed": self.confirmed_response,
        }
        if self.confirmed_response:
            return _("%(date)s %(method)s — computed %(computed)s, confirmed %(confirmed)s") % values
        return _("%(date)s %(method)s — computed %(computed)s, not yet confirmed") % values


def progression_assessment_choices(participant: Participant, *, keep: TumourAssessment | None = None) -> list[AssessmentChoice]:
    """The participant's follow-up tumour assessments that can document a progression (computed or
    confirmed response PD), by date; ``keep`` (the assessment already linked) is always listed."""
    assessments = list(
        TumourAssessment.objects.filter(participant=participant, kind=AssessmentKind.FOLLOW_UP).order_by(
            "assessment_date", "id"
        )
    )
    confirmed = confirmed_responses(assessments)
    return [
        AssessmentChoice(assessment, assessment.computed_response, confirmed.get(assessment.pk))
        for assessment in assessments
        if rules.shows_progression(assessment.computed_response, confirmed.get(assessment.pk))
        or (keep is not None and assessment.pk == keep.pk)
    ]


def follow_up_status_initial(participant: Participant, follow_up: FollowUpStatus | None) -> dict:
    """The follow-up form's starting values: the stored record, or, before there is one, the
    off-study and death dates already in the participant's status history."""
    if follow_up is not None:
        return {
            "last_known_alive_date": follow_up.last_known_alive_date,
            "last_progression_free_date": follow_up.last_progression_free_date,
            "death_date": follow_up.death_date,
            "death_cause": follow_up.death_cause,
            "death_cause_detail": follow_up.death_cause_detail,
            "off_study_date": follow_up.off_study_date,
            "off_study_reason": follow_up.off_study_reason,
            "off_study_detail": follow_up.off_study_detail,
        }
    initial = {}
    if participant.status in (ParticipantStatus.OFF_STUDY, ParticipantStatus.DIED):
        for entry in status_history(participant):
            if entry.status == ParticipantStatus.OFF_STUDY:
                initial["off_study_date"] = entry.effective_date
            if entry.status == ParticipantStatus.DIED:
                initial["death_date"] = entry.effective_date
    return initial


@dataclass(frozen=True)
class ProgressionRow:
    progression: Progression
    assessment_response: str  # the linked assessment's response that counts ("" when not linked)


DIAGNOSIS_MISSING = "outcome.diagnosis_date.missing"


@dataclass
class FollowUpOverview:
    """What the follow-up page shows for one enrolled participant."""

    participant: Participant
    follow_up: FollowUpStatus | None
    progressions: list[ProgressionRow] = field(default_factory=list)
    warnings: list[rules.ConsistencyWarning] = field(default_factory=list)

    @property
    def diagnosis_warning(self) -> rules.ConsistencyWarning | None:
        """Shown next to the diagnosis date."""
        return next((warning for warning in self.warnings if warning.code == DIAGNOSIS_MISSING), None)

    @property
    def other_warnings(self) -> list[rules.ConsistencyWarning]:
        return [warning for warning in self.warnings if warning.code != DIAGNOSIS_MISSING]


def follow_up_overview(participant: Participant) -> FollowUpOverview:
    """The participant's diagnosis date, progressions, follow-up status and the consistency warnings
    of ``efficacy.rules.follow_up.outcome_warnings`` (follow-up, assessments, status, adverse events)."""
    follow_up = FollowUpStatus.objects.filter(participant=participant).first()
    progressions = list(
        Progression.objects.filter(participant=participant).select_related("assessment").order_by("progression_date", "id")
    )
    assessments = list(TumourAssessment.objects.filter(participant=participant, kind=AssessmentKind.FOLLOW_UP))
    confirmed = confirmed_responses(assessments)
    effective = {
        assessment.pk: rules.effective_response(assessment.computed_response, confirmed.get(assessment.pk))
        for assessment in assessments
    }
    links = tuple(
        rules.ProgressionLink(
            progression_date=progression.progression_date,
            assessment_date=progression.assessment.assessment_date if progression.assessment_id else None,
            assessment_shows_pd=(
                progression.assessment_id is None
                or rules.shows_progression(
                    progression.assessment.computed_response, confirmed.get(progression.assessment_id)
                )
            ),
        )
        for progression in progressions
    )
    fatal = AdverseEvent.objects.filter(participant=participant).filter(Q(outcome=Outcome.FATAL) | Q(grade=5))
    facts = rules.OutcomeFacts(
        status=participant.status,
        status_date=participant.status_date,
        diagnosis_date=participant.diagnosis_date,
        progressions=links,
        pd_assessment_dates=tuple(
            assessment.assessment_date for assessment in assessments if effective[assessment.pk] == rules.PD
        ),
        last_known_alive_date=follow_up.last_known_alive_date if follow_up else None,
        death_date=follow_up.death_date if follow_up else None,
        death_cause=follow_up.death_cause if follow_up else "",
        off_study_date=follow_up.off_study_date if follow_up else None,
        fatal_adverse_events=tuple(
            rules.FatalAdverseEvent(number=event.number, death_date=event.death_date)
            for event in fatal.order_by("number")
        ),
    )
    return FollowUpOverview(
        participant=participant,
        follow_up=follow_up,
        progressions=[
            ProgressionRow(progression, effective.get(progression.assessment_id, "") if progression.assessment_id else "")
            for progression in progressions
        ],
        warnings=rules.outcome_warnings(facts),
    )
