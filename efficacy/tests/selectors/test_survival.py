"""The survival report's analysis dataset and report data: times and events per participant at a
cut-off, the Kaplan-Meier numbers checked against lifelines called directly on the dataset rows,
the comparison by a baseline factor, the response and failure-pattern table, and a query count
that does not grow with the number of participants."""

import datetime
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from lifelines.utils import median_survival_times

from efficacy.rules import survival as rules
from efficacy.selectors.survival import analysis_dataset, csv_rows, survival_report
from efficacy.tests import factories

D = datetime.date
START = D(2025, 3, 3)  # first dose of every participant of the cohort
CUTOFF = D(2026, 10, 1)


@dataclass
class Cohort:
    participants: dict[str, object] = field(default_factory=dict)

    def number(self, key: str) -> str:
        return self.participants[key].study_number


def build_cohort(*, coordinator, investigator) -> Cohort:
    """Eight enrolled participants with known times at ``CUTOFF`` (see each comment)."""
    cohort = Cohort()

    def make(key, *, diagnosis, figo, nodes="none", histology="squamous cell carcinoma"):
        participant = factories.treated_participant(
            coordinator=coordinator,
            investigator=investigator,
            treatment_start=START,
            diagnosis_date=diagnosis,
            figo_stage=figo,
            histology=histology,
        )
        if nodes is not None:
            factories.baseline(participant, on=START - datetime.timedelta(days=7), nodes=nodes)
        cohort.participants[key] = participant
        return participant

    # A: confirmed CR, alive and progression-free: censored for both; a confirmed CR after her
    # recorded last progression-free date.
    a = make("A", diagnosis=D(2025, 1, 10), figo="IIIC1", nodes="pelvic")
    factories.follow_up(a, on=D(2025, 6, 2), response="CR", confirmed_by=investigator)
    factories.follow_up(a, on=D(2025, 7, 14), response="CR", confirmed_by=investigator)
    factories.follow_up(a, on=D(2026, 6, 1), response="CR", confirmed_by=investigator)
    factories.follow_up_status(a, last_known_alive_date=D(2026, 9, 1), last_progression_free_date=D(2026, 3, 2))
    # B: confirmed PR, distant progression, died of disease.
    b = make("B", diagnosis=D(2025, 1, 20), figo="IIIC1", nodes="pelvic")
    factories.follow_up(b, on=D(2025, 6, 2), response="PR", confirmed_by=investigator)
    factories.follow_up(b, on=D(2025, 7, 14), response="PR", confirmed_by=investigator)
    factories.progression(b, on=D(2025, 12, 1), site="distant")
    factories.follow_up_status(b, death_date=D(2026, 5, 4), death_cause="disease")
    # C: SD, locoregional progression, alive.
    c = make("C", diagnosis=D(2025, 2, 1), figo="IIB", nodes="none", histology="adenocarcinoma")
    factories.follow_up(c, on=D(2025, 6, 2), response="SD", confirmed_by=investigator)
    factories.progression(c, on=D(2025, 9, 1), site="locoregional")
    factories.follow_up_status(c, last_known_alive_date=D(2026, 8, 3))
    # D: progression at both sites, died.
    d = make("D", diagnosis=D(2025, 1, 5), figo="IIB", nodes="none")
    factories.progression(d, on=D(2025, 7, 1), site="both")
    factories.follow_up_status(d, death_date=D(2025, 11, 17), death_cause="disease")
    # E: died without progression: PFS ends at death.
    e = make("E", diagnosis=D(2025, 1, 15), figo="IVA", nodes="para_aortic", histology="adenocarcinoma")
    factories.follow_up_status(e, death_date=D(2025, 4, 1), death_cause="treatment")
    # F: no baseline (nodes not recorded); progression and last contact after the cut-off.
    f = make("F", diagnosis=D(2025, 2, 10), figo="IIIC1", nodes=None)
    factories.follow_up(f, on=D(2026, 6, 1), response="SD", confirmed_by=investigator)
    factories.progression(f, on=D(2026, 10, 15), site="distant")
    factories.follow_up_status(f, last_known_alive_date=D(2026, 10, 20), last_progression_free_date=D(2026, 3, 2))
    # G: no diagnosis date: left out of the survival analysis.
    g = make("G", diagnosis=None, figo="IIB", nodes="none")
    factories.follow_up_status(g, last_known_alive_date=D(2026, 9, 1))
    # H: locoregional then distant progression (two records), died after the cut-off.
    h = make("H", diagnosis=D(2025, 1, 25), figo="IIB", nodes="pelvic")
    factories.progression(h, on=D(2025, 10, 1), site="locoregional")
    factories.progression(h, on=D(2025, 11, 3), site="distant")
    factories.follow_up_status(
        h, last_known_alive_date=D(2026, 9, 15), death_date=D(2026, 10, 2), death_cause="disease"
    )
    return cohort


@pytest.fixture
def cohort(coordinator, investigator):
    return build_cohort(coordinator=coordinator, investigator=investigator)


def _rows_by_key(cohort, rows):
    by_number = {row.study_number: row for row in rows}
    return {key: by_number[cohort.number(key)] for key in cohort.participants}


def _days(start, end):
    return (end - start).days


pytestmark = pytest.mark.django_db


# --- the dataset ----------------------------------------------------------------------------------


def test_the_dataset_has_one_row_per_enrolled_participant_with_times_and_events(cohort):
    rows = analysis_dataset(cutoff=CUTOFF)
    assert len(rows) == 8
    by_key = _rows_by_key(cohort, rows)

    a = by_key["A"].times
    assert (a.os_days, a.os_event, a.pfs_days, a.pfs_event) == (
        _days(D(2025, 1, 10), D(2026, 9, 1)),
        False,
        _days(D(2025, 1, 10), D(2026, 6, 1)),
        False,
    )
    b = by_key["B"]
    assert (b.times.pfs_days, b.times.pfs_event) == (_days(D(2025, 1, 20), D(2025, 12, 1)), True)
    assert (b.times.os_days, b.times.os_event) == (_days(D(2025, 1, 20), D(2026, 5, 4)), True)
    assert (b.best_response, b.responder, b.progression_site, b.death_cause) == ("PR", True, "distant", "disease")
    e = by_key["E"].times
    assert (e.pfs_end_date, e.pfs_event, e.pfs_basis) == (D(2025, 4, 1), True, rules.DEATH)
    assert by_key["A"].best_response == "CR" and by_key["C"].best_response == "SD"
    assert by_key["A"].node_status_label == "Pelvic nodes" and by_key["F"].node_status == ""


def test_events_after_the_cutoff_are_censored_at_the_cutoff(cohort):
    by_key = _rows_by_key(cohort, analysis_dataset(cutoff=CUTOFF))
    f, h = by_key["F"], by_key["H"]
    assert (f.times.pfs_end_date, f.times.pfs_event, f.times.pfs_basis) == (CUTOFF, False, rules.CUTOFF)
    assert f.progression_date is None  # after the cut-off: not shown as a progression
    assert (h.times.os_end_date, h.times.os_event, h.times.os_basis) == (CUTOFF, False, rules.CUTOFF)
    assert h.death_date is None
    assert (h.times.pfs_end_date, h.times.pfs_event) == (D(2025, 10, 1), True)


def test_a_later_confirmed_non_pd_assessment_extends_pfs_censoring(cohort):
    a = _rows_by_key(cohort, analysis_dataset(cutoff=CUTOFF))["A"]
    assert (a.times.pfs_end_date, a.times.pfs_basis) == (D(2026, 6, 1), rules.LAST_ASSESSMENT)
    assert (a.times.os_end_date, a.times.os_basis) == (D(2026, 9, 1), rules.LAST_KNOWN_ALIVE)


def test_a_participant_without_a_diagnosis_date_is_left_out_with_the_reason(cohort):
    report = survival_report(cutoff=CUTOFF)
    assert [row.study_number for row in report.excluded] == [cohort.number("G")]
    assert report.excluded[0].problem == rules.NO_DIAGNOSIS_DATE
    assert report.pfs.km.n == report.os.km.n == 7
    assert report.response[-1].table.population_n == 8  # still in the response table (all enrolled)


def test_participants_enrolled_after_the_cutoff_are_not_in_the_report(cohort):
    report = survival_report(cutoff=START - datetime.timedelta(days=1))
    assert report.dataset == [] and report.enrolled_after_cutoff == 8
    assert report.pfs.km.n == 0 and report.os.median.startswith("Not reached")


# --- Kaplan-Meier numbers against lifelines -------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["pfs", "os"])
def test_report_numbers_equal_lifelines_on_the_dataset_rows(cohort, endpoint):
    report = survival_report(cutoff=CUTOFF)
    rows = [row for row in analysis_dataset(cutoff=CUTOFF) if row.included]
    durations = np.array([getattr(row.times, f"{endpoint}_months") for row in rows])
    events = np.array([getattr(row.times, f"{endpoint}_event") for row in rows])
    direct = KaplanMeierFitter(alpha=0.05).fit(durations, event_observed=events)
    km = getattr(report, endpoint).km

    assert (km.n, km.events) == (len(rows), int(events.sum()))
    expected_median = direct.median_survival_time_
    assert km.median.value == (None if np.isinf(expected_median) else pytest.approx(expected_median))
    ci = median_survival_times(direct.confidence_interval_)
    for mine, theirs in ((km.median.lower, ci.iloc[0, 0]), (km.median.upper, ci.iloc[0, 1])):
        assert mine == (None if np.isinf(theirs) else pytest.approx(theirs))
    interval = direct.confidence_interval_
    for landmark in km.landmarks:
        if landmark.months > durations.max():
            assert not landmark.estimable
            continue
        in_force = interval[interval.index <= landmark.months].iloc[-1]
        assert landmark.survival == pytest.approx(direct.survival_function_at_times(landmark.months).iloc[0])
        assert landmark.lower == pytest.approx(in_force.iloc[0])
        assert landmark.upper == pytest.approx(in_force.iloc[1])
    for item in km.at_risk:
        assert item.at_risk == int((durations >= item.months).sum())


def test_pfs_numbers_of_the_cohort(cohort):
    report = survival_report(cutoff=CUTOFF)
    # PFS events: B, C, D, E, H (progression or death); A and F censored.
    assert (report.pfs.km.n, report.pfs.km.events) == (7, 5)
    # OS events: B, D, E (H died after the cut-off).
    assert (report.os.km.n, report.os.km.events) == (7, 3)
    assert [item.at_risk for item in report.os.km.at_risk[:4]] == [7, 6, 5, 4]


# --- comparison -----------------------------------------------------------------------------------


def test_log_rank_p_by_figo_stage_equals_lifelines_on_the_dataset_rows(cohort):
    report = survival_report(cutoff=CUTOFF, factor="figo_stage")
    rows = [row for row in analysis_dataset(cutoff=CUTOFF) if row.included]
    durations = [row.times.pfs_months for row in rows]
    events = [row.times.pfs_event for row in rows]
    stages = [row.figo_stage for row in rows]
    direct = multivariate_logrank_test(durations, stages, events)
    comparison = report.pfs.comparison
    assert comparison.logrank_p == pytest.approx(direct.p_value)
    assert [(group.level, group.n) for group in comparison.groups] == [("IIB", 3), ("IIIC1", 3), ("IVA", 1)]
    assert comparison.reference == "IIB"  # the largest group; tie with IIIC1 broken by name
    assert comparison.unknown_n == 0


def test_node_status_compares_none_pelvic_para_aortic_and_counts_the_unknown(cohort):
    report = survival_report(cutoff=CUTOFF, factor="node_status")
    comparison = report.os.comparison
    assert [(group.level, group.n) for group in comparison.groups] == [
        ("No pathological nodes", 2),
        ("Pelvic nodes", 3),
        ("Para-aortic nodes (with or without pelvic)", 1),
    ]
    assert comparison.reference == "No pathological nodes"  # the first in the declared order
    assert comparison.unknown_n == 1  # F has no baseline assessment


def test_two_histologies_log_rank_and_cox_equal_lifelines_on_the_dataset_rows(cohort):
    report = survival_report(cutoff=CUTOFF, factor="histology")
    rows = [row for row in analysis_dataset(cutoff=CUTOFF) if row.included]
    adeno = [row for row in rows if row.histology == "adenocarcinoma"]
    squamous = [row for row in rows if row.histology == "squamous cell carcinoma"]
    direct = logrank_test(
        [row.times.os_months for row in adeno],
        [row.times.os_months for row in squamous],
        event_observed_A=[row.times.os_event for row in adeno],
        event_observed_B=[row.times.os_event for row in squamous],
    )
    comparison = report.os.comparison
    assert comparison.logrank_p == pytest.approx(direct.p_value)
    assert comparison.result.logrank_df == 1
    assert comparison.reference == "squamous cell carcinoma"  # the larger group
    assert [(group.level, group.n, group.events) for group in comparison.groups] == [
        ("adenocarcinoma", 2, 1),
        ("squamous cell carcinoma", 5, 2),
    ]
    frame = pd.DataFrame(
        {
            "time": [row.times.os_months for row in rows],
            "event": [int(row.times.os_event) for row in rows],
            "adeno": [1.0 if row.histology == "adenocarcinoma" else 0.0 for row in rows],
        }
    )
    cox = CoxPHFitter().fit(frame, duration_col="time", event_col="event").summary.loc["adeno"]
    (ratio,) = comparison.result.hazard_ratios
    assert ratio.level == "adenocarcinoma"
    assert ratio.hazard_ratio == pytest.approx(cox["exp(coef)"])
    assert (ratio.lower, ratio.upper) == (
        pytest.approx(cox["exp(coef) lower 95%"]),
        pytest.approx(cox["exp(coef) upper 95%"]),
    )
    assert comparison.groups[0].hazard_ratio.startswith(f"{cox['exp(coef)']:.2f} (95 % CI")


def test_unknown_factor_is_refused(cohort):
    with pytest.raises(ValueError):
        survival_report(cutoff=CUTOFF, factor="age")


# --- response and failure pattern -----------------------------------------------------------------


def test_response_and_failure_pattern_table(cohort):
    overall = survival_report(cutoff=CUTOFF).response[-1]
    counts = {cell.key: cell.n for cell in overall.table.cells}
    assert overall.overall and overall.table.population_n == 8
    assert (counts["CR"], counts["PR"], counts["SD"], counts["PD"], counts["NE"]) == (1, 1, 2, 0, 4)
    # Up to the cut-off: B distant, C locoregional, D both, H locoregional + distant (F after it).
    assert counts["progression_any"] == 4
    assert (counts["progression_locoregional"], counts["progression_distant"], counts["progression_both"]) == (3, 3, 2)
    assert counts["deaths"] == 3  # B, D, E (H died after the cut-off)


def test_the_best_response_ignores_assessments_after_the_cutoff(cohort):
    by_key = _rows_by_key(cohort, analysis_dataset(cutoff=D(2025, 7, 1)))
    assert by_key["A"].best_response == "SD"  # the confirming CR (2025-07-14) is after the cut-off
    assert by_key["A"].progression_sites == frozenset()


def test_response_table_by_factor_has_a_row_per_level_and_the_overall(cohort):
    rows = survival_report(cutoff=CUTOFF, factor="node_status").response
    assert [(row.label, row.table.population_n) for row in rows] == [
        ("No pathological nodes", 3),
        ("Pelvic nodes", 3),
        ("Para-aortic nodes (with or without pelvic)", 1),
        ("Not recorded", 1),
        ("Overall", 8),
    ]


# --- CSV rows and queries -------------------------------------------------------------------------


def test_dataset_csv_rows_have_study_numbers_iso_dates_and_units(cohort):
    rows = list(csv_rows("dataset", survival_report(cutoff=CUTOFF)))
    header = rows[0]
    assert "os_months" in header and "pfs_days" in header and "study_number" in header
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    b = by_number[cohort.number("B")]
    assert b["diagnosis_date"] == "2025-01-20" and b["death_date"] == "2026-05-04"
    assert b["os_event"] == 1 and float(b["os_months"]) == pytest.approx(
        _days(D(2025, 1, 20), D(2026, 5, 4)) / 30.4375, abs=1e-4
    )
    assert by_number[cohort.number("G")]["problem_code"] == rules.NO_DIAGNOSIS_DATE


def test_query_count_does_not_grow_with_participants(coordinator, investigator):
    build_cohort(coordinator=coordinator, investigator=investigator)
    with CaptureQueriesContext(connection) as few:
        survival_report(cutoff=CUTOFF, factor="node_status")
    build_cohort(coordinator=coordinator, investigator=investigator)
    with CaptureQueriesContext(connection) as many:
        survival_report(cutoff=CUTOFF, factor="node_status")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_confirmed_pd_scan_ends_pfs_even_before_its_progression_form_is_entered(coordinator, investigator):
    participant = factories.treated_participant(
        coordinator=coordinator, investigator=investigator, treatment_start=START, diagnosis_date=D(2025, 1, 10),
        figo_stage="IIIB",
    )
    factories.baseline(participant, on=START - datetime.timedelta(days=7))
    factories.follow_up(participant, on=D(2025, 6, 2), response="PD", confirmed_by=investigator)
    factories.follow_up_status(participant, last_known_alive_date=D(2026, 1, 5))

    (row,) = analysis_dataset(cutoff=CUTOFF)

    assert (row.times.pfs_end_date, row.times.pfs_event) == (D(2025, 6, 2), True)
    assert row.progression_date == D(2025, 6, 2)
    assert row.progression_site_label.startswith("Not recorded")
