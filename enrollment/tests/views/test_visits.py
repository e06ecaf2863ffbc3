"""Visit pages through the test client: schedule page, recording (errors next to the fields,
correction with a reason), unscheduled visits, form states, the missing-forms report and its CSV,
and who may open what."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from enrollment.models import Visit, VisitForm
from enrollment.services import visits as visit_services
from enrollment.tests.visit_fixtures import day, participant_started, record_done

pytestmark = pytest.mark.django_db

FU_M3_DAY = datetime.date(2025, 4, 7)  # target of month 3 for the fixed treatment start


@pytest.fixture
def started(coordinator, investigator):
    return participant_started(coordinator=coordinator, investigator=investigator)


def _url(name, *args):
    return reverse(f"enrollment:{name}", args=args)


def test_visit_list_shows_statuses_as_text_and_record_actions(client, coordinator, started):
    record_done(started, coordinator, "fu_m3", FU_M3_DAY)
    client.force_login(coordinator)
    response = client.get(_url("visit_list", started.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Follow-up 1 (month 3, major efficacy evaluation)" in body
    assert "Overdue" in body and "Done" in body
    assert _url("visit_record", started.pk, "ccrt_w0") in body
    visit = Visit.objects.get()
    assert _url("visit_forms", started.pk, visit.pk) in body
    assert "0 entered, 8 missing, 0 not done" in body


def test_visit_list_hides_far_upcoming_visits_until_show_all(client, coordinator, started):
    client.force_login(coordinator)
    limited = client.get(_url("visit_list", started.pk))
    every = client.get(_url("visit_list", started.pk) + "?all=1")
    assert "Follow-up 19 (month 120)" not in limited.content.decode()
    assert "Show all visits" in limited.content.decode()
    assert "Follow-up 19 (month 120)" in every.content.decode()


def test_visit_list_of_a_participant_not_enrolled_redirects(client, coordinator, participant):
    client.force_login(coordinator)
    response = client.get(_url("visit_list", participant.pk))
    assert response.status_code == 302


def test_record_page_shows_target_window_and_expected_forms(client, coordinator, started):
    client.force_login(coordinator)
    response = client.get(_url("visit_record", started.pk, "fu_m3"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "2025-04-07" in body and "2025-03-31 to 2025-04-14" in body
    assert "Tumour assessment (RECIST 1.1)" in body


def test_record_unknown_visit_code_is_404(client, coordinator, started):
    client.force_login(coordinator)
    assert client.get(_url("visit_record", started.pk, "fu_m4")).status_code == 404


def test_record_done_visit_redirects_with_success(client, coordinator, started):
    client.force_login(coordinator)
    response = client.post(_url("visit_record", started.pk, "fu_m3"), {"outcome": "done", "visit_date": "2025-04-07"})
    assert response.status_code == 302 and response.url == _url("visit_list", started.pk)
    assert Visit.objects.get().visit_date == FU_M3_DAY


def test_out_of_window_date_without_note_shows_the_day_count_next_to_the_field(client, coordinator, started):
    client.force_login(coordinator)
    response = client.post(_url("visit_record", started.pk, "fu_m3"), {"outcome": "done", "visit_date": "2025-04-20"})
    assert response.status_code == 200
    assert "6 days after its window closed" in response.context["form"].errors["window_note"][0]
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcome": "done", "visit_date": "2999-01-01"}, "visit_date"),
        ({"outcome": "done", "visit_date": "not a date"}, "visit_date"),
        ({"outcome": "missed"}, "missed_reason"),
        ({"outcome": "sometimes"}, "outcome"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_saved(client, coordinator, started, data, field):
    client.force_login(coordinator)
    response = client.post(_url("visit_record", started.pk, "fu_m3"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Visit.objects.exists()


def test_record_page_of_a_recorded_visit_is_the_correction_form(client, coordinator, started):
    visit = record_done(started, coordinator, "fu_m3", FU_M3_DAY)
    client.force_login(coordinator)
    response = client.get(_url("visit_record", started.pk, "fu_m3"))
    assert "reason_for_change" in response.context["form"].fields
    missing_reason = client.post(_url("visit_record", started.pk, "fu_m3"),
                                 {"outcome": "done", "visit_date": "2025-04-08", "version": visit.version})
    assert "reason_for_change" in missing_reason.context["form"].errors
    saved = client.post(_url("visit_record", started.pk, "fu_m3"), {
        "outcome": "done", "visit_date": "2025-04-08", "version": visit.version, "reason_for_change": "Typo",
    })
    assert saved.status_code == 302
    visit.refresh_from_db()
    assert visit.visit_date == datetime.date(2025, 4, 8) and visit.version == 2


def test_stale_correction_is_refused_with_a_message(client, coordinator, started):
    visit = record_done(started, coordinator, "fu_m3", FU_M3_DAY)
    visit_services.visit_update(visit=visit, user=coordinator, outcome="done", visit_date=datetime.date(2025, 4, 9),
                                expected_version=1, reason="x")
    client.force_login(coordinator)
    response = client.post(_url("visit_record", started.pk, "fu_m3"), {
        "outcome": "done", "visit_date": "2025-04-10", "version": 1, "reason_for_change": "Typo",
    })
    assert response.status_code == 200 and response.context["form"].non_field_errors()


def test_unscheduled_visit_page(client, coordinator, started):
    client.force_login(coordinator)
    assert client.get(_url("visit_unscheduled", started.pk)).status_code == 200
    refused = client.post(_url("visit_unscheduled", started.pk), {"visit_date": day(20).isoformat(), "reason": ""})
    assert "reason" in refused.context["form"].errors
    saved = client.post(_url("visit_unscheduled", started.pk), {"visit_date": day(20).isoformat(), "reason": "Pain"})
    assert saved.status_code == 302
    assert Visit.objects.get().unscheduled_reason == "Pain"


def test_forms_page_saves_states_and_shows_errors_next_to_the_form(client, coordinator, started):
    visit = record_done(started, coordinator, "screening", day(-3))
    client.force_login(coordinator)
    page = client.get(_url("visit_forms", started.pk, visit.pk))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Found automatically: participant registration" in body
    assert "state_consent" not in page.context["form"].fields  # found by the system: not editable
    refused = client.post(_url("visit_forms", started.pk, visit.pk), {"state_history": "not_done", "reason_history": ""})
    assert refused.status_code == 200
    assert "Say why Medical history" in refused.context["form"].errors["reason_history"][0]
    assert not VisitForm.objects.exists()
    saved = client.post(_url("visit_forms", started.pk, visit.pk), {
        "state_history": "entered", "state_pathology": "not_done", "reason_pathology": "Outside hospital",
    })
    assert saved.status_code == 302
    assert dict(VisitForm.objects.values_list("form", "state")) == {"history": "entered", "pathology": "not_done"}


def test_forms_page_of_another_participants_visit_is_404(client, coordinator, investigator, started):
    other = participant_started(coordinator=coordinator, investigator=investigator)
    visit = record_done(other, coordinator, "fu_m3", FU_M3_DAY)
    client.force_login(coordinator)
    assert client.get(_url("visit_forms", started.pk, visit.pk)).status_code == 404


def test_missing_forms_report_and_filter(client, monitor, coordinator, started):
    record_done(started, coordinator, "fu_m3", FU_M3_DAY)
    client.force_login(monitor)
    response = client.get(_url("missing_forms"))
    assert response.status_code == 200
    assert response.context["count"] == 8
    filtered = client.get(_url("missing_forms"), {"form": "history", "participant": started.pk})
    assert filtered.context["count"] == 1
    nonsense = client.get(_url("missing_forms"), {"participant": "abc", "form": "nope", "page": "x"})
    assert nonsense.status_code == 200


def test_missing_forms_csv_parses_back_to_the_same_rows(client, data_manager, coordinator, started):
    record_done(started, coordinator, "fu_m3", FU_M3_DAY)
    client.force_login(data_manager)
    response = client.get(_url("missing_forms_csv"), {"form": "history"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    assert rows[0]["study_number"] == started.study_number and rows[0]["visit_code"] == "fu_m3"
    assert rows[0]["visit_date"] == "2025-04-07" and rows[0]["form"] == "Medical history (incl. histology)"
    assert int(rows[0]["days_since_visit"]) > 0


@pytest.mark.parametrize("role", ["coordinator", "investigator", "data_manager", "monitor"])
def test_every_role_reads_the_visit_pages(client, request, started, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url("visit_list", started.pk)).status_code == 200
    assert client.get(_url("missing_forms")).status_code == 200
    assert client.get(_url("missing_forms_csv")).status_code == 200


@pytest.mark.parametrize(("role", "allowed"), [
    ("coordinator", True), ("investigator", True), ("data_manager", False), ("monitor", False),
])
def test_only_coordinators_and_investigators_record_visits(client, request, coordinator, started, role, allowed):
    visit = record_done(started, coordinator, "fu_m3", FU_M3_DAY)
    client.force_login(request.getfixturevalue(role))
    expected = 200 if allowed else 403
    assert client.get(_url("visit_record", started.pk, "fu_m6")).status_code == expected
    assert client.get(_url("visit_unscheduled", started.pk)).status_code == expected
    assert client.get(_url("visit_forms", started.pk, visit.pk)).status_code == expected
    if not allowed:
        client.post(_url("visit_record", started.pk, "fu_m6"), {"outcome": "done", "visit_date": "2025-07-08"})
        assert Visit.objects.count() == 1


def test_user_without_a_role_is_refused(client, make_user, started):
    client.force_login(make_user())
    assert client.get(_url("visit_list", started.pk)).status_code == 403
    assert client.get(_url("missing_forms")).status_code == 403


def test_dashboard_shows_the_visit_panel_lines(client, coordinator, started):
    client.force_login(coordinator)
    response = client.get(_url("participant_detail", started.pk))
    assert "Overdue: " in response.content.decode()
