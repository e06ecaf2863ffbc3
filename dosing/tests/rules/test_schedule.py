"""The planned treatment calendar (PROTOCOL §2 "Resolution (the planned calendar)")."""

import dataclasses
import datetime
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest

from dosing.rules.schedule import (
    GivenDose,
    PlannedDose,
    ScheduleInputError,
    expected_last_rt_fraction,
    plan_doses,
    weekly_cisplatin_deviation,
)
from trialsite.protocol.treatment import CALENDAR, CISPLATIN_PER_DAY, DOSES

START = datetime.date(2024, 1, 1)  # a Monday; day 1
LAST_RT = START + datetime.timedelta(days=65)  # = the expected end: 2024-03-06


def day(n: int) -> datetime.date:
    """Study day n (day 1 = treatment start)."""
    return START + datetime.timedelta(days=n - 1)


def by_key(plan: list[PlannedDose]) -> dict[tuple[str, str, int, int], PlannedDose]:
    return {dose.key: dose for dose in plan}


def test_full_calendar_has_every_planned_dose_up_to_one_year():
    plan = plan_doses(START, last_rt_fraction=LAST_RT)
    counts = Counter((dose.agent, dose.phase) for dose in plan)
    assert counts == {
        ("cisplatin", "ccrt"): 6,
        ("toripalimab", "ccrt"): 2,
        ("paclitaxel", "consolidation"): 6,
        ("toripalimab", "consolidation"): 6,
        ("cisplatin", "consolidation"): 18,
        ("toripalimab", "maintenance"): 4,
    }
    assert len(plan) == 42
    assert not any(dose.provisional for dose in plan)
    assert all(dose.given_on is None for dose in plan)


@pytest.mark.parametrize(
    ("agent", "cycle", "study_day"),
    [
        ("cisplatin", 1, 1),
        ("cisplatin", 2, 8),
        ("cisplatin", 3, 15),
        ("cisplatin", 4, 22),
        ("cisplatin", 5, 29),
        ("cisplatin", 6, 36),
        ("toripalimab", 1, 1),
        ("toripalimab", 2, 22),
    ],
)
def test_ccrt_doses_fall_on_their_protocol_days(agent, cycle, study_day):
    dose = by_key(plan_doses(START, last_rt_fraction=LAST_RT))[(agent, "ccrt", cycle, 1)]
    assert dose.due == day(study_day)


@pytest.mark.parametrize("cycle", [1, 2, 3, 4, 5, 6])
def test_consolidation_cycles_start_21_days_after_rt_and_every_21_days(cycle):
    doses = by_key(plan_doses(START, last_rt_fraction=LAST_RT))
    day1 = LAST_RT + datetime.timedelta(days=21 * cycle)
    assert doses[("paclitaxel", "consolidation", cycle, 1)].due == day1
    assert doses[("toripalimab", "consolidation", cycle, 1)].due == day1
    for cycle_day in (2, 3, 4):
        assert doses[("cisplatin", "consolidation", cycle, cycle_day)].due == day1 + datetime.timedelta(
            days=cycle_day - 1
        )


def test_maintenance_every_42_days_after_the_last_consolidation_toripalimab():
    plan = plan_doses(START, last_rt_fraction=LAST_RT)
    maintenance = [dose for dose in plan if dose.phase == "maintenance"]
    # Consolidation cycle 6 day 1 = day 66 + 21 x 6 = start + 191 days.
    assert [(dose.due - START).days for dose in maintenance] == [233, 275, 317, 359]
    assert [dose.cycle for dose in maintenance] == [1, 2, 3, 4]
    assert all(dose.day == 1 and dose.agent == "toripalimab" for dose in maintenance)


@pytest.mark.parametrize(
    ("last_rt_offset", "maintenance_count", "last_due_offset"),
    [
        (70, 4, 364),  # a day inside the year
        (71, 4, 365),  # exactly start + 365 days: still planned
        (72, 3, 324),  # the 4th would be start + 366: not planned
    ],
)
def test_maintenance_stops_after_treatment_start_plus_365_days(last_rt_offset, maintenance_count, last_due_offset):
    plan = plan_doses(START, last_rt_fraction=START + datetime.timedelta(days=last_rt_offset))
    maintenance = [dose for dose in plan if dose.phase == "maintenance"]
    assert len(maintenance) == maintenance_count
    assert (maintenance[-1].due - START).days == last_due_offset


@pytest.mark.parametrize(
    ("agent", "phase", "mg_per_m2", "flat_mg"),
    [
        ("cisplatin", "ccrt", Decimal("40"), None),
        ("toripalimab", "ccrt", None, Decimal("240")),
        ("paclitaxel", "consolidation", Decimal("135"), None),
        ("cisplatin", "consolidation", Decimal("25"), None),  # 75 mg/m^2 per cycle over days 2-4
        ("toripalimab", "consolidation", None, Decimal("240")),
        ("toripalimab", "maintenance", None, Decimal("240")),
    ],
)
def test_each_dose_has_its_protocol_amount_either_per_m2_or_flat(agent, phase, mg_per_m2, flat_mg):
    doses = [d for d in plan_doses(START, last_rt_fraction=LAST_RT) if d.agent == agent and d.phase == phase]
    assert doses
    assert {(d.mg_per_m2, d.flat_mg) for d in doses} == {(mg_per_m2, flat_mg)}


def test_consolidation_cisplatin_75_per_day_setting():
    per_day = replace(DOSES, consolidation_cisplatin_mode=CISPLATIN_PER_DAY)
    plan = plan_doses(START, last_rt_fraction=LAST_RT, doses=per_day)
    assert {d.mg_per_m2 for d in plan if d.agent == "cisplatin" and d.phase == "consolidation"} == {Decimal("75")}


def test_unknown_consolidation_cisplatin_mode_is_refused():
    with pytest.raises(ValueError, match="Unknown consolidation cisplatin mode"):
        plan_doses(START, doses=replace(DOSES, consolidation_cisplatin_mode="weekly"))


def test_plan_is_in_calendar_order():
    plan = plan_doses(START, last_rt_fraction=LAST_RT)
    assert [dose.due for dose in plan] == sorted(dose.due for dose in plan)
    phases = [dose.phase for dose in plan]
    assert phases == sorted(phases, key=["ccrt", "consolidation", "maintenance"].index)


# --- delays: plans follow actual dates -----------------------------------------------------------


def test_a_delayed_weekly_cisplatin_moves_every_later_ccrt_date():
    given = [
        GivenDose("cisplatin", "ccrt", 1, 1, day(1)),
        GivenDose("toripalimab", "ccrt", 1, 1, day(1)),
        GivenDose("cisplatin", "ccrt", 2, 1, day(11)),  # due day 8, given 3 days late
    ]
    doses = by_key(plan_doses(START, last_rt_fraction=LAST_RT, given=given))
    assert doses[("cisplatin", "ccrt", 2, 1)].due == day(8)
    assert doses[("cisplatin", "ccrt", 2, 1)].given_on == day(11)
    assert doses[("cisplatin", "ccrt", 2, 1)].delay_days == 3
    assert [doses[("cisplatin", "ccrt", week, 1)].due for week in (3, 4, 5, 6)] == [day(18), day(25), day(32), day(39)]
    assert doses[("toripalimab", "ccrt", 2, 1)].due == day(25)


def test_an_early_dose_moves_later_dates_earlier():
    given = [GivenDose("cisplatin", "ccrt", 1, 1, day(1)), GivenDose("cisplatin", "ccrt", 2, 1, day(7))]
    doses = by_key(plan_doses(START, last_rt_fraction=LAST_RT, given=given))
    assert doses[("cisplatin", "ccrt", 3, 1)].due == day(14)


def test_a_delay_accumulates_over_several_doses():
    given = [
        GivenDose("cisplatin", "ccrt", 1, 1, day(2)),  # +1
        GivenDose("cisplatin", "ccrt", 2, 1, day(11)),  # due day 9, +2 more
    ]
    doses = by_key(plan_doses(START, last_rt_fraction=LAST_RT, given=given))
    assert doses[("toripalimab", "ccrt", 1, 1)].due == day(1)  # same slot as cisplatin week 1: its due is unchanged
    assert doses[("cisplatin", "ccrt", 2, 1)].due == day(9)
    assert doses[("cisplatin", "ccrt", 3, 1)].due == day(18)


def test_a_slot_follows_its_earliest_given_dose():
    given = [
        GivenDose("toripalimab", "ccrt", 1, 1, day(1)),
        GivenDose("cisplatin", "ccrt", 1, 1, day(3)),
    ]
    doses = by_key(plan_doses(START, last_rt_fraction=LAST_RT, given=given))
    assert doses[("cisplatin", "ccrt", 2, 1)].due == day(8)


def test_ccrt_delays_do_not_move_consolidation_which_follows_the_end_of_radiotherapy():
    given = [GivenDose("cisplatin", "ccrt", 1, 1, day(8))]
    doses = by_key(plan_doses(START, last_rt_fraction=LAST_RT, given=given))
    assert doses[("cisplatin", "ccrt", 6, 1)].due == day(43)
    assert doses[("paclitaxel", "consolidation", 1, 1)].due == LAST_RT + datetime.timedelta(days=21)


def test_a_later_last_rt_fraction_moves_all_consolidation_and_maintenance():
    plan = by_key(plan_doses(START, last_rt_fraction=LAST_RT + datetime.timedelta(days=5)))
    assert plan[("paclitaxel", "consolidation", 1, 1)].due == LAST_RT + datetime.timedelta(days=26)
    assert (plan[("toripalimab", "maintenance", 1, 1)].due - START).days == 238


def test_next_consolidation_cycle_is_21_days_after_the_actual_day_1():
    c2_due = LAST_RT + datetime.timedelta(days=42)
    c2_given = c2_due + datetime.timedelta(days=7)
    given = [
        GivenDose("paclitaxel", "consolidation", 2, 1, c2_given),
        GivenDose("toripalimab", "consolidation", 2, 1, c2_given),
    ]
    plan = plan_doses(START, last_rt_fraction=LAST_RT, given=given)
    doses = by_key(plan)
    assert doses[("paclitaxel", "consolidation", 2, 1)].due == c2_due
    assert doses[("cisplatin", "consolidation", 2, 2)].due == c2_given + datetime.timedelta(days=1)
    assert doses[("paclitaxel", "consolidation", 3, 1)].due == c2_given + datetime.timedelta(days=21)
    assert doses[("paclitaxel", "consolidation", 6, 1)].due == c2_given + datetime.timedelta(days=84)
    # Maintenance moves 7 days too: start + 240, 282, 324; start + 366 is past the year, not planned.
    maintenance = [dose for dose in plan if dose.phase == "maintenance"]
    assert [(dose.due - START).days for dose in maintenance] == [240, 282, 324]


def test_a_delayed_cisplatin_day_moves_the_rest_of_the_cycle_but_not_the_next_cycle():
    c1 = LAST_RT + datetime.timedelta(days=21)
    given = [
        GivenDose("paclitaxel", "consolidation", 1, 1, c1),
        GivenDose("cisplatin", "consolidation", 1, 2, c1 + datetime.timedelta(days=2)),  # due c1 + 1
    ]
    doses = by_key(plan_doses(START, last_rt_fraction=LAST_RT, given=given))
    assert doses[("cisplatin", "consolidation", 1, 3)].due == c1 + datetime.timedelta(days=3)
    assert doses[("cisplatin", "consolidation", 1, 4)].due == c1 + datetime.timedelta(days=4)
    assert doses[("paclitaxel", "consolidation", 2, 1)].due == c1 + datetime.timedelta(days=21)


def test_maintenance_follows_the_last_consolidation_toripalimab_actually_given():
    c6 = LAST_RT + datetime.timedelta(days=126)
    given = [
        GivenDose("paclitaxel", "consolidation", 6, 1, c6),
        GivenDose("toripalimab", "consolidation", 6, 1, c6 + datetime.timedelta(days=3)),
    ]
    doses = by_key(plan_doses(START, last_rt_fraction=LAST_RT, given=given))
    assert doses[("toripalimab", "maintenance", 1, 1)].due == c6 + datetime.timedelta(days=45)


def test_a_delayed_maintenance_dose_moves_the_next_one():
    m1_due = START + datetime.timedelta(days=233)
    given = [GivenDose("toripalimab", "maintenance", 1, 1, m1_due + datetime.timedelta(days=10))]
    plan = plan_doses(START, last_rt_fraction=LAST_RT, given=given)
    maintenance = [dose for dose in plan if dose.phase == "maintenance"]
    assert [(dose.due - START).days for dose in maintenance] == [233, 285, 327]


def test_a_maintenance_dose_given_beyond_the_horizon_stays_in_the_plan():
    m4_due = START + datetime.timedelta(days=359)
    given = [GivenDose("toripalimab", "maintenance", 5, 1, m4_due + datetime.timedelta(days=42))]
    plan = plan_doses(START, last_rt_fraction=LAST_RT, given=given)
    maintenance = [dose for dose in plan if dose.phase == "maintenance"]
    assert len(maintenance) == 5
    assert maintenance[-1].given_on == m4_due + datetime.timedelta(days=42)


# --- provisional plans ---------------------------------------------------------------------------


def test_expected_end_of_radiotherapy_is_28_fractions_then_4_weekly_brachytherapy_fractions():
    # fraction 28 on day 38 (start + 37), brachytherapy on days 45, 52, 59, 66.
    assert expected_last_rt_fraction(START) == START + datetime.timedelta(days=65)


def test_expected_end_follows_its_settings():
    calendar = replace(CALENDAR, expected_ebrt_fractions=25, expected_brachy_fractions=0)
    assert expected_last_rt_fraction(START, calendar=calendar) == START + datetime.timedelta(days=32)


def test_without_last_rt_fraction_consolidation_and_maintenance_are_provisional():
    plan = plan_doses(START)
    assert all(not dose.provisional for dose in plan if dose.phase == "ccrt")
    assert all(dose.provisional for dose in plan if dose.phase != "ccrt")
    firm = plan_doses(START, last_rt_fraction=LAST_RT)
    assert [dose.due for dose in plan] == [dose.due for dose in firm]


def test_a_consolidation_dose_given_makes_the_dates_after_it_firm():
    c1 = LAST_RT + datetime.timedelta(days=23)
    given = [GivenDose("paclitaxel", "consolidation", 1, 1, c1)]
    plan = plan_doses(START, given=given)
    doses = by_key(plan)
    assert doses[("paclitaxel", "consolidation", 1, 1)].provisional is False
    assert doses[("toripalimab", "consolidation", 1, 1)].provisional is True  # not given, due rests on the estimate
    assert doses[("cisplatin", "consolidation", 1, 2)].provisional is False
    assert doses[("cisplatin", "consolidation", 1, 2)].due == c1 + datetime.timedelta(days=1)
    later = [dose for dose in plan if dose.phase == "maintenance" or dose.cycle > 1 and dose.phase == "consolidation"]
    assert later and not any(dose.provisional for dose in later)


# --- input checks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ([GivenDose("cisplatin", "ccrt", 7, 1, day(43))], "schedule.given.unplanned"),
        ([GivenDose("cisplatin", "ccrt", 1, 2, day(2))], "schedule.given.unplanned"),
        ([GivenDose("toripalimab", "ccrt", 3, 1, day(43))], "schedule.given.unplanned"),
        ([GivenDose("paclitaxel", "consolidation", 7, 1, day(250))], "schedule.given.unplanned"),
        ([GivenDose("paclitaxel", "ccrt", 1, 1, day(1))], "schedule.given.unplanned"),
        ([GivenDose("carboplatin", "ccrt", 1, 1, day(1))], "schedule.given.agent"),
        ([GivenDose("cisplatin", "adjuvant", 1, 1, day(1))], "schedule.given.phase"),
        (
            [GivenDose("cisplatin", "ccrt", 1, 1, day(1)), GivenDose("cisplatin", "ccrt", 1, 1, day(2))],
            "schedule.given.duplicate",
        ),
    ],
)
def test_given_doses_that_match_no_planned_dose_are_refused(given, code):
    with pytest.raises(ScheduleInputError) as raised:
        plan_doses(START, last_rt_fraction=LAST_RT, given=given)
    assert raised.value.code == code
    assert isinstance(raised.value, ValueError)


def test_plan_doses_options_are_keyword_only():
    with pytest.raises(TypeError):
        plan_doses(START, LAST_RT)  # type: ignore[misc]


def test_planned_dose_is_frozen():
    dose = plan_doses(START)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        dose.due = day(2)  # type: ignore[misc]


@pytest.mark.parametrize(("weeks_given", "deviation"), [(0, True), (3, True), (4, False), (6, False)])
def test_fewer_than_4_weekly_cisplatin_doses_is_a_deviation(weeks_given, deviation):
    given = [GivenDose("cisplatin", "ccrt", week, 1, day(7 * week - 6)) for week in range(1, weeks_given + 1)]
    given.append(GivenDose("toripalimab", "ccrt", 1, 1, day(1)))  # other agents are not counted
    finding = weekly_cisplatin_deviation(given)
    assert (finding is not None) is deviation
    if finding is not None:
        assert finding.code == "ccrt.cisplatin.below_minimum"
        assert f"{weeks_given} weekly cisplatin" in finding.message
