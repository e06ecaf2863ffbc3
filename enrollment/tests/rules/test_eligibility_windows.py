"""PROTOCOL §1 exclusion criteria E1-E11, with the date windows of E2-E5 counted back from the
enrolment date (on the first day of the window, a day inside, a day outside)."""

import datetime
from decimal import Decimal

import pytest

from enrollment.rules.eligibility import FAIL, MISSING, PASS, evaluate, months_before
from enrollment.tests.rules.test_eligibility import ELIGIBLE, ENROLMENT, outcome, status, without

D = datetime.date


def days_before(days: int) -> datetime.date:
    return ENROLMENT - datetime.timedelta(days=days)


# --- calendar arithmetic --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 6, 14), 6, D(2023, 12, 14)),
        (D(2024, 8, 31), 6, D(2024, 2, 29)),  # clamped to the end of a leap February
        (D(2023, 8, 31), 6, D(2023, 2, 28)),
        (D(2024, 3, 31), 1, D(2024, 2, 29)),
        (D(2024, 2, 29), 60, D(2019, 2, 28)),  # 5 years before a 29 February
        (D(2024, 1, 15), 1, D(2023, 12, 15)),
        (D(2024, 6, 14), 0, D(2024, 6, 14)),
    ],
)
def test_months_before_keeps_day_or_clamps_to_month_end(day, months, expected):
    assert months_before(day, months) == expected


# --- yes/no exclusions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criterion", "key"),
    [
        ("E1", "uncontrolled_infection"),
        ("E6", "organ_transplant"),
        ("E6", "hiv"),
        ("E7", "uncontrolled_mental_illness"),
        ("E9", "distant_metastasis_or_recurrence"),
        ("E10", "mab_allergy"),
        ("E11", "active_autoimmune_disease"),
    ],
)
def test_yes_no_exclusion_applies_when_true(criterion, key):
    assert status(criterion, **{key: True}) == FAIL
    assert status(criterion, **{key: False}) == PASS
    assert status(criterion, **{key: None}) == MISSING


def test_either_transplant_or_hiv_excludes_even_if_the_other_is_unknown():
    assert status("E6", organ_transplant=None, hiv=True) == FAIL
    assert status("E6", organ_transplant=True, hiv=None) == FAIL


# --- E2 other malignancy within 5 years -----------------------------------------------------------

MALIGNANCY_WINDOW_START = D(2019, 6, 14)  # 5 years before ENROLMENT


@pytest.mark.parametrize(
    ("malignancy", "expected"),
    [
        (MALIGNANCY_WINDOW_START, FAIL),  # on the first day of the window
        (D(2019, 6, 15), FAIL),  # a day inside
        (D(2019, 6, 13), PASS),  # a day outside
        (D(2024, 1, 10), FAIL),
        (None, PASS),  # no other malignancy
    ],
)
def test_other_malignancy_within_5_years_excludes(malignancy, expected):
    assert status("E2", prior_malignancy_date=malignancy, prior_malignancy_nonmelanoma_skin=False) == expected


@pytest.mark.parametrize(
    ("skin", "inside", "expected"),
    [
        (True, True, PASS),
        (False, True, FAIL),
        (None, True, MISSING),
        (None, False, PASS),
        (False, False, PASS),
    ],
)
def test_non_melanoma_skin_cancer_inside_window_does_not_exclude(skin, inside, expected):
    malignancy = D(2019, 6, 15) if inside else D(2019, 6, 13)
    assert status("E2", prior_malignancy_date=malignancy, prior_malignancy_nonmelanoma_skin=skin) == expected


def test_malignancy_window_from_29_february_enrolment_starts_28_february():
    enrolment = D(2024, 2, 29)
    data = {**ELIGIBLE, "consent_date": D(2024, 2, 1), "lab_date": D(2024, 2, 20)}
    data["prior_malignancy_nonmelanoma_skin"] = False
    on_start = evaluate({**data, "prior_malignancy_date": D(2019, 2, 28)}, enrolment_date=enrolment)
    outside = evaluate({**data, "prior_malignancy_date": D(2019, 2, 27)}, enrolment_date=enrolment)
    assert on_start.criteria["E2"].status == FAIL
    assert outside.criteria["E2"].status == PASS


def test_malignancy_reason_names_date_and_window():
    reason = outcome("E2", prior_malignancy_date=D(2020, 1, 1), prior_malignancy_nonmelanoma_skin=False).reason
    assert "2020-01-01" in reason and "5 years" in reason


def test_malignancy_date_absent_is_missing():
    result = evaluate(without("prior_malignancy_date"), enrolment_date=ENROLMENT)
    assert result.criteria["E2"].status == MISSING


# --- E3 hypertension / diabetes, cardiocerebral event within 6 months -----------------------------

CARDIO_WINDOW_START = D(2023, 12, 14)  # 6 calendar months before ENROLMENT


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (CARDIO_WINDOW_START, FAIL),
        (D(2023, 12, 15), FAIL),
        (D(2023, 12, 13), PASS),
        (None, PASS),
    ],
)
def test_cardiocerebral_event_within_6_months_excludes(event, expected):
    assert status("E3", cardiocerebral_event_date=event) == expected


def test_six_month_window_from_31_august_starts_29_february():
    enrolment = D(2024, 8, 31)
    data = {**ELIGIBLE, "consent_date": D(2024, 8, 20), "lab_date": D(2024, 8, 25)}
    on_start = evaluate({**data, "cardiocerebral_event_date": D(2024, 2, 29)}, enrolment_date=enrolment)
    outside = evaluate({**data, "cardiocerebral_event_date": D(2024, 2, 28)}, enrolment_date=enrolment)
    assert on_start.criteria["E3"].status == FAIL
    assert outside.criteria["E3"].status == PASS


@pytest.mark.parametrize(
    ("uncontrolled", "event", "expected"),
    [
        (True, None, FAIL),
        (None, D(2024, 1, 1), FAIL),  # one known input that applies is enough
        (None, None, MISSING),
        (None, D(2023, 1, 1), MISSING),
        (False, D(2023, 1, 1), PASS),
    ],
)
def test_uncontrolled_hypertension_or_diabetes_or_recent_event(uncontrolled, event, expected):
    changes = {"uncontrolled_hypertension_or_diabetes": uncontrolled, "cardiocerebral_event_date": event}
    assert status("E3", **changes) == expected


# --- E4 immunosuppressants within 14 days or planned ----------------------------------------------


@pytest.mark.parametrize(
    ("last_dose", "expected"),
    [
        (days_before(14), FAIL),
        (days_before(13), FAIL),
        (days_before(15), PASS),
        (ENROLMENT, FAIL),
        (ENROLMENT + datetime.timedelta(days=1), FAIL),  # after enrolment is during the study
        (None, PASS),
    ],
)
def test_immunosuppressant_within_14_days_excludes(last_dose, expected):
    assert status("E4", last_immunosuppressant_date=last_dose) == expected


@pytest.mark.parametrize(
    ("last_dose", "planned", "expected"),
    [
        (None, True, FAIL),
        (days_before(20), True, FAIL),
        (days_before(3), None, FAIL),
        (days_before(20), None, MISSING),
        (days_before(20), False, PASS),
    ],
)
def test_immunosuppressant_planned_during_study_excludes(last_dose, planned, expected):
    changes = {"last_immunosuppressant_date": last_dose, "immunosuppressant_planned": planned}
    assert status("E4", **changes) == expected


def test_immunosuppressant_reason_names_date_and_window():
    result = outcome("E4", last_immunosuppressant_date=days_before(10))
    assert result.reason.startswith("immunosuppressant 2024-06-04, within 14 days before enrolment 2024-06-14")


# --- E5 live vaccine within 30 days or planned; therapeutic HPV vaccine ---------------------------


@pytest.mark.parametrize(
    ("vaccine", "expected"),
    [
        (days_before(30), FAIL),
        (days_before(29), FAIL),
        (days_before(31), PASS),
        (None, PASS),
    ],
)
def test_live_vaccine_within_30_days_excludes(vaccine, expected):
    assert status("E5", last_live_vaccine_date=vaccine) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"live_vaccine_planned": True}, FAIL),
        ({"therapeutic_hpv_vaccine_after_diagnosis": True}, FAIL),
        ({"live_vaccine_planned": None}, MISSING),
        ({"therapeutic_hpv_vaccine_after_diagnosis": None}, MISSING),
        ({"therapeutic_hpv_vaccine_after_diagnosis": True, "live_vaccine_planned": None}, FAIL),
        ({"last_live_vaccine_date": days_before(5), "live_vaccine_planned": None}, FAIL),
    ],
)
def test_planned_live_vaccine_or_therapeutic_hpv_vaccine_excludes(changes, expected):
    assert status("E5", **changes) == expected


# --- E8 active hepatitis B or C -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hbv", "expected"),
    [(2000, PASS), (Decimal("2000.01"), FAIL), (2001, FAIL), (1999, PASS), (0, PASS), (None, MISSING)],
)
def test_hbv_dna_above_2000_iu_ml_excludes_at_limit_does_not(hbv, expected):
    assert status("E8", hbv_dna_iu_ml=hbv) == expected


@pytest.mark.parametrize(
    ("hcv", "expected"),
    [(1000, PASS), (1001, FAIL), (Decimal("1000.5"), FAIL), (999, PASS), (0, PASS), (None, MISSING)],
)
def test_hcv_rna_above_1000_copies_ml_excludes_at_limit_does_not(hcv, expected):
    assert status("E8", hcv_rna_copies_ml=hcv) == expected


def test_hepatitis_b_excludes_even_with_hcv_unknown():
    result = outcome("E8", hbv_dna_iu_ml=5000, hcv_rna_copies_ml=None)
    assert result.status == FAIL
    assert result.reason == "HBV DNA 5000 IU/mL, excluded if > 2000"


def test_negative_viral_load_is_missing_not_decided():
    assert status("E8", hbv_dna_iu_ml=-1) == MISSING


# --- E9 distant metastasis / FIGO IVB -------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "distant", "expected"),
    [
        ("IVB", False, FAIL),
        ("IVB", None, FAIL),
        ("IVA", True, FAIL),
        (None, True, FAIL),
        ("IVA", False, PASS),
        ("IIIC2", False, PASS),
        ("IV", False, MISSING),  # could be IVB
        ("III", False, PASS),  # cannot be IVB
        (None, False, MISSING),
        ("IVA", None, MISSING),
        ("IV B", False, MISSING),  # not a FIGO stage
    ],
)
def test_distant_metastasis_or_figo_ivb_excludes(stage, distant, expected):
    assert status("E9", figo_stage=stage, distant_metastasis_or_recurrence=distant) == expected


def test_figo_ivb_patient_is_not_eligible_by_i2_and_e9():
    result = evaluate({**ELIGIBLE, "figo_stage": "IVB"}, enrolment_date=ENROLMENT)
    assert result.eligible is False
    assert result.failed == ("I2", "E9")
