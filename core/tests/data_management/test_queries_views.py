"""The query pages: the study-wide and per-participant lists with their filters (status, age, form,
origin) and CSV, one query with the forms of the steps each role may take, the "Run edit checks now"
button, and who reaches what."""

import csv
import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from core.data_management.queries import services
from core.models import DataQuery
from enrollment.models import Participant, Screening
from enrollment.tests.factories import participant_registered

pytestmark = pytest.mark.django_db


def ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days, hours=1)


def raise_on(record, user, *, field="", text="Please check.", days_ago=0):
    return services.query_raise(record=record, field_name=field, text=text, user=user, now=ago(days_ago))


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def queries(participant, coordinator, monitor, data_manager):
    """Four queries: an open one raised 20 days ago, an answered one (10 days), a closed one (40 days),
    on the participant; an open one raised today on another participant's screening record."""
    old_open = raise_on(participant, monitor, field="initials", text="Initials as on the consent?", days_ago=20)
    answered = raise_on(participant, monitor, field="date_of_birth", days_ago=10)
    services.query_answer(query=answered, text="Correct.", user=coordinator, now=ago(9))
    closed = raise_on(participant, data_manager, days_ago=40)
    services.query_close(query=closed, text="Not needed.", user=data_manager, now=ago(39))
    other = participant_registered(user=coordinator, initials="AB")
    screening = Screening(participant=other)
    from core.services import clinical_record_save

    clinical_record_save(instance=screening, user=coordinator)
    fresh = raise_on(screening, monitor, text="ECOG source?")
    return {"old_open": old_open, "answered": answered, "closed": closed, "fresh": fresh, "other": other}


def listed(client, url, **params) -> set[int]:
    response = client.get(url, params)
    assert response.status_code == 200
    return {row.query.pk for row in response.context["rows"]}


# --- lists and filters ----------------------------------------------------------------------------------


def test_every_role_sees_the_study_wide_list(client, queries, coordinator, investigator, monitor, data_manager):
    for user in (coordinator, investigator, monitor, data_manager):
        client.force_login(user)
        assert listed(client, reverse("dm:query_list")) == {q.pk for q in DataQuery.objects.all()}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "open"}, {"old_open", "fresh"}),
        ({"status": "answered"}, {"answered"}),
        ({"status": "closed"}, {"closed"}),
        ({"status": "unresolved"}, {"old_open", "answered", "fresh"}),
        ({"age": "7"}, {"old_open", "answered", "closed"}),
        ({"age": "14"}, {"old_open", "closed"}),
        ({"age": "30"}, {"closed"}),
        ({"status": "open", "age": "14"}, {"old_open"}),
        ({"origin": "automatic"}, set()),
        ({"origin": "manual"}, {"old_open", "answered", "closed", "fresh"}),
    ],
)
def test_the_list_filters_by_status_age_and_origin(client, queries, monitor, params, expected):
    client.force_login(monitor)
    assert listed(client, reverse("dm:query_list"), **params) == {queries[name].pk for name in expected}


def test_the_list_filters_by_form(client, queries, monitor):
    client.force_login(monitor)
    screening_type = ContentType.objects.get_for_model(Screening).pk
    participant_type = ContentType.objects.get_for_model(Participant).pk

    assert listed(client, reverse("dm:query_list"), form=screening_type) == {queries["fresh"].pk}
    assert listed(client, reverse("dm:query_list"), form=participant_type) == {
        queries[name].pk for name in ("old_open", "answered", "closed")
    }


def test_an_unknown_filter_value_is_shown_as_an_error_not_a_crash(client, queries, monitor):
    client.force_login(monitor)
    response = client.get(reverse("dm:query_list"), {"status": "nonsense", "form": "abc"})
    assert response.status_code == 200 and response.context["filters"].errors


def test_the_list_is_paginated(client, participant, monitor):
    for _ in range(52):
        raise_on(participant, monitor)
    client.force_login(monitor)

    first = client.get(reverse("dm:query_list"))
    second = client.get(reverse("dm:query_list"), {"page": 2})

    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 2
    assert "Page 1 of 2" in first.content.decode()


def test_a_row_links_to_the_record_page_and_the_query(client, queries, monitor):
    client.force_login(monitor)
    content = client.get(reverse("dm:query_list")).content.decode()
    fresh = queries["fresh"]
    assert reverse("dm:record", kwargs={"content_type_id": fresh.content_type_id, "object_id": fresh.object_id}) in content
    assert reverse("dm:query_detail", kwargs={"query_pk": fresh.pk}) in content


def test_the_participant_list_shows_her_queries_only(client, queries, participant, coordinator):
    client.force_login(coordinator)
    url = reverse("dm:participant_queries", kwargs={"pk": participant.pk})

    assert listed(client, url) == {queries[name].pk for name in ("old_open", "answered", "closed")}
    assert listed(client, url, status="open") == {queries["old_open"].pk}
    assert f"participant={participant.pk}" in client.get(url).content.decode()  # the CSV link keeps her


# --- CSV ------------------------------------------------------------------------------------------------


def test_the_csv_has_what_the_list_shows_with_the_same_filters(client, queries, participant, monitor):
    client.force_login(monitor)

    response = client.get(reverse("dm:query_list_csv"), {"status": "unresolved"})

    assert response["Content-Type"].startswith("text/csv")
    header, *rows = csv_rows(response)
    assert header[:3] == ["query_id", "participant", "form"] and "age_days" in header
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_id) == {queries[name].pk for name in ("old_open", "answered", "fresh")}
    old = by_id[queries["old_open"].pk]
    assert old["participant"] == participant.screening_number and old["field"] == "Initials"
    assert old["status"] == "open" and old["question"] == "Initials as on the consent?" and old["age_days"] == "20"
    assert datetime.datetime.fromisoformat(old["raised_at"]).utcoffset() is not None  # ISO 8601 with offset


def test_the_csv_is_pseudonymised(client, queries, participant, monitor):
    client.force_login(monitor)
    body = "\n".join(",".join(row) for row in csv_rows(client.get(reverse("dm:query_list_csv"))))
    assert f"({participant.initials})" not in body and participant.date_of_birth.isoformat() not in body


def test_the_participant_csv_keeps_the_participant(client, queries, participant, monitor):
    client.force_login(monitor)
    response = client.get(reverse("dm:query_list_csv"), {"participant": participant.pk, "status": "closed"})
    _header, *rows = csv_rows(response)
    assert [int(row[0]) for row in rows] == [queries["closed"].pk]


# --- one query -----------------------------------------------------------------------------------------


def detail_url(query) -> str:
    return reverse("dm:query_detail", kwargs={"query_pk": query.pk})


def test_the_query_page_shows_every_step_and_the_forms_the_role_may_use(client, queries, coordinator, monitor):
    query = queries["answered"]
    client.force_login(monitor)
    response = client.get(detail_url(query))
    content = response.content.decode()
    assert 'data-testid="step-close"' in content and 'data-testid="step-reopen"' in content
    assert 'data-testid="step-answer"' not in content
    assert content.count('data-testid="query-step"') == 2 and "Correct." in content

    client.force_login(coordinator)
    content = client.get(detail_url(query)).content.decode()
    assert "step-close" not in content and "step-answer" not in content and "step-reopen" not in content


def test_the_coordinator_answers_through_the_page(client, queries, coordinator):
    query = queries["old_open"]
    client.force_login(coordinator)

    response = client.post(detail_url(query), {"action": "answer", "text": "Initials corrected to WL."})

    assert response.status_code == 302 and response.url == detail_url(query)
    query.refresh_from_db()
    assert query.status == "answered" and query.messages.last().user == coordinator


def test_an_answer_without_words_is_shown_next_to_the_field(client, queries, coordinator):
    client.force_login(coordinator)
    response = client.post(detail_url(queries["old_open"]), {"action": "answer", "text": ""})
    assert response.status_code == 200
    assert "Write a few words" in response.content.decode()
    assert DataQuery.objects.get(pk=queries["old_open"].pk).status == "open"


def test_a_refused_transition_is_shown_on_the_page(client, queries, monitor):
    client.force_login(monitor)
    response = client.post(detail_url(queries["old_open"]), {"action": "reopen", "text": "again"})
    assert response.status_code == 200 and "cannot be re-opened" in response.content.decode()


def test_the_monitor_closes_and_reopens_through_the_page(client, queries, monitor):
    query = queries["answered"]
    client.force_login(monitor)
    client.post(detail_url(query), {"action": "close", "text": "Accepted."})
    query.refresh_from_db()
    assert query.status == "closed"
    client.post(detail_url(query), {"action": "reopen", "text": "Found another discrepancy."})
    query.refresh_from_db()
    assert query.status == "open"


@pytest.mark.parametrize(("role", "action"), [("coordinator", "close"), ("investigator", "reopen"),
                                              ("monitor", "answer"), ("data_manager", "answer")])  # fmt: skip
def test_a_step_outside_the_role_is_forbidden(client, queries, request, role, action):
    client.force_login(request.getfixturevalue(role))
    response = client.post(detail_url(queries["answered"]), {"action": action, "text": "x"})
    assert response.status_code == 403
    assert DataQuery.objects.get(pk=queries["answered"].pk).status == "answered"


def test_the_coordinator_cannot_raise_a_query(client, participant, coordinator):
    client.force_login(coordinator)
    url = reverse("dm:record", kwargs={"content_type_id": ContentType.objects.get_for_model(Participant).pk,
                                       "object_id": participant.pk})  # fmt: skip
    assert 'data-testid="raise-query"' not in client.get(url).content.decode()
    assert client.post(url, {"field_name": "initials", "text": "?"}).status_code == 403
    assert not DataQuery.objects.exists()


def test_the_query_page_links_to_the_form_with_the_field_highlighted(client, queries, participant, coordinator):
    client.force_login(coordinator)
    response = client.get(detail_url(queries["old_open"]))
    expected = reverse("enrollment:participant_update", kwargs={"pk": participant.pk}) + f"?query={queries['old_open'].pk}"
    assert response.context["page"].form_url == expected


def test_a_monitor_gets_the_read_only_page_instead_of_the_form(client, queries, participant, monitor):
    client.force_login(monitor)
    response = client.get(detail_url(queries["old_open"]))
    expected = reverse("enrollment:participant_detail", kwargs={"pk": participant.pk}) + f"?query={queries['old_open'].pk}"
    assert response.context["page"].form_url == expected


# --- run the edit checks now ---------------------------------------------------------------------------


def test_a_data_manager_runs_the_edit_checks_now(client, data_manager, monkeypatch, django_capture_on_commit_callbacks):
    from core.data_management.queries import edit_checks

    calls = []
    monkeypatch.setattr(edit_checks, "edit_check_findings", lambda **kwargs: calls.append(kwargs) or [])
    client.force_login(data_manager)
    assert 'Run edit checks now' in client.get(reverse("dm:query_list")).content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("dm:edit_checks_run"))

    assert response.status_code == 302 and response.url == reverse("dm:query_list")
    assert len(callbacks) == 1 and len(calls) == 1  # queued once the request commits, run by the (eager) task


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor"])
def test_only_data_managers_run_the_edit_checks(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert "Run edit checks now" not in client.get(reverse("dm:query_list")).content.decode()
    assert client.post(reverse("dm:edit_checks_run")).status_code == 403


def test_running_the_edit_checks_needs_a_post(client, data_manager):
    client.force_login(data_manager)
    assert client.get(reverse("dm:edit_checks_run")).status_code == 405


# --- menu ----------------------------------------------------------------------------------------------


def test_the_menu_links_to_the_queries(client, coordinator):
    client.force_login(coordinator)
    assert f'href="{reverse("dm:query_list")}">Queries<' in client.get(reverse("core:home")).content.decode()
