"""A hand-built cohort for the toxicity dashboard tests, recorded with the ORM through
``core.services.clinical_record_save`` (audited, versioned), and helpers to record doses, AEs,
signatures, irAE dose decisions and chemotherapy reviews.

The cohort (T = treatment start, 70 days ago; every participant starts on T):

| participant | doses given | adverse events (onset day after T, worst grade, attribution) |
|---|---|---|
| A | cisplatin, toripalimab | Diarrhea G1 (T+10, cisplatin possible); Diarrhea G3 (T+30, cisplatin probable, SAE open); Nausea G2 (T+5, cisplatin definite) |
| B | toripalimab | Diarrhea G2 irAE colitis (T+12, toripalimab possible); ALT increased G3 irAE hepatitis (T+40, toripalimab probable, SAE overdue) |
| C | cisplatin, toripalimab | Anemia G4 (T+20, cisplatin probable, radiotherapy possible, SAE sent on time); Hypothyroidism G2 irAE (T+50, toripalimab possible) |
| D | cisplatin | Nausea G1 (T+3, unrelated) |
| E | none (one dose omitted) | Diarrhea G4 (T+8, SAE without awareness time): not in the safety population |

Signatures: A's Diarrhea G1 signed at its version; C's Anemia signed, then edited (needs a new
signature). Holds: B's hepatitis G3 -> discontinue toripalimab, awaiting the investigator; B's
colitis G2 interrupt ended; C's hypothyroidism overridden to continue; D's chemotherapy review
awaiting the investigator; C's chemotherapy held (confirmed); A's chemotherapy reduced (not a hold).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from core.services import clinical_record_save
from dosing.models import DoseAdministration, DoseModification, DoseStatus
from dosing.tests.factories import participant_enrolled
from toxicity.models import AdverseEvent, AdverseEventSignature, CtcaeTerm, IraeDoseDecision

UNRELATED = "unrelated"
AGENTS = ("toripalimab", "cisplatin", "paclitaxel", "radiotherapy")

DOSE_KEYS = {
    "cisplatin": ("cisplatin", "ccrt", 1, 1),
    "toripalimab": ("toripalimab", "ccrt", 1, 1),
    "paclitaxel": ("paclitaxel", "consolidation", 1, 1),
}


def give_dose(participant, user, agent: str, on: datetime.date, *, status: str = DoseStatus.GIVEN) -> DoseAdministration:
    """A dose of ``agent`` (its first calendar dose) given on ``on``, or omitted."""
    agent_, phase, cycle, day = DOSE_KEYS[agent]
    given = status == DoseStatus.GIVEN
    record = DoseAdministration(
        participant=participant, agent=agent_, phase=phase, cycle=cycle, day=day, status=status,
        due_on=on, given_on=on if given else None, planned_dose_mg=Decimal("68"), calculated_dose_mg=Decimal("68"),
        dose_given_mg=Decimal("68") if given else None, lot_number="L1" if agent == "toripalimab" else "",
        difference_reason="" if given else "omission", difference_note="" if given else "Patient unwell",
        recorded_by=user,
    )
    clinical_record_save(instance=record, user=user)
    return record


def record_ae(participant, user, term: str, grade: int, onset: datetime.date, *, related: dict | None = None,
              **fields) -> AdverseEvent:
    """An AE of the CTCAE ``term`` at worst ``grade``; ``related`` maps agent -> attribution
    (the others unrelated)."""
    attributions = {f"attribution_{agent}": (related or {}).get(agent, UNRELATED) for agent in AGENTS}
    number = AdverseEvent.objects.filter(participant=participant).count() + 1
    ae = AdverseEvent(
        participant=participant, number=number, term=CtcaeTerm.objects.get(term=term), grade=grade,
        current_grade=fields.pop("current_grade", grade), onset_date=onset, recorded_by=user,
        **attributions, **fields,
    )
    clinical_record_save(instance=ae, user=user)
    return ae


def sign(ae: AdverseEvent, user) -> AdverseEventSignature:
    signature = AdverseEventSignature(
        adverse_event=ae, ae_version=ae.version, signed_by=user, signer_name=user.get_full_name() or user.username,
        signed_at=timezone.now(),
    )
    clinical_record_save(instance=signature, user=user)
    return signature


def irae_decision(ae: AdverseEvent, user, *, recommended: str, decision: str = "pending", decided_action: str = "",
                  active: bool = True, target=("maintenance", 1, 1), rule_code: str = "irae.test") -> IraeDoseDecision:
    phase, cycle, day = target
    record = IraeDoseDecision(
        participant=ae.participant, adverse_event=ae, assessed_on=ae.onset_date, grade=ae.grade,
        target_phase=phase, target_cycle=cycle, target_day=day, recommended_action=recommended,
        rule_code=rule_code, rule_reason=f"PROTOCOL §3 irAE table: {recommended}", decision=decision,
        decided_action=decided_action, decided_by=user if decision != "pending" else None,
        decided_at=timezone.now() if decision != "pending" else None, active=active,
        ended_on=None if active else ae.onset_date, end_reason="" if active else "Back to grade 1",
    )
    clinical_record_save(instance=record, user=user)
    return record


def chemo_review(participant, user, on: datetime.date, *, recommended: str, decision: str = "pending",
                 decided_action: str = "", level_pct: int | None = None) -> DoseModification:
    review = DoseModification(
        participant=participant, assessed_on=on, target_agent="cisplatin", target_phase="ccrt", target_cycle=3,
        target_day=1, toxicities=[{"term": "Neutrophil count decreased", "grade": 3}], current_level_pct=100,
        recommended_action=recommended, recommended_level_pct=level_pct, rule_code="chemo.test",
        rule_reason=f"PROTOCOL §3 chemotherapy: {recommended}", decision=decision, decided_action=decided_action,
        decided_level_pct=level_pct if decision != "pending" else None,
        decided_by=user if decision != "pending" else None, decided_at=timezone.now() if decision != "pending" else None,
        recorded_by=user,
    )
    clinical_record_save(instance=review, user=user)
    return review


@dataclass
class Cohort:
    start: datetime.date
    now: datetime.datetime
    participants: dict = field(default_factory=dict)
    aes: dict = field(default_factory=dict)
    decisions: dict = field(default_factory=dict)


def build_cohort(*, coordinator, investigator, start: datetime.date, now: datetime.datetime) -> Cohort:
    day = lambda n: start + datetime.timedelta(days=n)  # noqa: E731
    hours_ago = lambda h: now - datetime.timedelta(hours=h)  # noqa: E731
    cohort = Cohort(start=start, now=now)
    for name in "ABCDE":
        cohort.participants[name] = participant_enrolled(
            coordinator=coordinator, investigator=investigator, treatment_start=start
        )
    a, b, c, d, e = (cohort.participants[name] for name in "ABCDE")
    for participant, agents in ((a, ("cisplatin", "toripalimab")), (b, ("toripalimab",)),
                                (c, ("cisplatin", "toripalimab")), (d, ("cisplatin",))):
        for agent in agents:
            give_dose(participant, coordinator, agent, start)
    give_dose(e, coordinator, "cisplatin", start, status=DoseStatus.OMITTED)

    ae = cohort.aes
    ae["A_diarrhea_1"] = record_ae(a, coordinator, "Diarrhea", 1, day(10), related={"cisplatin": "possible"})
    ae["A_diarrhea_3"] = record_ae(
        a, coordinator, "Diarrhea", 3, day(30), related={"cisplatin": "probable"},
        serious=True, sae_hospitalisation=True, sae_awareness_at=hours_ago(2),
    )
    ae["A_nausea_2"] = record_ae(a, coordinator, "Nausea", 2, day(5), related={"cisplatin": "definite"})
    ae["B_diarrhea_2"] = record_ae(
        b, coordinator, "Diarrhea", 2, day(12), related={"toripalimab": "possible"},
        immune_related=True, irae_category="colitis",
    )
    ae["B_alt_3"] = record_ae(
        b, coordinator, "Alanine aminotransferase increased", 3, day(40), related={"toripalimab": "probable"},
        immune_related=True, irae_category="hepatitis", serious=True, sae_important_medical_event=True,
        sae_awareness_at=hours_ago(30),
    )
    ae["C_anemia_4"] = record_ae(
        c, coordinator, "Anemia", 4, day(20), related={"cisplatin": "probable", "radiotherapy": "possible"},
        serious=True, sae_life_threatening=True, sae_awareness_at=hours_ago(48),
    )
    ae["C_hypothyroidism_2"] = record_ae(
        c, coordinator, "Hypothyroidism", 2, day(50), related={"toripalimab": "possible"},
        immune_related=True, irae_category="hypothyroidism",
    )
    ae["D_nausea_1"] = record_ae(d, coordinator, "Nausea", 1, day(3), related={"radiotherapy": "unlikely"})
    ae["E_diarrhea_4"] = record_ae(e, coordinator, "Diarrhea", 4, day(8), related={"cisplatin": "probable"},
                                   serious=True, sae_hospitalisation=True)

    sign(ae["A_diarrhea_1"], investigator)
    anemia = ae["C_anemia_4"]
    sign(anemia, investigator)
    anemia.sae_report_sent_at = hours_ago(40)
    clinical_record_save(instance=anemia, user=coordinator, reason="SAE report sent", expected_version=anemia.version)
    anemia.refresh_from_db()

    cohort.decisions["B_hepatitis"] = irae_decision(ae["B_alt_3"], investigator, recommended="discontinue",
                                                    rule_code="irae.hepatitis.g3")
    cohort.decisions["B_colitis"] = irae_decision(ae["B_diarrhea_2"], investigator, recommended="interrupt",
                                                  decision="confirmed", active=False)
    cohort.decisions["C_thyroid"] = irae_decision(ae["C_hypothyroidism_2"], investigator, recommended="interrupt",
                                                  decision="overridden", decided_action="continue")
    chemo_review(d, investigator, day(20), recommended="hold")
    chemo_review(c, investigator, day(21), recommended="hold", decision="confirmed", decided_action="hold")
    chemo_review(a, investigator, day(22), recommended="reduce", decision="confirmed", decided_action="reduce",
                 level_pct=80)
    return cohort


def add_treated_participants(count: int, *, coordinator, investigator, start: datetime.date, now: datetime.datetime):
    """``count`` more treated participants, each with an AE, an irAE with a pending discontinue
    decision, an overdue SAE, one signature and a chemotherapy review awaiting the investigator:
    every list and table of the dashboard grows with them."""
    for _ in range(count):
        participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
        give_dose(participant, coordinator, "cisplatin", start)
        give_dose(participant, coordinator, "toripalimab", start)
        nausea = record_ae(participant, coordinator, "Nausea", 2, start + datetime.timedelta(days=4),
                           related={"cisplatin": "probable"})
        sign(nausea, investigator)
        hepatitis = record_ae(
            participant, coordinator, "Alanine aminotransferase increased", 3, start + datetime.timedelta(days=30),
            related={"toripalimab": "probable"}, immune_related=True, irae_category="hepatitis", serious=True,
            sae_hospitalisation=True, sae_awareness_at=now - datetime.timedelta(hours=30),
        )
        irae_decision(hepatitis, investigator, recommended="discontinue")
        chemo_review(participant, investigator, start + datetime.timedelta(days=31), recommended="hold")
