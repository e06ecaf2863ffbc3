"""The pre-dose lab window (PROTOCOL §3; our 3-day resolution): asked for from 3 days before the due date,
served by a panel collected from 3 days before up to the due date, both ends inclusive."""

import datetime

import pytest

from toxicity.rules.labs_before_dose import has_pre_dose_labs, needs_pre_dose_labs, pre_dose_lab_window

DUE = datetime.date(2026, 3, 10)


def day(offset: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset)


def test_window_runs_from_three_days_before_to_the_due_date():
    assert pre_dose_lab_window(DUE) == (day(-3), DUE)


@pytest.mark.parametrize(
    ("collected", "covered"),
    [(day(-4), False), (day(-3), True), (day(-1), True), (DUE, True), (day(1), False)],
)
def test_a_panel_serves_the_dose_only_inside_its_window(collected, covered):
    assert has_pre_dose_labs(DUE, [collected]) is covered


def test_no_panel_means_no_labs():
    assert has_pre_dose_labs(DUE, []) is False


@pytest.mark.parametrize(
    ("today", "asked"),
    [(day(-4), False), (day(-3), True), (DUE, True), (day(1), False)],
)
def test_labs_are_asked_for_from_three_days_before_the_due_date(today, asked):
    assert needs_pre_dose_labs(DUE, today=today) is asked


def test_a_negative_window_is_refused():
    with pytest.raises(ValueError):
        pre_dose_lab_window(DUE, days=-1)
