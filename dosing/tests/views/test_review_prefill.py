"""The chemotherapy toxicity review is pre-filled with the worst grades the toxicity app holds since
the last chemotherapy dose given (PROTOCOL §3: "The chemotherapy rules ... get their grades from
here"), with a line saying so."""

import subprocess
import sys
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dosing.services.doses import dose_administer
from dosing.tests.conftest import study_day
from toxicity.services.labs import lab_panel_record
from toxicity.tests.labs_fixtures import adverse_event, lab_values

pytestmark = pytest.mark.django_db


def give(participant, user, week, on):
    dose_administer(participant=participant, user=user, key=("cisplatin", "ccrt", week, 1),
                    values={"status": "given", "given_on": on, "dose_given_mg": Decimal("68")})


def review(client, participant):
    return client.get(reverse("dosing:modification_create", args=[participant.pk]))


def test_grades_since_the_last_chemotherapy_dose_fill_the_review(client, coordinator, measured, treatment_start):
    give(measured, coordinator, 1, treatment_start)
    give(measured, coordinator, 2, study_day(treatment_start, 8))
    # Before the last dose: left out.
    lab_panel_record(participant=measured, user=coordinator, collected_on=study_day(treatment_start, 5),
                     values=lab_values(anc=(0.3, 1.8, 6.3)))
    lab_panel_record(participant=measured, user=coordinator, collected_on=study_day(treatment_start, 12),
                     values=lab_values(anc=(0.8, 1.8, 6.3), plt=(20, 125, 350), hgb=(12, 11.5, 15), alt=(130, 7, 40)))
    adverse_event(measured, coordinator, term="Diarrhea", grade=3, onset=study_day(treatment_start, 10))
    adverse_event(measured, coordinator, term="Nausea", grade=2, onset=study_day(treatment_start, 9))
    adverse_event(measured, coordinator, term="Fatigue", grade=1, onset=study_day(treatment_start, 9))
    adverse_event(measured, coordinator, term="Febrile neutropenia", grade=3, onset=study_day(treatment_start, 13))
    client.force_login(coordinator)

    response = review(client, measured)

    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["neutrophil_grade"] == 3  # the day-5 grade 4 is before the last dose
    assert initial["platelet_grade"] == 4
    assert initial["anemia_grade"] == 0
    assert initial["febrile_neutropenia_grade"] == 3
    assert "wbc_grade" not in initial and "lymphocyte_grade" not in initial
    assert initial["febrile"] is True
    # The three highest non-haematological grades (ties by term name); fatigue grade 1 is the fourth.
    assert [(initial[f"other_term_{i}"], initial[f"other_grade_{i}"]) for i in (1, 2, 3)] == [
        ("Diarrhea", 3), ("Alanine aminotransferase increased", 2), ("Nausea", 2),
    ]
    content = response.content.decode()
    assert 'data-testid="review-prefill"' in content
    assert (f"Grades pre-filled from the lab results and adverse events recorded from "
            f"{study_day(treatment_start, 8):%Y-%m-%d} (the last chemotherapy dose given) "
            f"to {timezone.localdate():%Y-%m-%d}: check every grade") in content


def test_without_a_dose_given_the_window_starts_at_treatment_start(client, coordinator, measured, treatment_start):
    lab_panel_record(participant=measured, user=coordinator, collected_on=treatment_start,
                     values=lab_values(plt=(60, 125, 350)))
    client.force_login(coordinator)
    response = review(client, measured)
    assert response.context["form"].initial["platelet_grade"] == 2
    assert f"from {treatment_start:%Y-%m-%d} (the treatment start)" in response.content.decode()


def test_nothing_graded_says_so_and_fills_nothing(client, coordinator, measured):
    client.force_login(coordinator)
    response = review(client, measured)
    initial = response.context["form"].initial
    assert set(initial) == {"assessed_on"}
    assert "No graded toxicity found in the lab results and adverse events" in response.content.decode()


def test_the_prefilled_review_saves_as_is(client, coordinator, measured, treatment_start):
    give(measured, coordinator, 1, treatment_start)
    lab_panel_record(participant=measured, user=coordinator, collected_on=study_day(treatment_start, 5),
                     values=lab_values(anc=(0.3, 1.8, 6.3)))
    client.force_login(coordinator)
    initial = review(client, measured).context["form"].initial
    data = {name: (value.isoformat() if hasattr(value, "isoformat") else value) for name, value in initial.items()}
    data["haematological_recovered"] = "yes"
    response = client.post(reverse("dosing:modification_create", args=[measured.pk]), data)
    assert response.status_code == 302
    assert measured.dose_modifications.get().toxicities == [{"term": "Neutrophil count decreased", "grade": 4}]


def test_dosing_does_not_import_toxicity_at_module_import():
    code = (
        "import sys, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'trialsite.settings.test');"
        "django.setup(); import dosing.views.doses, dosing.forms.doses;"
        "print(sorted(m for m in sys.modules if m.startswith('toxicity.') and m != 'toxicity.models'"
        " and not m.startswith(('toxicity.apps', 'toxicity.admin'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "toxicity.selectors.chemo_grades" not in loaded
