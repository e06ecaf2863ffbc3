"""Screening pages through the test client: live evaluation JSON, form errors next to fields,
read-only for other roles, signature and enrolment pages, screening log and CSV."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tests.factories import TEST_PASSWORD
from enrollment import services
from enrollment.tests.factories import participant_registered, participant_screened_eligible

pytestmark = pytest.mark.django_db


def test_live_evaluation_returns_every_criterion_and_saves_nothing(client, coordinator):
    participant = participant_registered(user=coordinator)
    client.force_login(coordinator)
    response = client.post(
        reverse("enrollment:screening_evaluate", args=[participant.pk]),
        {"neutrophils_10e9_l": "1.9", "lab_date": participant.screening_date.isoformat(), "ecog": "7"},
    )
    body = response.json()
    rows = {row["id"]: row for row in body["criteria"]}
    assert len(rows) == 27
    assert rows["I4b"]["status"] == "fail" and "1.9" in rows["I4b"]["reason"]
    assert body["eligible"] is False
    assert body["errors"]["ecog"] == "ECOG is 0-5."
    assert not hasattr(participant, "screening") or participant.screening is None


def test_screening_form_shows_implausible_value_next_to_the_field(client, coordinator):
    participant = participant_registered(user=coordinator)
    client.force_login(coordinator)
    response = client.post(reverse("enrollment:screening_edit", args=[participant.pk]), {"hemoglobin_g_dl": "95"})
    assert response.status_code == 200
    assert "looks like g/L" in response.context["form"].errors["hemoglobin_g_dl"][0]
    assert 'id="error_1_id_hemoglobin_g_dl"' in response.content.decode()


def test_incomplete_screening_is_saved_and_resumed(client, coordinator):
    participant = participant_registered(user=coordinator)
    client.force_login(coordinator)
    client.post(reverse("enrollment:screening_edit", args=[participant.pk]), {"ecog": "1", "figo_stage": "IIIB"})
    response = client.get(reverse("enrollment:screening_edit", args=[participant.pk]))
    form = response.context["form"]
    assert form.initial["ecog"] == 1 and form.initial["figo_stage"] == "IIIB"
    assert 'name="reason_for_change"' in response.content.decode()


def test_monitor_sees_screening_read_only_and_cannot_post(client, coordinator, monitor):
    participant = participant_screened_eligible(user=coordinator)
    client.force_login(monitor)
    page = client.get(reverse("enrollment:screening_edit", args=[participant.pk])).content.decode()
    assert "Read-only" in page and "Save screening" not in page
    assert client.post(reverse("enrollment:screening_edit", args=[participant.pk]), {"ecog": "0"}).status_code == 403


def test_signature_page_refuses_a_wrong_password_next_to_the_field(client, coordinator, investigator):
    participant = participant_screened_eligible(user=coordinator)
    client.force_login(investigator)
    response = client.post(reverse("enrollment:eligibility_sign", args=[participant.pk]),
                           {"confirm": "on", "password": "nope"})
    assert "not correct" in response.context["form"].errors["password"][0]
    response = client.post(reverse("enrollment:eligibility_sign", args=[participant.pk]),
                           {"confirm": "on", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert participant.eligibility_signatures.count() == 1


def test_enrol_page_explains_a_missing_signature(client, coordinator):
    participant = participant_screened_eligible(user=coordinator)
    client.force_login(coordinator)
    response = client.post(reverse("enrollment:participant_enrol", args=[participant.pk]), {
        "version": participant.version, "enrolment_date": participant.screening_date.isoformat(),
        "planned_treatment_start": participant.screening_date.isoformat(),
    })
    assert response.status_code == 200
    assert "not signed" in response.context["form"].non_field_errors()[0]


def test_screening_log_counts_and_csv(client, coordinator, investigator, monitor):
    failed = participant_screened_eligible(user=coordinator, neutrophils_10e9_l=Decimal("1.9"))
    services.screening_fail(participant=failed, user=coordinator, effective_date=failed.screening_date,
                            expected_version=failed.version)
    enrolled = participant_screened_eligible(user=coordinator)
    services.eligibility_sign(participant=enrolled, user=investigator, password=TEST_PASSWORD)
    enrolled.refresh_from_db()
    today = timezone.localdate()
    services.participant_enrol(participant=enrolled, user=coordinator, enrolment_date=today,
                               planned_treatment_start=today, expected_version=enrolled.version)
    participant_registered(user=coordinator)

    client.force_login(monitor)
    log = client.get(reverse("enrollment:screening_log")).context["log"]
    assert (log.screened, log.screen_failures, log.enrolled, log.in_screening) == (3, 1, 1, 1)
    assert [(cid, count) for cid, _, count in log.failed_by_criterion] == [("I4b", 1)]

    response = client.get(reverse("enrollment:screening_log_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["status"] for r in rows] == ["screen_failure", "enrolled", "screening"]
    assert rows[0]["failed_criteria"] == "I4b"
    assert rows[1]["study_number"] == "TC-001" and rows[1]["signed_by"] == "Li Investigator"


def test_screening_form_sections_hold_every_screening_field_once():
    from enrollment.forms import SCREENING_FIELDS
    from enrollment.services.screening import EDITABLE_SCREENING_FIELDS

    assert sorted(SCREENING_FIELDS) == sorted(EDITABLE_SCREENING_FIELDS)
