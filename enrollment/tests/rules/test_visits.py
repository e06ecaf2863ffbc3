"""Visit schedule, visit status and form tracking (PROTOCOL §4; paper's Table 2)."""

import datetime
import itertools

import pytest

from enrollment.rules.visits import (
    FormStatus,
    VisitStatus,
    add_calendar_months,
    days_outside_window,
    forms_complete,
    is_due_soon,
    is_within_window,
    missing_forms,
    months_to_days,
    visit_definitions,
    visit_schedule,
    visit_status,
    window_deviation,
)
from trialsite.protocol.visits import (
    FORMS,
    MonthConvention,
    OffsetUnit,
    VisitDefinition,
    VisitKind,
    VisitWindow,
)

D = datetime.date
START = D(2024, 1, 1)  # treatment start: week 0 day 1


def _visit(code, start=START, **kwargs):
    return {visit.code: visit for visit in visit_schedule(start, **kwargs)}[code]


def _shift(day, days):
    return day + datetime.timedelta(days=days)


# --- Targets and windows -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, target, window_start, window_end",
    [
        ("screening", D(2023, 12, 11), D(2023, 11, 20), D(2023, 12, 31)),
        ("rt_planning", D(2023, 12, 18), D(2023, 12, 11), D(2023, 12, 31)),
        ("ccrt_w0", D(2024, 1, 1), D(2023, 12, 30), D(2024, 1, 3)),
        ("ccrt_w2", D(2024, 1, 15), D(2024, 1, 13), D(2024, 1, 17)),
        ("ccrt_w8", D(2024, 2, 26), D(2024, 2, 24), D(2024, 2, 28)),
        ("eoebrt", D(2024, 2, 5), D(2024, 1, 29), D(2024, 2, 12)),
        ("fu_m3", D(2024, 4, 1), D(2024, 3, 25), D(2024, 4, 8)),
        ("fu_m6", D(2024, 7, 2), D(2024, 6, 25), D(2024, 7, 9)),
        ("fu_m9", D(2024, 10, 1), D(2024, 9, 17), D(2024, 10, 15)),
        ("fu_m24", D(2026, 1, 1), D(2025, 12, 18), D(2026, 1, 15)),
        ("fu_m30", D(2026, 7, 2), D(2026, 6, 2), D(2026, 8, 1)),
        ("fu_m60", D(2028, 12, 31), D(2028, 12, 1), D(2029, 1, 30)),
        ("fu_m72", D(2030, 1, 1), D(2029, 12, 2), D(2030, 1, 31)),
        ("fu_m120", D(2034, 1, 1), D(2033, 12, 2), D(2034, 1, 31)),
    ],
)
def test_known_treatment_start_gives_target_and_window(code, target, window_start, window_end):
    visit = _visit(code)
    assert (visit.target_date, visit.window_start, visit.window_end) == (target, window_start, window_end)


@pytest.mark.parametrize(
    "code, days_before, days_after",
    [
        ("ccrt_w0", 2, 2),
        ("ccrt_w7", 2, 2),
        ("fu_m3", 7, 7),
        ("fu_m6", 7, 7),
        ("fu_m9", 14, 14),
        ("fu_m24", 14, 14),
        ("fu_m30", 30, 30),
        ("fu_m60", 30, 30),
        ("fu_m72", 30, 30),
        ("fu_m108", 30, 30),
    ],
)
def test_window_sizes_follow_protocol_section_4(code, days_before, days_after):
    visit = _visit(code)
    assert (visit.target_date - visit.window_start).days == days_before
    assert (visit.window_end - visit.target_date).days == days_after


@pytest.mark.parametrize("months, days", [(3, 91), (6, 183), (9, 274), (12, 365), (24, 731), (36, 1096), (120, 3653)])
def test_average_month_is_30_4375_days_rounded_half_up(months, days):
    assert months_to_days(months) == days


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 11, 15), 3, D(2025, 2, 15)),
        (D(2024, 1, 1), 24, D(2026, 1, 1)),
    ],
)
def test_add_calendar_months_clamps_to_month_end(day, months, expected):
    assert add_calendar_months(day, months) == expected


def test_calendar_month_convention_counts_calendar_months_from_treatment_start():
    start = D(2024, 1, 31)
    assert _visit("fu_m3", start, month_convention=MonthConvention.CALENDAR).target_date == D(2024, 4, 30)
    assert _visit("fu_m6", start, month_convention=MonthConvention.CALENDAR).target_date == D(2024, 7, 31)
    assert _visit("ccrt_w1", start, month_convention=MonthConvention.CALENDAR).target_date == D(2024, 2, 7)


# --- Order, count, labels ------------------------------------------------------------------------


def test_schedule_is_ordered_by_target_date_with_protocol_order_on_ties():
    codes = [visit.code for visit in visit_schedule(START)]
    assert codes[:15] == [
        "screening",
        "rt_planning",
        "ccrt_w0",
        "ccrt_w1",
        "ccrt_w2",
        "ccrt_w3",
        "ccrt_w4",
        "ccrt_w5",
        "eoebrt",
        "ccrt_w6",
        "ccrt_w7",
        "ccrt_w8",
        "fu_m3",
        "fu_m6",
        "fu_m9",
    ]
    targets = [visit.target_date for visit in visit_schedule(START)]
    assert targets == sorted(targets)


def test_follow_up_months_to_the_default_ten_year_horizon():
    months = [
        int(visit.code.removeprefix("fu_m")) for visit in visit_schedule(START) if visit.kind is VisitKind.FOLLOW_UP
    ]
    assert months == [3, 6, 9, 12, 15, 18, 21, 24, 30, 36, 42, 48, 54, 60, 72, 84, 96, 108, 120]


@pytest.mark.parametrize("horizon_years, count", [(1, 16), (2, 20), (5, 26), (10, 31), (12, 33)])
def test_total_visit_count_to_the_horizon(horizon_years, count):
    assert len(visit_schedule(START, horizon_years=horizon_years)) == count


def test_default_horizon_gives_31_visits_ending_at_month_120():
    visits = visit_schedule(START)
    assert len(visits) == 31
    assert visits[-1].code == "fu_m120"


def test_horizon_below_one_year_is_rejected():
    with pytest.raises(ValueError, match="at least 1 year"):
        visit_schedule(START, horizon_years=0)


@pytest.mark.parametrize(
    "code, label",
    [
        ("fu_m3", "Follow-up 1 (month 3, major efficacy evaluation)"),
        ("fu_m6", "Follow-up 2 (month 6)"),
        ("fu_m9", "Follow-up 3 (month 9)"),
        ("fu_m30", "Follow-up 9 (month 30)"),
        ("ccrt_w4", "CCRT week 4"),
    ],
)
def test_visit_labels(code, label):
    assert _visit(code).label == label


@pytest.mark.parametrize("kind", [VisitKind.CCRT_WEEKLY, VisitKind.FOLLOW_UP])
def test_consecutive_windows_of_a_series_do_not_overlap(kind):
    visits = [visit for visit in visit_schedule(START) if visit.kind is kind]
    for earlier, later in itertools.pairwise(visits):
        assert earlier.window_end < later.window_start, (earlier.code, later.code)


def test_actual_dates_are_carried_but_do_not_shift_later_targets():
    plain = visit_schedule(START)
    shifted = visit_schedule(START, actual_dates={"ccrt_w2": D(2024, 1, 20), "fu_m3": D(2024, 4, 20)})
    assert [visit.target_date for visit in shifted] == [visit.target_date for visit in plain]
    by_code = {visit.code: visit for visit in shifted}
    assert by_code["ccrt_w2"].actual_date == D(2024, 1, 20)
    assert by_code["ccrt_w3"].actual_date is None


def test_actual_date_for_a_visit_not_in_the_schedule_is_rejected():
    with pytest.raises(ValueError, match="fu_m132"):
        visit_schedule(START, actual_dates={"fu_m132": D(2035, 1, 1)})


# --- Forms expected (Table 2) --------------------------------------------------------------------

TABLE_2_COLUMNS = ("screening", "rt_planning", "ccrt_w0", "eoebrt", "fu_m3", "fu_m6")


@pytest.mark.parametrize(
    "form, ticks",
    [
        ("consent", 1),
        ("demographics", 1),
        ("history", 3),
        ("physical_exam", 4),
        ("staging_imaging", 4),
        ("pathology", 1),
        ("hpv_test", 2),
        ("blood_routine", 5),
        ("liver_kidney_function", 5),
        ("scc_antigen", 5),
        ("planning_ct", 1),
        ("image_guidance", 1),
        ("ctcae_toxicity", 4),
    ],
)
def test_each_table_2_row_is_ticked_in_as_many_columns_as_the_paper(form, ticks):
    visits = {visit.code: visit for visit in visit_schedule(START)}
    assert sum(form in visits[code].expected_forms for code in TABLE_2_COLUMNS) == ticks


@pytest.mark.parametrize(
    "code, form, expected",
    [
        ("screening", "consent", True),
        ("rt_planning", "planning_ct", True),
        ("ccrt_w3", "image_guidance", True),
        ("ccrt_w3", "staging_imaging", False),
        ("eoebrt", "hpv_test", True),
        ("eoebrt", "history", False),
        ("fu_m3", "tumour_assessment", True),
        ("fu_m3", "hpv_test", False),
    ],
)
def test_visit_expects_table_2_forms(code, form, expected):
    assert (form in _visit(code).expected_forms) is expected


def test_later_follow_ups_expect_the_forms_of_follow_up_2():
    visits = visit_schedule(START)
    month_6 = _visit("fu_m6").expected_forms
    later = [visit for visit in visits if visit.kind is VisitKind.FOLLOW_UP and visit.code not in {"fu_m3", "fu_m6"}]
    assert later and all(visit.expected_forms == month_6 for visit in later)


def test_every_form_of_the_vocabulary_is_expected_somewhere_and_labelled():
    expected = {form for definition in visit_definitions() for form in definition.forms}
    assert expected == {form.code for form in FORMS}
    assert all(form.label for form in FORMS)


def test_visit_declaring_an_unknown_form_is_rejected():
    with pytest.raises(ValueError, match="urinalysis"):
        VisitDefinition("x", "X", VisitKind.FOLLOW_UP, 1, OffsetUnit.DAYS, VisitWindow(1, 1), ("urinalysis",))


def test_negative_window_is_rejected():
    with pytest.raises(ValueError):
        VisitWindow(-1, 2)


# --- Status on a given day: window boundaries ----------------------------------------------------

WINDOW_EDGES = [
    ("start", -1, VisitStatus.UPCOMING),
    ("start", 0, VisitStatus.DUE),
    ("start", 1, VisitStatus.DUE),
    ("end", -1, VisitStatus.DUE),
    ("end", 0, VisitStatus.DUE),
    ("end", 1, VisitStatus.OVERDUE),
]


@pytest.mark.parametrize("code", ["ccrt_w3", "fu_m3", "fu_m6", "fu_m12", "fu_m36", "fu_m84"])
@pytest.mark.parametrize("edge, days, expected", WINDOW_EDGES)
def test_status_at_window_boundaries(code, edge, days, expected):
    visit = _visit(code)
    today = _shift(visit.window_start if edge == "start" else visit.window_end, days)
    assert visit_status(visit, today=today) == expected


def test_weekly_visit_two_days_late_is_due_and_three_days_late_is_overdue():
    visit = _visit("ccrt_w1")  # target 2024-01-08
    assert visit_status(visit, today=D(2024, 1, 10)) == "due"
    assert visit_status(visit, today=D(2024, 1, 11)) == "overdue"
    assert visit_status(visit, today=D(2024, 1, 5)) == "upcoming"
    assert visit_status(visit, today=D(2024, 1, 6)) == "due"


@pytest.mark.parametrize("today", [D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1)])
def test_done_overrides_the_calendar(today):
    visit = _visit("fu_m3")
    assert visit_status(visit, today=today, actual_date=D(2024, 2, 28)) == VisitStatus.DONE


@pytest.mark.parametrize("today", [D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1)])
def test_missed_overrides_the_calendar(today):
    assert visit_status(_visit("fu_m3"), today=today, missed=True) == VisitStatus.MISSED


def test_actual_date_carried_on_the_visit_makes_it_done():
    visit = _visit("fu_m3", actual_dates={"fu_m3": D(2024, 4, 20)})
    assert visit_status(visit, today=D(2024, 5, 1)) == VisitStatus.DONE


def test_visit_cannot_be_both_done_and_missed():
    with pytest.raises(ValueError, match="both done"):
        visit_status(_visit("fu_m3"), today=D(2024, 5, 1), actual_date=D(2024, 4, 1), missed=True)


def test_visit_cannot_be_done_after_today():
    with pytest.raises(ValueError, match="after today"):
        visit_status(_visit("fu_m3"), today=D(2024, 4, 1), actual_date=D(2024, 4, 2))


def test_status_values_are_the_strings_of_the_contract():
    assert {status.value for status in VisitStatus} == {"upcoming", "due", "overdue", "done", "missed"}


# --- Due soon ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "days_to_window, expected",
    [(8, False), (7, True), (1, True), (0, False), (-1, False)],
)
def test_due_soon_when_window_opens_within_seven_days(days_to_window, expected):
    visit = _visit("fu_m3")  # window opens 2024-03-25
    today = _shift(visit.window_start, -days_to_window)
    assert is_due_soon(visit, today=today) is expected


def test_due_soon_horizon_is_a_parameter():
    visit = _visit("fu_m3")
    assert is_due_soon(visit, today=_shift(visit.window_start, -10), within_days=10) is True
    assert is_due_soon(visit, today=_shift(visit.window_start, -11), within_days=10) is False


@pytest.mark.parametrize("actual_date, missed", [(D(2024, 3, 10), False), (None, True)])
def test_done_or_missed_visit_is_not_due_soon(actual_date, missed):
    visit = _visit("fu_m3")
    assert is_due_soon(visit, today=D(2024, 3, 20), actual_date=actual_date, missed=missed) is False


# --- Out of window -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edge, days, within, outside",
    [
        ("start", -1, False, -1),
        ("start", 0, True, 0),
        ("start", 1, True, 0),
        ("end", -1, True, 0),
        ("end", 0, True, 0),
        ("end", 1, False, 1),
        ("end", 5, False, 5),
    ],
)
@pytest.mark.parametrize("code", ["ccrt_w3", "fu_m6", "fu_m12", "fu_m48", "fu_m96"])
def test_within_window_and_days_outside_at_the_boundaries(code, edge, days, within, outside):
    visit = _visit(code)
    actual = _shift(visit.window_start if edge == "start" else visit.window_end, days)
    assert is_within_window(visit, actual) is within
    assert days_outside_window(visit, actual) == outside


def test_window_deviation_late_names_date_days_and_window():
    deviation = window_deviation(_visit("fu_m3"), D(2024, 4, 11))  # window closes 2024-04-08
    assert deviation.code == "visit.window.late"
    assert deviation.days == 3
    assert "2024-04-11" in deviation.message and "3 days" in deviation.message and "2024-04-08" in deviation.message


def test_window_deviation_early_one_day():
    deviation = window_deviation(_visit("fu_m3"), D(2024, 3, 24))  # window opens 2024-03-25
    assert (deviation.code, deviation.days) == ("visit.window.early", 1)
    assert "1 day before" in deviation.message


def test_no_window_deviation_inside_the_window():
    assert window_deviation(_visit("fu_m3"), D(2024, 3, 25)) is None


# --- Missing forms -------------------------------------------------------------------------------


def test_missing_forms_gives_entered_missing_and_not_done_in_expected_order():
    statuses = missing_forms(
        ["history", "physical_exam", "staging_imaging", "scc_antigen"],
        entered=["physical_exam", "history"],
        not_done=["scc_antigen"],
    )
    assert list(statuses.items()) == [
        ("history", "entered"),
        ("physical_exam", "entered"),
        ("staging_imaging", "missing"),
        ("scc_antigen", "not_done"),
    ]


def test_form_both_entered_and_not_done_counts_as_entered():
    assert missing_forms(["hpv_test"], ["hpv_test"], ["hpv_test"]) == {"hpv_test": FormStatus.ENTERED}


def test_forms_not_expected_are_ignored():
    assert missing_forms(["planning_ct"], ["planning_ct", "consent"], ["pathology"]) == {"planning_ct": "entered"}


def test_nothing_entered_means_every_expected_form_is_missing():
    statuses = missing_forms(_visit("rt_planning").expected_forms, [], [])
    assert statuses == {"planning_ct": "missing"}


def test_unknown_expected_form_is_rejected():
    with pytest.raises(ValueError, match="urinalysis"):
        missing_forms(["urinalysis"], [], [])


@pytest.mark.parametrize(
    "statuses, complete",
    [
        ({"history": "entered", "hpv_test": "not_done"}, True),
        ({"history": "entered", "hpv_test": "missing"}, False),
        ({}, True),
    ],
)
def test_forms_complete_when_none_missing(statuses, complete):
    assert forms_complete(statuses) is complete
