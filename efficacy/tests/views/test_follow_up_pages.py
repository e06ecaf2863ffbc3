"""The follow-up and outcome pages as people use them: reading (every role), recording and
correcting progressions and the follow-up status (coordinators and investigators), refusals next to
the fields, and no server error whatever is posted."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from efficacy.models import FollowUpStatus, Progression
from efficacy.tests import factories
from enrollment.models import Participant, ParticipantStatus

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=200)
DIAGNOSIS = START - datetime.timedelta(days=30)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def treated(coordinator, investigator):
    return factories.treated_participant(
        coordinator=coordinator, investigator=investigator, treatment_start=START, diagnosis_date=DIAGNOSIS
    )


def _as(client, user):
    client.force_login(user)
    return client


def _page(participant):
    return reverse("efficacy:follow_up", args=[participant.pk])


def _status_url(participant):
    return reverse("efficacy:follow_up_status", args=[participant.pk])


def _progression_url(participant):
    return reverse("efficacy:progression_create", args=[participant.pk])


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "investigator", "data_manager", "monitor"])
def test_every_role_reads_the_follow_up_page(client, request, treated, role):
    factories.progression(treated, on=START + 90 * DAY, site="both")
    factories.follow_up_status(treated, last_known_alive_date=TODAY - 3 * DAY)
    response = _as(client, request.getfixturevalue(role)).get(_page(treated))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{DIAGNOSIS:%Y-%m-%d}" in page
    assert "Locoregional and distant" in page
    assert f"{TODAY - 3 * DAY:%Y-%m-%d}" in page
    writes = reverse("efficacy:progression_create", args=[treated.pk]) in page
    assert writes is (role in ("coordinator", "investigator"))


def test_a_participant_who_is_not_enrolled_is_sent_to_the_dashboard_with_a_message(client, coordinator, participant):
    response = _as(client, coordinator).get(_page(participant), follow=True)
    assert response.redirect_chain[-1][0] == reverse("enrollment:participant_detail", args=[participant.pk])
    assert "enrolled participants only" in response.content.decode()


def test_a_missing_diagnosis_date_is_warned_about_with_a_link_to_correct_it_for_coordinators(
    client, coordinator, investigator, treated
):
    Participant.objects.filter(pk=treated.pk).update(diagnosis_date=None)
    correct = reverse("enrollment:participant_update", args=[treated.pk])
    page = _as(client, coordinator).get(_page(treated)).content.decode()
    assert "survival times cannot be computed without it" in page
    assert correct in page
    assert correct not in _as(client, investigator).get(_page(treated)).content.decode()


def test_consistency_warnings_are_listed(client, coordinator, treated):
    factories.follow_up(treated, on=START + 60 * DAY, response="PD")
    page = _as(client, coordinator).get(_page(treated)).content.decode()
    assert 'data-code="outcome.assessment.pd_without_progression"' in page


# --- progressions -------------------------------------------------------------------------------


def _progression_data(**changes):
    data = {"progression_date": (START + 90 * DAY).isoformat(), "site": "distant", "confirmed_by_method": "imaging",
            "sites_detail": "lung", "assessment": "", "note": ""}  # fmt: skip
    data.update(changes)
    return data


def test_recording_a_progression_returns_to_the_page_with_it_listed(client, investigator, treated):
    response = _as(client, investigator).post(_progression_url(treated), _progression_data(), follow=True)
    assert response.redirect_chain[-1][0] == _page(treated)
    progression = Progression.objects.get(participant=treated)
    assert (progression.site, progression.recorded_by) == ("distant", investigator)
    assert f'data-testid="progression-{progression.pk}"' in response.content.decode()


def test_the_assessment_choice_lists_only_pd_follow_ups_and_links_one(client, coordinator, treated):
    pd = factories.follow_up(treated, on=START + 60 * DAY, response="PD")
    stable = factories.follow_up(treated, on=START + 30 * DAY, response="SD")
    response = _as(client, coordinator).get(_progression_url(treated))
    values = [value for value, _ in response.context["form"].fields["assessment"].choices]
    assert values == ["", pd.pk]
    client.post(_progression_url(treated), _progression_data(progression_date=pd.assessment_date.isoformat(),
                                                             assessment=str(pd.pk)))  # fmt: skip
    assert Progression.objects.get(participant=treated).assessment == pd
    response = client.post(_progression_url(treated), _progression_data(assessment=str(stable.pk)))
    assert response.status_code == 200 and "assessment" in response.context["form"].errors


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"progression_date": (TODAY + DAY).isoformat()}, "progression_date", "in the future"),
        ({"progression_date": (START - DAY).isoformat()}, "progression_date", "before enrolment"),
        ({"progression_date": "2026-02-30"}, "progression_date", "valid date"),
        ({"site": "lung"}, "site", "valid choice"),
        ({"confirmed_by_method": ""}, "confirmed_by_method", "required"),
        ({"assessment": "not-a-number"}, "assessment", "valid choice"),
        ({"assessment": "999999"}, "assessment", "valid choice"),
    ],
)
def test_bad_progression_input_is_shown_next_to_the_field_and_nothing_saved(client, coordinator, treated, changes,
                                                                            field, message):  # fmt: skip
    response = _as(client, coordinator).post(_progression_url(treated), _progression_data(**changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="error_1_id_{field}"' in response.content.decode()
    assert not Progression.objects.exists()


def test_correcting_a_progression_needs_a_reason(client, coordinator, treated):
    progression = factories.progression(treated, on=START + 90 * DAY)
    url = reverse("efficacy:progression_update", args=[progression.pk])
    _as(client, coordinator)
    assert client.get(url).context["form"].initial["site"] == "distant"
    response = client.post(url, _progression_data(site="both", version=progression.version, reason_for_change=""))
    assert "reason_for_change" in response.context["form"].errors
    response = client.post(url, _progression_data(site="both", version=progression.version,
                                                  reason_for_change="Pelvic recurrence too"))  # fmt: skip
    assert response.status_code == 302
    progression.refresh_from_db()
    assert (progression.site, progression.version) == ("both", 2)


def test_a_stale_progression_correction_says_who_changed_it(client, coordinator, make_user, treated):
    progression = factories.progression(treated, on=START + 90 * DAY)
    url = reverse("efficacy:progression_update", args=[progression.pk])
    colleague = make_user("Investigator", first_name="Wang", last_name="Fang")
    _as(client, colleague).post(url, _progression_data(site="both", version=1, reason_for_change="Review"))
    response = _as(client, coordinator).post(url, _progression_data(site="locoregional", version=1,
                                                                    reason_for_change="Mine"))  # fmt: skip
    assert "changed by Wang Fang" in response.context["form"].non_field_errors()[0]
    progression.refresh_from_db()
    assert progression.site == "both"


# --- follow-up status ---------------------------------------------------------------------------


def _status_data(**changes):
    data = {"last_known_alive_date": "", "last_progression_free_date": "", "death_date": "", "death_cause": "",
            "death_cause_detail": "", "off_study_date": "", "off_study_reason": "", "off_study_detail": ""}  # fmt: skip
    data.update(changes)
    return data


def test_recording_a_death_changes_the_status_and_says_last_known_alive_was_set(client, investigator, treated):
    death = (TODAY - 4 * DAY).isoformat()
    response = _as(client, investigator).post(
        _status_url(treated), _status_data(death_date=death, death_cause="disease"), follow=True
    )
    assert response.redirect_chain[-1][0] == _page(treated)
    page = response.content.decode()
    assert "Last known alive set to the date of death" in page and "Study status changed to &#x27;died&#x27;" in page
    treated.refresh_from_db()
    assert treated.status == ParticipantStatus.DIED


def test_a_death_without_cause_is_shown_next_to_the_cause_and_nothing_saved(client, coordinator, treated):
    response = _as(client, coordinator).post(_status_url(treated), _status_data(death_date=(TODAY - DAY).isoformat()))
    assert response.status_code == 200
    assert "cause of death" in response.context["form"].errors["death_cause"][0]
    assert 'id="error_1_id_death_cause"' in response.content.decode()
    assert not FollowUpStatus.objects.exists()
    treated.refresh_from_db()
    assert treated.status == ParticipantStatus.ENROLLED


def test_a_correction_of_the_follow_up_needs_a_reason(client, coordinator, treated):
    factories.follow_up_status(treated, last_known_alive_date=TODAY - 10 * DAY)
    _as(client, coordinator)
    response = client.get(_status_url(treated))
    form = response.context["form"]
    assert form.editing and form.initial["last_known_alive_date"] == TODAY - 10 * DAY
    assert 'name="reason_for_change"' in response.content.decode()
    response = client.post(_status_url(treated), _status_data(last_known_alive_date=TODAY.isoformat(), version=1))
    assert "reason_for_change" in response.context["form"].errors
    response = client.post(_status_url(treated), _status_data(last_known_alive_date=TODAY.isoformat(), version=1,
                                                              reason_for_change="Clinic visit today"))  # fmt: skip
    assert response.status_code == 302
    assert FollowUpStatus.objects.get(participant=treated).last_known_alive_date == TODAY


def test_a_form_loaded_before_someone_recorded_the_follow_up_is_refused_as_stale(client, coordinator, treated):
    factories.follow_up_status(treated, last_known_alive_date=TODAY - 10 * DAY)
    response = _as(client, coordinator).post(_status_url(treated), _status_data(last_known_alive_date=TODAY.isoformat()))
    assert response.status_code == 200
    assert "reload" in response.context["form"].non_field_errors()[0]
    assert FollowUpStatus.objects.get(participant=treated).last_known_alive_date == TODAY - 10 * DAY


@pytest.mark.parametrize(
    "changes",
    [
        {"death_date": "2026-02-30", "death_cause": "disease"},
        {"death_cause": "bogus"},
        {"off_study_reason": "bored"},
        {"last_known_alive_date": "yesterday"},
        {"death_cause_detail": "x" * 500},
        {},
    ],
)
def test_garbage_follow_up_input_is_refused_without_a_server_error(client, coordinator, treated, changes):
    response = _as(client, coordinator).post(_status_url(treated), _status_data(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not FollowUpStatus.objects.exists()


def test_a_garbage_version_is_refused_without_a_server_error(client, coordinator, treated):
    factories.follow_up_status(treated, last_known_alive_date=TODAY - 10 * DAY)
    response = _as(client, coordinator).post(_status_url(treated), _status_data(
        last_known_alive_date=TODAY.isoformat(), version="abc", reason_for_change="Clinic visit",
    ))  # fmt: skip
    assert response.status_code == 200 and response.context["form"].errors
    assert FollowUpStatus.objects.get(participant=treated).last_known_alive_date == TODAY - 10 * DAY


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["monitor", "data_manager"])
def test_monitors_and_data_managers_cannot_record(client, request, treated, role):
    progression = factories.progression(treated, on=START + 90 * DAY)
    _as(client, request.getfixturevalue(role))
    for url in (_progression_url(treated), _status_url(treated),
                reverse("efficacy:progression_update", args=[progression.pk])):  # fmt: skip
        assert client.get(url).status_code == 403
        assert client.post(url, _progression_data()).status_code == 403
    assert Progression.objects.count() == 1 and not FollowUpStatus.objects.exists()


def test_write_pages_of_a_participant_who_is_not_enrolled_redirect_to_the_dashboard(client, coordinator, participant):
    _as(client, coordinator)
    for url in (_progression_url(participant), _status_url(participant)):
        response = client.post(url, _status_data(last_known_alive_date=TODAY.isoformat()))
        assert response.status_code == 302
        assert response["Location"] == reverse("enrollment:participant_detail", args=[participant.pk])
    assert not FollowUpStatus.objects.exists()
