"""Tumour assessment pages: the participant's list, baseline and follow-up forms (happy path, errors
next to the fields, nothing saved on error), the live computation endpoint, the investigator's
confirmation, the detail page, and who may do what."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.tests.factories import TEST_PASSWORD
from efficacy.models import Lesion, ResponseConfirmation, TumourAssessment
from efficacy.services import assessments as services
from efficacy.services.assessments import LesionInput, MeasurementInput
from efficacy.tests.factories import treated_participant

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 5)
BASELINE_DAY = datetime.date(2025, 12, 29)
FIRST_SCAN = datetime.date(2026, 3, 30)


@pytest.fixture
def enrolled(coordinator, investigator):
    return treated_participant(coordinator=coordinator, investigator=investigator, treatment_start=START)


@pytest.fixture
def baseline(enrolled, coordinator):
    return services.baseline_record(
        participant=enrolled, user=coordinator, assessment_date=BASELINE_DAY, imaging_method="mri",
        baseline_nodes="pelvic", targets=[LesionInput(organ="cervix", diameter_mm=Decimal(50))],
        non_targets=[LesionInput(organ="lymph node", location="left obturator", is_lymph_node=True)],
    )  # fmt: skip


def lesion_t1(baseline) -> Lesion:
    return baseline.lesions.get(label="T1")


@pytest.fixture
def follow_up(enrolled, coordinator, baseline):
    return services.follow_up_record(
        participant=enrolled, user=coordinator, assessment_date=FIRST_SCAN, imaging_method="mri",
        measurements={lesion_t1(baseline).pk: MeasurementInput("measured", Decimal("32.5"))},
        non_target_response="NON-CR/NON-PD",
    )  # fmt: skip


def formset_data(prefix, rows, *, initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(max(len(rows), 1)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def baseline_post(targets=({"organ": "cervix", "diameter_mm": "50"},), non_targets=(), **changes):
    data = {"assessment_date": BASELINE_DAY.isoformat(), "imaging_method": "mri", "visit_code": "",
            "baseline_nodes": "none", "note": ""}  # fmt: skip
    data.update(formset_data("targets", list(targets)))
    data.update(formset_data("non_targets", list(non_targets)))
    data.update(changes)
    return data


def follow_up_post(baseline, *, status="measured", diameter="32.5", **changes):
    lesion = lesion_t1(baseline)
    data = {"assessment_date": FIRST_SCAN.isoformat(), "imaging_method": "mri", "visit_code": "",
            f"lesion_{lesion.pk}_status": status, f"lesion_{lesion.pk}_diameter_mm": diameter,
            "non_target_response": "NON-CR/NON-PD", "new_lesions": "none", "new_lesion_sites": "", "note": ""}  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def list_url(participant):
    return reverse("efficacy:assessment_list", kwargs={"pk": participant.pk})


# --- list and detail --------------------------------------------------------------------------------


def test_list_of_a_participant_not_enrolled_redirects_with_a_message(client, monitor, participant):
    client.force_login(monitor)
    response = client.get(list_url(participant), follow=True)
    assert response.redirect_chain[-1][0] == reverse("enrollment:participant_detail", kwargs={"pk": participant.pk})
    assert "Tumour assessments start once the participant is enrolled." in response.content.decode()


def test_list_without_baseline_offers_to_record_it(client, coordinator, enrolled):
    client.force_login(coordinator)
    content = client.get(list_url(enrolled)).content.decode()
    assert "No baseline assessment recorded yet." in content
    assert reverse("efficacy:baseline_create", kwargs={"pk": enrolled.pk}) in content
    assert "Record follow-up" not in content


def test_list_shows_baseline_follow_ups_and_confirmation_state(client, coordinator, investigator, enrolled, follow_up):
    client.force_login(coordinator)
    content = client.get(list_url(enrolled)).content.decode()
    assert "Pelvic nodes" in content and "left obturator" in content and "NT1" in content
    assert "50.0 mm" in content and "32.5 mm" in content
    assert content.count("-35.0%") == 2  # from baseline and from nadir
    assert "PR (partial response)" in content
    assert "Awaiting investigator confirmation" in content
    assert "Record follow-up" in content and "Record baseline" not in content
    assert "Confirm the response" not in content  # a coordinator cannot confirm
    client.force_login(investigator)
    content = client.get(list_url(enrolled)).content.decode()
    assert reverse("efficacy:assessment_confirm", kwargs={"assessment_pk": follow_up.pk}) in content


def test_list_shows_confirmed_and_re_confirmation_needed_and_the_pending_pr(
    client, monitor, coordinator, investigator, enrolled, baseline, follow_up
):
    services.response_confirm(assessment=follow_up, user=investigator, response="PR", password=TEST_PASSWORD,
                              expected_version=follow_up.version)  # fmt: skip
    client.force_login(monitor)
    content = client.get(list_url(enrolled)).content.decode()
    assert "PR confirmed" in content and "Li Investigator" in content
    assert "awaits its confirming assessment at least 28 days later" in content
    assert "Record follow-up" not in content and "Correct" not in content  # a monitor only reads
    services.follow_up_update(
        assessment=follow_up, user=coordinator, assessment_date=FIRST_SCAN, imaging_method="mri",
        measurements={lesion_t1(baseline).pk: MeasurementInput("measured", Decimal(30))},
        non_target_response="NON-CR/NON-PD", expected_version=follow_up.version, reason="Re-measured",
    )  # fmt: skip
    content = client.get(list_url(enrolled)).content.decode()
    assert "Re-confirmation needed" in content


def test_detail_shows_measurements_and_confirmation_history(client, data_manager, investigator, follow_up):
    services.response_confirm(assessment=follow_up, user=investigator, response="SD", reason="Artefact on T1",
                              password=TEST_PASSWORD, expected_version=follow_up.version)  # fmt: skip
    client.force_login(data_manager)
    content = client.get(reverse("efficacy:assessment_detail", kwargs={"assessment_pk": follow_up.pk})).content.decode()
    assert "T1" in content and "cervix" in content and "Measured" in content and "32.5 mm" in content
    assert "Artefact on T1" in content and "Valid" in content
    assert "Non-CR/non-PD" in content


def test_detail_of_the_baseline_lists_its_lesions(client, monitor, baseline):
    client.force_login(monitor)
    content = client.get(reverse("efficacy:assessment_detail", kwargs={"assessment_pk": baseline.pk})).content.decode()
    assert "T1" in content and "NT1" in content and "50.0 mm" in content


# --- baseline form ------------------------------------------------------------------------------------


def test_baseline_create_saves_lesions_and_redirects_to_the_list(client, coordinator, enrolled):
    client.force_login(coordinator)
    url = reverse("efficacy:baseline_create", kwargs={"pk": enrolled.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, baseline_post(
        targets=[{"organ": "cervix", "diameter_mm": "42"}, {"organ": "lymph node", "is_lymph_node": "on",
                                                             "diameter_mm": "18"}],
        non_targets=[{"organ": "parametrium", "location": "right"}],
    ))  # fmt: skip
    assert response.status_code == 302 and response["Location"] == list_url(enrolled)
    baseline = TumourAssessment.objects.get(participant=enrolled)
    assert baseline.target_sum_mm == Decimal(60)
    assert sorted(baseline.lesions.values_list("label", "organ")) == [
        ("NT1", "parametrium"), ("T1", "cervix"), ("T2", "lymph node"),
    ]  # fmt: skip


def test_baseline_errors_are_shown_next_to_the_row_and_nothing_is_saved(client, investigator, enrolled):
    client.force_login(investigator)
    url = reverse("efficacy:baseline_create", kwargs={"pk": enrolled.pk})
    response = client.post(url, baseline_post(targets=[{"organ": "lymph node", "is_lymph_node": "on",
                                                        "diameter_mm": "12"}]))  # fmt: skip
    content = response.content.decode()
    assert response.status_code == 200
    assert "T1: short axis 12 mm is pathological but below 15 mm; record it as a non-target lesion." in content
    assert 'id="id_targets-0-diameter_mm_error"' in content and "is-invalid" in content
    assert not TumourAssessment.objects.exists()

    response = client.post(url, baseline_post(targets=[]))
    assert "A baseline without target lesions is allowed only with non-target lesions" in response.content.decode()
    assert not TumourAssessment.objects.exists()


def test_three_targets_in_the_cervix_are_refused_at_the_top(client, coordinator, enrolled):
    client.force_login(coordinator)
    rows = [{"organ": "cervix", "diameter_mm": "20"}] * 3
    response = client.post(reverse("efficacy:baseline_create", kwargs={"pk": enrolled.pk}), baseline_post(targets=rows))
    assert "3 target lesions in cervix; at most 2 per organ are allowed" in response.content.decode()
    assert not TumourAssessment.objects.exists()


def test_baseline_create_redirects_to_the_correction_once_recorded(client, coordinator, enrolled, baseline):
    client.force_login(coordinator)
    response = client.get(reverse("efficacy:baseline_create", kwargs={"pk": enrolled.pk}))
    assert response["Location"] == reverse("efficacy:baseline_update", kwargs={"assessment_pk": baseline.pk})


def test_baseline_correction_needs_a_reason_and_refuses_removing_a_measured_lesion(
    client, coordinator, enrolled, baseline, follow_up
):
    client.force_login(coordinator)
    url = reverse("efficacy:baseline_update", kwargs={"assessment_pk": baseline.pk})
    t1 = lesion_t1(baseline)
    nt1 = baseline.lesions.get(label="NT1")
    content = client.get(url).content.decode()
    assert "Measured: cannot be removed" in content and "Follow-up assessments exist" in content
    target_row = {"lesion_id": str(t1.pk), "version": "1", "organ": "cervix", "diameter_mm": "50", "DELETE": "on"}
    nt_row = {"lesion_id": str(nt1.pk), "version": "1", "organ": "lymph node", "is_lymph_node": "on"}
    data = baseline_post(baseline_nodes="pelvic", version=str(baseline.version), reason_for_change="Remove T1")
    data.update(formset_data("targets", [target_row], initial=1))
    data.update(formset_data("non_targets", [nt_row], initial=1))
    content = client.post(url, data).content.decode()
    assert "T1 is measured at a follow-up assessment and cannot be removed" in content
    assert baseline.lesions.count() == 2

    del data["targets-0-DELETE"]
    data["targets-0-diameter_mm"] = "60"
    data["reason_for_change"] = ""
    assert "Give a reason for changing a saved record" in client.post(url, data).content.decode()
    data["reason_for_change"] = "Re-measured on the baseline MRI"
    response = client.post(url, data)
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.baseline_sum_mm == Decimal(60) and follow_up.change_from_baseline_pct == Decimal("-45.8")


# --- follow-up form -----------------------------------------------------------------------------------


def test_follow_up_create_before_the_baseline_redirects(client, coordinator, enrolled):
    client.force_login(coordinator)
    response = client.get(reverse("efficacy:followup_create", kwargs={"pk": enrolled.pk}), follow=True)
    assert "Record the baseline assessment first" in response.content.decode()


def test_follow_up_create_shows_a_row_per_target_and_saves(client, investigator, enrolled, baseline):
    client.force_login(investigator)
    url = reverse("efficacy:followup_create", kwargs={"pk": enrolled.pk})
    content = client.get(url).content.decode()
    assert 'data-testid="measurement-T1"' in content and "50.0 mm" in content
    assert reverse("efficacy:assessment_preview", kwargs={"pk": enrolled.pk}) in content
    assert "efficacy/assessment_form.js" in content
    response = client.post(url, follow_up_post(baseline))
    assert response.status_code == 302
    saved = TumourAssessment.objects.get(kind="follow_up")
    assert saved.computed_response == "PR" and saved.change_from_baseline_pct == Decimal("-35.0")


def test_follow_up_errors_are_shown_by_field(client, coordinator, enrolled, baseline):
    client.force_login(coordinator)
    url = reverse("efficacy:followup_create", kwargs={"pk": enrolled.pk})
    lesion = lesion_t1(baseline)
    data = follow_up_post(baseline, diameter="", assessment_date=BASELINE_DAY.isoformat(), imaging_method="ct",
                          new_lesions="unequivocal")  # fmt: skip
    content = client.post(url, data).content.decode()
    assert "The baseline assessment is already recorded on 2025-12-29" in content
    assert "Give the longest diameter of T1 in mm, or choose another status." in content
    assert f'id="id_lesion_{lesion.pk}_diameter_mm_error"' in content
    assert "Say where the new lesions are." in content
    assert "RECIST 1.1 section 3.3 asks for the same method" in content
    assert 'id="method-note" hidden' not in content  # CT is not the baseline's MRI: the note shows
    assert not TumourAssessment.objects.filter(kind="follow_up").exists()


def test_follow_up_correction_recomputes_and_warns_about_the_confirmation(
    client, coordinator, investigator, baseline, follow_up
):
    services.response_confirm(assessment=follow_up, user=investigator, response="PR", password=TEST_PASSWORD,
                              expected_version=follow_up.version)  # fmt: skip
    client.force_login(coordinator)
    url = reverse("efficacy:followup_update", kwargs={"assessment_pk": follow_up.pk})
    content = client.get(url).content.decode()
    assert "voids the confirmation" in content and "-35.0%" in content
    lesion = lesion_t1(baseline)
    data = follow_up_post(baseline, diameter="55", version="1", reason_for_change="Misread",
                          **{f"lesion_{lesion.pk}_version": "1"})  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.computed_response == "SD" and follow_up.version == 2
    assert services.valid_confirmation(follow_up) is None


def test_a_stale_follow_up_correction_is_refused_with_a_message(client, coordinator, baseline, follow_up):
    client.force_login(coordinator)
    url = reverse("efficacy:followup_update", kwargs={"assessment_pk": follow_up.pk})
    data = follow_up_post(baseline, diameter="40", version="1", reason_for_change="Misread")
    assert client.post(url, data).status_code == 302
    data["diameter"] = "41"
    content = client.post(url, data).content.decode()
    assert "This record was changed by Chen Coordinator" in content


def test_wrong_kind_of_assessment_is_404(client, coordinator, investigator, baseline, follow_up):
    client.force_login(coordinator)
    assert client.get(reverse("efficacy:followup_update", kwargs={"assessment_pk": baseline.pk})).status_code == 404
    assert client.get(reverse("efficacy:baseline_update", kwargs={"assessment_pk": follow_up.pk})).status_code == 404
    client.force_login(investigator)
    assert client.get(reverse("efficacy:assessment_confirm", kwargs={"assessment_pk": baseline.pk})).status_code == 404


# --- live computation ----------------------------------------------------------------------------------


def preview(client, participant, **params):
    return client.get(reverse("efficacy:assessment_preview", kwargs={"pk": participant.pk}), params)


def test_preview_answers_the_computed_values(client, coordinator, enrolled, baseline):
    client.force_login(coordinator)
    lesion = lesion_t1(baseline)
    response = preview(client, enrolled, **{f"lesion_{lesion.pk}_status": "measured",
                                            f"lesion_{lesion.pk}_diameter_mm": "32.5",
                                            "non_target_response": "NON-CR/NON-PD",
                                            "assessment_date": FIRST_SCAN.isoformat()})  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert body["sum"] == "32.5 mm" and body["change_from_baseline"] == "-35.0%"
    assert body["change_from_nadir"] == "-35.0%" and body["nadir_sum"] == "50.0 mm"
    assert body["target_response"] == "PR" and body["overall_response"] == "PR"
    assert not TumourAssessment.objects.filter(kind="follow_up").exists()


def test_preview_leaves_the_overall_response_open_until_the_non_target_status_is_chosen(
    client, coordinator, enrolled, baseline
):
    client.force_login(coordinator)
    lesion = lesion_t1(baseline)
    body = preview(client, enrolled, **{f"lesion_{lesion.pk}_status": "too_small"}).json()
    assert body["sum"] == "5.0 mm" and body["target_response"] == "PR" and body["overall_response"] == ""
    assert "Choose the status of the non-target lesions" in body["notes"][0]


def test_preview_of_a_correction_leaves_the_assessment_out_of_its_own_nadir(
    client, coordinator, enrolled, baseline, follow_up
):
    client.force_login(coordinator)
    lesion = lesion_t1(baseline)
    body = preview(client, enrolled, assessment=follow_up.pk, **{
        f"lesion_{lesion.pk}_status": "measured", f"lesion_{lesion.pk}_diameter_mm": "20",
        "assessment_date": FIRST_SCAN.isoformat(), "non_target_response": "CR"}).json()  # fmt: skip
    assert body["nadir_sum"] == "50.0 mm" and body["change_from_baseline"] == "-60.0%"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"diameter": "abc"}, "diameter_mm"),
        ({"diameter": "-3"}, "diameter_mm"),
        ({"status": "vanished"}, "status"),
        ({"status": "measured", "diameter": ""}, "diameter_mm"),
        ({"assessment_date": "2026-13-40"}, "assessment_date"),
        ({"new_lesions": "many"}, "new_lesions"),
        ({"assessment": "x1"}, "assessment"),
        ({"assessment": "999999"}, "assessment"),
    ],
)
def test_preview_answers_400_with_a_message_for_bad_input(client, coordinator, enrolled, baseline, params, field):
    client.force_login(coordinator)
    lesion = lesion_t1(baseline)
    query = {f"lesion_{lesion.pk}_status": params.pop("status", "measured"),
             f"lesion_{lesion.pk}_diameter_mm": params.pop("diameter", "30")}  # fmt: skip
    query.update(params)
    response = preview(client, enrolled, **query)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]
    assert body["field"].endswith(field)


def test_preview_without_a_baseline_answers_400(client, coordinator, enrolled):
    client.force_login(coordinator)
    response = preview(client, enrolled)
    assert response.status_code == 400 and "baseline" in response.json()["error"]


# --- confirmation -----------------------------------------------------------------------------------------


def confirm_url(assessment):
    return reverse("efficacy:assessment_confirm", kwargs={"assessment_pk": assessment.pk})


def test_investigator_confirms_the_computed_response(client, investigator, enrolled, follow_up):
    client.force_login(investigator)
    content = client.get(confirm_url(follow_up)).content.decode()
    assert "PR (partial response)" in content and "-35.0%" in content and ResponseConfirmation.MEANING in content
    response = client.post(confirm_url(follow_up), {"version": "1", "response": "PR", "confirm": "on",
                                                    "password": TEST_PASSWORD})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == list_url(enrolled)
    confirmation = ResponseConfirmation.objects.get()
    assert (confirmation.response, confirmation.assessment_version) == ("PR", 1)


def test_confirmation_errors_are_shown_and_nothing_is_saved(client, investigator, follow_up):
    client.force_login(investigator)
    content = client.post(confirm_url(follow_up), {"version": "1", "response": "SD", "confirm": "on",
                                                   "password": "wrong"}).content.decode()  # fmt: skip
    assert "Give the reason the response differs from the computed one (PR)." in content
    assert "The password is not correct; the response was not confirmed." in content
    assert not ResponseConfirmation.objects.exists()


def test_coordinator_cannot_confirm_and_monitor_cannot_record(client, coordinator, monitor, enrolled, baseline,
                                                               follow_up):  # fmt: skip
    client.force_login(coordinator)
    assert client.get(confirm_url(follow_up)).status_code == 403
    assert client.post(confirm_url(follow_up), {"version": "1", "response": "PR", "confirm": "on",
                                                "password": TEST_PASSWORD}).status_code == 403  # fmt: skip
    client.force_login(monitor)
    for name, kwargs in (("baseline_create", {"pk": enrolled.pk}), ("followup_create", {"pk": enrolled.pk}),
                         ("baseline_update", {"assessment_pk": baseline.pk}),
                         ("followup_update", {"assessment_pk": follow_up.pk}),
                         ("assessment_preview", {"pk": enrolled.pk}),
                         ("assessment_confirm", {"assessment_pk": follow_up.pk})):  # fmt: skip
        assert client.get(reverse(f"efficacy:{name}", kwargs=kwargs)).status_code == 403, name
    assert client.post(reverse("efficacy:followup_create", kwargs={"pk": enrolled.pk}),
                       follow_up_post(baseline, assessment_date="2026-04-30")).status_code == 403  # fmt: skip
    assert TumourAssessment.objects.filter(kind="follow_up").count() == 1
    assert not ResponseConfirmation.objects.exists()
