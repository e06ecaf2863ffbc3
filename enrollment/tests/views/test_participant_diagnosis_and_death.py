"""The diagnosis date on the participant pages, and deaths of enrolled participants pointed to the
follow-up page instead of the manual status change."""

import datetime

import pytest
from django.urls import reverse

from dosing.tests.factories import participant_enrolled
from enrollment import services
from enrollment.models import Participant, ParticipantStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def test_registration_form_explains_and_stores_the_diagnosis_date(coordinator_client):
    page = coordinator_client.get(reverse("enrollment:participant_create")).content.decode()
    assert 'name="diagnosis_date"' in page and "PFS and OS count from it" in page
    coordinator_client.post(reverse("enrollment:participant_create"), {
        "initials": "LQ", "date_of_birth": "1979-05-02", "screening_date": "2026-01-20", "diagnosis_date": "2026-01-05",
    })  # fmt: skip
    assert Participant.objects.get().diagnosis_date == datetime.date(2026, 1, 5)


@pytest.mark.parametrize(
    ("diagnosis", "message"),
    [("2026-01-21", "after the screening date"), ("1979-05-01", "before the date of birth"), ("2999-01-01", "future")],
)
def test_implausible_diagnosis_date_is_shown_next_to_the_field(coordinator_client, diagnosis, message):
    response = coordinator_client.post(reverse("enrollment:participant_create"), {
        "initials": "LQ", "date_of_birth": "1979-05-02", "screening_date": "2026-01-20", "diagnosis_date": diagnosis,
    })  # fmt: skip
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["diagnosis_date"])
    assert 'id="error_1_id_diagnosis_date"' in response.content.decode()
    assert not Participant.objects.exists()


def test_correction_form_shows_and_saves_the_diagnosis_date_with_reason(coordinator_client, participant):
    url = reverse("enrollment:participant_update", args=[participant.pk])
    response = coordinator_client.post(url, {
        "initials": participant.initials, "date_of_birth": participant.date_of_birth.isoformat(),
        "screening_date": participant.screening_date.isoformat(), "diagnosis_date": "2020-02-03",
        "version": participant.version, "reason_for_change": "Pathology report received",
    })  # fmt: skip
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.diagnosis_date == datetime.date(2020, 2, 3)
    assert 'value="2020-02-03"' in coordinator_client.get(url).content.decode()


def test_dashboard_shows_the_diagnosis_date_or_warns_it_is_missing(coordinator_client, participant):
    url = reverse("enrollment:participant_detail", args=[participant.pk])
    assert "survival times cannot be computed without it" in coordinator_client.get(url).content.decode()
    Participant.objects.filter(pk=participant.pk).update(diagnosis_date=datetime.date(2020, 2, 3))
    page = coordinator_client.get(url).content.decode()
    assert "2020-02-03" in page and "survival times cannot be computed" not in page


@pytest.fixture
def enrolled(coordinator, investigator):
    return participant_enrolled(coordinator=coordinator, investigator=investigator)


def test_status_change_of_an_enrolled_participant_offers_no_death_and_points_to_follow_up(coordinator_client, enrolled):
    response = coordinator_client.get(reverse("enrollment:participant_status_change", args=[enrolled.pk]))
    choices = [value for value, _ in response.context["form"].fields["new_status"].choices]
    assert ParticipantStatus.DIED not in choices and ParticipantStatus.OFF_STUDY in choices
    assert reverse("efficacy:follow_up", args=[enrolled.pk]) in response.content.decode()


def test_posting_died_for_an_enrolled_participant_is_refused(coordinator_client, enrolled):
    response = coordinator_client.post(reverse("enrollment:participant_status_change", args=[enrolled.pk]), {
        "version": enrolled.version, "new_status": "died", "effective_date": enrolled.status_date.isoformat(),
        "reason": "Died at home",
    })  # fmt: skip
    assert response.status_code == 200
    assert "new_status" in response.context["form"].errors
    enrolled.refresh_from_db()
    assert enrolled.status == ParticipantStatus.ENROLLED


def test_a_participant_in_screening_can_still_be_recorded_as_died_by_hand(coordinator_client, participant):
    response = coordinator_client.get(reverse("enrollment:participant_status_change", args=[participant.pk]))
    assert ParticipantStatus.DIED in [value for value, _ in response.context["form"].fields["new_status"].choices]
    coordinator_client.post(reverse("enrollment:participant_status_change", args=[participant.pk]), {
        "version": participant.version, "new_status": "died", "effective_date": participant.screening_date.isoformat(),
        "reason": "Died before enrolment",
    })  # fmt: skip
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.DIED


def test_off_study_participant_is_told_where_to_record_a_death(coordinator_client, coordinator, enrolled):
    services.participant_change_status(
        participant=enrolled, user=coordinator, expected_version=enrolled.version, new_status="off_study",
        effective_date=enrolled.status_date, reason="Moved away",
    )  # fmt: skip
    response = coordinator_client.get(reverse("enrollment:participant_status_change", args=[enrolled.pk]))
    page = response.content.decode()
    assert "To record a death, use the" in page
    assert reverse("efficacy:follow_up", args=[enrolled.pk]) in page
