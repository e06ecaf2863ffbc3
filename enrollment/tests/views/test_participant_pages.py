"""Participant pages as a coordinator uses them: register, correct with a reason, stale saves,
status changes, dashboard and audit trail."""

import pytest
from django.urls import reverse

from enrollment.models import Participant, ParticipantStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def test_registering_a_patient_assigns_a_screening_number_and_opens_the_dashboard(coordinator_client):
    response = coordinator_client.post(
        reverse("enrollment:participant_create"),
        {"initials": "lq", "date_of_birth": "1979-05-02", "screening_date": "2026-11-20"},
        follow=True,
    )
    participant = Participant.objects.get()
    assert participant.initials == "LQ"
    assert response.redirect_chain[-1][0] == reverse("enrollment:participant_detail", args=[participant.pk])
    page = response.content.decode()
    assert "SCR-0001" in page
    for empty in ("No eligibility assessment recorded yet.", "No adverse events recorded yet."):
        assert empty in page


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"initials": "W1", "date_of_birth": "1979-05-02", "screening_date": "2026-11-20"}, "initials", "capital letters"),
        ({"initials": "WL", "date_of_birth": "2999-05-02", "screening_date": "2026-11-20"}, "date_of_birth", "future"),
        ({"initials": "WL", "date_of_birth": "1979-02-30", "screening_date": "2026-11-20"}, "date_of_birth", "valid date"),
        ({"initials": "WL", "date_of_birth": "1979-05-02", "screening_date": ""}, "screening_date", "required"),
    ],
)
def test_bad_registration_input_is_shown_next_to_the_field_and_nothing_saved(coordinator_client, data, field, message):
    response = coordinator_client.post(reverse("enrollment:participant_create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="error_1_id_{field}"' in response.content.decode()
    assert not Participant.objects.exists()


def _edit(client, participant, **overrides):
    data = {
        "initials": participant.initials,
        "date_of_birth": participant.date_of_birth.isoformat(),
        "screening_date": participant.screening_date.isoformat(),
        "version": participant.version,
        "reason_for_change": "Transcription error",
    }
    data.update(overrides)
    return client.post(reverse("enrollment:participant_update", args=[participant.pk]), data)


def test_correction_without_reason_is_refused_next_to_the_reason_field(coordinator_client, participant):
    response = _edit(coordinator_client, participant, initials="ZZ", reason_for_change="")
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors["reason_for_change"][0].lower()
    assert Participant.objects.get(pk=participant.pk).initials == "WL"


def test_second_user_saving_a_stale_form_is_told_who_changed_it(client, coordinator, make_user, participant):
    colleague = make_user("Study coordinator", first_name="Wang", last_name="Fang")
    client.force_login(colleague)
    assert _edit(client, participant, initials="ZF").status_code == 302

    client.force_login(coordinator)
    response = _edit(client, participant, initials="QQ", version=1)
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert "changed by Wang Fang at" in errors[0] and "reload" in errors[0]
    assert Participant.objects.get(pk=participant.pk).initials == "ZF"


def test_status_change_is_dated_and_listed_on_the_dashboard(coordinator_client, participant):
    response = coordinator_client.post(
        reverse("enrollment:participant_status_change", args=[participant.pk]),
        {
            "version": 1,
            "new_status": ParticipantStatus.OFF_STUDY,
            "effective_date": participant.screening_date.isoformat(),
            "reason": "Moved to another hospital",
        },
        follow=True,
    )
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.OFF_STUDY
    assert "Moved to another hospital" in response.content.decode()


def test_enrolled_cannot_be_chosen_by_hand(coordinator_client, participant):
    response = coordinator_client.post(
        reverse("enrollment:participant_status_change", args=[participant.pk]),
        {"version": 1, "new_status": "enrolled", "effective_date": participant.screening_date.isoformat(), "reason": "x"},
    )
    assert response.status_code == 200
    assert "new_status" in response.context["form"].errors
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.SCREENING


def test_audit_page_lists_every_change_newest_first_with_reason(coordinator_client, participant):
    _edit(coordinator_client, participant, initials="ZF", reason_for_change="Initials mistyped")
    response = coordinator_client.get(reverse("enrollment:participant_audit", args=[participant.pk]))
    entries = response.context["page"].object_list
    assert entries[0].action == "Changed"
    assert entries[0].reason == "Initials mistyped"
    assert [(c.label, c.old, c.new) for c in entries[0].changes] == [("Initials", "WL", "ZF")]
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)
    assert {e.record_type for e in entries} == {"Participant", "Participant status change"}


def test_participant_list_finds_by_initials(coordinator_client, participant):
    response = coordinator_client.get(reverse("enrollment:participant_list"), {"q": "wl"})
    assert list(response.context["page"].object_list) == [participant]
    response = coordinator_client.get(reverse("enrollment:participant_list"), {"q": "nobody"})
    assert list(response.context["page"].object_list) == []


def test_the_dashboard_reads_her_records_once_until_one_of_them_changes(
    coordinator_client, coordinator, investigator, django_assert_max_num_queries
):
    import datetime

    from dosing.tests.factories import participant_enrolled

    enrolled = participant_enrolled(coordinator=coordinator, investigator=investigator,
                                    treatment_start=datetime.date(2026, 11, 2))  # fmt: skip
    other = participant_enrolled(coordinator=coordinator, investigator=investigator,
                                 treatment_start=datetime.date(2026, 11, 2))  # fmt: skip
    url = reverse("enrollment:participant_detail", args=[enrolled.pk])
    page = coordinator_client.get(url).content.decode()
    assert "Consent" in page
    with django_assert_max_num_queries(22):  # the record panels come from the cache
        coordinator_client.get(url)
    # Another participant's save leaves her entry valid; her own save shows at once.
    other.consents.first().save()
    with django_assert_max_num_queries(22):
        coordinator_client.get(url)
    consent = enrolled.consents.first()
    consent.icf_version = "v9.9"
    consent.save()
    assert "Consent v9.9" in coordinator_client.get(url).content.decode()
