"""Visit selectors on FIXED dates (``today`` passed explicitly, treatment start 2025-01-06): the
schedule merged with the records, form states found automatically (labs, consent, registration),
and the study-wide missing-forms report with a bounded number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enrollment import selectors
from enrollment.services import visits as visit_services
from enrollment.tests.visit_fixtures import TODAY, day, participant_started, record_done, record_missed
from toxicity.services.labs import lab_panel_record
from toxicity.tests.labs_fixtures import lab_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(coordinator, investigator):
    return participant_started(coordinator=coordinator, investigator=investigator)


def _rows(participant, **kwargs):
    return {row.code: row for row in selectors.participant_visits(participant, today=TODAY, **kwargs)}


def test_schedule_statuses_on_a_fixed_day(started):
    rows = _rows(started)
    assert rows["ccrt_w0"].target_date == datetime.date(2025, 1, 6)
    assert (rows["fu_m3"].window_start, rows["fu_m3"].window_end) == (datetime.date(2025, 3, 31), datetime.date(2025, 4, 14))
    assert rows["fu_m3"].status == "overdue" and rows["fu_m3"].status_label == "Overdue"
    assert rows["fu_m6"].status == "upcoming"
    assert rows["screening"].status == "overdue"


def test_status_due_inside_the_window(started):
    rows = {r.code: r for r in selectors.participant_visits(started, today=datetime.date(2025, 4, 14))}
    assert rows["fu_m3"].status == "due" and rows["fu_m3"].status_label.startswith("Due")


def test_only_the_next_three_upcoming_visits_are_listed_unless_all_are_asked(started):
    page = selectors.participant_visit_page(started, today=TODAY)
    upcoming = [row.code for row in page.rows if row.status == "upcoming"]
    assert upcoming == ["fu_m6", "fu_m9", "fu_m12"]
    assert page.hidden_upcoming == 31 - 13 - 3  # 31 visits; 13 up to month 3 (window opened); 3 shown
    every = selectors.participant_visits(started, today=TODAY, show_all=True)
    assert len(every) == 31 and every[-1].code == "fu_m120"


def test_done_and_missed_visits_with_deviation_and_form_counts(started, coordinator):
    record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 16), window_note="Holiday")
    record_missed(started, coordinator, "eoebrt", "Admitted elsewhere")
    visit_services.visit_unscheduled_record(participant=started, user=coordinator, visit_date=day(20),
                                            reason="Bleeding", today=TODAY)
    rows = _rows(started)
    fu = rows["fu_m3"]
    assert fu.status == "done" and fu.actual_date == datetime.date(2025, 4, 16)
    assert "2 days after its window closed" in fu.deviation
    assert (fu.forms.entered, fu.forms.missing, fu.forms.not_done) == (0, 8, 0)
    assert rows["eoebrt"].status == "missed" and rows["eoebrt"].forms is None
    unscheduled = rows["unscheduled"]
    assert unscheduled.unscheduled and unscheduled.actual_date == day(20)
    codes = [row.code for row in selectors.participant_visits(started, today=TODAY)]
    assert codes.index("ccrt_w2") < codes.index("unscheduled") < codes.index("ccrt_w3")  # in date order


def test_form_states_entered_not_done_missing(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    visit_services.visit_forms_save(visit=visit, user=coordinator, states={
        "history": ("entered", ""), "staging_imaging": ("not_done", "MRI broken"),
    })
    rows = {row.code: row for row in selectors.visit_form_states(visit)}
    assert rows["history"].status == "entered" and not rows["history"].automatic
    assert rows["staging_imaging"].status == "not_done" and rows["staging_imaging"].reason == "MRI broken"
    assert rows["physical_exam"].status == "missing" and rows["physical_exam"].status_label == "Missing"
    assert list(rows) == ["history", "physical_exam", "staging_imaging", "blood_routine", "liver_kidney_function",
                          "scc_antigen", "ctcae_toxicity", "tumour_assessment"]


def test_lab_panel_in_the_window_enters_the_blood_forms_automatically(started, coordinator):
    # ccrt_w1: target 2025-01-13, window 01-11..01-15
    lab_panel_record(participant=started, user=coordinator, collected_on=datetime.date(2025, 1, 15),
                     values=lab_values(hgb=12.0, plt=200))
    lab_panel_record(participant=started, user=coordinator, collected_on=datetime.date(2025, 1, 10),
                     values=lab_values(alt=20))  # one day before the window opens
    lab_panel_record(participant=started, user=coordinator, collected_on=datetime.date(2025, 1, 12),
                     values=lab_values(k=4.0))  # electrolytes: no Table 2 form
    visit = record_done(started, coordinator, "ccrt_w1", datetime.date(2025, 1, 13))
    rows = {row.code: row for row in selectors.visit_form_states(visit)}
    assert rows["blood_routine"].status == "entered" and rows["blood_routine"].automatic
    assert rows["blood_routine"].source == "Found automatically: lab panel collected 2025-01-15"
    assert rows["liver_kidney_function"].status == "missing"
    assert rows["scc_antigen"].status == "missing"


def test_kidney_value_on_the_visit_date_enters_liver_kidney_function(started, coordinator):
    # done outside the window, on 2025-01-18: a panel of that day counts
    lab_panel_record(participant=started, user=coordinator, collected_on=datetime.date(2025, 1, 18),
                     values=lab_values(creat=60))
    visit = record_done(started, coordinator, "ccrt_w1", datetime.date(2025, 1, 18), window_note="Delayed")
    rows = {row.code: row for row in selectors.visit_form_states(visit)}
    assert rows["liver_kidney_function"].status == "entered" and rows["liver_kidney_function"].automatic
    assert rows["blood_routine"].status == "missing"


def test_consent_and_demographics_are_entered_at_the_screening_visit(started, coordinator):
    visit = record_done(started, coordinator, "screening", day(-3))
    rows = {row.code: row for row in selectors.visit_form_states(visit)}
    assert rows["consent"].status == "entered" and "consent of" in rows["consent"].source
    assert rows["demographics"].status == "entered" and "registration" in rows["demographics"].source
    assert rows["history"].status == "missing"


def test_missed_or_unscheduled_visit_has_no_form_rows(started, coordinator):
    missed = record_missed(started, coordinator, "fu_m3")
    assert selectors.visit_form_states(missed) == []


def test_missing_forms_report_lists_each_missing_form_of_done_visits(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    visit_services.visit_forms_save(visit=visit, user=coordinator, states={
        "history": ("entered", ""), "staging_imaging": ("not_done", "MRI broken"),
    })
    record_missed(started, coordinator, "eoebrt")
    rows = selectors.missing_forms_report(today=TODAY)
    assert {row.form_code for row in rows} == {"physical_exam", "blood_routine", "liver_kidney_function",
                                               "scc_antigen", "ctcae_toxicity", "tumour_assessment"}
    first = rows[0]
    assert first.participant == started and first.visit_code == "fu_m3" and first.days_since_visit == 13
    assert first.visit_label.startswith("Follow-up 1")
    only_pe = selectors.missing_forms_report(today=TODAY, form="physical_exam")
    assert [row.form_code for row in only_pe] == ["physical_exam"]


def test_missing_forms_report_of_one_participant(started, coordinator, investigator):
    other = participant_started(coordinator=coordinator, investigator=investigator)
    record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    record_done(other, coordinator, "fu_m3", datetime.date(2025, 4, 8))
    assert {row.participant for row in selectors.missing_forms_report(today=TODAY)} == {started, other}
    assert {row.participant for row in selectors.missing_forms_report(today=TODAY, participant=other)} == {other}


def _report_queries() -> int:
    with CaptureQueriesContext(connection) as context:
        selectors.missing_forms_report(today=TODAY)
    return len(context.captured_queries)


def test_missing_forms_report_query_count_does_not_grow_with_participants_or_visits(coordinator, investigator):
    first = participant_started(coordinator=coordinator, investigator=investigator)
    record_done(first, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    few = _report_queries()
    for _ in range(3):
        more = participant_started(coordinator=coordinator, investigator=investigator)
        for code, on in (("ccrt_w0", day(0)), ("ccrt_w1", day(7)), ("fu_m3", datetime.date(2025, 4, 7))):
            visit = record_done(more, coordinator, code, on)
            visit_services.visit_forms_save(visit=visit, user=coordinator, states={"ctcae_toxicity": ("entered", "")})
        lab_panel_record(participant=more, user=coordinator, collected_on=day(7), values=lab_values(hgb=12.0))
    assert _report_queries() == few


def test_dashboard_panel_lines(started, coordinator):
    record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    lines = selectors.visit_panel_lines(started, today=TODAY)
    assert any(line.startswith("Overdue: ") and "CCRT week 0" in line for line in lines)
    assert any(line.startswith("Next: Follow-up 2 (month 6)") for line in lines)
    assert "1 visits done, 0 missed; 8 expected forms missing" in lines


def test_dashboard_panel_is_empty_before_enrolment(participant):
    assert selectors.visit_panel_lines(participant, today=TODAY) == []
