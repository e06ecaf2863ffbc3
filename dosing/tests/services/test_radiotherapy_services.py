"""The EBRT course and brachytherapy fraction services, and the radiotherapy selectors built on them
(PROTOCOL §2: OAR limits, femoral head V50, overall treatment time, prescription ranges)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import StaleRecordError
from dosing.models import BrachytherapyFraction, RadiotherapyCourse
from dosing.selectors.radiotherapy import (
    last_rt_fraction,
    radiotherapy_deviations,
    radiotherapy_panel_lines,
    radiotherapy_summary,
)
from dosing.services.radiotherapy import brachytherapy_fraction_save, radiotherapy_course_save
from enrollment import services as enrollment_services
from enrollment.models import Participant, ParticipantStatus

TODAY = timezone.localdate


def days(start: datetime.date, n: int) -> datetime.date:
    return start + datetime.timedelta(days=n)


def course_values(start: datetime.date, **overrides) -> dict:
    """VMAT 45 Gy in 25 fractions of 1.8 Gy, starting on ``start``, ongoing."""
    values = {
        "technique": "VMAT",
        "prescription_dose_gy": Decimal("45.00"),
        "prescribed_fractions": 25,
        "dose_per_fraction_gy": Decimal("1.80"),
        "sib_dose_gy": None,
        "sib_dose_per_fraction_gy": None,
        "start_date": start,
        "end_date": None,
        "fractions_delivered": 10,
        "interruption_days": 0,
        "interruption_reason": "",
        "completed": False,
    }
    values.update(overrides)
    return values


def fraction_values(number: int, given_on: datetime.date, **overrides) -> dict:
    values = {
        "number": number,
        "given_on": given_on,
        "hrctv_d90_gy": Decimal("7.00"),
        "bladder_d2cc_gy": None,
        "rectum_d2cc_gy": None,
        "sigmoid_d2cc_gy": None,
        "applicator": "tandem_ring",
        "interstitial_needles": False,
    }
    values.update(overrides)
    return values


def save_course(participant, user, start, **overrides):
    return radiotherapy_course_save(participant=participant, user=user, values=course_values(start, **overrides))


def save_fraction(participant, user, number, given_on, **overrides):
    return brachytherapy_fraction_save(
        participant=participant, user=user, values=fraction_values(number, given_on, **overrides)
    )


def fresh(participant) -> Participant:
    return Participant.objects.get(pk=participant.pk)


def codes(participant) -> list[str]:
    return [d.code for d in radiotherapy_deviations(fresh(participant))]


# --- the EBRT course ---------------------------------------------------------------------------------


def test_first_course_is_saved_audited_and_puts_the_participant_on_treatment(enrolled, coordinator, treatment_start):
    course = save_course(enrolled, coordinator, treatment_start)

    course.refresh_from_db()
    assert course.version == 1
    assert course.recorded_by == coordinator
    assert course.history.count() == 1
    assert course.history.first().history_change_reason == "Initial entry"
    participant = fresh(enrolled)
    assert participant.status == ParticipantStatus.ON_TREATMENT


def test_editing_the_course_needs_a_reason(enrolled, coordinator, treatment_start):
    course = save_course(enrolled, coordinator, treatment_start)

    with pytest.raises(ValidationError) as excinfo:
        radiotherapy_course_save(
            participant=enrolled,
            user=coordinator,
            values={"fractions_delivered": 20},
            expected_version=course.version,
        )
    assert "reason_for_change" in excinfo.value.message_dict
    radiotherapy_course_save(
        participant=enrolled,
        user=coordinator,
        values={"fractions_delivered": 20},
        expected_version=course.version,
        reason="Weekly update",
    )
    course.refresh_from_db()
    assert course.fractions_delivered == 20
    assert course.version == 2
    assert course.history.first().history_change_reason == "Weekly update"


def test_editing_the_course_from_a_stale_version_is_refused(enrolled, coordinator, investigator, treatment_start):
    course = save_course(enrolled, coordinator, treatment_start)
    radiotherapy_course_save(
        participant=enrolled, user=investigator, values={"fractions_delivered": 12}, expected_version=1, reason="Update"
    )

    with pytest.raises(StaleRecordError):
        radiotherapy_course_save(
            participant=enrolled,
            user=coordinator,
            values={"fractions_delivered": 15},
            expected_version=1,
            reason="Mine",
        )
    course.refresh_from_db()
    assert course.fractions_delivered == 12


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"technique": "3DCRT"}, "technique", "choose one of IMRT, VMAT, TOMO"),
        ({"technique": ""}, "technique", "Choose the EBRT technique."),
        ({"prescription_dose_gy": Decimal("50.40")}, "prescription_dose_gy", "25 fractions of 1.80 Gy make 45.00 Gy"),
        ({"prescribed_fractions": 28}, "prescription_dose_gy", "28 fractions of 1.80 Gy make 50.40 Gy, not 45.00 Gy"),
        ({"prescription_dose_gy": Decimal("45.02")}, "prescription_dose_gy", "make 45.00 Gy, not 45.02 Gy"),
        ({"dose_per_fraction_gy": Decimal("0")}, "dose_per_fraction_gy", "must be above 0 Gy"),
        ({"prescription_dose_gy": Decimal("-1")}, "prescription_dose_gy", "A dose cannot be negative."),
        ({"sib_dose_gy": Decimal("53.50")}, "sib_dose_per_fraction_gy", "Enter the SIB dose per fraction too"),
        ({"sib_dose_per_fraction_gy": Decimal("2.14")}, "sib_dose_gy", "Enter the SIB total dose too"),
        (
            {"sib_dose_gy": Decimal("55.00"), "sib_dose_per_fraction_gy": Decimal("2.14")},
            "sib_dose_gy",
            "25 x 2.14 Gy = 53.50 Gy, not 55.00 Gy",
        ),
        ({"start_date": None}, "start_date", "Enter the date of the first EBRT fraction."),
        ({"end_date": "tomorrow"}, "end_date", "is in the future"),
        ({"start_date": "before enrolment"}, "start_date", "is before enrolment"),
        (
            {"start_date": "day 6", "end_date": "day 3", "fractions_delivered": 2},
            "end_date",
            "cannot be before the first",
        ),
        ({"fractions_delivered": 41}, "fractions_delivered", "41 fractions is implausible (at most 40)"),
        ({"end_date": "start", "fractions_delivered": 0}, "fractions_delivered", "at least 1 fraction was delivered"),
        ({"completed": True}, "end_date", "before marking radiotherapy complete"),
        ({"interruption_days": 3}, "interruption_reason", "Give the reason for the interruption."),
    ],
)
def test_course_refusals_name_the_field(enrolled, coordinator, treatment_start, overrides, field, message):
    named_dates = {
        "tomorrow": days(TODAY(), 1),
        "before enrolment": days(treatment_start, -1),
        "day 6": days(treatment_start, 5),
        "day 3": days(treatment_start, 2),
        "start": treatment_start,
    }
    overrides = {k: named_dates.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}

    with pytest.raises(ValidationError) as excinfo:
        save_course(enrolled, coordinator, treatment_start, **overrides)

    errors = excinfo.value.message_dict
    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors[field]
    assert not RadiotherapyCourse.objects.exists()
    assert fresh(enrolled).status == ParticipantStatus.ENROLLED


def test_dose_rounding_within_a_hundredth_of_a_gray_is_accepted(enrolled, coordinator, treatment_start):
    course = save_course(enrolled, coordinator, treatment_start, prescription_dose_gy=Decimal("45.01"))
    assert course.pk is not None


def test_a_completed_course_with_an_end_date_is_saved(enrolled, coordinator, treatment_start):
    course = save_course(
        enrolled,
        coordinator,
        treatment_start,
        end_date=days(treatment_start, 34),
        fractions_delivered=25,
        completed=True,
    )
    assert course.completed


def test_course_start_after_a_recorded_brachytherapy_fraction_is_refused(enrolled, coordinator, treatment_start):
    save_fraction(enrolled, coordinator, 1, days(treatment_start, 5))

    with pytest.raises(ValidationError) as excinfo:
        save_course(enrolled, coordinator, days(treatment_start, 6))
    assert "before this first EBRT fraction" in excinfo.value.message_dict["start_date"][0]


def test_no_radiotherapy_data_after_consent_withdrawal(enrolled, coordinator, treatment_start):
    consent = enrolled.consents.get()
    enrollment_services.consent_withdraw(
        consent=consent, user=coordinator, withdrawn_on=TODAY(), reason="Moved away", expected_version=consent.version
    )

    with pytest.raises(ValidationError) as course_refusal:
        save_course(enrolled, coordinator, treatment_start)
    with pytest.raises(ValidationError) as fraction_refusal:
        save_fraction(enrolled, coordinator, 1, treatment_start)
    assert "Consent was withdrawn" in str(course_refusal.value)
    assert "Consent was withdrawn" in str(fraction_refusal.value)
    assert not RadiotherapyCourse.objects.exists()
    assert not BrachytherapyFraction.objects.exists()


# --- brachytherapy fractions --------------------------------------------------------------------------


def test_a_first_brachytherapy_fraction_puts_the_participant_on_treatment(enrolled, coordinator, treatment_start):
    fraction = save_fraction(enrolled, coordinator, 1, days(treatment_start, 35))

    assert fraction.version == 1
    assert fraction.history.count() == 1
    assert fresh(enrolled).status == ParticipantStatus.ON_TREATMENT


def test_a_fraction_number_already_recorded_is_refused(enrolled, coordinator, treatment_start):
    save_fraction(enrolled, coordinator, 1, days(treatment_start, 35))

    with pytest.raises(ValidationError) as excinfo:
        save_fraction(enrolled, coordinator, 1, days(treatment_start, 42))
    assert "Fraction 1 is already recorded" in excinfo.value.message_dict["number"][0]
    assert BrachytherapyFraction.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"hrctv_d90_gy": Decimal("20.01")}, "hrctv_d90_gy", "20.01 Gy in one brachytherapy fraction is implausible"),
        ({"rectum_d2cc_gy": Decimal("25")}, "rectum_d2cc_gy", "is implausible (above 20 Gy"),
        ({"bladder_d2cc_gy": Decimal("-0.5")}, "bladder_d2cc_gy", "A dose cannot be negative."),
        ({"hrctv_d90_gy": None}, "hrctv_d90_gy", "Enter the HR-CTV D90 of this fraction."),
        ({"applicator": "spoon"}, "applicator", "not a valid choice"),
        ({"number": 11}, "number", "less than or equal to 10"),
    ],
)
def test_fraction_refusals_name_the_field(enrolled, coordinator, treatment_start, overrides, field, message):
    with pytest.raises(ValidationError) as excinfo:
        brachytherapy_fraction_save(
            participant=enrolled, user=coordinator, values=fraction_values(1, days(treatment_start, 35)) | overrides
        )
    errors = excinfo.value.message_dict
    assert any(message in text for text in errors[field]), errors
    assert not BrachytherapyFraction.objects.exists()


def test_a_fraction_dose_of_exactly_20_gy_is_accepted(enrolled, coordinator, treatment_start):
    fraction = save_fraction(enrolled, coordinator, 1, days(treatment_start, 35), hrctv_d90_gy=Decimal("20.00"))
    assert fraction.hrctv_d90_gy == Decimal("20.00")


def test_fraction_dates_in_the_future_before_enrolment_or_before_ebrt_are_refused(
    enrolled, coordinator, treatment_start
):
    with pytest.raises(ValidationError) as future:
        save_fraction(enrolled, coordinator, 1, days(TODAY(), 1))
    assert "is in the future" in future.value.message_dict["given_on"][0]
    with pytest.raises(ValidationError) as early:
        save_fraction(enrolled, coordinator, 1, days(treatment_start, -1))
    assert "is before enrolment" in early.value.message_dict["given_on"][0]

    save_course(enrolled, coordinator, days(treatment_start, 2))
    with pytest.raises(ValidationError) as before_ebrt:
        save_fraction(enrolled, coordinator, 1, days(treatment_start, 1))
    assert "is before the first EBRT fraction" in before_ebrt.value.message_dict["given_on"][0]
    assert save_fraction(enrolled, coordinator, 1, days(treatment_start, 2)).pk is not None


def test_fractions_are_numbered_in_the_order_given(enrolled, coordinator, treatment_start):
    save_fraction(enrolled, coordinator, 1, days(treatment_start, 35))
    save_fraction(enrolled, coordinator, 2, days(treatment_start, 35))  # two on one day are allowed

    with pytest.raises(ValidationError) as excinfo:
        save_fraction(enrolled, coordinator, 3, days(treatment_start, 34))
    assert "Fraction 2 was given on" in excinfo.value.message_dict["given_on"][0]


def test_correcting_a_fraction_needs_a_reason_and_the_loaded_version(enrolled, coordinator, treatment_start):
    fraction = save_fraction(enrolled, coordinator, 1, days(treatment_start, 35))
    change = fraction_values(1, days(treatment_start, 35), rectum_d2cc_gy=Decimal("4.00"))

    with pytest.raises(ValidationError) as excinfo:
        brachytherapy_fraction_save(
            participant=enrolled, user=coordinator, values=change, instance=fraction, expected_version=1
        )
    assert "reason_for_change" in excinfo.value.message_dict
    brachytherapy_fraction_save(
        participant=enrolled, user=coordinator, values=change, instance=fraction, expected_version=1, reason="Plan"
    )
    with pytest.raises(StaleRecordError):
        brachytherapy_fraction_save(
            participant=enrolled,
            user=coordinator,
            values=change | {"rectum_d2cc_gy": Decimal("5")},
            instance=fraction,
            expected_version=1,
            reason="Again",
        )
    fraction.refresh_from_db()
    assert fraction.rectum_d2cc_gy == Decimal("4.00")
    assert fraction.version == 2
    assert fraction.history.count() == 2


# --- last radiotherapy fraction --------------------------------------------------------------------------


def test_last_rt_fraction_is_unknown_until_radiotherapy_is_complete(enrolled, coordinator, treatment_start):
    assert last_rt_fraction(fresh(enrolled)) is None
    course = save_course(
        enrolled, coordinator, treatment_start, end_date=days(treatment_start, 34), fractions_delivered=25
    )
    save_fraction(enrolled, coordinator, 1, days(treatment_start, 40))
    assert last_rt_fraction(fresh(enrolled)) is None

    radiotherapy_course_save(
        participant=enrolled,
        user=coordinator,
        values={"completed": True},
        expected_version=course.version,
        reason="Done",
    )
    assert last_rt_fraction(fresh(enrolled)) == days(treatment_start, 40)


def test_last_rt_fraction_is_the_ebrt_end_when_it_is_later(enrolled, coordinator, treatment_start):
    save_course(enrolled, coordinator, treatment_start)
    save_fraction(enrolled, coordinator, 1, days(treatment_start, 20))
    course = RadiotherapyCourse.objects.get()
    radiotherapy_course_save(
        participant=enrolled,
        user=coordinator,
        values={"end_date": days(treatment_start, 34), "fractions_delivered": 25, "completed": True},
        expected_version=course.version,
        reason="EBRT finished",
    )
    assert last_rt_fraction(fresh(enrolled)) == days(treatment_start, 34)


# --- the summary and deviations ------------------------------------------------------------------------


def test_hrctv_eqd2_of_the_standard_plan_is_83_92_gy(enrolled, coordinator, treatment_start):
    save_course(enrolled, coordinator, treatment_start, end_date=days(treatment_start, 34), fractions_delivered=25)
    for number in range(1, 5):
        save_fraction(enrolled, coordinator, number, days(treatment_start, 34 + 7 * number))

    summary = radiotherapy_summary(fresh(enrolled))

    hrctv = summary.cumulative[0]
    assert hrctv.structure == "hrctv"
    assert hrctv.total_eqd2_gy == pytest.approx(83.9167, abs=1e-4)
    assert hrctv.ebrt_eqd2_gy == pytest.approx(44.25)
    assert hrctv.limit_gy is None
    assert [round(row.hrctv_eqd2_gy, 4) for row in summary.fraction_rows] == [9.9167] * 4
    assert summary.overall_treatment_time_days == 63


def test_missing_oar_doses_make_the_total_incomplete_with_the_fraction_numbers(enrolled, coordinator, treatment_start):
    save_course(enrolled, coordinator, treatment_start)
    save_fraction(enrolled, coordinator, 1, days(treatment_start, 35), rectum_d2cc_gy=Decimal("4"))
    save_fraction(enrolled, coordinator, 2, days(treatment_start, 42))

    rectum = next(row for row in radiotherapy_summary(fresh(enrolled)).cumulative if row.structure == "rectum")

    assert not rectum.complete
    assert rectum.missing_fractions == (2,)
    assert "fraction(s) 2" in rectum.note
    assert rectum.status == "Incomplete"


def test_a_measured_ebrt_d2cc_replaces_the_prescription_for_that_organ(enrolled, coordinator, treatment_start):
    save_course(enrolled, coordinator, treatment_start, rectum_d2cc_ebrt_gy=Decimal("40.00"))

    rows = {row.structure: row for row in radiotherapy_summary(fresh(enrolled)).cumulative}

    assert rows["rectum"].ebrt_source == "measured"
    assert rows["rectum"].ebrt_eqd2_gy == pytest.approx(40 * (1.6 + 3) / 5)
    assert rows["bladder"].ebrt_source == "prescribed"
    assert rows["bladder"].ebrt_eqd2_gy == pytest.approx(43.2)


# Rectum: EBRT 45 Gy / 25 fx = 43.2 Gy EQD2 (a/b 3); the four fractions below add
# 12.35 + 12.35 + 4.958 + 2.142 = 31.8 Gy EQD2, so the total is exactly 75 Gy.
RECTUM_AT_LIMIT = ("6.50", "6.50", "3.70", "2.10")


@pytest.mark.parametrize(
    ("last_fraction_rectum_gy", "exceeded"),
    [("2.10", False), ("2.11", True), ("2.09", False)],
)
def test_rectum_d2cc_of_exactly_75_gy_eqd2_is_within_the_limit(
    enrolled, coordinator, treatment_start, last_fraction_rectum_gy, exceeded
):
    save_course(enrolled, coordinator, treatment_start, end_date=days(treatment_start, 34), fractions_delivered=25)
    doses = (*RECTUM_AT_LIMIT[:3], last_fraction_rectum_gy)
    for number, dose in enumerate(doses, start=1):
        save_fraction(enrolled, coordinator, number, days(treatment_start, 35 + number), rectum_d2cc_gy=Decimal(dose))

    summary = radiotherapy_summary(fresh(enrolled))
    rectum = next(row for row in summary.cumulative if row.structure == "rectum")

    if last_fraction_rectum_gy == "2.10":
        assert rectum.total_eqd2_gy == 75.0
    assert rectum.exceeded is exceeded
    assert rectum.status == ("Exceeded" if exceeded else "Within limit")
    assert ("oar.rectum.d2cc" in codes(enrolled)) is exceeded


@pytest.mark.parametrize(("ott_days", "exceeded"), [(56, False), (57, True)])
def test_overall_treatment_time_above_56_days_is_a_deviation(
    enrolled, coordinator, treatment_start, ott_days, exceeded
):
    save_course(enrolled, coordinator, treatment_start, end_date=days(treatment_start, 34), fractions_delivered=25)
    save_fraction(enrolled, coordinator, 1, days(treatment_start, ott_days - 1))

    summary = radiotherapy_summary(fresh(enrolled))

    assert summary.overall_treatment_time_days == ott_days
    assert summary.ott_exceeded is exceeded
    assert ("rt.ott.over_limit" in codes(enrolled)) is exceeded


@pytest.mark.parametrize(("v50_pct", "exceeded"), [("4.99", False), ("5.00", True)])
def test_femoral_head_v50_of_5_percent_is_a_deviation(enrolled, coordinator, treatment_start, v50_pct, exceeded):
    save_course(enrolled, coordinator, treatment_start, femoral_head_right_v50_pct=Decimal(v50_pct))

    deviations = [d for d in radiotherapy_deviations(fresh(enrolled)) if d.code == "oar.femoral_head.v50"]
    heads = radiotherapy_summary(fresh(enrolled)).femoral_heads

    assert [head.side for head in heads] == ["Right"]
    assert heads[0].check.exceeded is exceeded
    assert len(deviations) == (1 if exceeded else 0)
    if exceeded:
        assert deviations[0].message.startswith("Right femoral head")


@pytest.mark.parametrize(
    ("fractions", "dose_per_fraction", "deviation"),
    [(25, "1.80", False), (28, "1.80", False), (24, "1.80", True), (29, "1.80", True), (25, "2.00", True)],
)
def test_an_ebrt_prescription_outside_the_protocol_is_saved_and_reported(
    enrolled, coordinator, treatment_start, fractions, dose_per_fraction, deviation
):
    per_fraction = Decimal(dose_per_fraction)
    course = save_course(
        enrolled,
        coordinator,
        treatment_start,
        prescribed_fractions=fractions,
        dose_per_fraction_gy=per_fraction,
        prescription_dose_gy=fractions * per_fraction,
    )
    assert course.pk is not None
    assert ("rt.ebrt.prescription_out_of_range" in codes(enrolled)) is deviation


@pytest.mark.parametrize(
    ("fractions", "sib_per_fraction", "deviation"),
    [(25, "2.14", False), (28, "2.14", False), (25, "2.20", True), (24, "2.14", True)],
)
def test_a_sib_outside_53_50_to_59_92_gy_at_2_14_gy_is_reported(
    enrolled, coordinator, treatment_start, fractions, sib_per_fraction, deviation
):
    per_fraction = Decimal(sib_per_fraction)
    save_course(
        enrolled,
        coordinator,
        treatment_start,
        prescribed_fractions=fractions,
        prescription_dose_gy=fractions * Decimal("1.80"),
        sib_dose_gy=fractions * per_fraction,
        sib_dose_per_fraction_gy=per_fraction,
    )
    assert ("rt.sib.out_of_range" in codes(enrolled)) is deviation


@pytest.mark.parametrize(("recorded", "deviation"), [(3, True), (4, False)])
def test_fewer_than_4_brachytherapy_fractions_when_complete_is_a_deviation(
    enrolled, coordinator, treatment_start, recorded, deviation
):
    for number in range(1, recorded + 1):
        save_fraction(enrolled, coordinator, number, days(treatment_start, 35 + 7 * (number - 1)))
    save_course(
        enrolled,
        coordinator,
        treatment_start,
        end_date=days(treatment_start, 34),
        fractions_delivered=25,
        completed=True,
    )
    assert ("rt.brachy.fewer_fractions" in codes(enrolled)) is deviation


def test_fewer_brachytherapy_fractions_is_no_deviation_while_radiotherapy_is_ongoing(
    enrolled, coordinator, treatment_start
):
    save_course(enrolled, coordinator, treatment_start)
    save_fraction(enrolled, coordinator, 1, days(treatment_start, 35))
    assert codes(enrolled) == []


def test_the_dashboard_lines_show_ebrt_brachytherapy_and_the_closest_oar(enrolled, coordinator, treatment_start):
    assert radiotherapy_panel_lines(fresh(enrolled)) == ["EBRT not recorded"]
    save_course(enrolled, coordinator, treatment_start, end_date=days(treatment_start, 34), fractions_delivered=25)
    for number, dose in enumerate(RECTUM_AT_LIMIT[:3], start=1):
        save_fraction(enrolled, coordinator, number, days(treatment_start, 35 + number), rectum_d2cc_gy=Decimal(dose))

    lines = radiotherapy_panel_lines(fresh(enrolled))

    assert lines[0] == "EBRT VMAT 45 Gy / 25 fx, 25 delivered"
    assert lines[1] == "Brachytherapy 3 of 4 fractions"
    # 43.2 + 12.35 + 12.35 + 4.958 = 72.858
    assert lines[2] == "Rectum D2cc 72.9 Gy EQD2 (limit 75)"
