"""Documented postponements and dose windows (PROTOCOL §2 calendar; dose-window resolution)."""

import datetime

import pytest

from dosing.rules.schedule import (
    GivenDose,
    PlannedDose,
    Postponement,
    ScheduleInputError,
    dose_window_days,
    dose_window_deviation,
    plan_doses,
)

START = datetime.date(2024, 1, 1)
LAST_RT = START + datetime.timedelta(days=65)


def day(n: int) -> datetime.date:
    return START + datetime.timedelta(days=n - 1)


def by_key(plan):
    return {dose.key: dose for dose in plan}


def test_postponing_week_2_cisplatin_moves_it_and_every_later_ccrt_date_by_a_week():
    plan = by_key(
        plan_doses(
            START,
            last_rt_fraction=LAST_RT,
            given=[GivenDose("cisplatin", "ccrt", 1, 1, day(1)), GivenDose("toripalimab", "ccrt", 1, 1, day(1))],
            postponed=[Postponement("cisplatin", "ccrt", 2, 1, day(15))],
        )
    )
    week2 = plan[("cisplatin", "ccrt", 2, 1)]
    assert week2.due == day(15)
    assert week2.postponed_from == day(8)
    assert plan[("cisplatin", "ccrt", 3, 1)].due == day(22)
    assert plan[("cisplatin", "ccrt", 6, 1)].due == day(43)
    # Toripalimab shares CCRT day 22 with cisplatin week 4: it moves too.
    assert plan[("toripalimab", "ccrt", 2, 1)].due == day(29)
    # Consolidation is anchored to the end of radiotherapy, not to CCRT chemotherapy.
    assert plan[("paclitaxel", "consolidation", 1, 1)].due == LAST_RT + datetime.timedelta(days=21)


def test_postponement_moves_the_whole_slot_when_recorded_on_one_member():
    plan = by_key(
        plan_doses(START, last_rt_fraction=LAST_RT, postponed=[Postponement("toripalimab", "ccrt", 2, 1, day(25))])
    )
    assert plan[("cisplatin", "ccrt", 4, 1)].due == day(25)
    assert plan[("cisplatin", "ccrt", 4, 1)].postponed_from == day(22)
    assert plan[("cisplatin", "ccrt", 5, 1)].due == day(32)


def test_postponement_to_the_due_date_or_earlier_has_no_effect():
    plan = by_key(
        plan_doses(START, last_rt_fraction=LAST_RT, postponed=[Postponement("cisplatin", "ccrt", 2, 1, day(8))])
    )
    assert plan[("cisplatin", "ccrt", 2, 1)].due == day(8)
    assert plan[("cisplatin", "ccrt", 2, 1)].postponed_from is None


def test_later_dates_follow_the_actual_date_of_a_postponed_dose_given_after_its_new_date():
    plan = by_key(
        plan_doses(
            START,
            last_rt_fraction=LAST_RT,
            given=[GivenDose("cisplatin", "ccrt", 2, 1, day(16))],
            postponed=[Postponement("cisplatin", "ccrt", 2, 1, day(15))],
        )
    )
    assert plan[("cisplatin", "ccrt", 2, 1)].due == day(15)
    assert plan[("cisplatin", "ccrt", 2, 1)].delay_days == 1
    assert plan[("cisplatin", "ccrt", 3, 1)].due == day(23)


def test_postponed_provisional_consolidation_dose_becomes_firm_and_later_cycles_follow_it():
    plan = by_key(
        plan_doses(START, postponed=[Postponement("paclitaxel", "consolidation", 1, 1, datetime.date(2024, 4, 15))])
    )
    cycle1 = plan[("paclitaxel", "consolidation", 1, 1)]
    assert cycle1.due == datetime.date(2024, 4, 15)
    assert cycle1.provisional is False
    assert plan[("toripalimab", "consolidation", 1, 1)].due == datetime.date(2024, 4, 15)
    assert plan[("cisplatin", "consolidation", 1, 2)].due == datetime.date(2024, 4, 16)
    assert plan[("paclitaxel", "consolidation", 2, 1)].due == datetime.date(2024, 5, 6)
    assert plan[("paclitaxel", "consolidation", 2, 1)].provisional is False


def test_postponing_consolidation_day_2_does_not_move_the_next_cycle():
    plan = by_key(
        plan_doses(
            START,
            last_rt_fraction=LAST_RT,
            postponed=[Postponement("cisplatin", "consolidation", 1, 2, LAST_RT + datetime.timedelta(days=30))],
        )
    )
    day1 = LAST_RT + datetime.timedelta(days=21)
    assert plan[("cisplatin", "consolidation", 1, 2)].due == LAST_RT + datetime.timedelta(days=30)
    assert plan[("cisplatin", "consolidation", 1, 3)].due == LAST_RT + datetime.timedelta(days=31)
    assert plan[("paclitaxel", "consolidation", 2, 1)].due == day1 + datetime.timedelta(days=21)


@pytest.mark.parametrize(
    ("phase", "window"),
    [("ccrt", 2), ("consolidation", 3), ("maintenance", 3)],
)
def test_dose_window_per_phase(phase, window):
    assert dose_window_days(phase) == window


def test_dose_window_of_unknown_phase_is_refused():
    with pytest.raises(ScheduleInputError) as error:
        dose_window_days("induction")
    assert error.value.code == "schedule.phase.unknown"


def _dose(phase: str, offset_days: int | None) -> PlannedDose:
    due = datetime.date(2024, 2, 1)
    given = None if offset_days is None else due + datetime.timedelta(days=offset_days)
    return PlannedDose("cisplatin", phase, 1, 1, due, given_on=given)


@pytest.mark.parametrize(
    ("phase", "offset", "deviation"),
    [
        ("ccrt", 0, False),
        ("ccrt", 2, False),
        ("ccrt", -2, False),
        ("ccrt", 3, True),
        ("ccrt", -3, True),
        ("consolidation", 3, False),
        ("consolidation", -3, False),
        ("consolidation", 4, True),
        ("consolidation", -4, True),
        ("maintenance", 3, False),
        ("maintenance", 4, True),
    ],
)
def test_dose_window_boundaries(phase, offset, deviation):
    finding = dose_window_deviation(_dose(phase, offset))
    assert (finding is not None) is deviation
    if deviation:
        assert finding.code == "dose.outside_window"
        assert ("late" if offset > 0 else "early") in finding.message


def test_a_dose_not_given_has_no_window_deviation():
    assert dose_window_deviation(_dose("ccrt", None)) is None


def test_dose_given_on_its_postponed_date_is_on_time():
    plan = by_key(
        plan_doses(
            START,
            last_rt_fraction=LAST_RT,
            given=[GivenDose("cisplatin", "ccrt", 2, 1, day(15))],
            postponed=[Postponement("cisplatin", "ccrt", 2, 1, day(15))],
        )
    )
    assert plan[("cisplatin", "ccrt", 2, 1)].due == day(15)
    assert dose_window_deviation(plan[("cisplatin", "ccrt", 2, 1)]) is None


def test_dose_given_a_week_late_without_a_postponement_is_outside_its_window():
    plan = by_key(plan_doses(START, last_rt_fraction=LAST_RT, given=[GivenDose("cisplatin", "ccrt", 2, 1, day(15))]))
    finding = dose_window_deviation(plan[("cisplatin", "ccrt", 2, 1)])
    assert finding is not None and "7 day(s) late" in finding.message


def test_expected_brachytherapy_dates_follow_the_expected_end_of_ebrt():
    from dosing.rules.schedule import expected_brachytherapy_dates, expected_last_rt_fraction

    dates = expected_brachytherapy_dates(START)
    assert dates == [day(45), day(52), day(59), day(66)]
    assert dates[-1] == expected_last_rt_fraction(START)


def test_expected_brachytherapy_dates_follow_the_actual_last_ebrt_fraction():
    from dosing.rules.schedule import expected_brachytherapy_dates

    assert expected_brachytherapy_dates(START, last_ebrt=day(40))[0] == day(47)
