"""The queried field highlighted on the record's own form: the context processor
(``core.context_processors.query_highlight``) gives the page the query's field and question only for
``?query=<id>`` of a waiting query on that record, to a user who may see queries; ``base.html`` then
loads ``core/query_highlight.js`` with them."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.context_processors import query_highlight
from core.data_management.queries import services
from dosing.tests.factories import participant_enrolled
from toxicity.tests.factories import adverse_event_recorded

pytestmark = pytest.mark.django_db


@pytest.fixture
def adverse_event(coordinator, investigator):
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator,
                                       treatment_start=timezone.localdate() - datetime.timedelta(days=30))  # fmt: skip
    return adverse_event_recorded(participant=participant, user=coordinator,
                                  onset_date=timezone.localdate() - datetime.timedelta(days=4))  # fmt: skip


@pytest.fixture
def query(adverse_event, monitor):
    return services.query_raise(record=adverse_event, field_name="onset_date", text='Onset "per" <b>notes</b>?',
                                user=monitor, now=timezone.now())  # fmt: skip


def edit_path(adverse_event) -> str:
    return reverse("toxicity:ae_update", kwargs={"pk": adverse_event.participant_id, "ae_pk": adverse_event.pk})


def processed(path: str, user, **params) -> dict:
    request = RequestFactory().get(path, params)
    request.user = user
    return query_highlight(request)


def test_the_processor_gives_the_field_and_question_on_the_records_form(adverse_event, query, coordinator):
    context = processed(edit_path(adverse_event), coordinator, query=query.pk)

    highlight = context["query_highlight"]
    assert (highlight.query_id, highlight.field_name, highlight.field_label) == (query.pk, "onset_date", "Onset")
    assert highlight.text == query.text and highlight.status_label == "Open"
    assert highlight.url == reverse("dm:query_detail", kwargs={"query_pk": query.pk})


def test_without_a_query_parameter_the_processor_adds_nothing_and_reads_nothing(adverse_event, coordinator):
    with CaptureQueriesContext(connection) as captured:
        assert processed(edit_path(adverse_event), coordinator) == {}
        assert processed(edit_path(adverse_event), coordinator, query="abc") == {}
    assert len(captured) == 0


def test_someone_who_may_not_see_queries_gets_no_highlight(adverse_event, query, make_user):
    assert processed(edit_path(adverse_event), make_user(None), query=query.pk) == {}
    assert processed(edit_path(adverse_event), AnonymousUser(), query=query.pk) == {}


def test_the_highlight_shows_on_the_pages_of_its_own_record_only(adverse_event, query, coordinator):
    other = adverse_event_recorded(participant=adverse_event.participant, user=coordinator, term="Vomiting")
    assert processed(edit_path(other), coordinator, query=query.pk) == {}
    assert processed(reverse("core:home"), coordinator, query=query.pk) == {}
    detail = reverse("toxicity:ae_detail", kwargs={"pk": adverse_event.participant_id, "ae_pk": adverse_event.pk})
    assert processed(detail, coordinator, query=query.pk)["query_highlight"].query_id == query.pk


def test_a_closed_query_is_not_highlighted(adverse_event, query, coordinator, monitor):
    services.query_close(query=query, text="Withdrawn", user=monitor, now=timezone.now())
    assert processed(edit_path(adverse_event), coordinator, query=query.pk) == {}


def test_an_answered_query_is_still_highlighted_until_closed(adverse_event, query, coordinator):
    services.query_answer(query=query, text="Corrected", user=coordinator, now=timezone.now())
    assert processed(edit_path(adverse_event), coordinator, query=query.pk)["query_highlight"].status_label == "Answered"


def test_the_ae_form_loads_the_highlight_script_with_the_query(client, adverse_event, query, coordinator):
    client.force_login(coordinator)

    content = client.get(edit_path(adverse_event), {"query": query.pk}).content.decode()

    assert "core/query_highlight.js" in content
    assert 'data-field-name="onset_date"' in content and f'data-query-id="{query.pk}"' in content
    assert "data-text=\"Onset &quot;per&quot; &lt;b&gt;notes&lt;/b&gt;?\"" in content  # escaped, never raw HTML
    assert 'name="onset_date"' in content  # the input the script marks


def test_a_form_opened_without_a_query_does_not_load_the_script(client, adverse_event, query, coordinator):
    client.force_login(coordinator)
    assert "core/query_highlight.js" not in client.get(edit_path(adverse_event)).content.decode()


def test_the_record_page_with_the_query_marks_the_field_row(client, adverse_event, query, coordinator):
    from django.contrib.contenttypes.models import ContentType

    client.force_login(coordinator)
    url = reverse("dm:record", kwargs={"content_type_id": ContentType.objects.get_for_model(type(adverse_event)).pk,
                                       "object_id": adverse_event.pk})  # fmt: skip
    content = client.get(url, {"query": query.pk}).content.decode()
    assert "core/query_highlight.js" in content and 'data-field-name="onset_date"' in content
