"""The whole journey, end to end in Chromium (issue 10): two patients from screening to the study
export, through the UI only, as the coordinator, the investigator, the monitor and the data manager
would use it. One live server and one database for the whole story; each step is a named function,
and a failure says which step broke.

Outside the UI: the users (one per role) and the nightly Celery tasks, run eagerly as in every
other test. Dates are relative to today: treatment started 100 days ago (``helpers.TREATMENT_START_DAYS_AGO``).

With ``SCREENSHOTS_DIR`` set (``make screenshots``) the journey also saves a PNG of each main page.
"""

import pytest
from django.utils import timezone

from . import data_management, efficacy, safety, screening, treatment
from .helpers import DESKTOP, Journey, journey_step, screenshots_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STEPS = (
    screening.coordinator_screens_out_a_patient_with_stage_ivb_disease,
    screening.coordinator_screens_an_eligible_patient,
    screening.investigator_signs_eligibility_from_her_worklist,
    screening.coordinator_enrols_the_eligible_patient,
    treatment.coordinator_starts_treatment_on_the_calendar,
    treatment.coordinator_records_grade_4_neutropenia_and_its_adverse_event,
    treatment.coordinator_delays_week_3_for_the_neutropenia,
    treatment.coordinator_asks_for_the_toxicity_review_before_week_3,
    treatment.investigator_confirms_the_reduction_to_80_percent,
    treatment.coordinator_gives_the_reduced_doses_and_finishes_chemoradiotherapy,
    treatment.coordinator_records_radiotherapy_and_sees_the_eqd2,
    safety.coordinator_records_an_immune_related_colitis,
    efficacy.coordinator_records_the_recist_assessments,
    safety.investigator_holds_toripalimab_for_the_colitis,
    efficacy.investigator_confirms_the_partial_response,
    efficacy.investigator_reads_the_simon_monitor,
    efficacy.investigator_reads_the_survival_report,
    safety.investigator_reads_the_toxicity_dashboard,
    data_management.monitor_raises_a_query_on_the_colitis_onset,
    data_management.the_nightly_celery_tasks_run,
    data_management.coordinator_works_through_her_worklist,
    data_management.coordinator_answers_the_query,
    data_management.coordinator_switches_to_simplified_chinese,
    data_management.data_manager_closes_the_query_and_downloads_the_export,
)


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


def test_two_participants_from_screening_to_the_study_export(page, make_user, tmp_path):
    page.set_viewport_size(DESKTOP)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    journey = Journey(
        page=page,
        coordinator=make_user("Study coordinator", first_name="Chen", last_name="Coordinator"),
        investigator=make_user("Investigator", first_name="Li", last_name="Investigator"),
        data_manager=make_user("Data manager", first_name="Wang", last_name="Datamanager"),
        monitor=make_user("Monitor", first_name="Zhao", last_name="Monitor"),
        downloads=tmp_path,
        today=timezone.localdate(),
        screenshots=screenshots_dir(),
    )
    try:
        for run in STEPS:
            with journey_step(journey, run):
                run(journey)
    finally:
        for name, seconds in journey.timings:
            print(f"{seconds:6.1f} s  {name}")
    assert errors == [], errors  # no JavaScript error on any page
