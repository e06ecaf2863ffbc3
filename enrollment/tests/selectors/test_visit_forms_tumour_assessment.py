"""The "Tumour assessment (RECIST 1.1)" form of a done visit is found automatically from a tumour
assessment imaged in the visit's window (or on the visit's date, or recorded for that visit), as the
blood forms are found from a lab panel; the missing-forms report keeps a fixed number of queries.

Fixed dates (``enrollment.tests.visit_fixtures``): treatment start 2025-01-06, fu_m3 window
2025-03-31 to 2025-04-14, today 2025-04-20."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from efficacy.services import assessments as efficacy_services
from efficacy.services.assessments import LesionInput, MeasurementInput
from enrollment import selectors
from enrollment.tests.visit_fixtures import TODAY, participant_started, record_done

pytestmark = pytest.mark.django_db

BASELINE_DAY = datetime.date(2025, 1, 2)


@pytest.fixture
def started(coordinator, investigator):
    return participant_started(coordinator=coordinator, investigator=investigator)


def baseline(participant, user, *, on=BASELINE_DAY, visit_code=""):
    return efficacy_services.baseline_record(
        participant=participant, user=user, assessment_date=on, imaging_method="mri", baseline_nodes="none",
        targets=[LesionInput(organ="cervix", diameter_mm=Decimal(40))], visit_code=visit_code, today=TODAY,
    )  # fmt: skip


def follow_up(participant, user, on: datetime.date, *, visit_code=""):
    lesion = participant.tumour_assessments.get(kind="baseline").lesions.get()
    return efficacy_services.follow_up_record(
        participant=participant, user=user, assessment_date=on, imaging_method="mri", visit_code=visit_code,
        measurements={lesion.pk: MeasurementInput("measured", Decimal(25))}, today=TODAY,
    )  # fmt: skip


def tumour_row(visit):
    return {row.code: row for row in selectors.visit_form_states(visit)}["tumour_assessment"]


def test_a_follow_up_imaged_in_the_window_enters_the_form(started, coordinator):
    baseline(started, coordinator)
    follow_up(started, coordinator, datetime.date(2025, 4, 14))  # the window's last day
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    row = tumour_row(visit)
    assert row.status == "entered" and row.automatic
    assert row.source == "Found automatically: tumour assessment of 2025-04-14"


def test_imaging_outside_the_window_leaves_the_form_missing(started, coordinator):
    baseline(started, coordinator)
    follow_up(started, coordinator, datetime.date(2025, 4, 15))  # one day after the window closed
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    row = tumour_row(visit)
    assert row.status == "missing" and not row.automatic


def test_imaging_on_the_date_of_a_late_visit_enters_the_form(started, coordinator):
    baseline(started, coordinator)
    follow_up(started, coordinator, datetime.date(2025, 4, 17))
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 17), window_note="Patient travelling")
    assert tumour_row(visit).status == "entered"


def test_an_assessment_recorded_for_the_visit_enters_it_whatever_its_date(started, coordinator):
    baseline(started, coordinator)
    follow_up(started, coordinator, datetime.date(2025, 4, 18), visit_code="fu_m3")
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    assert tumour_row(visit).source == "Found automatically: tumour assessment of 2025-04-18"


def test_the_baseline_enters_the_screening_visits_form(started, coordinator):
    baseline(started, coordinator)
    visit = record_done(started, coordinator, "screening", datetime.date(2025, 1, 3))
    assert tumour_row(visit).source == "Found automatically: tumour assessment of 2025-01-02"


def test_missing_forms_report_leaves_out_a_found_tumour_assessment(started, coordinator):
    record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    assert "tumour_assessment" in {row.form_code for row in selectors.missing_forms_report(today=TODAY)}
    baseline(started, coordinator)
    follow_up(started, coordinator, datetime.date(2025, 4, 7))
    assert "tumour_assessment" not in {row.form_code for row in selectors.missing_forms_report(today=TODAY)}


def _report_queries() -> int:
    with CaptureQueriesContext(connection) as context:
        selectors.missing_forms_report(today=TODAY)
    return len(context.captured_queries)


def test_report_query_count_does_not_grow_with_tumour_assessments(coordinator, investigator):
    first = participant_started(coordinator=coordinator, investigator=investigator)
    record_done(first, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    few = _report_queries()
    for _ in range(3):
        more = participant_started(coordinator=coordinator, investigator=investigator)
        baseline(more, coordinator)
        follow_up(more, coordinator, datetime.date(2025, 4, 8))
        record_done(more, coordinator, "screening", datetime.date(2025, 1, 3))
        record_done(more, coordinator, "fu_m3", datetime.date(2025, 4, 8))
    assert _report_queries() == few
