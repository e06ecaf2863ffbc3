"""The irAE dose decision pages: the participant's history (everyone who may view) and the
investigator's confirm-or-override page (PROTOCOL §3 irAE table)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from toxicity.models import IraeDoseDecision
from toxicity.tests.irae_fixtures import apply_rules, record_ae

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="hepatitis", grade=3)
    [decision] = apply_rules(enrolled, coordinator)
    return decision


def decide_url(decision):
    return reverse("toxicity:irae_decide", args=[decision.participant_id, decision.pk])


def list_url(participant):
    return reverse("toxicity:irae_decisions", args=[participant.pk])


@pytest.mark.parametrize("role", ["coordinator", "investigator", "data_manager", "monitor"])
def test_every_role_sees_the_history(client, request, role, enrolled, decision):
    client.force_login(request.getfixturevalue(role))
    response = client.get(list_url(enrolled))
    assert response.status_code == 200
    content = response.content.decode()
    assert "discontinue — hepatitis grade 3" in content
    assert "irae.hepatitis.g3" in content
    assert "Toripalimab cycle 1, day 1 (concurrent chemoradiotherapy)" in content
    assert (decide_url(decision) in content) == (role == "investigator")


def test_the_history_of_a_participant_without_irae(client, monitor, enrolled):
    client.force_login(monitor)
    response = client.get(list_url(enrolled))
    assert response.status_code == 200 and "No irAE dose decisions" in response.content.decode()


@pytest.mark.parametrize("role", ["coordinator", "data_manager", "monitor"])
def test_only_investigators_open_the_decision_page(client, request, role, decision):
    client.force_login(request.getfixturevalue(role))
    assert client.get(decide_url(decision)).status_code == 403
    assert client.post(decide_url(decision), {"version": 1, "decision": "confirm"}).status_code == 403


def test_the_decision_page_shows_the_ae_grade_and_rule(client, investigator, decision):
    client.force_login(investigator)
    response = client.get(decide_url(decision))
    assert response.status_code == 200
    content = response.content.decode()
    assert "AE 1: Alanine aminotransferase increased" in content
    assert "Grade 3" in content
    assert escape(decision.rule_reason) in content
    assert "Record decision" in content


def test_confirming_records_the_decision_and_returns_to_the_calendar(client, investigator, enrolled, decision):
    client.force_login(investigator)
    response = client.post(decide_url(decision), {"version": decision.version, "decision": "confirm"})
    assert response.status_code == 302
    assert response.url == reverse("dosing:treatment_calendar", args=[enrolled.pk])
    decision.refresh_from_db()
    assert decision.decision == "confirmed" and decision.decided_by == investigator
    page = client.get(decide_url(decision)).content.decode()
    assert "Record decision" not in page


def test_an_override_without_reason_is_refused_next_to_the_field(client, investigator, decision):
    client.force_login(investigator)
    response = client.post(decide_url(decision), {"version": decision.version, "decision": "override",
                                                  "action": "interrupt"})  # fmt: skip
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    decision.refresh_from_db()
    assert decision.decision == "pending"


def test_an_override_with_action_and_reason_is_recorded(client, investigator, decision):
    client.force_login(investigator)
    response = client.post(decide_url(decision), {
        "version": decision.version, "decision": "override", "action": "interrupt", "reason": "ALT already falling",
    })  # fmt: skip
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.decision, decision.decided_action, decision.decision_reason) == (
        "overridden", "interrupt", "ALT already falling"
    )


def test_a_stale_form_gets_a_message_not_a_server_error(client, investigator, decision):
    client.force_login(investigator)
    response = client.post(decide_url(decision), {"version": decision.version + 3, "decision": "confirm"})
    assert response.status_code == 200
    assert "changed by" in " ".join(response.context["form"].non_field_errors())


def test_garbage_input_gets_field_errors(client, investigator, decision):
    client.force_login(investigator)
    response = client.post(decide_url(decision), {"version": "x", "decision": "maybe", "action": "aspirin"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"version", "decision", "action"}


def test_a_decision_of_another_participant_is_404(client, investigator, decision, coordinator):
    from dosing.tests.factories import participant_enrolled

    other = participant_enrolled(coordinator=coordinator, investigator=investigator)
    client.force_login(investigator)
    assert client.get(reverse("toxicity:irae_decide", args=[other.pk, decision.pk])).status_code == 404
    assert client.get(reverse("toxicity:irae_decide", args=[decision.participant_id, 99999])).status_code == 404
    assert IraeDoseDecision.objects.get().decision == "pending"
