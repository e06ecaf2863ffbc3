"""The generic CRF record page (``dm:record``): every field with its display value and its open
queries, the source data verification and lock state, the link to the record's own form, raising a
query; 404 for what is not a CRF record. And the map of each CRF model to its pages."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from core.crf import crf_models
from core.data_management.queries import record_urls, services
from core.models import DataLock, DataQuery, LockScope, SourceVerification
from core.services import clinical_record_save
from dosing.tests.factories import participant_enrolled
from toxicity.models import AdverseEvent
from toxicity.tests.factories import adverse_event_recorded

pytestmark = pytest.mark.django_db

@pytest.fixture
def adverse_event(coordinator, investigator):
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator,
                                       treatment_start=timezone.localdate() - datetime.timedelta(days=30))  # fmt: skip
    return adverse_event_recorded(participant=participant, user=coordinator,
                                  onset_date=timezone.localdate() - datetime.timedelta(days=4))  # fmt: skip


def record_url(record) -> str:
    content_type = ContentType.objects.get_for_model(type(record))
    return reverse("dm:record", kwargs={"content_type_id": content_type.pk, "object_id": record.pk})


def field_row(response, name):
    return next(row for row in response.context["data"].fields if row.name == name)


def test_the_record_page_lists_every_field_with_its_display_value(client, adverse_event, monitor):
    client.force_login(monitor)
    response = client.get(record_url(adverse_event))

    assert response.status_code == 200
    data = response.context["data"]
    assert data.form_label == "Adverse event" and data.version == 1
    assert data.participant == adverse_event.participant
    assert field_row(response, "onset_date").value == adverse_event.onset_date.isoformat()
    assert field_row(response, "onset_date").label == "Onset"
    assert field_row(response, "outcome").value == "Not recovered / not resolved"  # a choice shows its label
    assert field_row(response, "term").value == "Nausea"
    assert field_row(response, "serious").value == "No"
    assert field_row(response, "resolution_date").value == "—"
    assert {"version", "created_at", "updated_at", "id"}.isdisjoint({row.name for row in data.fields})
    content = response.content.decode()
    assert data.participant.study_number in content and f"({data.participant.initials})" not in content


def test_an_open_query_is_shown_and_highlighted_next_to_its_field(client, adverse_event, monitor):
    query = services.query_raise(record=adverse_event, field_name="onset_date", text="Onset per the nurse notes?",
                                 user=monitor, now=timezone.now())  # fmt: skip
    client.force_login(monitor)
    response = client.get(record_url(adverse_event))

    assert field_row(response, "onset_date").queries == (DataQuery.objects.get(pk=query.pk),)
    assert not field_row(response, "grade").queries
    content = response.content.decode()
    row_start = content.index('data-testid="field-onset_date"')
    row = content[content.rindex("<tr", 0, row_start):content.index("</tr>", row_start)]
    assert 'class="table-warning"' in row and "Onset per the nurse notes?" in row and ">Query<" in row


def test_a_closed_query_is_listed_but_no_longer_highlighted(client, adverse_event, monitor):
    query = services.query_raise(record=adverse_event, field_name="grade", text="Grade?", user=monitor, now=timezone.now())
    services.query_close(query=query, text="Withdrawn", user=monitor, now=timezone.now())
    client.force_login(monitor)
    response = client.get(record_url(adverse_event))
    assert not field_row(response, "grade").queries
    assert [q.pk for q in response.context["data"].queries] == [query.pk]


def test_the_record_page_shows_source_verification_at_the_current_version(client, adverse_event, monitor, coordinator):
    SourceVerification.objects.create(
        content_type=ContentType.objects.get_for_model(AdverseEvent), object_id=adverse_event.pk,
        participant=adverse_event.participant, record_version=1, verified_by=monitor, verified_at=timezone.now(),
    )
    client.force_login(monitor)
    assert client.get(record_url(adverse_event)).context["data"].sdv.verified

    adverse_event.refresh_from_db()
    adverse_event.description = "Nausea after cisplatin"
    clinical_record_save(instance=adverse_event, user=coordinator, reason="Verbatim added", expected_version=1)

    response = client.get(record_url(adverse_event))
    assert not response.context["data"].sdv.verified and response.context["data"].version == 2
    assert "changed since" in response.content.decode()


def test_the_record_page_shows_an_active_lock(client, adverse_event, data_manager):
    DataLock.objects.create(scope=LockScope.PARTICIPANT, participant=adverse_event.participant,
                            reason="Interim analysis", locked_by=data_manager, locked_at=timezone.now())  # fmt: skip
    client.force_login(data_manager)
    response = client.get(record_url(adverse_event))
    assert response.context["data"].lock is not None
    assert "Interim analysis" in response.content.decode()


def test_the_coordinator_gets_a_link_to_edit_the_record(client, adverse_event, coordinator, monitor):
    edit = reverse("toxicity:ae_update", kwargs={"pk": adverse_event.participant_id, "ae_pk": adverse_event.pk})
    client.force_login(coordinator)
    assert f'href="{edit}"' in client.get(record_url(adverse_event)).content.decode()

    client.force_login(monitor)
    content = client.get(record_url(adverse_event)).content.decode()
    assert f'href="{edit}"' not in content
    assert reverse("toxicity:ae_detail", kwargs={"pk": adverse_event.participant_id, "ae_pk": adverse_event.pk}) in content


def test_a_monitor_raises_a_query_on_a_field_from_the_record_page(client, adverse_event, monitor):
    client.force_login(monitor)
    response = client.post(record_url(adverse_event), {"field_name": "onset_date", "text": "Onset date source?"})

    assert response.status_code == 302 and response.url == record_url(adverse_event)
    query = DataQuery.objects.get()
    assert (query.field_name, query.text, query.raised_by) == ("onset_date", "Onset date source?", monitor)


def test_a_query_on_the_whole_record_is_shown_above_the_fields(client, adverse_event, data_manager):
    client.force_login(data_manager)
    client.post(record_url(adverse_event), {"field_name": "", "text": "Where is the source document?"})
    response = client.get(record_url(adverse_event))
    assert 'data-testid="whole-record-queries"' in response.content.decode()


def test_raising_without_a_question_shows_the_error_and_saves_nothing(client, adverse_event, monitor):
    client.force_login(monitor)
    response = client.post(record_url(adverse_event), {"field_name": "onset_date", "text": ""})
    assert response.status_code == 200 and "Write the question." in response.content.decode()
    assert not DataQuery.objects.exists()


def test_a_field_that_is_not_in_the_list_is_refused(client, adverse_event, monitor):
    client.force_login(monitor)
    response = client.post(record_url(adverse_event), {"field_name": "version", "text": "?"})
    assert response.status_code == 200 and response.context["form"].errors["field_name"]
    assert not DataQuery.objects.exists()


@pytest.mark.parametrize("model_path", ["core.DataQuery", "auth.User", "core.TaskRun"])
def test_a_content_type_that_is_not_a_crf_model_is_not_found(client, monitor, model_path):
    from django.apps import apps

    content_type = ContentType.objects.get_for_model(apps.get_model(model_path))
    client.force_login(monitor)
    url = reverse("dm:record", kwargs={"content_type_id": content_type.pk, "object_id": monitor.pk})
    assert client.get(url).status_code == 404


def test_an_unknown_content_type_or_record_is_not_found(client, adverse_event, monitor):
    client.force_login(monitor)
    content_type = ContentType.objects.get_for_model(AdverseEvent)
    assert client.get(reverse("dm:record", kwargs={"content_type_id": 999999, "object_id": 1})).status_code == 404
    missing = reverse("dm:record", kwargs={"content_type_id": content_type.pk, "object_id": adverse_event.pk + 1000})
    assert client.get(missing).status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor", "data_manager"])
def test_every_role_reaches_the_record_page(client, adverse_event, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(record_url(adverse_event)).status_code == 200


def test_a_user_without_a_role_is_refused(client, adverse_event):
    user = get_user_model().objects.create_user("norole", password="x" * 14)
    client.force_login(user)
    assert client.get(record_url(adverse_event)).status_code == 403


# --- the map of each CRF model to its pages -------------------------------------------------------------


def test_every_crf_model_has_a_page_to_show_it():
    missing = [model._meta.label for model in crf_models() if record_urls.PAGES.get(model._meta.label_lower) is None
               or record_urls.PAGES[model._meta.label_lower].view is None]  # fmt: skip
    assert missing == []


def test_the_map_names_only_crf_models():
    assert set(record_urls.PAGES) == {model._meta.label_lower for model in crf_models()}


def test_record_links_reverse_for_the_main_forms(adverse_event, coordinator, monitor):
    participant = adverse_event.participant
    assert record_urls.edit_url(adverse_event, coordinator) == reverse(
        "toxicity:ae_update", kwargs={"pk": participant.pk, "ae_pk": adverse_event.pk}
    )
    assert record_urls.edit_url(adverse_event, monitor) == ""  # monitors do not edit
    assert record_urls.edit_url(participant, coordinator) == reverse("enrollment:participant_update", kwargs={"pk": participant.pk})
    assert record_urls.edit_url(participant.screening, coordinator) == reverse("enrollment:screening_edit",
                                                                               kwargs={"pk": participant.pk})  # fmt: skip
    assert record_urls.with_query("/x/", 7) == "/x/?query=7" and record_urls.with_query("", 7) == ""


def test_a_dose_links_to_its_dose_form(coordinator, investigator):
    from decimal import Decimal

    from dosing.services import doses as dose_services

    start = timezone.localdate() - datetime.timedelta(days=10)
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
    dose_services.anthropometrics_record(participant=participant, user=coordinator, measured_on=start,
                                         height_cm=Decimal("160"), weight_kg=Decimal("64"))  # fmt: skip
    dose = dose_services.dose_administer(participant=participant, user=coordinator, key=("cisplatin", "ccrt", 1, 1),
                                         values={"status": "given", "given_on": start, "dose_given_mg": Decimal("68")})  # fmt: skip
    assert record_urls.edit_url(dose, coordinator) == reverse(
        "dosing:dose_record", kwargs={"pk": participant.pk, "agent": "cisplatin", "phase": "ccrt", "cycle": 1, "day": 1}
    )
    assert record_urls.record_label(dose) == "Cisplatin week 1 (concurrent chemoradiotherapy)"


def test_every_page_of_the_map_names_a_real_url_with_its_kwargs():
    """Each entry's URL name and kwargs reverse (a stand-in record carries every attribute a kwargs
    builder reads), and each permission it asks for exists."""
    from types import SimpleNamespace

    from django.contrib.auth.models import Permission

    owner = SimpleNamespace(participant_id=1, kind="follow_up")
    record = SimpleNamespace(pk=1, participant_id=1, agent="cisplatin", phase="ccrt", cycle=1, day=1,
                             visit_code="ccrt_w1", visit=owner, visit_id=1, panel=owner, panel_id=1,
                             adverse_event=owner, adverse_event_id=1, baseline_id=1, assessment=owner,
                             assessment_id=1, kind="baseline")  # fmt: skip
    known = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    for label, pages in record_urls.PAGES.items():
        for page in (pages.edit, pages.view):
            if page is None:
                continue
            url_name = page.url_name or "efficacy:baseline_update"
            assert reverse(url_name, kwargs=page.kwargs(record)), label
            assert set(page.permissions) <= known, (label, page.permissions)
