import datetime

from django.utils import timezone

from enrollment import services


def participant_registered(*, user, initials="WL", date_of_birth=datetime.date(1975, 3, 14), screening_date=None):
    """A participant registered for screening through the service (so history is written)."""
    return services.participant_create(
        user=user,
        initials=initials,
        date_of_birth=date_of_birth,
        screening_date=screening_date or timezone.localdate(),
    )


def eligible_screening_values(*, today=None, **changes):
    """Screening form values of a patient who meets every criterion of PROTOCOL §1 today."""
    from decimal import Decimal

    today = today or timezone.localdate()
    values = {
        "planned_enrolment_date": today,
        "figo_stage": "IIIC1",
        "histology": "Squamous cell carcinoma",
        "biopsy_date": today - datetime.timedelta(days=20),
        "pathology_confirmed": True,
        "previously_treated": False,
        "distant_metastasis_or_recurrence": False,
        "ecog": 1,
        "life_expectancy_over_6_months": True,
        "pi_confirms_ccrt": True,
        "active_bleeding": False,
        "lab_date": today - datetime.timedelta(days=3),
        "hemoglobin_g_dl": Decimal("11.2"),
        "neutrophils_10e9_l": Decimal("3.40"),
        "leukocytes_10e9_l": Decimal("6.10"),
        "platelets_10e9_l": Decimal("245.0"),
        "alt": Decimal("22.0"), "alt_uln": Decimal("40.0"),
        "ast": Decimal("25.0"), "ast_uln": Decimal("40.0"),
        "bilirubin": Decimal("12.5"), "bilirubin_uln": Decimal("21.0"),
        "bun": Decimal("5.20"), "bun_uln": Decimal("7.10"),
        "creatinine": Decimal("68.0"), "creatinine_uln": Decimal("97.0"),
        "childbearing_potential": True,
        "pregnancy_test_date": today - datetime.timedelta(days=3),
        "pregnancy_test_negative": True,
        "contraception_agreed": True,
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
        "hbv_dna_iu_ml": Decimal("0"),
        "hcv_rna_copies_ml": Decimal("0"),
        "mab_allergy": False,
        "active_autoimmune_disease": False,
    }
    values.update(changes)
    return values


def participant_screened_eligible(*, user, consent=True, **changes):
    """A registered participant with a complete, eligible screening (and consent, by default)."""
    today = timezone.localdate()
    participant = participant_registered(user=user, screening_date=today - datetime.timedelta(days=5))
    if consent:
        services.consent_record(participant=participant, user=user, icf_version="v2.0", consent_date=today - datetime.timedelta(days=4))
    services.screening_save(participant=participant, user=user, values=eligible_screening_values(**changes))
    participant.refresh_from_db()
    return participant
