"""CSV downloads of the participant's efficacy list pages: tumour assessments (baseline and
follow-ups with the investigator's confirmation) and progressions. Each streams what its page
shows, pseudonymised (study number, never initials), ISO dates, units in the column names.

CSV files are data for statisticians: their contents (labels, notes) are in English whatever the
user's language, so the same data always give the same file (``core.csv_stream``)."""


from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation

from core.csv_stream import csv_response
from enrollment.models import Participant

from ..selectors import assessments as assessment_selectors
from ..selectors import follow_up as follow_up_selectors
from ..services import follow_up as follow_up_services


def _number(participant: Participant) -> str:
    return participant.study_number or participant.screening_number


def _stamp() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def _iso(day) -> str:
    return day.isoformat() if day is not None else ""


ASSESSMENT_COLUMNS = [
    "study_number", "kind", "assessment_date", "visit", "imaging_method", "baseline_nodes", "target_sum_mm",
    "change_from_baseline_pct", "change_from_nadir_pct", "target_response", "non_target_lesions", "new_lesions",
    "overall_response_computed", "investigator", "investigator_response", "confirmed_by", "confirmed_at",
    "reason_response_differs",
]  # fmt: skip


@permission_required("efficacy.view_tumourassessment", raise_exception=True)
def assessment_list_csv(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if participant.enrolment_date is None:
        raise Http404("Tumour assessments start once the participant is enrolled.")
    with translation.override("en"):
        page = assessment_selectors.participant_assessment_page(participant)
    number = _number(participant)

    def rows():
        if page.baseline is not None:
            baseline = page.baseline.assessment
            yield [
                number, baseline.get_kind_display(), _iso(baseline.assessment_date), page.baseline.visit_label,
                baseline.get_imaging_method_display(), baseline.get_baseline_nodes_display(), baseline.target_sum_mm,
                *[""] * 11,
            ]  # fmt: skip
        for row in page.follow_ups:
            assessment, confirmation = row.assessment, row.confirmation
            valid = confirmation.confirmation if confirmation.status == "confirmed" else None
            yield [
                number, assessment.get_kind_display(), _iso(assessment.assessment_date), row.visit_label,
                assessment.get_imaging_method_display(), "", assessment.target_sum_mm,
                assessment.change_from_baseline_pct, assessment.change_from_nadir_pct,
                row.values["target_response_label"], row.non_target_label, row.new_lesions_label,
                assessment.computed_response, confirmation.label, valid.response if valid else "",
                valid.signer_name if valid else "",
                timezone.localtime(valid.confirmed_at).isoformat(timespec="minutes") if valid else "",
                valid.reason if valid else "",
            ]  # fmt: skip

    return csv_response(f"tumour_assessments_{number}_{_stamp()}.csv", ASSESSMENT_COLUMNS, rows())


PROGRESSION_COLUMNS = [
    "study_number", "progression_date", "first_progression", "site", "how_confirmed", "sites", "assessment_date",
    "assessment_response", "note",
]  # fmt: skip


@permission_required(("efficacy.view_progression", "efficacy.view_followupstatus"), raise_exception=True)
def follow_up_csv(request, pk):
    """The progressions table of the follow-up page."""
    participant = get_object_or_404(Participant, pk=pk)
    if follow_up_services.follow_up_closed_reason(participant) is not None:
        raise Http404("Participants who are not enrolled have no follow-up.")
    overview = follow_up_selectors.follow_up_overview(participant)
    number = _number(participant)

    def rows():
        for position, row in enumerate(overview.progressions):
            progression = row.progression
            assessment = progression.assessment
            yield [
                number, _iso(progression.progression_date), "yes" if position == 0 else "no",
                progression.get_site_display(), progression.get_confirmed_by_method_display(),
                progression.sites_detail, _iso(assessment.assessment_date if assessment else None),
                row.assessment_response, progression.note,
            ]  # fmt: skip

    return csv_response(f"progressions_{number}_{_stamp()}.csv", PROGRESSION_COLUMNS, rows())
