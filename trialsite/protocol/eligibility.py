"""PROTOCOL §1 (the paper's Table 1): eligibility thresholds and date windows, as data.

``enrollment.rules.eligibility`` reads every number it compares against from ``ELIGIBILITY``;
a protocol amendment changes this file only. Lab limits are ``Decimal`` so that comparisons are
exact. Each field's comment says whether the limit itself is inside or outside the criterion.

Also here: the FIGO 2018 staging vocabulary for cervical cancer (the stages and their
substages), which the eligibility rules and the screening form's plausibility checks share.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

# FIGO 2018 staging of carcinoma of the cervix uteri, every stage a form may record, in order.
FIGO_2018_STAGES: tuple[str, ...] = (
    "I", "IA", "IA1", "IA2", "IB", "IB1", "IB2", "IB3",
    "II", "IIA", "IIA1", "IIA2", "IIB",
    "III", "IIIA", "IIIB", "IIIC", "IIIC1", "IIIC2",
    "IV", "IVA", "IVB",
)  # fmt: skip

# A stage recorded without its substage stands for any of these (FIGO 2018). Stages not listed
# as keys have no substages.
FIGO_2018_SUBSTAGES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "I": ("IA", "IB"),
        "IA": ("IA1", "IA2"),
        "IB": ("IB1", "IB2", "IB3"),
        "II": ("IIA", "IIB"),
        "IIA": ("IIA1", "IIA2"),
        "III": ("IIIA", "IIIB", "IIIC"),
        "IIIC": ("IIIC1", "IIIC2"),
        "IV": ("IVA", "IVB"),
    }
)


@dataclass(frozen=True)
class EligibilitySettings:
    """Eligibility thresholds and windows of PROTOCOL §1.

    ``*_above`` limits are strict ("> limit" passes, the limit itself fails);
    ``*_max_x_uln`` limits are inclusive ("<= factor x ULN" passes);
    ``*_max_*`` viral loads are inclusive for the patient (at the limit is not excluded).
    Windows are counted back from the planned enrolment date and include their first day.
    """

    # I1: age in whole years at consent, both ends inclusive.
    age_min_years: int = 18
    age_max_years: int = 75

    # I2: untreated, pathologically proven LACC, FIGO 2018 stage III-IVA.
    figo_stages_allowed: tuple[str, ...] = ("IIIA", "IIIB", "IIIC1", "IIIC2", "IVA")

    # I3: ECOG performance status 0 to ecog_max, inclusive.
    ecog_max: int = 1

    # I4a-d: blood counts, each must be strictly above the limit.
    hemoglobin_above_g_dl: Decimal = Decimal("8.0")
    neutrophils_above_10e9_l: Decimal = Decimal("2.0")
    leukocytes_above_10e9_l: Decimal = Decimal("4.0")
    platelets_above_10e9_l: Decimal = Decimal(100)

    # I4e-h: chemistry, each at most factor x the lab's upper limit of normal (inclusive).
    alt_max_x_uln: Decimal = Decimal("2.5")
    ast_max_x_uln: Decimal = Decimal("2.5")
    bilirubin_max_x_uln: Decimal = Decimal("1.5")
    bun_max_x_uln: Decimal = Decimal("1.5")
    creatinine_max_x_uln: Decimal = Decimal("1.5")

    # I4 (resolution): screening labs no older than this many days at enrolment; a sample taken
    # exactly this many days before the enrolment date still counts.
    lab_max_age_days: int = 14

    # E2: another malignancy within this many years before enrolment excludes
    # (unless it was curable non-melanoma skin cancer).
    other_malignancy_window_years: int = 5

    # E3: cerebral embolism / haemorrhage, myocardial infarction or serious arrhythmia within
    # this many calendar months before enrolment excludes.
    cardiocerebral_event_window_months: int = 6

    # E4: systemic corticosteroid >= 10 mg/day prednisone-equivalent or another
    # immunosuppressant within this many days before enrolment excludes.
    immunosuppressant_window_days: int = 14
    steroid_threshold_prednisone_mg_per_day: Decimal = Decimal(10)  # defines the captured item

    # E5: live attenuated vaccine within this many days before enrolment excludes.
    live_vaccine_window_days: int = 30

    # E8: active hepatitis. Only the IU/mL value of HBV DNA is captured; the paper's equivalent
    # "> 10^4 copies/mL" is not used. A load equal to the limit does not exclude.
    hbv_dna_max_iu_ml: Decimal = Decimal(2000)
    hcv_rna_max_copies_ml: Decimal = Decimal(1000)  # 10^3

    # E9: FIGO 2018 stage that means distant metastatic disease.
    figo_stage_distant: str = "IVB"


ELIGIBILITY = EligibilitySettings()
