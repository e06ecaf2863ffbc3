"""Survival times at a data cut-off (PROTOCOL §5: OS and PFS from the diagnosis date), Kaplan-Meier
summaries checked against lifelines called directly, the group comparison (log-rank, Cox) and the
response and failure-pattern counts."""

import datetime
import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from lifelines.utils import median_survival_times

from efficacy.rules import survival as rules

D = datetime.date
DIAGNOSIS = D(2025, 1, 10)
CUTOFF = D(2027, 1, 10)


def _days(day: datetime.date) -> int:
    return (day - DIAGNOSIS).days


def times(**values):
    arguments = {
        "diagnosis_date": DIAGNOSIS,
        "progression_date": None,
        "death_date": None,
        "last_known_alive": None,
        "last_progression_free": None,
        "cutoff": CUTOFF,
    }
    arguments.update(values)
    return rules.survival_times(**arguments)


# --- survival_times -------------------------------------------------------------------------------


def test_death_on_the_day_of_diagnosis_is_an_event_at_0_days():
    result = times(death_date=DIAGNOSIS)
    assert (result.os_days, result.os_event, result.os_basis) == (0, True, rules.DEATH)
    assert (result.pfs_days, result.pfs_event, result.pfs_basis) == (0, True, rules.DEATH)
    assert result.problem == ""


@pytest.mark.parametrize(
    ("progression", "pfs_days", "pfs_event", "basis"),
    [
        (CUTOFF - datetime.timedelta(days=1), _days(CUTOFF) - 1, True, rules.PROGRESSION),
        (CUTOFF, _days(CUTOFF), True, rules.PROGRESSION),  # on the cut-off: still counts
        (CUTOFF + datetime.timedelta(days=1), _days(CUTOFF), False, rules.CUTOFF),  # after: censored at it
    ],
)
def test_progression_around_the_cutoff(progression, pfs_days, pfs_event, basis):
    result = times(progression_date=progression, last_known_alive=progression)
    assert (result.pfs_days, result.pfs_event, result.pfs_basis) == (pfs_days, pfs_event, basis)


@pytest.mark.parametrize(
    ("death", "os_days", "os_event", "basis"),
    [
        (CUTOFF, _days(CUTOFF), True, rules.DEATH),
        (CUTOFF + datetime.timedelta(days=1), _days(CUTOFF), False, rules.CUTOFF),
    ],
)
def test_death_around_the_cutoff(death, os_days, os_event, basis):
    result = times(death_date=death)
    assert (result.os_days, result.os_event, result.os_basis) == (os_days, os_event, basis)
    assert (result.pfs_days, result.pfs_event) == (os_days, os_event)


def test_missing_diagnosis_date_is_a_problem_and_gives_no_times():
    result = times(diagnosis_date=None, death_date=D(2025, 6, 1))
    assert result.problem == rules.NO_DIAGNOSIS_DATE
    assert result.os_days is None and result.pfs_days is None and result.os_months is None


@pytest.mark.parametrize(
    ("diagnosis", "problem"),
    [(CUTOFF, ""), (CUTOFF + datetime.timedelta(days=1), rules.DIAGNOSED_AFTER_CUTOFF)],
)
def test_diagnosis_after_the_cutoff_is_a_problem(diagnosis, problem):
    result = times(diagnosis_date=diagnosis)
    assert result.problem == problem
    if not problem:
        assert (result.os_days, result.pfs_days) == (0, 0)


@pytest.mark.parametrize(
    "field",
    [
        "progression_date",
        "death_date",
        "last_known_alive",
        "last_progression_free",
        "last_assessment",
        "last_non_pd_assessment",
        "enrolment_date",
    ],
)
@pytest.mark.parametrize(("offset", "problem"), [(-1, rules.DATE_BEFORE_DIAGNOSIS), (0, "")])
def test_a_date_before_the_diagnosis_is_a_problem(field, offset, problem):
    result = times(**{field: DIAGNOSIS + datetime.timedelta(days=offset)})
    assert result.problem == problem


def test_last_progression_free_date_after_the_progression_uses_the_progression():
    result = times(progression_date=D(2025, 9, 1), last_progression_free=D(2025, 12, 1), last_known_alive=D(2026, 1, 1))
    assert (result.pfs_days, result.pfs_event, result.pfs_end_date) == (_days(D(2025, 9, 1)), True, D(2025, 9, 1))
    assert (result.os_days, result.os_event) == (_days(D(2026, 1, 1)), False)


@pytest.mark.parametrize(
    ("progression", "death", "end", "basis"),
    [
        (D(2025, 9, 1), D(2025, 11, 1), D(2025, 9, 1), rules.PROGRESSION),
        (D(2025, 11, 1), D(2025, 11, 1), D(2025, 11, 1), rules.PROGRESSION),  # same day: progression
        (None, D(2025, 11, 1), D(2025, 11, 1), rules.DEATH),  # death without progression ends PFS
    ],
)
def test_pfs_ends_at_the_earlier_of_progression_and_death(progression, death, end, basis):
    result = times(progression_date=progression, death_date=death)
    assert (result.pfs_end_date, result.pfs_event, result.pfs_basis) == (end, True, basis)
    assert (result.os_end_date, result.os_event) == (death, True)


def test_death_after_progression_keeps_os_running_to_death():
    result = times(progression_date=D(2025, 9, 1), death_date=D(2026, 3, 1))
    assert result.os_days == _days(D(2026, 3, 1))
    assert result.pfs_days == _days(D(2025, 9, 1))


@pytest.mark.parametrize(
    ("values", "end", "basis"),
    [
        ({"last_known_alive": D(2026, 5, 1)}, D(2026, 5, 1), rules.LAST_KNOWN_ALIVE),
        # A later date that proves she was alive wins over a stale last-known-alive date.
        ({"last_known_alive": D(2026, 5, 1), "last_assessment": D(2026, 6, 1)}, D(2026, 6, 1), rules.LAST_ASSESSMENT),
        (
            {"last_progression_free": D(2026, 2, 1), "last_assessment": D(2026, 1, 1)},
            D(2026, 2, 1),
            rules.LAST_PROGRESSION_FREE,
        ),
        ({"progression_date": D(2025, 8, 1), "enrolment_date": D(2025, 2, 1)}, D(2025, 8, 1), rules.PROGRESSION),
        ({"enrolment_date": D(2025, 2, 1)}, D(2025, 2, 1), rules.ENROLMENT),
        ({}, DIAGNOSIS, rules.DIAGNOSIS),  # nothing after diagnosis: censored at day 0
        # Same date from two sources: the recorded last-known-alive date is named.
        ({"last_known_alive": D(2026, 5, 1), "last_assessment": D(2026, 5, 1)}, D(2026, 5, 1), rules.LAST_KNOWN_ALIVE),
        ({"last_known_alive": CUTOFF + datetime.timedelta(days=1)}, CUTOFF, rules.CUTOFF),
    ],
)
def test_os_is_censored_at_the_latest_date_known_alive(values, end, basis):
    result = times(**values)
    assert (result.os_end_date, result.os_event, result.os_basis) == (end, False, basis)
    assert result.os_days == _days(end)


@pytest.mark.parametrize(
    ("values", "end", "basis"),
    [
        (
            {"last_progression_free": D(2026, 2, 1), "last_known_alive": D(2026, 8, 1)},
            D(2026, 2, 1),
            rules.LAST_PROGRESSION_FREE,
        ),
        (
            {"last_progression_free": D(2026, 2, 1), "last_non_pd_assessment": D(2026, 4, 1)},
            D(2026, 4, 1),
            rules.LAST_ASSESSMENT,
        ),
        # A later assessment that is PD (or not confirmed) is not passed as non-PD: it does not count.
        ({"last_assessment": D(2026, 4, 1), "enrolment_date": D(2025, 2, 1)}, D(2025, 2, 1), rules.ENROLMENT),
        ({"last_known_alive": D(2026, 8, 1)}, DIAGNOSIS, rules.DIAGNOSIS),
        ({"last_progression_free": CUTOFF + datetime.timedelta(days=3)}, CUTOFF, rules.CUTOFF),
        ({"last_progression_free": CUTOFF}, CUTOFF, rules.LAST_PROGRESSION_FREE),
    ],
)
def test_pfs_is_censored_at_the_latest_date_known_progression_free(values, end, basis):
    result = times(**values)
    assert (result.pfs_end_date, result.pfs_event, result.pfs_basis) == (end, False, basis)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"death_date": D(2026, 1, 1), "last_known_alive": D(2026, 1, 2)}, rules.ALIVE_AFTER_DEATH),
        ({"death_date": D(2026, 1, 1), "last_known_alive": D(2026, 1, 1)}, ""),
        ({"death_date": D(2026, 1, 1), "progression_date": D(2026, 1, 2)}, rules.ALIVE_AFTER_DEATH),
        ({"death_date": D(2026, 1, 1), "last_assessment": D(2026, 2, 1)}, rules.ALIVE_AFTER_DEATH),
    ],
)
def test_a_date_known_alive_after_death_is_a_problem(values, problem):
    assert times(**values).problem == problem


@pytest.mark.parametrize(("days", "months"), [(0, 0.0), (365, 365 / 30.4375), (1461, 48.0)])
def test_months_are_days_divided_by_30_4375(days, months):
    result = times(death_date=DIAGNOSIS + datetime.timedelta(days=days), cutoff=D(2030, 1, 1))
    assert result.os_months == pytest.approx(months)
    assert rules.days_to_months(365.25) == 12


# --- km_summary against lifelines ------------------------------------------------------------------

# Twelve hand-made patients (months, event): ties at 5 and 12, a death at 0, censored last.
DURATIONS = [0.0, 3.0, 5.0, 5.0, 8.0, 12.0, 12.0, 15.0, 20.0, 24.0, 30.0, 40.0]
EVENTS = [1, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0]


@pytest.fixture(scope="module")
def direct():
    return KaplanMeierFitter(alpha=0.05).fit(np.array(DURATIONS), event_observed=np.array(EVENTS, dtype=bool))


def test_km_median_and_its_ci_equal_lifelines(direct):
    summary = rules.km_summary(DURATIONS, EVENTS)
    ci = median_survival_times(direct.confidence_interval_)
    assert summary.median.value == pytest.approx(direct.median_survival_time_) == 20.0
    assert summary.median.lower == pytest.approx(ci.iloc[0, 0]) == 3.0
    assert math.isinf(ci.iloc[0, 1]) and summary.median.upper is None  # upper limit not reached
    assert (summary.n, summary.events, summary.censored) == (12, 7, 5)


@pytest.mark.parametrize("months", [12, 24, 36])
def test_km_landmarks_equal_lifelines(direct, months):
    summary = rules.km_summary(DURATIONS, EVENTS)
    landmark = next(item for item in summary.landmarks if item.months == months)
    interval = direct.confidence_interval_
    in_force = interval[interval.index <= months].iloc[-1]
    assert landmark.estimable
    assert landmark.survival == pytest.approx(direct.survival_function_at_times(months).iloc[0])
    assert landmark.lower == pytest.approx(in_force["KM_estimate_lower_0.95"])
    assert landmark.upper == pytest.approx(in_force["KM_estimate_upper_0.95"])


@pytest.mark.parametrize(
    ("months", "by_hand"),
    [
        # Product-limit by hand: (11/12)(10/11)(9/10)(7/8)(6/7) = 0.5625 at 12 months,
        # then x (3/4) at 20 = 0.421875, then x (1/2) at 30 = 0.2109375.
        (12, 0.5625),
        (24, 0.421875),
        (36, 0.2109375),
    ],
)
def test_km_landmarks_equal_the_product_limit_by_hand(months, by_hand):
    landmark = next(item for item in rules.km_summary(DURATIONS, EVENTS).landmarks if item.months == months)
    assert landmark.survival == pytest.approx(by_hand)


def test_numbers_at_risk_equal_lifelines_event_table(direct):
    summary = rules.km_summary(DURATIONS, EVENTS, at_risk_months=(0, 5, 6, 12, 18, 40, 42))
    table = direct.event_table
    for item in summary.at_risk:
        assert item.at_risk == int(np.sum(np.array(DURATIONS) >= item.months))
        if item.months in table.index:
            assert item.at_risk == table.loc[item.months, "at_risk"]
        assert item.events_before == int(table.loc[table.index < item.months, "observed"].sum())
    assert [item.at_risk for item in summary.at_risk] == [12, 10, 8, 7, 4, 1, 0]
    assert [item.events_before for item in summary.at_risk] == [0, 2, 3, 4, 5, 7, 7]


def test_the_curve_starts_at_one_and_follows_lifelines(direct):
    summary = rules.km_summary(DURATIONS, EVENTS)
    assert summary.curve[0] == rules.CurvePoint(months=0.0, survival=1.0, lower=1.0, upper=1.0, at_risk=12)
    steps = summary.curve[1:]
    assert [point.months for point in steps] == list(direct.survival_function_.index)
    assert [point.survival for point in steps] == pytest.approx(direct.survival_function_["KM_estimate"].tolist())
    assert [point.lower for point in steps] == pytest.approx(direct.confidence_interval_.iloc[:, 0].tolist())
    assert [months for months, _ in summary.censor_marks] == [5.0, 12.0, 15.0, 24.0, 40.0]


@pytest.mark.parametrize(
    ("months", "estimable"),
    [(40, True), (40.01, False), (60, False)],  # last observation (censored) at 40 months
)
def test_a_landmark_after_the_last_observation_is_not_estimable(months, estimable):
    (landmark,) = rules.km_summary(DURATIONS, EVENTS, landmarks_months=(months,)).landmarks
    assert landmark.estimable is estimable
    assert (landmark.survival is None) is not estimable


def test_after_the_curve_reaches_zero_survival_stays_zero():
    (landmark,) = rules.km_summary([5.0, 6.0], [1, 1], landmarks_months=(12,)).landmarks
    assert (landmark.estimable, landmark.survival) == (True, 0.0)


def test_no_participants_gives_an_empty_summary():
    summary = rules.km_summary([], [])
    assert (summary.n, summary.events, summary.curve, summary.median_reached) == (0, 0, (), False)
    assert all(not landmark.estimable for landmark in summary.landmarks)
    assert all(item.at_risk == 0 for item in summary.at_risk)


def test_all_censored_gives_median_not_reached_and_survival_of_one():
    summary = rules.km_summary([13.0, 25.0, 37.0], [0, 0, 0])
    assert summary.median == rules.Estimate(None, None, None)
    assert [landmark.survival for landmark in summary.landmarks] == [1.0, 1.0, 1.0]
    assert summary.events == 0


def test_durations_and_events_of_different_lengths_are_refused():
    with pytest.raises(ValueError):
        rules.km_summary([1.0, 2.0], [1])


# --- compare_groups -------------------------------------------------------------------------------

TWO_GROUPS = ["a", "b"] * 6
THREE_GROUPS = ["a", "b", "c"] * 4


def test_two_groups_log_rank_equals_lifelines():
    result = rules.compare_groups(DURATIONS, EVENTS, TWO_GROUPS)
    d, e, g = np.array(DURATIONS), np.array(EVENTS), np.array(TWO_GROUPS)
    direct = logrank_test(d[g == "a"], d[g == "b"], event_observed_A=e[g == "a"], event_observed_B=e[g == "b"])
    assert result.logrank_p == pytest.approx(direct.p_value)
    assert result.logrank_statistic == pytest.approx(direct.test_statistic)
    assert result.logrank_df == 1


def test_three_groups_log_rank_equals_lifelines_multivariate():
    result = rules.compare_groups(DURATIONS, EVENTS, THREE_GROUPS)
    direct = multivariate_logrank_test(DURATIONS, THREE_GROUPS, EVENTS)
    assert result.logrank_p == pytest.approx(direct.p_value)
    assert result.logrank_df == 2


def test_cox_hazard_ratios_equal_lifelines_against_the_reference():
    result = rules.compare_groups(DURATIONS, EVENTS, THREE_GROUPS, order=("c", "a", "b"))
    assert result.reference == "c"
    frame = pd.DataFrame({"time": DURATIONS, "event": EVENTS})
    frame["a"] = [1.0 if group == "a" else 0.0 for group in THREE_GROUPS]
    frame["b"] = [1.0 if group == "b" else 0.0 for group in THREE_GROUPS]
    direct = CoxPHFitter().fit(frame, duration_col="time", event_col="event").summary
    ratios = {ratio.level: ratio for ratio in result.hazard_ratios}
    assert set(ratios) == {"a", "b"}
    for level in ("a", "b"):
        assert ratios[level].hazard_ratio == pytest.approx(direct.loc[level, "exp(coef)"])
        assert ratios[level].lower == pytest.approx(direct.loc[level, "exp(coef) lower 95%"])
        assert ratios[level].upper == pytest.approx(direct.loc[level, "exp(coef) upper 95%"])
        assert ratios[level].p_value == pytest.approx(direct.loc[level, "p"])
    assert [group.level for group in result.groups] == ["c", "a", "b"]


def test_each_group_gets_its_own_kaplan_meier_summary():
    result = rules.compare_groups(DURATIONS, EVENTS, TWO_GROUPS)
    for group in result.groups:
        mine = [(d, e) for d, e, g in zip(DURATIONS, EVENTS, TWO_GROUPS, strict=True) if g == group.level]
        direct = KaplanMeierFitter().fit([d for d, _ in mine], [e for _, e in mine])
        assert group.km.n == len(mine)
        assert group.km.landmarks[0].survival == pytest.approx(direct.survival_function_at_times(12).iloc[0])


@pytest.mark.parametrize(
    ("groups", "order", "reference"),
    [
        (["a"] * 5 + ["b"] * 7, None, "b"),  # the largest group
        (["a"] * 6 + ["b"] * 6, None, "a"),  # a tie: by name
        (["a"] * 5 + ["b"] * 7, ("a", "b"), "a"),  # the declared order wins
        (["a"] * 5 + ["b"] * 7, ("z", "b", "a"), "b"),  # a declared level nobody has is skipped
    ],
)
def test_reference_level(groups, order, reference):
    assert rules.compare_groups(DURATIONS, EVENTS, groups, order=order).reference == reference


def test_a_group_without_events_gets_an_explanation_instead_of_a_cox_fit():
    events = [1, 0] * 6  # group b (every second) never has an event
    result = rules.compare_groups(DURATIONS, events, TWO_GROUPS)
    assert result.hazard_ratios == ()
    assert "no events in b" in result.cox_note
    assert result.logrank_p is not None


def test_groups_whose_times_do_not_overlap_get_an_explanation():
    groups = ["a"] * 6 + ["b"] * 6  # every time in a is before every time in b: complete separation
    result = rules.compare_groups(DURATIONS, EVENTS, groups)
    assert result.hazard_ratios == ()
    assert result.cox_note.startswith("No Cox model")


@pytest.mark.parametrize(
    ("events", "groups", "logrank_note", "cox_note"),
    [
        (EVENTS, ["a"] * 12, "Only one group", "Only one group"),
        ([0] * 12, TWO_GROUPS, "No events", "No Cox model: no events in a, b"),
    ],
)
def test_impossible_comparisons_are_explained_not_raised(events, groups, logrank_note, cox_note):
    result = rules.compare_groups(DURATIONS, events, groups)
    assert result.logrank_p is None and result.logrank_note.startswith(logrank_note)
    assert result.cox_note.startswith(cox_note)


def test_no_participants_to_compare():
    result = rules.compare_groups([], [], [])
    assert result.groups == () and result.logrank_p is None and result.hazard_ratios == ()


# --- response and failure pattern -----------------------------------------------------------------


def P(best, sites=(), died=False):  # noqa: N802 - a short constructor for the tables below
    return rules.PatternInput(best_response=best, progression_sites=frozenset(sites), died=died)


def _by_key(table):
    return {cell.key: (cell.n, cell.pct) for cell in table.cells}


def test_response_pattern_counts_and_percentages_of_the_population():
    table = rules.response_pattern(
        [
            P("CR"),
            P("CR", ["locoregional"]),
            P("PR", ["distant"], died=True),
            P("SD", ["both"], died=True),
            P("PD", ["locoregional", "distant"]),
            P("NE", [], died=True),
            P("NON-CR/NON-PD"),
            P("CR"),
        ]
    )
    counts = _by_key(table)
    assert table.population_n == 8
    assert counts["CR"] == (3, 37.5)
    assert counts["PR"] == counts["SD"] == counts["PD"] == counts["NE"] == counts["NON-CR/NON-PD"] == (1, 12.5)
    assert counts["progression_any"] == (4, 50.0)
    assert counts["progression_locoregional"] == (3, 37.5)  # locoregional, both, locoregional + distant
    assert counts["progression_distant"] == (3, 37.5)
    assert counts["progression_both"] == (2, 25.0)  # a "both" record, or two records at the two sites
    assert counts["deaths"] == (3, 37.5)
    assert sum(cell.n for cell in table.responses) == table.population_n


def test_an_unknown_best_response_counts_as_ne():
    assert _by_key(rules.response_pattern([P("")]))["NE"] == (1, 100.0)


def test_an_empty_population_has_no_percentages():
    table = rules.response_pattern([])
    assert table.population_n == 0
    assert all(cell.n == 0 and cell.pct is None for cell in table.cells)
