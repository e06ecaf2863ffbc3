"""The participant dashboard's adverse-event panel."""

import datetime

import pytest
from django.utils import timezone

from core.services import clinical_record_save
from toxicity.models import AdverseEvent, AdverseEventSignature, CtcaeTerm, LabPanel, LabResult
from toxicity.selectors.panel import safety_panel_lines

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _event(participant, user, number, term, grade, **extra):
    values = {
        "attribution_toripalimab": "possible",
        "attribution_cisplatin": "unrelated",
        "attribution_paclitaxel": "unrelated",
        "attribution_radiotherapy": "unrelated",
        "onset_date": participant.planned_treatment_start,
        "current_grade": grade,
        **extra,
    }
    event = AdverseEvent(
        participant=participant, number=number, term=CtcaeTerm.objects.get(term=term), grade=grade, **values
    )
    clinical_record_save(instance=event, user=user)
    return event


def test_nothing_recorded_gives_no_lines(enrolled):
    assert safety_panel_lines(enrolled, now=NOW) == []


def test_panel_counts_events_and_names_open_sae_clocks_and_missing_signatures(enrolled, coordinator, investigator):
    _event(enrolled, coordinator, 1, "Anemia", 2, ongoing=False, resolution_date=enrolled.planned_treatment_start,
           current_grade=0)  # fmt: skip
    sae = _event(
        enrolled, coordinator, 2, "Colitis", 3, immune_related=True, irae_category="colitis", serious=True,
        sae_hospitalisation=True, sae_awareness_at=NOW - datetime.timedelta(hours=30),
    )  # fmt: skip
    AdverseEventSignature.objects.create(
        adverse_event=sae, ae_version=sae.version, signed_by=investigator, signer_name="Dr I", signed_at=NOW
    )

    lines = safety_panel_lines(enrolled, now=NOW)

    assert lines[0] == "2 adverse event(s), worst grade 3; 1 ongoing, 1 serious, 1 immune-related"
    assert lines[1].startswith("SAE report for AE 2 (Colitis) OVERDUE")
    assert lines[2] == "Awaiting investigator signature: AE 1"


def test_panel_counts_lab_values_awaiting_confirmation(enrolled, coordinator):
    panel = LabPanel(participant=enrolled, collected_on=enrolled.planned_treatment_start, recorded_by=coordinator)
    clinical_record_save(instance=panel, user=coordinator)
    result = LabResult(panel=panel, analyte="alt", value=240, unit="U/L", uln=40, ctcae_term="Alanine aminotransferase increased",
                       grade=3, ae_proposal="proposed")  # fmt: skip
    clinical_record_save(instance=result, user=coordinator)

    assert safety_panel_lines(enrolled, now=NOW) == ["1 abnormal lab value(s) await confirmation as adverse events"]
