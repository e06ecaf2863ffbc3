"""Visit services on fixed dates: done / missed, future dates, the window note with its day count,
one record per visit, corrections with a reason, unscheduled visits, form states, audit rows."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import StaleRecordError
from enrollment.models import Visit, VisitForm
from enrollment.services import consent_withdraw
from enrollment.services import visits as visit_services
from enrollment.tests.visit_fixtures import TODAY, day, participant_started, record_done, record_missed

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(coordinator, investigator):
    return participant_started(coordinator=coordinator, investigator=investigator)


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_done_visit_inside_its_window_is_saved_with_an_audit_row(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    assert visit.outcome == "done" and visit.visit_date == datetime.date(2025, 4, 7)
    assert visit.window_note == "" and visit.recorded_by == coordinator
    history = visit.history.get()
    assert history.history_user == coordinator and history.history_change_reason == "Visit recorded"


def test_done_visit_needs_a_date(started, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        record_done(started, coordinator, "fu_m3", None)
    assert "visit_date" in _errors(excinfo)
    assert not Visit.objects.exists()


def test_done_visit_dated_after_today_is_refused(started, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        record_done(started, coordinator, "fu_m3", TODAY + datetime.timedelta(days=1))
    assert "in the future" in _errors(excinfo)["visit_date"][0]


def test_done_visit_dated_today_is_accepted(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", TODAY, window_note="Patient came late")
    assert visit.visit_date == TODAY


def test_visit_before_the_screening_date_is_refused(started, coordinator):
    before = started.screening_date - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        record_done(started, coordinator, "screening", before)
    assert "before the participant was screened" in _errors(excinfo)["visit_date"][0]


@pytest.mark.parametrize(
    ("visit_date", "needs_note", "words"),
    [
        (datetime.date(2025, 3, 31), False, None),  # first day of the window
        (datetime.date(2025, 4, 14), False, None),  # last day of the window
        (datetime.date(2025, 3, 30), True, "1 day before its window opened"),
        (datetime.date(2025, 4, 15), True, "1 day after its window closed"),
        (datetime.date(2025, 4, 18), True, "4 days after its window closed"),
    ],
)
def test_window_note_is_required_outside_the_window_and_names_the_days(
    started, coordinator, visit_date, needs_note, words
):
    if needs_note:
        with pytest.raises(ValidationError) as excinfo:
            record_done(started, coordinator, "fu_m3", visit_date)
        message = _errors(excinfo)["window_note"][0]
        assert words in message
        visit = record_done(started, coordinator, "fu_m3", visit_date, window_note="Transport strike")
        assert visit.window_note == "Transport strike"
    else:
        visit = record_done(started, coordinator, "fu_m3", visit_date, window_note="not needed")
        assert visit.window_note == ""  # inside the window no note is kept


def test_missed_visit_needs_a_reason_and_no_date(started, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_record(participant=started, user=coordinator, visit_code="fu_m3", outcome="missed",
                                    visit_date=datetime.date(2025, 4, 7), today=TODAY)
    errors = _errors(excinfo)
    assert "missed_reason" in errors and "no date" in errors["visit_date"][0]
    visit = record_missed(started, coordinator, "fu_m3", "Admitted elsewhere")
    assert visit.outcome == "missed" and visit.visit_date is None and visit.missed_reason == "Admitted elsewhere"


def test_visit_cannot_be_missed_before_its_window_opens(started, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        record_missed(started, coordinator, "fu_m6")
    assert "before its window opens" in _errors(excinfo)["outcome"][0]


def test_unknown_outcome_and_unknown_visit_code_are_refused(started, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_record(participant=started, user=coordinator, visit_code="fu_m3", outcome="maybe",
                                    today=TODAY)
    assert "outcome" in _errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        record_done(started, coordinator, "fu_m4", datetime.date(2025, 4, 7))
    assert "not a visit" in _errors(excinfo)["visit_code"][0]


def test_second_record_of_the_same_visit_is_refused(started, coordinator):
    record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    with pytest.raises(ValidationError) as excinfo:
        record_missed(started, coordinator, "fu_m3")
    assert "already recorded" in _errors(excinfo)["visit_code"][0]
    assert Visit.objects.count() == 1


def test_correction_needs_a_reason_and_is_audited(started, coordinator, investigator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_update(visit=visit, user=investigator, outcome="done",
                                    visit_date=datetime.date(2025, 4, 8), expected_version=1, reason="", today=TODAY)
    assert "reason_for_change" in _errors(excinfo)
    visit = visit_services.visit_update(visit=visit, user=investigator, outcome="done",
                                        visit_date=datetime.date(2025, 4, 8), expected_version=1,
                                        reason="Date typed wrongly", today=TODAY)
    assert visit.version == 2 and visit.visit_date == datetime.date(2025, 4, 8)
    latest = visit.history.order_by("-history_id").first()
    assert latest.history_user == investigator and latest.history_change_reason == "Date typed wrongly"


def test_correction_from_an_old_version_is_refused(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    visit_services.visit_update(visit=visit, user=coordinator, outcome="done", visit_date=datetime.date(2025, 4, 9),
                                expected_version=1, reason="fix", today=TODAY)
    with pytest.raises(StaleRecordError):
        visit_services.visit_update(visit=visit, user=coordinator, outcome="done",
                                    visit_date=datetime.date(2025, 4, 10), expected_version=1, reason="fix", today=TODAY)


def test_correction_applies_the_window_rule(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_update(visit=visit, user=coordinator, outcome="done",
                                    visit_date=datetime.date(2025, 4, 16), expected_version=1, reason="fix",
                                    today=TODAY)
    assert "2 days after its window closed" in _errors(excinfo)["window_note"][0]


def test_participant_not_enrolled_cannot_have_visits(participant, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        record_done(participant, coordinator, "screening", participant.screening_date)
    assert "only for enrolled participants" in excinfo.value.messages[0]


def test_no_visit_after_consent_withdrawal(started, coordinator):
    consent = started.consents.get()
    consent_withdraw(consent=consent, user=coordinator, withdrawn_on=consent.consent_date, reason="Withdrew",
                     expected_version=consent.version)
    with pytest.raises(ValidationError) as excinfo:
        record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    assert "Consent was withdrawn" in excinfo.value.messages[0]


def test_screening_and_rt_planning_visits_can_be_recorded_after_enrolment(started, coordinator):
    record_done(started, coordinator, "screening", day(-5))
    record_done(started, coordinator, "rt_planning", day(-4))
    assert set(Visit.objects.values_list("visit_code", flat=True)) == {"screening", "rt_planning"}


def test_unscheduled_visit_needs_a_reason_and_a_past_date(started, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_unscheduled_record(participant=started, user=coordinator, visit_date=TODAY + datetime.timedelta(days=1),
                                                reason="", today=TODAY)
    errors = _errors(excinfo)
    assert "reason" in errors and "future" in errors["visit_date"][0]
    first = visit_services.visit_unscheduled_record(participant=started, user=coordinator, visit_date=day(20),
                                                    reason="Vaginal bleeding", today=TODAY)
    second = visit_services.visit_unscheduled_record(participant=started, user=coordinator, visit_date=day(21),
                                                     reason="Review of bleeding", today=TODAY)
    assert first.unscheduled and second.unscheduled and first.history.count() == 1


# --- forms ---------------------------------------------------------------------------------------


def test_forms_saved_as_entered_or_not_done_with_audit(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    saved = visit_services.visit_forms_save(visit=visit, user=coordinator, states={
        "history": ("entered", "ignored"), "staging_imaging": ("not_done", "MRI broken"), "physical_exam": ("", ""),
    })
    rows = {row.form: row for row in VisitForm.objects.filter(visit=visit)}
    assert set(rows) == {"history", "staging_imaging"} and len(saved) == 2
    assert rows["history"].state == "entered" and rows["history"].reason == ""
    assert rows["staging_imaging"].reason == "MRI broken"
    assert rows["staging_imaging"].history.get().history_user == coordinator


def test_not_done_form_needs_a_reason(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_forms_save(visit=visit, user=coordinator, states={
            "history": ("entered", ""), "staging_imaging": ("not_done", "  "),
        })
    assert "Say why Staging imaging was not done" in _errors(excinfo)["staging_imaging"][0]
    assert not VisitForm.objects.exists()  # nothing saved


def test_only_forms_the_visit_expects_are_accepted(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_forms_save(visit=visit, user=coordinator, states={"planning_ct": ("entered", "")})
    assert "not a form this visit expects" in _errors(excinfo)["planning_ct"][0]


def test_forms_only_for_a_done_visit(started, coordinator):
    visit = record_missed(started, coordinator, "fu_m3")
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_forms_save(visit=visit, user=coordinator, states={"history": ("entered", "")})
    assert "only for a visit that was done" in excinfo.value.messages[0]
    unscheduled = visit_services.visit_unscheduled_record(participant=started, user=coordinator, visit_date=day(20),
                                                          reason="Bleeding", today=TODAY)
    with pytest.raises(ValidationError):
        visit_services.visit_forms_save(visit=unscheduled, user=coordinator, states={"history": ("entered", "")})


def test_changing_a_saved_form_state_needs_a_reason(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    visit_services.visit_forms_save(visit=visit, user=coordinator, states={"history": ("not_done", "Forgot")})
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_forms_save(visit=visit, user=coordinator, states={"history": ("entered", "")})
    assert "reason_for_change" in _errors(excinfo)
    visit_services.visit_forms_save(visit=visit, user=coordinator, states={"history": ("entered", "")},
                                    reason="History found in the notes", expected_versions={"history": 1})
    row = VisitForm.objects.get(visit=visit, form="history")
    assert row.state == "entered" and row.version == 2
    assert row.history.order_by("-history_id").first().history_change_reason == "History found in the notes"
    with pytest.raises(StaleRecordError):
        visit_services.visit_forms_save(visit=visit, user=coordinator, states={"history": ("not_done", "x")},
                                        reason="again", expected_versions={"history": 1})


def test_saved_form_state_cannot_be_cleared(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    visit_services.visit_forms_save(visit=visit, user=coordinator, states={"history": ("entered", "")})
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_forms_save(visit=visit, user=coordinator, states={"history": ("", "")}, reason="x")
    assert "cannot be cleared" in _errors(excinfo)["history"][0]


def test_visit_with_forms_cannot_become_missed(started, coordinator):
    visit = record_done(started, coordinator, "fu_m3", datetime.date(2025, 4, 7))
    visit_services.visit_forms_save(visit=visit, user=coordinator, states={"history": ("entered", "")})
    with pytest.raises(ValidationError) as excinfo:
        visit_services.visit_update(visit=visit, user=coordinator, outcome="missed", missed_reason="No",
                                    expected_version=1, reason="Wrong patient", today=TODAY)
    assert "cannot become a missed visit" in _errors(excinfo)["outcome"][0]
