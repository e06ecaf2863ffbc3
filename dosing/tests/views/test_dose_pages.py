"""The treatment calendar, dose, delay, toxicity review and decision pages; doses due; deviations."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dosing.models import DoseAdministration, DoseModification
from dosing.services.doses import dose_administer
from dosing.services.modification import dose_modification_review
from dosing.tests.conftest import study_day

pytestmark = pytest.mark.django_db


def dose_url(participant, agent="cisplatin", phase="ccrt", cycle=1, day=1, suffix=""):
    url = reverse("dosing:dose_record", args=[participant.pk, agent, phase, cycle, day])
    return url + suffix


def test_calendar_lists_every_planned_dose_with_provisional_consolidation(client, coordinator, measured):
    client.force_login(coordinator)
    response = client.get(reverse("dosing:treatment_calendar", args=[measured.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    for testid in ("calendar-ccrt", "calendar-consolidation", "calendar-maintenance", "calendar-radiotherapy"):
        assert f'data-testid="{testid}"' in content
    assert content.count('data-testid="dose-') >= 40
    assert "provisional" in content
    assert "BSA 1.69 m²" in content


def test_calendar_of_a_participant_not_enrolled_redirects_to_the_dashboard(client, coordinator, participant):
    client.force_login(coordinator)
    response = client.get(reverse("dosing:treatment_calendar", args=[participant.pk]))
    assert response.status_code == 302
    assert response.url == reverse("enrollment:participant_detail", args=[participant.pk])


def test_dose_page_shows_the_calculated_dose(client, coordinator, measured):
    client.force_login(coordinator)
    response = client.get(dose_url(measured))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="calculated-dose">68 mg' in content
    assert "1.69 m²" in content


def test_posting_a_dose_records_it_and_returns_to_the_calendar(client, coordinator, measured, treatment_start):
    client.force_login(coordinator)
    response = client.post(dose_url(measured), {"status": "given", "given_on": treatment_start.isoformat(), "dose_given_mg": "68"})
    assert response.status_code == 302
    record = DoseAdministration.objects.get()
    assert record.dose_given_mg == Decimal("68") and record.recorded_by == coordinator
    page = client.get(reverse("dosing:treatment_calendar", args=[measured.pk])).content.decode()
    assert "68 given" in page


def test_a_dose_too_high_is_refused_next_to_the_field_and_nothing_saved(client, coordinator, measured, treatment_start):
    client.force_login(coordinator)
    response = client.post(dose_url(measured), {"status": "given", "given_on": treatment_start.isoformat(), "dose_given_mg": "90"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "only an investigator" in " ".join(form.errors["dose_given_mg"])
    assert not DoseAdministration.objects.exists()


def test_garbage_input_gets_field_errors_not_a_server_error(client, coordinator, measured):
    client.force_login(coordinator)
    response = client.post(dose_url(measured), {"status": "bogus", "given_on": "31/31/2024", "dose_given_mg": "a lot"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"status", "given_on", "dose_given_mg"}


def test_unknown_dose_in_the_url_is_404(client, coordinator, measured):
    client.force_login(coordinator)
    assert client.get(dose_url(measured, cycle=9)).status_code == 404
    assert client.get(dose_url(measured, agent="aspirin")).status_code == 404


def test_delay_page_moves_later_dates(client, coordinator, measured, treatment_start):
    client.force_login(coordinator)
    url = reverse("dosing:dose_delay", args=[measured.pk, "cisplatin", "ccrt", 2, 1])
    response = client.post(url, {"delayed_to": study_day(treatment_start, 15).isoformat(), "reason": "ANC 0.8"})
    assert response.status_code == 302
    page = client.get(reverse("dosing:treatment_calendar", args=[measured.pk])).content.decode()
    assert f"moved from {study_day(treatment_start, 8):%Y-%m-%d}" in page
    assert "Delayed: ANC 0.8" in page


def test_toxicity_review_page_and_investigator_decision(client, coordinator, investigator, measured, treatment_start):
    dose_administer(participant=measured, user=coordinator, key=("cisplatin", "ccrt", 1, 1),
                    values={"status": "given", "given_on": treatment_start, "dose_given_mg": Decimal("68")})
    client.force_login(coordinator)
    response = client.post(reverse("dosing:modification_create", args=[measured.pk]), {
        "assessed_on": study_day(treatment_start, 7).isoformat(), "neutrophil_grade": "4",
        "haematological_recovered": "yes",
    })
    assert response.status_code == 302
    review = DoseModification.objects.get()
    assert review.decision == "pending"
    page = client.get(reverse("dosing:treatment_calendar", args=[measured.pk])).content.decode()
    assert 'data-testid="pending-recommendation"' in page
    decide = reverse("dosing:modification_decide", args=[measured.pk, review.pk])
    assert client.get(decide).status_code == 403

    client.force_login(investigator)
    response = client.post(decide, {"version": review.version, "decision": "override", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    response = client.post(decide, {"version": review.version, "decision": "confirm"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.decision == "confirmed"
    page = client.get(reverse("dosing:treatment_calendar", args=[measured.pk])).content.decode()
    assert "Level in force: <strong>80 %" in page
    assert f"At 80 % (chemo.haem.reduce, confirmed {study_day(treatment_start, 7):%Y-%m-%d})" in page


def test_toxicity_review_form_refuses_a_grade_without_a_term(client, coordinator, measured):
    client.force_login(coordinator)
    response = client.post(reverse("dosing:modification_create", args=[measured.pk]), {
        "assessed_on": timezone.localdate().isoformat(), "other_grade_1": "3",
    })
    assert response.status_code == 200
    assert "other_term_1" in response.context["form"].errors
    assert not DoseModification.objects.exists()


def test_doses_due_this_week_lists_unrecorded_doses_of_participants_on_treatment(client, coordinator, enrolled, treatment_start):
    client.force_login(coordinator)
    # Treatment started 70 days ago: the weekly doses are long overdue and not recorded.
    response = client.get(reverse("dosing:doses_due"))
    assert response.status_code == 200
    overdue = response.context["overdue"]
    assert any(item.row.dose.key == ("cisplatin", "ccrt", 1, 1) for item in overdue)
    week = (treatment_start + datetime.timedelta(days=7)).isoformat()
    response = client.get(reverse("dosing:doses_due"), {"week": week})
    keys = {item.row.dose.key for item in response.context["this_week"]}
    assert ("cisplatin", "ccrt", 2, 1) in keys
    assert client.get(reverse("dosing:doses_due"), {"week": "2026-02-30"}).status_code == 200


def test_deviation_list_shows_a_dose_given_outside_its_window(client, coordinator, data_manager, measured, treatment_start):
    dose_administer(
        participant=measured, user=coordinator, key=("cisplatin", "ccrt", 1, 1),
        values={"status": "given", "given_on": study_day(treatment_start, 5), "dose_given_mg": Decimal("68"),
                "difference_reason": "delay", "difference_note": "Bed shortage"},
    )
    client.force_login(data_manager)
    response = client.get(reverse("dosing:deviations"))
    assert response.status_code == 200
    assert "4 day(s) late" in response.content.decode()


def test_fewer_than_four_weekly_cisplatin_doses_is_a_deviation_once_ccrt_is_over(coordinator, measured, treatment_start):
    from dosing.selectors.calendar import participant_deviations

    codes = {d.code for d in participant_deviations(measured, today=timezone.localdate())}
    assert "ccrt.cisplatin.below_minimum" in codes  # 70 days in, no weekly cisplatin recorded


def test_dashboard_treatment_panel_summarises_doses(client, coordinator, measured, treatment_start):
    dose_administer(participant=measured, user=coordinator, key=("cisplatin", "ccrt", 1, 1),
                    values={"status": "given", "given_on": treatment_start, "dose_given_mg": Decimal("68")})
    client.force_login(coordinator)
    page = client.get(reverse("enrollment:participant_detail", args=[measured.pk])).content.decode()
    assert "1 dose(s) given" in page
    assert reverse("dosing:treatment_calendar", args=[measured.pk]) in page


def test_monitor_sees_the_calendar_but_no_record_buttons(client, monitor, measured):
    client.force_login(monitor)
    page = client.get(reverse("dosing:treatment_calendar", args=[measured.pk])).content.decode()
    assert "Record height and weight" not in page
    assert ">Record</a>" not in page
    assert client.post(dose_url(measured), {"status": "given"}).status_code == 403


def test_review_on_an_unrecorded_calendar_without_pending(coordinator, measured, treatment_start):
    review = dose_modification_review(participant=measured, user=coordinator, assessed_on=treatment_start,
                                      toxicities=[], febrile=False, haematological_recovered=None)
    assert review.target_key == ("cisplatin", "ccrt", 1, 1)


@pytest.mark.parametrize("name", ["dosing:radiotherapy", "dosing:radiotherapy_course", "dosing:brachy_create",
                                  "dosing:modification_create", "dosing:anthropometrics_create"])
def test_treatment_pages_of_a_participant_in_screening_answer_without_a_server_error(client, coordinator, participant, name):
    client.force_login(coordinator)
    assert client.get(reverse(name, args=[participant.pk])).status_code in (200, 302)
    assert client.post(reverse(name, args=[participant.pk]), {"junk": "x"}).status_code in (200, 302)
    assert not DoseModification.objects.exists()


def test_decision_with_an_impossible_level_is_a_field_error(client, coordinator, investigator, measured, treatment_start):
    review = dose_modification_review(participant=measured, user=coordinator, assessed_on=treatment_start,
                                      toxicities=[("Platelet count decreased", 4)], febrile=False,
                                      haematological_recovered=True)
    client.force_login(investigator)
    url = reverse("dosing:modification_decide", args=[measured.pk, review.pk])
    response = client.post(url, {"version": review.version, "decision": "override", "action": "reduce",
                                 "level_pct": "55", "reason": "x"})
    assert response.status_code == 200
    assert "level_pct" in response.context["form"].errors
