"""Every list page has a CSV download of what it shows (same filters): each CSV round-trips through
csv.reader, has the page's rows, is linked from the page, and is pseudonymised (no initials, no
date of birth) unless the user may export identified data."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core.services import clinical_record_save
from dosing.models import BrachytherapyFraction
from dosing.services.doses import anthropometrics_record, dose_administer
from efficacy.tests import factories as efficacy_factories
from enrollment.models import Participant
from enrollment.rules.eligibility import age_in_years
from enrollment.services.visits import visit_record
from enrollment.tests.factories import participant_registered
from toxicity.services.labs import lab_panel_record
from toxicity.tests.factories import adverse_event_recorded

pytestmark = pytest.mark.django_db

INITIALS = "WL"  # enrollment.tests.factories.participant_registered's default


def _csv(response) -> list[dict]:
    """The CSV download read back with csv.reader: one dict per row (every row as long as the header)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    text = b"".join(response.streaming_content).decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header and len(set(header)) == len(header)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _assert_pseudonymised(rows: list[dict], participant) -> None:
    for row in rows:
        assert "initials" not in row and "date_of_birth" not in row
        for value in row.values():
            assert value != participant.initials and f"({participant.initials})" not in value
            assert participant.date_of_birth.isoformat() not in value


def _start() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=60)


@pytest.fixture
def treated(coordinator, investigator):
    """Enrolled 60 days ago with cisplatin week 1 given, a brachytherapy fraction, a lab panel (ALT
    6 x ULN, proposed as an AE), an immune-related hepatitis (an irAE dose decision), the week-0
    visit, a baseline, a confirmed follow-up and a progression."""
    from dosing.tests.factories import participant_enrolled

    start = _start()
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
    anthropometrics_record(
        participant=participant, user=coordinator, measured_on=start, height_cm=Decimal(160), weight_kg=Decimal(64)
    )
    dose_administer(participant=participant, user=coordinator, key=("cisplatin", "ccrt", 1, 1),
                    values={"status": "given", "given_on": start, "dose_given_mg": Decimal("68")})  # fmt: skip
    fraction = BrachytherapyFraction(
        participant=participant, number=1, given_on=start + datetime.timedelta(days=35), hrctv_d90_gy=Decimal("7"),
        rectum_d2cc_gy=Decimal("4"), applicator="tandem_ring", recorded_by=coordinator,
    )  # fmt: skip
    clinical_record_save(instance=fraction, user=coordinator)
    lab_panel_record(participant=participant, user=coordinator, collected_on=start + datetime.timedelta(days=7),
                     values={"alt": (Decimal(240), Decimal(7), Decimal(40)), "hgb": (Decimal("12"), Decimal("11.5"),
                                                                                    Decimal("15"))})  # fmt: skip
    adverse_event_recorded(participant=participant, user=coordinator, term="Alanine aminotransferase increased",
                           grade=2, onset_date=start + datetime.timedelta(days=8), immune_related=True)  # fmt: skip
    adverse_event_recorded(participant=participant, user=coordinator, term="Nausea", grade=1,
                           onset_date=start + datetime.timedelta(days=2))  # fmt: skip
    visit_record(participant=participant, user=coordinator, visit_code="ccrt_w0", outcome="done", visit_date=start)
    efficacy_factories.baseline(participant, on=start - datetime.timedelta(days=3))
    efficacy_factories.follow_up(participant, on=start + datetime.timedelta(days=50), response="PR",
                                 confirmed_by=investigator)  # fmt: skip
    efficacy_factories.progression(participant, on=start + datetime.timedelta(days=55))
    participant.refresh_from_db()
    return participant


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


# --- study-wide lists -----------------------------------------------------------------------------


def test_participant_list_csv_has_the_filtered_rows_with_age_instead_of_identifiers(coordinator_client, coordinator):
    screening = participant_registered(user=coordinator, initials="AB")
    participant_registered(user=coordinator, initials="CD")
    query = {"q": screening.screening_number, "status": "screening"}
    page = coordinator_client.get(reverse("enrollment:participant_list"), query)
    rows = _csv(coordinator_client.get(reverse("enrollment:participant_list_csv"), query))
    assert [row["screening_number"] for row in rows] == [p.screening_number for p in page.context["page"].object_list]
    [row] = rows
    assert row["age_years"] == str(age_in_years(screening.date_of_birth, timezone.localdate()))
    assert (row["status"], row["status_label"], row["status_since"]) == (
        "screening", "Screening", screening.status_date.isoformat()
    )  # fmt: skip
    _assert_pseudonymised(rows, screening)


def test_participant_list_csv_without_filters_has_every_participant_beyond_the_first_page(coordinator_client, coordinator):
    for _ in range(3):
        participant_registered(user=coordinator)
    rows = _csv(coordinator_client.get(reverse("enrollment:participant_list_csv")))
    assert len(rows) == Participant.objects.count() == 3


def test_participant_list_csv_is_identified_for_a_user_allowed_to_export_identified_data(client, coordinator):
    participant = participant_registered(user=coordinator, initials="XYZ")
    coordinator.user_permissions.add(Permission.objects.get(codename="export_identified"))
    client.force_login(coordinator)
    [row] = _csv(client.get(reverse("enrollment:participant_list_csv")))
    assert (row["initials"], row["date_of_birth"]) == ("XYZ", participant.date_of_birth.isoformat())


def test_participant_list_links_its_csv_with_the_filters(coordinator_client):
    page = coordinator_client.get(reverse("enrollment:participant_list"), {"q": "TC 1", "status": "enrolled"})
    assert f'{reverse("enrollment:participant_list_csv")}?q=TC%201&amp;status=enrolled' in page.content.decode()


def test_doses_due_csv_has_the_overdue_and_this_weeks_doses_of_the_page(coordinator_client, coordinator, investigator):
    from dosing.tests.factories import participant_enrolled

    participant = participant_enrolled(coordinator=coordinator, investigator=investigator,
                                       treatment_start=timezone.localdate() - datetime.timedelta(days=10))  # fmt: skip
    week = timezone.localdate().isoformat()
    page = coordinator_client.get(reverse("dosing:doses_due"), {"week": week})
    rows = _csv(coordinator_client.get(reverse("dosing:doses_due_csv"), {"week": week}))
    expected = [("Overdue and not recorded", item.row.dose.due.isoformat(), item.row.agent_label)
                for item in page.context["overdue"]]  # fmt: skip
    expected += [("Due this week", item.row.dose.due.isoformat(), item.row.agent_label)
                 for item in page.context["this_week"]]  # fmt: skip
    assert expected, "the fixture should have doses due"
    assert [(row["list"], row["due_date"], row["agent"]) for row in rows] == expected
    assert {row["study_number"] for row in rows} == {participant.study_number}
    _assert_pseudonymised(rows, participant)
    assert f"{reverse('dosing:doses_due_csv')}?week=" in page.content.decode()


def test_deviations_csv_has_every_deviation_of_the_page(coordinator_client, treated):
    page = coordinator_client.get(reverse("dosing:deviations"))
    rows = _csv(coordinator_client.get(reverse("dosing:deviations_csv")))
    expected = [(item.participant.study_number, d.message, d.code) for item in page.context["rows"] for d in item.deviations]
    assert expected, "the fixture should have protocol deviations"
    assert [(row["study_number"], row["deviation"], row["code"]) for row in rows] == expected
    assert reverse("dosing:deviations_csv") in page.content.decode()


def test_lab_proposals_csv_has_the_pending_proposals(coordinator_client, treated):
    page = coordinator_client.get(reverse("toxicity:lab_proposals"))
    rows = _csv(coordinator_client.get(reverse("toxicity:lab_proposals_csv")))
    assert [(row["analyte"], row["value"]) for row in rows] == [
        (item.analyte.label, str(item.result.value)) for item in page.context["rows"]
    ]
    [row] = rows
    assert (row["study_number"], row["analyte"], row["ctcae_grade"]) == (treated.study_number, "ALT", "3")
    assert row["collected_on"] == (_start() + datetime.timedelta(days=7)).isoformat()
    _assert_pseudonymised(rows, treated)
    assert reverse("toxicity:lab_proposals_csv") in page.content.decode()


def test_task_health_csv_has_every_periodic_task_of_the_page(client, data_manager):
    client.force_login(data_manager)
    page = client.get(reverse("core:task_health"))
    rows = _csv(client.get(reverse("core:task_health_csv")))
    assert page.context["rows"], "the migrations schedule periodic tasks"
    assert [(row["name"], row["task"], row["stale"]) for row in rows] == [
        (item.name, item.task, "yes" if item.stale else "no") for item in page.context["rows"]
    ]
    assert reverse("core:task_health_csv") in page.content.decode()


# --- a participant's lists ------------------------------------------------------------------------


def _participant_pages(participant):
    """(page URL name, CSV URL name) of every participant list page with its CSV."""
    return [
        ("enrollment:participant_audit", "enrollment:participant_audit_csv"),
        ("enrollment:visit_list", "enrollment:visit_list_csv"),
        ("dosing:treatment_calendar", "dosing:treatment_calendar_csv"),
        ("dosing:radiotherapy", "dosing:radiotherapy_csv"),
        ("toxicity:lab_list", "toxicity:lab_list_csv"),
        ("toxicity:ae_list", "toxicity:ae_list_csv"),
        ("toxicity:irae_decisions", "toxicity:irae_decisions_csv"),
        ("efficacy:assessment_list", "efficacy:assessment_list_csv"),
        ("efficacy:follow_up", "efficacy:follow_up_csv"),
    ]


def test_every_participant_list_page_links_its_pseudonymised_csv(coordinator_client, treated):
    for page_name, csv_name in _participant_pages(treated):
        page = coordinator_client.get(reverse(page_name, args=[treated.pk]))
        assert page.status_code == 200, page_name
        csv_url = reverse(csv_name, args=[treated.pk])
        assert f'href="{csv_url}' in page.content.decode(), page_name
        rows = _csv(coordinator_client.get(csv_url))
        assert rows, csv_name
        assert {row["study_number"] for row in rows} == {treated.study_number}, csv_name
        _assert_pseudonymised(rows, treated)


def test_visit_list_csv_has_the_rows_of_the_page_and_all_of_them_on_request(coordinator_client, treated):
    url, csv_url = reverse("enrollment:visit_list", args=[treated.pk]), reverse("enrollment:visit_list_csv", args=[treated.pk])
    page, rows = coordinator_client.get(url), _csv(coordinator_client.get(csv_url))
    assert [row["visit"] for row in rows] == [row.label for row in page.context["page"].rows]
    week0 = next(row for row in rows if row["actual_date"])
    assert (week0["actual_date"], week0["status"]) == (_start().isoformat(), "Done")
    every = _csv(coordinator_client.get(csv_url, {"all": "1"}))
    assert [row["visit"] for row in every] == [
        row.label for row in coordinator_client.get(url, {"all": "1"}).context["page"].rows
    ]
    assert len(every) > len(rows)


def test_treatment_calendar_csv_has_every_planned_dose(coordinator_client, treated):
    page = coordinator_client.get(reverse("dosing:treatment_calendar", args=[treated.pk]))
    rows = _csv(coordinator_client.get(reverse("dosing:treatment_calendar_csv", args=[treated.pk])))
    calendar = page.context["calendar"]
    assert [(row["dose"], row["due_date"]) for row in rows] == [
        (item.cycle_label, item.dose.due.isoformat()) for block in calendar.phases for item in block.rows
    ]
    given = next(row for row in rows if row["given_on"])
    assert (given["agent"], given["dose"], given["given_on"], given["dose_given_mg"]) == (
        "Cisplatin", "Week 1", _start().isoformat(), "68.0"
    )  # fmt: skip


def test_radiotherapy_csv_has_the_brachytherapy_fractions_with_their_eqd2(coordinator_client, treated):
    [row] = _csv(coordinator_client.get(reverse("dosing:radiotherapy_csv", args=[treated.pk])))
    assert (row["fraction"], row["hrctv_d90_gy"], row["applicator"]) == ("1", "7.00", "Tandem and ring")
    assert row["hrctv_d90_eqd2_gy"] == "9.92"  # 7 x (7 + 10) / (2 + 10)
    assert row["bladder_d2cc_gy"] == "" and row["rectum_d2cc_gy"] == "4.00"


def test_lab_list_csv_has_one_row_per_value_of_the_table(coordinator_client, treated):
    page = coordinator_client.get(reverse("toxicity:lab_list", args=[treated.pk]))
    rows = _csv(coordinator_client.get(reverse("toxicity:lab_list_csv", args=[treated.pk])))
    table = page.context["table"]
    shown = sum(1 for _section, table_rows in table.sections for row in table_rows for cell in row.cells if cell)
    assert len(rows) == shown == 2
    alt = next(row for row in rows if row["analyte"] == "ALT")
    assert (alt["value"], alt["unit"], alt["uln"], alt["ctcae_grade"], alt["adverse_event"]) == (
        "240.000", "U/L", "40.000", "3", "Adverse event proposed"
    )  # fmt: skip


def test_ae_list_csv_has_the_adverse_events_of_the_page(coordinator_client, treated):
    page = coordinator_client.get(reverse("toxicity:ae_list", args=[treated.pk]))
    rows = _csv(coordinator_client.get(reverse("toxicity:ae_list_csv", args=[treated.pk])))
    assert [row["ae_number"] for row in rows] == [str(item.adverse_event.number) for item in page.context["rows"]]
    first = rows[0]
    assert (first["ctcae_term"], first["worst_grade"], first["immune_related"], first["serious"]) == (
        "Alanine aminotransferase increased", "2", "yes", "no"
    )  # fmt: skip
    assert first["onset_date"] == (_start() + datetime.timedelta(days=8)).isoformat()
    assert first["related_to"] == page.context["rows"][0].attribution_summary


def test_irae_decisions_csv_has_the_decisions_of_the_page(coordinator_client, treated):
    page = coordinator_client.get(reverse("toxicity:irae_decisions", args=[treated.pk]))
    rows = _csv(coordinator_client.get(reverse("toxicity:irae_decisions_csv", args=[treated.pk])))
    assert [row["action"] for row in rows] == [item.decision.label for item in page.context["decisions"]]
    assert rows and rows[0]["in_force"] == "yes" and rows[0]["ae_number"] == "1"


def test_assessment_list_csv_has_the_baseline_and_the_follow_ups(coordinator_client, treated):
    rows = _csv(coordinator_client.get(reverse("efficacy:assessment_list_csv", args=[treated.pk])))
    assert [(row["kind"], row["assessment_date"]) for row in rows] == [
        ("Baseline", (_start() - datetime.timedelta(days=3)).isoformat()),
        ("Follow-up", (_start() + datetime.timedelta(days=50)).isoformat()),
    ]
    follow_up = rows[1]
    assert (follow_up["overall_response_computed"], follow_up["investigator_response"]) == ("PR", "PR")
    assert follow_up["investigator"] == "PR confirmed"


def test_follow_up_csv_has_the_progressions(coordinator_client, treated):
    [row] = _csv(coordinator_client.get(reverse("efficacy:follow_up_csv", args=[treated.pk])))
    assert (row["progression_date"], row["first_progression"], row["site"]) == (
        (_start() + datetime.timedelta(days=55)).isoformat(), "yes", "Distant"
    )  # fmt: skip


def test_audit_csv_has_a_row_per_change_and_withholds_initials_and_birth_date(coordinator_client, treated):
    page = coordinator_client.get(reverse("enrollment:participant_audit", args=[treated.pk]))
    rows = _csv(coordinator_client.get(reverse("enrollment:participant_audit_csv", args=[treated.pk])))
    entries = page.context["page"].paginator.object_list
    assert len(rows) == sum(max(1, len(entry.changes)) for entry in entries)
    registration = [row for row in rows if row["record_type"] == "Participant" and row["field"] == "Initials"]
    assert registration and {row["new"] for row in registration} == {"(withheld)"}
    assert all(f"({INITIALS})" not in row["record"] for row in rows)
    _assert_pseudonymised(rows, treated)


def test_audit_csv_is_identified_for_a_user_allowed_to_export_identified_data(client, coordinator, treated):
    coordinator.user_permissions.add(Permission.objects.get(codename="export_identified"))
    client.force_login(coordinator)
    rows = _csv(client.get(reverse("enrollment:participant_audit_csv", args=[treated.pk])))
    assert INITIALS in {row["new"] for row in rows if row["field"] == "Initials"}
    assert any(f"({INITIALS})" in row["record"] for row in rows)


def test_a_participant_without_a_schedule_has_no_visit_or_calendar_csv(coordinator_client, participant):
    for name in ("enrollment:visit_list_csv", "dosing:treatment_calendar_csv", "efficacy:assessment_list_csv",
                 "efficacy:follow_up_csv"):  # fmt: skip
        assert coordinator_client.get(reverse(name, args=[participant.pk])).status_code == 404, name
