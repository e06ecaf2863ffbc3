"""The Simon monitor page and its CSV: who may see them, what they say, and no error without data."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from efficacy.models import SimonDecisionNotice
from efficacy.tests import factories

pytestmark = pytest.mark.django_db

PAGE = reverse("efficacy:simon")
CSV = reverse("efficacy:simon_csv")
START = datetime.date(2026, 1, 5)


def _day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


@pytest.fixture
def cohort(coordinator, investigator):
    """A responder (PR confirmed 28 days later), a pending PR, and one not yet evaluable."""

    def treated():
        participant = factories.treated_participant(
            coordinator=coordinator, investigator=investigator, treatment_start=START
        )
        factories.baseline(participant, on=_day(-10))
        return participant

    responder, pending, waiting = treated(), treated(), treated()
    factories.follow_up(responder, on=_day(90), response="PR", confirmed_by=investigator)
    factories.follow_up(responder, on=_day(118), response="PR", confirmed_by=investigator)
    factories.follow_up(pending, on=_day(95), response="PR", confirmed_by=investigator)
    factories.follow_up(waiting, on=_day(90), response="SD")
    return {"responder": responder, "pending": pending, "waiting": waiting}


@pytest.mark.parametrize("role", ["investigator", "data_manager", "monitor"])
def test_investigators_data_managers_and_monitors_see_the_monitor(client, request, cohort, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(PAGE)

    assert response.status_code == 200
    page = response.context["page"]
    assert (page.monitor.stage1.evaluable, page.monitor.stage1.responders) == (2, 1)


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_coordinators_are_refused(client, coordinator, url):
    client.force_login(coordinator)

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_states_the_rules_status_progress_and_orr_in_words(client, investigator, cohort):
    client.force_login(investigator)

    html = client.get(PAGE).content.decode()

    assert "20 of the first 27 needed to continue." in html
    assert "65 of the 87 needed to call the regimen effective." in html
    assert "Open: not decided yet" in html
    assert "1 responder among 2 evaluable: 19 more needed among the remaining 25 of the first 27." in html
    assert "Evaluable: 2 of 27" in html
    assert "Responders: 1 of 20 needed" in html
    assert 'aria-valuenow="2" aria-valuemin="0" aria-valuemax="27"' in html
    assert "ORR 1/2 = 50.0% (95% CI 1.3%–98.7%, exact Clopper-Pearson)" in html


def test_the_page_shows_pending_responses_and_why_others_are_not_evaluable(client, investigator, cohort):
    client.force_login(investigator)

    html = client.get(PAGE).content.decode()

    assert "participant with a CR or PR awaiting the confirming assessment" in html
    assert "follow-up assessment of 1 participant awaiting investigator confirmation" in html
    assert "Not counted as responders" in html
    assert f'data-testid="not-evaluable-{cohort["waiting"].study_number}"' in html
    assert "No investigator-confirmed follow-up assessment yet" in html
    assert "CR/PR awaiting confirming scan" in html


def test_the_page_shows_the_design_and_the_protocol_note(client, monitor):
    client.force_login(monitor)

    html = client.get(PAGE).content.decode()

    assert "The configured boundaries 19/27, 64/87 are the computed optimal design." in html
    assert "off by one" in html
    assert 'data-testid="design-computed-minimax"' in html


def test_the_page_lists_the_decision_notices(client, data_manager):
    SimonDecisionNotice.objects.create(
        stage="stage1", status="continue", code="simon.stage1.continue", message="20 responders among 24 evaluable.",
        evaluable=24, responders=20, reached_at=timezone.now(), notified_at=None,
    )
    client.force_login(data_manager)

    html = client.get(PAGE).content.decode()

    assert 'data-testid="notice-simon.stage1.continue"' in html
    assert "Decided: continue to stage 2" in html
    assert "Not yet" in html  # not e-mailed
    assert "No: the data have changed since" in html  # no participants: stage 1 is open


def test_with_no_participants_at_all_the_page_and_csv_work(client, investigator):
    client.force_login(investigator)

    response = client.get(PAGE)
    assert response.status_code == 200
    assert "No patient is response-evaluable yet" in response.content.decode()

    rows = list(csv.reader(io.StringIO(b"".join(client.get(CSV).streaming_content).decode())))
    assert rows == [[
        "order", "study_number", "evaluable_on", "evaluable_by", "best_overall_response_confirmed", "responder",
        "in_stage_1", "counted_by_design", "response_awaiting_confirming_scan",
    ]]


def test_the_csv_of_evaluable_patients_round_trips(client, data_manager, cohort):
    client.force_login(data_manager)

    response = client.get(CSV)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="simon_evaluable_' in response["Content-Disposition"]
    header, *rows = csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
    by_number = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_number) == {cohort["responder"].study_number, cohort["pending"].study_number}
    responder = by_number[cohort["responder"].study_number]
    assert (responder["evaluable_on"], responder["best_overall_response_confirmed"], responder["responder"]) == (
        "2026-04-05", "PR", "yes",
    )
    pending = by_number[cohort["pending"].study_number]
    assert (pending["responder"], pending["response_awaiting_confirming_scan"], pending["in_stage_1"]) == (
        "no", "yes", "yes",
    )
    assert all(len(row) == len(header) for row in rows)
