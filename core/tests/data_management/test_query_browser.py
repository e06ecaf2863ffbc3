"""In Chromium: a monitor raises a query on the onset date of an adverse event; the coordinator opens
it from her worklist, sees the onset date highlighted on the AE form with the question under it,
follows the link back to the query and answers it; the monitor finds it awaiting closure on her home
page and closes it. Every step is on the query page."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from core.models import DataQuery
from core.tests.browser import log_in, log_out
from dosing.tests.factories import participant_enrolled
from toxicity.models import AdverseEvent
from toxicity.tests.factories import adverse_event_recorded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

QUESTION = "The nurse notes give the onset one day earlier: please check the source."


def test_monitor_raises_coordinator_answers_on_the_highlighted_form_monitor_closes(page, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")
    investigator = make_user("Investigator")
    monitor = make_user("Monitor", first_name="Mo", last_name="Monitor")
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator,
                                       treatment_start=timezone.localdate() - datetime.timedelta(days=30))  # fmt: skip
    adverse_event = adverse_event_recorded(participant=participant, user=coordinator,
                                           onset_date=timezone.localdate() - datetime.timedelta(days=4))  # fmt: skip
    record_url = reverse("dm:record", kwargs={"content_type_id": ContentType.objects.get_for_model(AdverseEvent).pk,
                                              "object_id": adverse_event.pk})  # fmt: skip

    # The monitor raises the query on the AE's onset date.
    log_in(page, monitor)
    page.goto(record_url)
    page.get_by_role("heading", name="Adverse event: AE 1").wait_for()
    page.get_by_label("Field", exact=True).select_option(label="Onset")
    page.get_by_label("Question").fill(QUESTION)
    page.get_by_role("button", name="Raise the query").click()
    page.get_by_text("raised on Onset").wait_for()
    assert QUESTION in page.get_by_test_id("field-onset_date").inner_text()
    query = DataQuery.objects.get()
    log_out(page)

    # The coordinator opens it from her worklist and sees the field highlighted on the AE form.
    log_in(page, coordinator)
    section = page.get_by_test_id("coordinator-worklist").get_by_test_id("section-queries")
    assert section.get_by_test_id("count").inner_text() == "1"
    section.get_by_role("link", name=f"Query #{query.pk}").click()
    page.get_by_role("heading", name=f"Query #{query.pk}").wait_for()
    page.get_by_test_id("open-form").click()
    highlighted = page.locator('[data-query-highlighted="onset_date"]')
    highlighted.wait_for()
    assert highlighted.locator('[name="onset_date"]').count() == 1
    message = highlighted.get_by_test_id("query-highlight-message")
    assert message.inner_text().startswith("Query: " + QUESTION)
    assert page.url.endswith(f"?query={query.pk}")
    message.get_by_role("link", name=f"Open query #{query.pk} (open) to answer it").click()

    page.get_by_test_id("step-answer").get_by_label("Answer").fill("Checked the nurse notes: the onset is as recorded.")
    page.get_by_role("button", name="Answer the query").click()
    page.get_by_text(f"Query #{query.pk} answered.").wait_for()
    assert page.get_by_test_id("query-status").first.inner_text() == "Answered"
    log_out(page)

    # The monitor finds it awaiting closure and closes it.
    log_in(page, monitor)
    waiting = page.get_by_test_id("overview").get_by_test_id("section-queries_answered")
    waiting.get_by_role("link", name=f"Query #{query.pk}").click()
    page.get_by_test_id("step-close").get_by_label("Why it is closed").fill("Answer accepted.")
    page.get_by_role("button", name="Close the query").click()
    page.get_by_text(f"Query #{query.pk} closed.").wait_for()

    query.refresh_from_db()
    assert query.status == "closed"
    steps = [(m.action, m.user) for m in query.messages.all()]
    assert steps == [("raise", monitor), ("answer", coordinator), ("close", monitor)]
    assert page.get_by_test_id("query-steps").get_by_test_id("query-step").count() == 3
