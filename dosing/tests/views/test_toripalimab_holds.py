"""The treatment pages show toripalimab held or discontinued by an immune-related AE (PROTOCOL §3
irAE table): calendar labels, the link for the investigator, doses due, the participant's treatment
panel, and the dose page refusing a given dose."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dosing.models import DoseAdministration
from dosing.selectors.calendar import doses_due, treatment_panel_lines
from toxicity.services.irae import irae_dose_decide
from toxicity.tests.irae_fixtures import TORI_CCRT_1, apply_rules, record_ae

pytestmark = pytest.mark.django_db

LABEL = "discontinue — hepatitis grade 3"


def row_html(content: str, key: tuple) -> str:
    marker = 'data-testid="dose-{}-{}-{}-{}"'.format(*key)
    start = content.index(marker)
    return content[start:content.index("</tr>", start)]


@pytest.fixture
def hepatitis_g3(enrolled, coordinator, treatment_start):
    from toxicity.tests.irae_fixtures import give_toripalimab

    give_toripalimab(enrolled, coordinator, TORI_CCRT_1, treatment_start)
    record_ae(enrolled, coordinator, category="hepatitis", grade=3)
    [decision] = apply_rules(enrolled, coordinator)
    return decision


def calendar(client, user, participant) -> str:
    client.force_login(user)
    response = client.get(reverse("dosing:treatment_calendar", args=[participant.pk]))
    assert response.status_code == 200
    return response.content.decode()


def toripalimab_rows(response_context):
    return [row for block in response_context["calendar"].phases for row in block.rows if row.dose.agent == "toripalimab"]


def test_a_hepatitis_grade_3_irae_marks_the_next_toripalimab_dose_discontinue_awaiting_investigator(
    client, coordinator, enrolled, hepatitis_g3
):
    content = calendar(client, coordinator, enrolled)
    row = row_html(content, ("toripalimab", "ccrt", 2, 1))
    assert LABEL in row
    assert "awaiting investigator" in row
    assert "Awaiting investigator" in row  # the status badge
    assert 'data-testid="toripalimab-state"' in content
    # The dose already given is not marked.
    assert LABEL not in row_html(content, ("toripalimab", "ccrt", 1, 1))


def test_a_discontinue_marks_every_remaining_toripalimab_dose_and_no_chemotherapy_dose(
    client, coordinator, enrolled, hepatitis_g3
):
    client.force_login(coordinator)
    response = client.get(reverse("dosing:treatment_calendar", args=[enrolled.pk]))
    rows = toripalimab_rows(response.context)
    remaining = [r for r in rows if r.record is None]
    assert len(remaining) > 5
    assert all(r.state == "awaiting_decision" and [h.label for h in r.irae_holds] == [LABEL] for r in remaining)
    chemo = [r for block in response.context["calendar"].phases for r in block.rows if r.dose.agent != "toripalimab"]
    assert not any(r.irae_holds for r in chemo)


def test_once_confirmed_the_remaining_toripalimab_doses_are_discontinued(
    client, coordinator, investigator, enrolled, hepatitis_g3
):
    irae_dose_decide(decision=hepatitis_g3, user=investigator, confirm=True, expected_version=hepatitis_g3.version)
    client.force_login(coordinator)
    response = client.get(reverse("dosing:treatment_calendar", args=[enrolled.pk]))
    remaining = [r for r in toripalimab_rows(response.context) if r.record is None]
    assert {r.state for r in remaining} == {"discontinued"}
    row = row_html(response.content.decode(), ("toripalimab", "ccrt", 2, 1))
    assert LABEL in row and "awaiting investigator" not in row


def test_an_interrupt_marks_only_the_next_toripalimab_dose(client, coordinator, investigator, enrolled):
    record_ae(enrolled, coordinator, category="colitis", grade=2)
    [decision] = apply_rules(enrolled, coordinator)
    irae_dose_decide(decision=decision, user=investigator, confirm=True, expected_version=decision.version)
    client.force_login(coordinator)
    response = client.get(reverse("dosing:treatment_calendar", args=[enrolled.pk]))
    held = [r for r in toripalimab_rows(response.context) if r.irae_holds]
    assert [r.dose.key for r in held] == [TORI_CCRT_1]
    assert held[0].state == "held" and held[0].state_label == "Held"
    assert "interrupt — diarrhoea / colitis grade 2" in row_html(response.content.decode(), TORI_CCRT_1)


def test_only_the_investigator_gets_the_link_to_decide(client, coordinator, investigator, enrolled, hepatitis_g3):
    url = reverse("toxicity:irae_decide", args=[enrolled.pk, hepatitis_g3.pk])
    assert url in calendar(client, investigator, enrolled)
    assert url not in calendar(client, coordinator, enrolled)


def test_doses_due_show_the_hold(client, coordinator, enrolled, hepatitis_g3):
    today = timezone.localdate()
    start = today - datetime.timedelta(days=today.weekday())
    this_week, overdue = doses_due(start=start, end=start + datetime.timedelta(days=6), today=today)
    held = [item for item in overdue if item.row.dose.key == ("toripalimab", "ccrt", 2, 1)]
    assert len(held) == 1 and [h.label for h in held[0].row.irae_holds] == [LABEL]
    client.force_login(coordinator)
    content = client.get(reverse("dosing:doses_due")).content.decode()
    assert LABEL in content and "awaiting investigator" in content


def test_the_treatment_panel_mentions_the_discontinue(enrolled, hepatitis_g3):
    lines = treatment_panel_lines(enrolled, today=timezone.localdate())
    assert f"Toripalimab discontinued (irAE): {LABEL} (awaiting investigator)" in lines


def test_the_treatment_panel_mentions_a_hold(enrolled, coordinator):
    record_ae(enrolled, coordinator, category="rash", grade=3)
    apply_rules(enrolled, coordinator)
    lines = treatment_panel_lines(enrolled, today=timezone.localdate())
    assert "Toripalimab on hold (irAE): interrupt — skin: rash grade 3 (awaiting investigator)" in lines


def test_the_dose_page_warns_and_refuses_a_given_toripalimab_dose(client, coordinator, enrolled, hepatitis_g3):
    client.force_login(coordinator)
    url = reverse("dosing:dose_record", args=[enrolled.pk, "toripalimab", "ccrt", 2, 1])
    page = client.get(url)
    assert page.status_code == 200
    assert "Toripalimab is discontinued" in page.content.decode()
    response = client.post(url, {
        "status": "given", "given_on": timezone.localdate().isoformat(), "dose_given_mg": "240", "lot_number": "TP-2",
        "difference_reason": "other", "difference_note": "late",
    })  # fmt: skip
    assert response.status_code == 200
    assert LABEL in " ".join(response.context["form"].errors["status"])
    assert not DoseAdministration.objects.filter(cycle=2, agent="toripalimab").exists()
    response = client.post(url, {"status": "omitted", "difference_note": "Discontinued for grade 3 immune hepatitis"})
    assert response.status_code == 302
    assert DoseAdministration.objects.get(agent="toripalimab", cycle=2).status == "omitted"
