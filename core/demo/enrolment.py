"""Who is screened and what becomes of them (PROTOCOL §1): identity, consent, the screening record
evaluated by the real eligibility rules (``enrollment.rules.eligibility.evaluate``), screen
failures with their failing criteria, the investigator's signature and enrolment.

Mix: screening dates spread over the ~25 months before the reference date; about 1 in 10 screened
patients fails one criterion (neutrophils, haemoglobin, ECOG, distant metastasis, HBV DNA,
creatinine, age, autoimmune disease, infection); patients screened in the last weeks may still
be in screening; the rest are enrolled 2-7 days before a treatment start 18-35 days after
screening (a few planned start dates fall after the reference date: enrolled, not yet treated).
"""

import datetime
import random
import string
from dataclasses import dataclass, field
from decimal import Decimal

from enrollment.models import (
    Consent,
    EligibilitySignature,
    Participant,
    ParticipantStatus,
    ParticipantStatusChange,
    Screening,
)
from enrollment.rules.eligibility import EligibilityResult, evaluate
from enrollment.rules.screening_input import evaluation_data

from .context import SeedContext, days, q

ENROLLED = "enrolled"
SCREEN_FAILURE = "screen_failure"
IN_SCREENING = "screening"

SCREENING_SPAN_DAYS = 760
ICF_VERSIONS = ("v2.0 2021-06-15", "v2.1 2022-03-01")
HISTOLOGIES = (
    ("Squamous cell carcinoma", 85),
    ("Adenocarcinoma", 11),
    ("Adenosquamous carcinoma", 4),
)
FIGO_STAGES = (("IIIA", 4), ("IIIB", 26), ("IIIC1", 46), ("IIIC2", 14), ("IVA", 10))
# The criterion a screen failure fails, with how often.
FAILURES = (
    ("I4b", 20), ("I4a", 14), ("I3", 15), ("E9", 14), ("E8", 10), ("I4h", 9), ("I1", 6), ("E11", 6), ("E1", 6),
)  # fmt: skip
SCREEN_FAILURE_RATE = 0.10


def weighted(rng: random.Random, options):
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


@dataclass
class Person:
    """One screened patient and the dates of her path through the study."""

    index: int
    rng: random.Random
    kind: str
    initials: str
    date_of_birth: datetime.date
    diagnosis_date: datetime.date
    screening_date: datetime.date
    figo_stage: str
    histology: str
    failure: str = ""
    failure_date: datetime.date | None = None
    consented: bool = True
    enrolment_date: datetime.date | None = None
    start: datetime.date | None = None
    participant: Participant | None = None
    screening: Screening | None = None
    extra: dict = field(default_factory=dict)

    @property
    def consent_date(self) -> datetime.date:
        return self.screening_date


def _age(rng: random.Random) -> int:
    return max(28, min(74, round(rng.gauss(52, 9))))


def plan_person(index: int, rng: random.Random, ctx: SeedContext) -> Person:
    """Draw one patient: identity, disease, and whether she is enrolled, fails or is still screening."""
    screening_date = ctx.last_day - days(rng.randrange(0, SCREENING_SPAN_DAYS))
    age = _age(rng)
    date_of_birth = screening_date - days(round(age * 365.25) + rng.randrange(0, 365))
    initials = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.choice((2, 2, 3, 3, 3))))
    person = Person(
        index=index,
        rng=rng,
        kind=ENROLLED,
        initials=initials,
        date_of_birth=date_of_birth,
        diagnosis_date=screening_date - days(rng.randint(10, 60)),
        screening_date=screening_date,
        figo_stage=weighted(rng, FIGO_STAGES),
        histology=weighted(rng, HISTOLOGIES),
    )
    if rng.random() < SCREEN_FAILURE_RATE:
        failure_date = screening_date + days(rng.randint(3, 14))
        if failure_date <= ctx.last_day:
            person.kind = SCREEN_FAILURE
            person.failure = weighted(rng, FAILURES)
            person.failure_date = failure_date
            if person.failure == "I1":
                person.date_of_birth = screening_date - days(round(rng.randint(76, 79) * 365.25) + 30)
            if person.failure == "E9":
                person.figo_stage = "IVB"
            return person
        person.kind = IN_SCREENING
    start = screening_date + days(rng.randint(18, 35))
    enrolment = start - days(rng.randint(2, 7))
    if person.kind == IN_SCREENING or enrolment > ctx.last_day:
        person.kind = IN_SCREENING
        person.consented = rng.random() < 0.8
        return person
    person.start, person.enrolment_date = start, enrolment
    return person


# --- screening values --------------------------------------------------------------------------------


def screening_values(person: Person, rng: random.Random) -> dict:
    """The screening form's values for ``person``: eligible, except for her planned failure, or
    without labs yet while still in screening."""
    planned = person.enrolment_date or (person.failure_date or person.screening_date) + days(5)
    lab_date = max(person.screening_date, planned - days(rng.randint(1, 10)))
    age = (person.screening_date - person.date_of_birth).days // 365
    childbearing = age < 50
    values = {
        "planned_enrolment_date": planned,
        "figo_stage": person.figo_stage,
        "histology": person.histology,
        "biopsy_date": person.diagnosis_date,
        "pathology_confirmed": True,
        "previously_treated": False,
        "distant_metastasis_or_recurrence": person.figo_stage == "IVB",
        "ecog": rng.choice((0, 0, 1, 1, 1)),
        "life_expectancy_over_6_months": True,
        "pi_confirms_ccrt": True,
        "pi_confirms_ccrt_by": "Demo Investigator",
        "pi_confirms_ccrt_on": lab_date,
        "active_bleeding": False,
        "lab_date": lab_date,
        "hemoglobin_g_dl": q(max(8.6, rng.gauss(11.6, 1.2)), "0.1"),
        "neutrophils_10e9_l": q(max(2.2, rng.gauss(4.2, 1.1)), "0.01"),
        "leukocytes_10e9_l": q(max(4.3, rng.gauss(6.8, 1.4)), "0.01"),
        "platelets_10e9_l": q(max(140, rng.gauss(265, 60)), "0.1"),
        "alt": q(max(7, rng.gauss(20, 7)), "0.1"),
        "alt_uln": Decimal("40.0"),
        "ast": q(max(10, rng.gauss(22, 6)), "0.1"),
        "ast_uln": Decimal("35.0"),
        "bilirubin": q(max(4, rng.gauss(10, 3)), "0.1"),
        "bilirubin_uln": Decimal("20.5"),
        "bun": q(max(2.5, rng.gauss(4.8, 1.0)), "0.01"),
        "bun_uln": Decimal("7.50"),
        "creatinine": q(max(40, rng.gauss(63, 11)), "0.1"),
        "creatinine_uln": Decimal("81.0"),
        "childbearing_potential": childbearing,
        "pregnancy_test_date": lab_date if childbearing else None,
        "pregnancy_test_negative": True if childbearing else None,
        "contraception_agreed": True if childbearing else None,
        "uncontrolled_infection": False,
        "prior_malignancy": False,
        "uncontrolled_hypertension_or_diabetes": False,
        "cardiocerebral_event": False,
        "immunosuppressant_use": False,
        "immunosuppressant_planned": False,
        "live_vaccine": False,
        "live_vaccine_planned": False,
        "therapeutic_hpv_vaccine_after_diagnosis": False,
        "organ_transplant": False,
        "hiv": False,
        "uncontrolled_mental_illness": False,
        "hbv_dna_iu_ml": Decimal("0.0"),
        "hcv_rna_copies_ml": Decimal("0.0"),
        "mab_allergy": False,
        "active_autoimmune_disease": False,
    }
    failure = person.failure
    if failure == "I4b":
        values["neutrophils_10e9_l"] = q(rng.uniform(1.1, 2.0), "0.01")
    elif failure == "I4a":
        values["hemoglobin_g_dl"] = q(rng.uniform(6.2, 8.0), "0.1")
    elif failure == "I3":
        values["ecog"] = 2
    elif failure == "E8":
        values["hbv_dna_iu_ml"] = q(rng.uniform(2500, 90000), "1")
    elif failure == "I4h":
        values["creatinine"] = q(float(values["creatinine_uln"]) * rng.uniform(1.6, 2.4), "0.1")
    elif failure == "E11":
        values["active_autoimmune_disease"] = True
    elif failure == "E1":
        values["uncontrolled_infection"] = True
    if person.kind == IN_SCREENING:
        for key in ("lab_date", "hemoglobin_g_dl", "neutrophils_10e9_l", "leukocytes_10e9_l", "platelets_10e9_l",
                    "alt", "ast", "bilirubin", "bun", "creatinine", "pregnancy_test_date", "pregnancy_test_negative"):
            values[key] = None  # samples not back yet
    return values


def eligibility(person: Person, values: dict) -> EligibilityResult:
    data = evaluation_data(values, date_of_birth=person.date_of_birth,
                           consent_date=person.consent_date if person.consented else None)  # fmt: skip
    return evaluate(data, enrolment_date=values["planned_enrolment_date"])


# --- records -----------------------------------------------------------------------------------------


def _status_change(ctx: SeedContext, rng, participant, from_status, to_status, on, reason, user) -> None:
    change = ParticipantStatusChange(
        participant=participant, from_status=from_status, to_status=to_status, effective_date=on,
        reason=reason, recorded_by=user, version=1,
    )  # fmt: skip
    ctx.writer.add(change, user=user, at=ctx.entered(rng, on, lag_days=1))


def build_screening(person: Person, ctx: SeedContext, *, screening_number: str, study_number: str | None) -> None:
    """The participant, her consent, screening and (if enrolled) signature and the first status
    changes. The later status changes (treatment, follow-up, death) are added by ``statuses``."""
    rng = person.rng
    coordinator, investigator = ctx.users.coordinator, ctx.users.investigator
    participant = Participant(
        screening_number=screening_number,
        study_number=study_number,
        initials=person.initials,
        date_of_birth=person.date_of_birth,
        screening_date=person.screening_date,
        diagnosis_date=person.diagnosis_date,
        status=ParticipantStatus.SCREENING,
        status_date=person.screening_date,
        enrolment_date=person.enrolment_date,
        planned_treatment_start=person.start,
        version=1,
    )
    person.participant = participant
    ctx.writer.add(participant, user=coordinator, at=ctx.entered(rng, person.screening_date, lag_days=0))
    _status_change(ctx, rng, participant, "", ParticipantStatus.SCREENING, person.screening_date,
                   "Registered for screening", coordinator)  # fmt: skip
    if not person.consented:
        return
    consent = Consent(
        participant=participant, icf_version=rng.choice(ICF_VERSIONS), consent_date=person.consent_date,
        obtained_by=coordinator, version=1,
    )  # fmt: skip
    ctx.writer.add(consent, user=coordinator, at=ctx.entered(rng, person.consent_date, lag_days=0))

    values = screening_values(person, rng)
    result = eligibility(person, values)
    expected = {ENROLLED: True, SCREEN_FAILURE: False, IN_SCREENING: None}[person.kind]
    if result.eligible is not expected:
        raise AssertionError(
            f"Demo generator: participant {person.index} should be {expected} but is {result.eligible} "
            f"(failed {result.failed}, missing {result.missing})."
        )
    screening = Screening(participant=participant, version=1, **values)
    screening.eligible = result.eligible
    screening.failed_criteria = list(result.failed)
    screening.missing_criteria = list(result.missing)
    person.screening = screening
    screening_entered = ctx.entered(rng, values["lab_date"] or person.screening_date, lag_days=0)
    ctx.writer.add(screening, user=coordinator, at=screening_entered)

    if person.kind == SCREEN_FAILURE:
        reasons = "; ".join(f"{cid}: {result.criteria[cid].reason}" for cid in result.failed)
        participant.status, participant.status_date = ParticipantStatus.SCREEN_FAILURE, person.failure_date
        _status_change(ctx, rng, participant, ParticipantStatus.SCREENING, ParticipantStatus.SCREEN_FAILURE,
                       person.failure_date, f"Screen failure — {reasons}", coordinator)  # fmt: skip
        return
    if person.kind != ENROLLED:
        return
    signed_on = max(person.enrolment_date - days(rng.randint(0, 1)), values["lab_date"])
    signature = EligibilitySignature(
        participant=participant,
        screening_version=1,
        signed_by=investigator,
        signer_name=ctx.users.name(investigator),
        signed_at=max(ctx.at(signed_on, rng.randint(9, 16), rng.randrange(0, 60, 5)),
                      screening_entered + datetime.timedelta(hours=1)),
        enrolment_date=person.enrolment_date,
        criteria=[{"id": cid, "status": o.status, "reason": o.reason} for cid, o in result.criteria.items()],
        version=1,
    )
    ctx.writer.add(signature, user=investigator, at=signature.signed_at)
    participant.status, participant.status_date = ParticipantStatus.ENROLLED, person.enrolment_date
    _status_change(ctx, rng, participant, ParticipantStatus.SCREENING, ParticipantStatus.ENROLLED,
                   person.enrolment_date,
                   f"Enrolled as {study_number}; planned treatment start {person.start:%Y-%m-%d}", coordinator)  # fmt: skip


def change_status(person: Person, ctx: SeedContext, to_status: str, on: datetime.date, reason: str, user=None) -> None:
    """A later status change of an enrolled participant (on treatment, follow-up, died, off study)."""
    participant = person.participant
    if on < participant.status_date:
        on = participant.status_date
    _status_change(ctx, person.rng, participant, participant.status, to_status, on, reason,
                   user or ctx.users.coordinator)  # fmt: skip
    participant.status, participant.status_date = to_status, on
