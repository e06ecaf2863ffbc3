"""Edit checks (automatic queries): each check finds what its rule says, a finding opens one automatic
query, running again changes nothing, a fixed finding's query is closed by the check, a query a
person closed is not raised again; the Celery task, its daily schedule, and the database query count
that does not grow with the number of participants."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.data_management.queries import edit_checks, services
from core.models import DataQuery
from core.services import clinical_record_save
from dosing.models import DoseAdministration
from dosing.services import doses as dose_services
from dosing.tests.factories import participant_enrolled
from toxicity.models import LabPanel
from toxicity.tests.factories import adverse_event_recorded

pytestmark = pytest.mark.django_db

WEEK1 = ("cisplatin", "ccrt", 1, 1)
WINDOW = "dose.outside_window"
LABS = edit_checks.LABS_MISSING


def now():
    return timezone.now()


def start_day() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=40)


def treated(coordinator, investigator):
    """Enrolled 40 days ago, measured, cisplatin week 1 given on day 1."""
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start_day())
    dose_services.anthropometrics_record(participant=participant, user=coordinator, measured_on=start_day(),
                                         height_cm=Decimal("160"), weight_kg=Decimal("64"))  # fmt: skip
    dose_services.dose_administer(participant=participant, user=coordinator, key=WEEK1,
                                  values={"status": "given", "given_on": start_day(), "dose_given_mg": Decimal("68")})  # fmt: skip
    return participant


def lab_panel(participant, user, collected_on):
    panel = LabPanel(participant=participant, collected_on=collected_on, recorded_by=user)
    clinical_record_save(instance=panel, user=user)
    return panel


def correct(record, user, reason="Imported correction", **values):
    """Change stored values directly (as an import or data saved before a rule would)."""
    record.refresh_from_db()
    for name, value in values.items():
        setattr(record, name, value)
    clinical_record_save(instance=record, user=user, reason=reason, expected_version=record.version)


def automatic(code):
    return DataQuery.objects.filter(origin="automatic", check_code=code)


@pytest.fixture
def patient(coordinator, investigator):
    return treated(coordinator, investigator)


# --- labs before a dose --------------------------------------------------------------------------------


@pytest.mark.parametrize(("collected_days_before", "finding"), [(0, False), (3, False), (4, True)])
def test_a_dose_needs_a_lab_panel_collected_within_3_days_before_it(patient, coordinator, collected_days_before, finding):
    lab_panel(patient, coordinator, start_day() - datetime.timedelta(days=collected_days_before))

    found = [f for f in edit_checks.labs_before_dose_findings(today=timezone.localdate()) if f.record.participant_id == patient.pk]

    assert bool(found) is finding
    if finding:
        assert found[0].field_name == "given_on" and found[0].code == LABS
        assert "4 days before the dose" in found[0].message


def test_a_dose_with_no_panel_at_all_is_found(patient):
    (finding,) = edit_checks.labs_before_dose_findings(today=timezone.localdate())
    assert finding.record == DoseAdministration.objects.get(participant=patient)
    assert "no panel was collected before it" in finding.message


def test_a_lab_finding_opens_one_automatic_query_and_entering_the_panel_closes_it(patient, coordinator):
    run = edit_checks.edit_checks_run(now=now())

    query = automatic(LABS).get()
    dose = DoseAdministration.objects.get(participant=patient)
    assert (query.object_id, query.field_name, query.status, query.raised_by) == (dose.pk, "given_on", "open", None)
    assert query.participant_id == patient.pk and query.messages.get().action == "raise"
    assert run.opened >= 1

    lab_panel(patient, coordinator, start_day() - datetime.timedelta(days=1))
    run = edit_checks.edit_checks_run(now=now())

    query.refresh_from_db()
    assert query.status == "closed" and run.closed == 1
    assert [m.action for m in query.messages.all()] == ["raise", "auto_close"]
    assert query.messages.last().user is None


# --- doses outside their window ------------------------------------------------------------------------


def test_a_dose_outside_its_window_with_no_reason_opens_a_query(patient, coordinator):
    dose = DoseAdministration.objects.get(participant=patient)
    correct(dose, coordinator, given_on=start_day() + datetime.timedelta(days=3))  # +/-2 days for CCRT weeks

    edit_checks.edit_checks_run(now=now())

    query = automatic(WINDOW).get()
    assert query.object_id == dose.pk and query.field_name == "given_on"
    assert "3 day(s) late" in query.text


def test_a_dose_at_the_edge_of_its_window_is_not_found(patient, coordinator):
    correct(DoseAdministration.objects.get(participant=patient), coordinator,
            given_on=start_day() + datetime.timedelta(days=2))  # fmt: skip
    assert not [f for f in edit_checks.dose_window_findings(today=timezone.localdate()) if f.code == WINDOW]


def test_a_dose_outside_its_window_with_a_reason_recorded_is_a_documented_deviation(patient, coordinator):
    correct(DoseAdministration.objects.get(participant=patient), coordinator,
            given_on=start_day() + datetime.timedelta(days=3), difference_reason="delay")  # fmt: skip
    assert not list(edit_checks.dose_window_findings(today=timezone.localdate()))


def test_recording_the_reason_closes_the_window_query(patient, coordinator):
    dose = DoseAdministration.objects.get(participant=patient)
    correct(dose, coordinator, given_on=start_day() + datetime.timedelta(days=3))
    edit_checks.edit_checks_run(now=now())

    correct(dose, coordinator, difference_reason="delay", difference_note="Patient unwell")
    edit_checks.edit_checks_run(now=now())

    assert automatic(WINDOW).get().status == "closed"


# --- adverse events that end before they start ---------------------------------------------------------


@pytest.fixture
def adverse_event(patient, coordinator):
    return adverse_event_recorded(participant=patient, user=coordinator, onset_date=timezone.localdate() - datetime.timedelta(days=5))


def test_an_ae_resolved_before_its_onset_opens_a_query_on_the_resolution_date(adverse_event, coordinator):
    correct(adverse_event, coordinator, ongoing=False, current_grade=0, outcome="recovered",
            resolution_date=adverse_event.onset_date - datetime.timedelta(days=1))  # fmt: skip

    edit_checks.edit_checks_run(now=now())

    query = automatic("ae.resolution_date.before_onset").get()
    assert query.object_id == adverse_event.pk and query.field_name == "resolution_date"
    assert query.form_label == "Adverse event" and "before the onset" in query.text


def test_an_ae_resolved_on_its_onset_day_is_consistent(adverse_event, coordinator):
    correct(adverse_event, coordinator, ongoing=False, current_grade=0, outcome="recovered",
            resolution_date=adverse_event.onset_date)  # fmt: skip
    assert not list(edit_checks.adverse_event_date_findings(today=timezone.localdate()))


def test_correcting_the_resolution_date_closes_the_ae_query(adverse_event, coordinator):
    correct(adverse_event, coordinator, ongoing=False, current_grade=0, outcome="recovered",
            resolution_date=adverse_event.onset_date - datetime.timedelta(days=1))  # fmt: skip
    edit_checks.edit_checks_run(now=now())
    correct(adverse_event, coordinator, resolution_date=adverse_event.onset_date + datetime.timedelta(days=2))

    edit_checks.edit_checks_run(now=now())

    assert automatic("ae.resolution_date.before_onset").get().status == "closed"


def test_other_ae_problems_are_left_to_the_ae_form(adverse_event, coordinator):
    correct(adverse_event, coordinator, current_grade=3)  # above the worst grade (2): not an end-before-start finding
    assert not list(edit_checks.adverse_event_date_findings(today=timezone.localdate()))


# --- keeping the automatic queries in step -------------------------------------------------------------


def test_running_twice_opens_nothing_new(patient):
    first = edit_checks.edit_checks_run(now=now())
    second = edit_checks.edit_checks_run(now=now())

    assert first.opened == 1 and automatic(LABS).count() == 1
    assert (second.opened, second.kept, second.closed) == (0, 1, 0)


def test_an_answered_automatic_query_is_kept_while_the_finding_stands(patient, coordinator):
    edit_checks.edit_checks_run(now=now())
    services.query_answer(query=automatic(LABS).get(), text="Labs were done at another hospital.", user=coordinator,
                          now=now())  # fmt: skip

    run = edit_checks.edit_checks_run(now=now())

    assert run.kept == 1 and automatic(LABS).get().status == "answered"


def test_a_query_a_person_closed_is_not_raised_again(patient, data_manager):
    edit_checks.edit_checks_run(now=now())
    services.query_close(query=automatic(LABS).get(), text="Accepted: labs from the referring hospital.",
                         user=data_manager, now=now())  # fmt: skip

    run = edit_checks.edit_checks_run(now=now())

    assert run.opened == 0 and automatic(LABS).count() == 1 and automatic(LABS).get().status == "closed"


def test_a_resolved_finding_that_comes_back_gets_a_new_query(patient, coordinator):
    dose = DoseAdministration.objects.get(participant=patient)
    correct(dose, coordinator, given_on=start_day() + datetime.timedelta(days=3))
    edit_checks.edit_checks_run(now=now())
    correct(dose, coordinator, given_on=start_day())
    edit_checks.edit_checks_run(now=now())
    correct(dose, coordinator, given_on=start_day() + datetime.timedelta(days=4))

    edit_checks.edit_checks_run(now=now())

    assert sorted(automatic(WINDOW).values_list("status", flat=True)) == ["closed", "open"]


def test_a_manual_query_is_never_closed_by_the_edit_checks(patient, monitor):
    dose = DoseAdministration.objects.get(participant=patient)
    manual = services.query_raise(record=dose, field_name="lot_number", text="Lot?", user=monitor, now=now())
    edit_checks.edit_checks_run(now=now())
    assert DataQuery.objects.get(pk=manual.pk).status == "open"
    with pytest.raises(Exception, match="edit check"):
        services.query_auto_close(query=manual, text="x", now=now())


def _database_queries() -> int:
    with CaptureQueriesContext(connection) as captured:
        list(edit_checks.edit_check_findings(today=timezone.localdate()))
    return len(captured)


def test_the_checks_query_count_does_not_grow_with_the_number_of_participants(coordinator, investigator):
    treated(coordinator, investigator)
    few = _database_queries()
    for _ in range(3):
        treated(coordinator, investigator)

    assert _database_queries() == few


# --- the task and its schedule -------------------------------------------------------------------------


def test_the_task_runs_the_checks_and_returns_the_counts(patient):
    from core.data_management.queries.tasks import run_edit_checks

    result = run_edit_checks.delay().get()

    assert result == {"findings": 1, "opened": 1, "kept": 0, "closed": 0}
    assert run_edit_checks.delay().get()["opened"] == 0


def test_the_task_is_acknowledged_late_and_retried_only_on_transient_database_errors():
    from django.db import InterfaceError, OperationalError

    from core.data_management.queries.tasks import run_edit_checks

    assert run_edit_checks.acks_late is True
    assert set(run_edit_checks.autoretry_for) == {OperationalError, InterfaceError}


def test_the_edit_checks_are_scheduled_daily():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="core.data_management.queries.tasks.run_edit_checks")
    assert task.enabled and (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("5", "30", "*")


def test_a_fresh_worker_registers_the_scheduled_task():
    """In a new interpreter (as a worker starts), the tasks Celery discovers include the edit checks,
    so the beat schedule never sends a task the worker does not know."""
    import subprocess
    import sys

    script = (
        "import django; django.setup(); from trialsite.celery import app; app.loader.import_default_modules(); "
        "print('core.data_management.queries.tasks.run_edit_checks' in app.tasks)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "True"
