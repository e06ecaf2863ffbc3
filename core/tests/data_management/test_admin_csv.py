"""The admin's "Export CSV" action: on every CRF model's list, exactly the selected rows, every
stored field with choice labels, ISO dates and the participant's study number, pseudonymised
unless the user may export identified data, and logged."""

import csv
import datetime
import io
import logging

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core.admin import export_columns, export_selected_as_csv
from core.crf import crf_models
from toxicity.models import AdverseEvent
from toxicity.tests.factories import adverse_event_recorded


def _export(client, model, pks) -> list[dict]:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.post(url, {"action": "export_selected_as_csv", "_selected_action": [str(pk) for pk in pks]})
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(f'attachment; filename="{model._meta.app_label}_')
    text = b"".join(response.streaming_content).decode()
    header, *rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize("model", crf_models(), ids=lambda model: model._meta.label)
def test_every_crf_model_admin_list_has_the_export_action(model, rf, admin_user):
    model_admin = admin.site._registry.get(model)
    assert model_admin is not None, f"{model._meta.label} is not in the admin"
    request = rf.get("/")
    request.user = admin_user
    assert "export_selected_as_csv" in model_admin.get_actions(request)


@pytest.fixture
def enrolled(coordinator, investigator):
    from dosing.tests.factories import participant_enrolled

    start = timezone.localdate() - datetime.timedelta(days=30)
    return participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)


@pytest.mark.django_db
def test_the_export_has_exactly_the_selected_rows(admin_client, enrolled, coordinator):
    events = [
        adverse_event_recorded(participant=enrolled, user=coordinator, term=term, grade=grade)
        for term, grade in (("Nausea", 1), ("Fatigue", 2), ("Vomiting", 3))
    ]
    rows = _export(admin_client, AdverseEvent, [events[0].pk, events[2].pk])
    assert sorted((row["id"], row["grade"]) for row in rows) == [(str(events[0].pk), "1"), (str(events[2].pk), "3")]
    first = next(row for row in rows if row["id"] == str(events[0].pk))
    assert first["participant_number"] == enrolled.study_number
    assert first["participant_id"] == str(enrolled.pk)
    assert first["onset_date"] == events[0].onset_date.isoformat()
    assert (first["outcome"], first["outcome_label"]) == ("not_recovered", "Not recovered / not resolved")
    assert (first["attribution_cisplatin"], first["attribution_cisplatin_label"]) == ("unlikely", "Unlikely")
    assert first["serious"] == "no" and first["recorded_by"] == coordinator.username
    assert first["created_at"].startswith(events[0].created_at.date().isoformat()) and "T" in first["created_at"]


@pytest.mark.django_db
def test_a_lab_result_export_finds_the_participant_through_its_panel(admin_client, enrolled, coordinator):
    from decimal import Decimal

    from toxicity.models import LabResult
    from toxicity.services.labs import lab_panel_record

    panel = lab_panel_record(participant=enrolled, user=coordinator, collected_on=enrolled.enrolment_date,
                             values={"alt": (Decimal(240), Decimal(7), Decimal(40))})  # fmt: skip
    [row] = _export(admin_client, LabResult, [panel.results.get().pk])
    assert (row["participant_number"], row["analyte"], row["analyte_label"], row["value"]) == (
        enrolled.study_number, "alt", "ALT", "240.000"
    )  # fmt: skip


@pytest.fixture
def staff_viewer(django_user_model):
    """A staff user who may view participants in the admin, without core.export_identified."""
    user = django_user_model.objects.create_user("staff-viewer", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_participant"))
    return user


@pytest.mark.django_db
def test_participants_are_exported_without_initials_or_birth_date_by_default(client, staff_viewer, participant):
    client.force_login(staff_viewer)
    from enrollment.models import Participant

    [row] = _export(client, Participant, [participant.pk])
    assert "initials" not in row and "date_of_birth" not in row
    assert participant.initials not in row.values()
    assert (row["screening_number"], row["status"], row["status_label"]) == (
        participant.screening_number, "screening", "Screening"
    )  # fmt: skip


@pytest.mark.django_db
def test_a_user_allowed_identified_exports_gets_initials_and_birth_date(client, staff_viewer, participant):
    staff_viewer.user_permissions.add(Permission.objects.get(codename="export_identified"))
    client.force_login(staff_viewer)
    from enrollment.models import Participant

    [row] = _export(client, Participant, [participant.pk])
    assert (row["initials"], row["date_of_birth"]) == (participant.initials, participant.date_of_birth.isoformat())


@pytest.mark.django_db
def test_each_export_is_logged_with_who_what_and_how_many(admin_client, admin_user, enrolled, coordinator, caplog):
    event = adverse_event_recorded(participant=enrolled, user=coordinator)
    with caplog.at_level(logging.INFO, logger="core.admin"):
        _export(admin_client, AdverseEvent, [event.pk])
    [record] = [r for r in caplog.records if r.name == "core.admin"]
    assert record.getMessage() == f"Admin CSV export by {admin_user.username}: 1 toxicity.AdverseEvent row(s), identified"


def test_the_columns_have_every_concrete_field_and_a_label_after_each_choice_field():
    columns = [column.header for column in export_columns(AdverseEvent, identified=False)]
    assert columns[0] == "participant_number"
    for field in AdverseEvent._meta.concrete_fields:
        name = field.attname if field.is_relation and field.name not in ("recorded_by",) else field.name
        assert name in columns, name
        if field.choices:
            assert columns[columns.index(name) + 1] == f"{field.name}_label"


def test_the_action_is_named_export_csv():
    assert export_selected_as_csv.short_description.startswith("Export CSV")


@pytest.mark.django_db
@pytest.mark.parametrize("model", crf_models(), ids=lambda model: model._meta.label)
def test_every_crf_model_exports_its_rows(model, enrolled, coordinator):
    """The columns of every CRF model read (their participant lookup and relations resolve)."""
    from core.admin import export_rows

    adverse_event_recorded(participant=enrolled, user=coordinator)
    columns = export_columns(model, identified=False)
    rows = list(export_rows(model.objects.all(), columns))
    assert all(len(row) == len(columns) for row in rows)
    headers = [column.header for column in columns]
    number_column = "study_number" if model is type(enrolled) else "participant_number"
    if model is AdverseEvent or model is type(enrolled):
        assert [row[headers.index(number_column)] for row in rows] == [enrolled.study_number]
