"""Height and weight, dose administration, delays (PROTOCOL §2) through the services."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import StaleRecordError
from dosing.models import DoseAdministration, DoseDelay
from dosing.services import doses as dose_services
from dosing.services.doses import dose_administer, dose_delay
from dosing.tests.conftest import study_day
from enrollment import services as enrollment_services
from enrollment.models import ParticipantStatus

WEEK1 = ("cisplatin", "ccrt", 1, 1)
WEEK2 = ("cisplatin", "ccrt", 2, 1)
TORI1 = ("toripalimab", "ccrt", 1, 1)

pytestmark = pytest.mark.django_db


def give(participant, user, key, on, mg, **extra):
    values = {"status": "given", "given_on": on, "dose_given_mg": Decimal(mg), **extra}
    return dose_administer(participant=participant, user=user, key=key, values=values)


def errors_of(excinfo) -> dict:
    return {k: " ".join(v) for k, v in excinfo.value.message_dict.items()}


# --- height and weight ---------------------------------------------------------------------------


def test_anthropometrics_store_the_mosteller_bsa(measured):
    record = measured.anthropometrics.get()
    assert record.bsa_m2 == Decimal("1.69")
    assert record.bsa_formula == "mosteller"
    assert record.history.count() == 1


@pytest.mark.parametrize(
    ("height", "weight", "field"),
    [("99.9", "60", "height_cm"), ("230.1", "60", "height_cm"), ("160", "24.9", "weight_kg"), ("160", "250.1", "weight_kg")],
)
def test_implausible_height_or_weight_is_refused_next_to_the_field(enrolled, coordinator, treatment_start, height, weight, field):
    with pytest.raises(ValidationError) as excinfo:
        dose_services.anthropometrics_record(
            participant=enrolled, user=coordinator, measured_on=treatment_start,
            height_cm=Decimal(height), weight_kg=Decimal(weight),
        )
    assert field in errors_of(excinfo)
    assert "implausible" in errors_of(excinfo)[field]
    assert not enrolled.anthropometrics.exists()


@pytest.mark.parametrize(("height", "weight"), [("100", "25"), ("230", "250")])
def test_height_and_weight_at_the_plausibility_limits_are_accepted(enrolled, coordinator, treatment_start, height, weight):
    record = dose_services.anthropometrics_record(
        participant=enrolled, user=coordinator, measured_on=treatment_start,
        height_cm=Decimal(height), weight_kg=Decimal(weight),
    )
    assert record.bsa_m2 > 0


def test_correcting_height_and_weight_needs_a_reason_and_the_loaded_version(measured, coordinator):
    record = measured.anthropometrics.get()
    with pytest.raises(ValidationError):
        dose_services.anthropometrics_record(
            participant=measured, user=coordinator, measured_on=record.measured_on, height_cm=Decimal("160"),
            weight_kg=Decimal("70"), instance=record, expected_version=record.version, reason="",
        )
    with pytest.raises(StaleRecordError):
        dose_services.anthropometrics_record(
            participant=measured, user=coordinator, measured_on=record.measured_on, height_cm=Decimal("160"),
            weight_kg=Decimal("70"), instance=record, expected_version=record.version + 1, reason="typo",
        )
    dose_services.anthropometrics_record(
        participant=measured, user=coordinator, measured_on=record.measured_on, height_cm=Decimal("160"),
        weight_kg=Decimal("70"), instance=record, expected_version=record.version, reason="Typo in weight",
    )
    record.refresh_from_db()
    assert record.bsa_m2 == Decimal("1.76")
    assert record.history.first().history_change_reason == "Typo in weight"


# --- administration ------------------------------------------------------------------------------


def test_weekly_cisplatin_is_recorded_with_the_calculated_dose(measured, coordinator, treatment_start):
    record = give(measured, coordinator, WEEK1, treatment_start, "68")
    assert record.calculated_dose_mg == Decimal("68")
    assert record.planned_dose_mg == Decimal("68")
    assert record.bsa_m2 == Decimal("1.69")
    assert record.weight_kg_used == Decimal("64")
    assert record.mg_per_m2 == Decimal("40")
    assert record.due_on == treatment_start
    assert record.history.get().history_user == coordinator


def test_first_dose_puts_the_participant_on_treatment(measured, coordinator, treatment_start):
    give(measured, coordinator, WEEK1, treatment_start, "68")
    measured.refresh_from_db()
    assert measured.status == ParticipantStatus.ON_TREATMENT
    assert measured.status_date == treatment_start


def test_chemotherapy_without_height_and_weight_is_refused(enrolled, coordinator, treatment_start):
    with pytest.raises(ValidationError) as excinfo:
        give(enrolled, coordinator, WEEK1, treatment_start, "68")
    assert "height and weight" in errors_of(excinfo)["dose_given_mg"]


@pytest.mark.parametrize(("mg", "refused"), [("74.8", False), ("74.9", True)])
def test_dose_more_than_10_percent_above_calculated_needs_an_investigator(measured, coordinator, treatment_start, mg, refused):
    # 68 mg calculated: 74.8 mg is exactly +10 %, 74.9 mg is above it.
    if refused:
        with pytest.raises(ValidationError) as excinfo:
            give(measured, coordinator, WEEK1, treatment_start, mg, difference_reason="other", difference_note="rounding")
        assert "only an investigator" in errors_of(excinfo)["dose_given_mg"]
        assert not DoseAdministration.objects.exists()
    else:
        record = give(measured, coordinator, WEEK1, treatment_start, mg, difference_reason="other", difference_note="vial size")
        assert record.override_by is None


def test_investigator_override_above_10_percent_needs_a_reason_and_is_recorded(measured, investigator, treatment_start):
    with pytest.raises(ValidationError) as excinfo:
        give(measured, investigator, WEEK1, treatment_start, "80", difference_reason="other", difference_note="x")
    assert "override" in errors_of(excinfo)["override_reason"]
    record = give(
        measured, investigator, WEEK1, treatment_start, "80", difference_reason="other",
        difference_note="capped BSA", override_reason="Dosed on ideal weight per tumour board",
    )
    assert record.override_by == investigator
    assert record.override_reason == "Dosed on ideal weight per tumour board"


def test_dose_different_from_calculated_needs_a_reason(measured, coordinator, treatment_start):
    with pytest.raises(ValidationError) as excinfo:
        give(measured, coordinator, WEEK1, treatment_start, "60")
    assert "68" in errors_of(excinfo)["difference_reason"]
    record = give(measured, coordinator, WEEK1, treatment_start, "60", difference_reason="infusion_interrupted")
    assert record.difference_reason == "infusion_interrupted"


@pytest.mark.parametrize(("days_late", "needs_reason"), [(2, False), (3, True)])
def test_weekly_dose_outside_its_two_day_window_needs_a_reason(measured, coordinator, treatment_start, days_late, needs_reason):
    given_on = treatment_start + datetime.timedelta(days=days_late)
    if needs_reason:
        with pytest.raises(ValidationError) as excinfo:
            give(measured, coordinator, WEEK1, given_on, "68")
        assert "window" in errors_of(excinfo)["difference_reason"]
    else:
        assert give(measured, coordinator, WEEK1, given_on, "68").given_on == given_on


def test_toripalimab_is_flat_240_mg_and_needs_a_lot_number(enrolled, coordinator, treatment_start):
    with pytest.raises(ValidationError) as excinfo:
        give(enrolled, coordinator, TORI1, treatment_start, "240")
    assert "lot" in errors_of(excinfo)["lot_number"]
    record = give(enrolled, coordinator, TORI1, treatment_start, "240", lot_number="TP2024-118",
                  infusion_start=datetime.time(9, 0), infusion_stop=datetime.time(10, 0))
    assert record.calculated_dose_mg == Decimal("240")
    assert record.bsa_m2 is None
    assert record.lot_number == "TP2024-118"


def test_infusion_cannot_stop_before_it_starts(enrolled, coordinator, treatment_start):
    with pytest.raises(ValidationError) as excinfo:
        give(enrolled, coordinator, TORI1, treatment_start, "240", lot_number="L1",
             infusion_start=datetime.time(10, 0), infusion_stop=datetime.time(9, 0))
    assert "infusion_stop" in errors_of(excinfo)


def test_future_date_and_date_before_treatment_start_are_refused(measured, coordinator, treatment_start):
    with pytest.raises(ValidationError) as excinfo:
        give(measured, coordinator, WEEK1, timezone.localdate() + datetime.timedelta(days=1), "68")
    assert "future" in errors_of(excinfo)["given_on"]
    with pytest.raises(ValidationError) as excinfo:
        give(measured, coordinator, WEEK1, treatment_start - datetime.timedelta(days=1), "68")
    assert "before" in errors_of(excinfo)["given_on"]


def test_an_omitted_dose_needs_a_reason_and_stores_no_date(measured, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        dose_administer(participant=measured, user=coordinator, key=WEEK2, values={"status": "omitted"})
    assert "difference_note" in errors_of(excinfo)
    record = dose_administer(
        participant=measured, user=coordinator, key=WEEK2,
        values={"status": "omitted", "difference_note": "Grade 3 diarrhoea"},
    )
    assert record.given_on is None and record.difference_reason == "omission"


def test_a_dose_cannot_be_recorded_twice_only_corrected(measured, coordinator, treatment_start):
    record = give(measured, coordinator, WEEK1, treatment_start, "68")
    with pytest.raises(ValidationError):
        give(measured, coordinator, WEEK1, treatment_start, "68")
    dose_administer(
        participant=measured, user=coordinator, key=WEEK1, expected_version=record.version, reason="Wrong day",
        values={"status": "given", "given_on": treatment_start + datetime.timedelta(days=1), "dose_given_mg": Decimal("68")},
    )
    record.refresh_from_db()
    assert record.version == 2
    assert record.history.first().history_change_reason == "Wrong day"


def test_a_key_that_is_not_in_the_calendar_is_refused(measured, coordinator, treatment_start):
    with pytest.raises(ValidationError):
        give(measured, coordinator, ("cisplatin", "ccrt", 7, 1), treatment_start, "68")


def test_no_treatment_data_after_consent_withdrawal(measured, coordinator, treatment_start):
    consent = measured.consents.get()
    enrollment_services.consent_withdraw(
        consent=consent, user=coordinator, withdrawn_on=timezone.localdate(), reason="Moved away",
        expected_version=consent.version,
    )
    with pytest.raises(ValidationError) as excinfo:
        give(measured, coordinator, WEEK1, treatment_start, "68")
    assert "Consent was withdrawn" in str(excinfo.value)


def test_weight_change_of_10_percent_from_the_weight_used_flags_recalculation(measured, coordinator, treatment_start):
    give(measured, coordinator, WEEK1, treatment_start, "68")
    day8 = study_day(treatment_start, 8)
    dose_services.anthropometrics_record(
        participant=measured, user=coordinator, measured_on=day8, height_cm=Decimal("160"), weight_kg=Decimal("57.7")
    )
    plan = dose_services.planned_dose(measured, WEEK2)
    assert dose_services.dose_calculation(measured, plan).recalculation == ""  # 9.8 % down
    dose_services.anthropometrics_record(
        participant=measured, user=coordinator, measured_on=study_day(treatment_start, 9), height_cm=Decimal("160"),
        weight_kg=Decimal("57.6"),
    )
    note = dose_services.dose_calculation(measured, plan).recalculation
    assert "Recalculate" in note and "10.0 %" in note
    # The calculated dose uses the latest BSA.
    assert dose_services.dose_calculation(measured, plan).bsa_m2 == Decimal("1.60")


# --- delays --------------------------------------------------------------------------------------


def test_a_delay_moves_the_dose_and_every_later_ccrt_date(measured, coordinator, treatment_start):
    give(measured, coordinator, WEEK1, treatment_start, "68")
    dose_delay(participant=measured, user=coordinator, key=WEEK2, delayed_to=study_day(treatment_start, 15),
               reason="Neutrophils 0.9")
    plan = {d.key: d for d in dose_services.participant_plan(measured)}
    assert plan[WEEK2].due == study_day(treatment_start, 15)
    assert plan[WEEK2].postponed_from == study_day(treatment_start, 8)
    assert plan[("cisplatin", "ccrt", 3, 1)].due == study_day(treatment_start, 22)
    assert plan[("toripalimab", "ccrt", 2, 1)].due == study_day(treatment_start, 29)


def test_a_delay_needs_a_reason_and_a_later_date(measured, coordinator, treatment_start):
    with pytest.raises(ValidationError) as excinfo:
        dose_delay(participant=measured, user=coordinator, key=WEEK2, delayed_to=study_day(treatment_start, 8), reason="")
    errors = errors_of(excinfo)
    assert "reason" in errors and "after" in errors["delayed_to"]
    assert not DoseDelay.objects.exists()


def test_a_given_dose_cannot_be_delayed(measured, coordinator, treatment_start):
    give(measured, coordinator, WEEK1, treatment_start, "68")
    with pytest.raises(ValidationError):
        dose_delay(participant=measured, user=coordinator, key=WEEK1, delayed_to=study_day(treatment_start, 3), reason="x")


def test_a_dose_given_on_its_delayed_date_needs_no_window_reason(measured, coordinator, treatment_start):
    give(measured, coordinator, WEEK1, treatment_start, "68")
    dose_delay(participant=measured, user=coordinator, key=WEEK2, delayed_to=study_day(treatment_start, 15), reason="ANC low")
    record = give(measured, coordinator, WEEK2, study_day(treatment_start, 15), "68")
    assert record.due_on == study_day(treatment_start, 15)
