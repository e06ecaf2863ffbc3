"""Helpers for the irAE dose rule tests: adverse events written with the ORM through the audited
save (the AE service is tested on its own), toripalimab doses given through the dosing service,
and the rule applied as the AE service applies it."""

import datetime
from decimal import Decimal

from django.utils import timezone

from core.services import clinical_record_save
from dosing.services.doses import dose_administer
from toxicity.models import AdverseEvent, CtcaeTerm
from toxicity.services.irae import irae_dose_rules_apply

TORI_CCRT_1 = ("toripalimab", "ccrt", 1, 1)
TORI_CCRT_2 = ("toripalimab", "ccrt", 2, 1)

TERM_BY_CATEGORY = {
    "hepatitis": "Alanine aminotransferase increased",
    "colitis": "Colitis",
    "pneumonitis": "Pneumonitis",
    "rash": "Rash maculo-papular",
    "hypothyroidism": "Hypothyroidism",
    "infusion_reaction": "Infusion related reaction",
    "other": "Fatigue",
}


def record_ae(participant, user, *, category="hepatitis", grade=3, current_grade=None, onset=None,
              immune_related=True, term=None, **fields) -> AdverseEvent:  # fmt: skip
    """An adverse event saved through ``clinical_record_save`` (default: an immune-related
    hepatitis, ALT increased grade 3, onset today, ongoing)."""
    name = term or TERM_BY_CATEGORY[category]
    ae = AdverseEvent(
        participant=participant,
        number=AdverseEvent.objects.filter(participant=participant).count() + 1,
        term=CtcaeTerm.objects.get(term=name),
        grade=grade,
        current_grade=grade if current_grade is None else current_grade,
        onset_date=onset or timezone.localdate(),
        attribution_toripalimab="probable",
        attribution_cisplatin="unlikely",
        attribution_paclitaxel="unlikely",
        attribution_radiotherapy="unrelated",
        immune_related=immune_related,
        irae_category=category if immune_related else "",
        recorded_by=user,
        **fields,
    )
    clinical_record_save(instance=ae, user=user)
    return ae


def change_ae(ae: AdverseEvent, user, *, reason="Reassessed", **changes) -> AdverseEvent:
    ae.refresh_from_db()
    for name, value in changes.items():
        setattr(ae, name, value)
    if changes.get("current_grade") is not None and changes["current_grade"] > ae.grade:
        ae.grade = changes["current_grade"]
    clinical_record_save(instance=ae, user=user, reason=reason, expected_version=ae.version)
    return ae


def give_toripalimab(participant, user, key, on: datetime.date, **extra):
    values = {"status": "given", "given_on": on, "dose_given_mg": Decimal("240"), "lot_number": "TP-1", **extra}
    return dose_administer(participant=participant, user=user, key=key, values=values)


def apply_rules(participant, user=None, today: datetime.date | None = None):
    return irae_dose_rules_apply(participant=participant, user=user, today=today or timezone.localdate())
