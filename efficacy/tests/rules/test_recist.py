"""RECIST 1.1 rules: target response, tables 1-3, sums and baseline lesion checks (PROTOCOL §5)."""

import datetime
from decimal import Decimal

import pytest

from efficacy.rules.recist import (
    CR,
    DISAPPEARED,
    NE,
    NON_CR_NON_PD,
    NOT_EVALUATED,
    PD,
    PR,
    SD,
    TOO_SMALL,
    BaselineLesion,
    TargetMeasurement,
    assess_target_lesions,
    baseline_sum_mm,
    best_overall_response,
    best_overall_response_detail,
    check_target_lesion,
    check_target_selection,
    minimum_measurable_mm,
    nadir_sum,
    overall_response,
    percent_change,
    recorded_diameter_mm,
    round_percent,
    sum_of_diameters_mm,
    target_response,
)

START = datetime.date(2024, 1, 1)


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


def tr(baseline, nadir, current, *, cr=False):
    return target_response(baseline, nadir, current, all_nodes_below_10mm=cr, non_nodal_all_zero=cr)


# --- target_response --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "nadir", "current", "expected"),
    [
        # PR: >= 30% below baseline (nadir = baseline, so no PD)
        (100, 100, 70, PR),  # exactly -30%
        (100, 100, "70.1", SD),  # -29.9%
        (100, 100, 70.1, SD),  # float read as 70.1 exactly
        (100, 100, "69.9", PR),
        (47, 47, "32.9", PR),  # exactly -30% of a sum that is not round
        (47, 47, "32.91", SD),
        (Decimal("33.3"), Decimal("33.3"), Decimal("23.31"), PR),
        # PD: >= 20% over nadir AND >= 5 mm
        (40, 25, 30, PD),  # +20% and +5 mm exactly
        (40, 25, "29.9", SD),  # +19.6%, +4.9 mm
        (25, 20, 24, SD),  # +20% but only +4 mm
        (25, 20, 25, PD),  # +25%, +5 mm
        (60, 50, "59.9", SD),  # +19.8%, +9.9 mm
        (60, 50, 60, PD),  # +20%, +10 mm
        (100, 100, 120, PD),  # nadir is the baseline
        (100, 100, "119.9", SD),
        (50, 0, 5, PD),  # reappearance after a nadir of 0: +5 mm
        (50, 0, "4.9", PR),  # +4.9 mm: not PD, still -90% from baseline
        # PD is measured from the nadir, PR from baseline: a rise from the nadir can still be PR
        (100, 40, 47, PR),  # +17.5% over nadir, -53% from baseline
        (100, 40, 48, PD),  # +20%, +8 mm over nadir, though -52% from baseline
        (100, 90, 95, SD),
    ],
)
def test_target_response_thresholds(baseline, nadir, current, expected):
    assert tr(baseline, nadir, current) == expected


def test_target_complete_response_needs_non_nodal_zero_and_nodes_below_10mm():
    assert target_response(50, 50, "9.9", all_nodes_below_10mm=True, non_nodal_all_zero=True) == CR
    assert target_response(50, 50, 10, all_nodes_below_10mm=False, non_nodal_all_zero=True) == PR
    assert target_response(50, 50, 5, all_nodes_below_10mm=True, non_nodal_all_zero=False) == PR


def test_target_cr_decided_before_pd_while_every_node_is_below_10mm():
    # Nodes < 10 mm are normal (EORTC RECIST FAQ), so 3 -> 9.9 mm is not progression.
    assert target_response(30, 3, "9.9", all_nodes_below_10mm=True, non_nodal_all_zero=True) == CR
    assert target_response(30, 3, 10, all_nodes_below_10mm=False, non_nodal_all_zero=True) == PD


def test_target_not_evaluable_is_ne_without_sums():
    result = target_response(None, None, None, all_nodes_below_10mm=False, non_nodal_all_zero=False, evaluable=False)
    assert result == NE


@pytest.mark.parametrize(
    ("baseline", "nadir", "current"),
    [(0, 0, 0), (50, 60, 40), (50, 40, -1), (50, None, 40)],
)
def test_target_response_rejects_impossible_sums(baseline, nadir, current):
    with pytest.raises(ValueError):
        tr(baseline, nadir, current)


def test_target_response_ranges_neither_overlap_nor_leave_gaps():
    # Baseline 100, nadir 80: sweeping the current sum in 0.1 mm steps gives PR, then SD, then PD,
    # each over one unbroken range whose edges are the RECIST thresholds.
    sums = [Decimal(tenths) / 10 for tenths in range(0, 2001)]
    responses = [tr(100, 80, value) for value in sums]
    assert set(responses) == {PR, SD, PD}
    changes = [(sums[i], responses[i]) for i in range(1, len(sums)) if responses[i] != responses[i - 1]]
    assert changes == [(Decimal("70.1"), SD), (Decimal(96), PD)]


# --- overall_response: RECIST 1.1 tables 1 and 2 ---------------------------------------------


@pytest.mark.parametrize(
    ("target", "non_target", "new", "expected"),
    [
        # table 1
        (CR, CR, False, CR),
        (CR, None, False, CR),  # no non-target lesions at baseline
        (CR, NON_CR_NON_PD, False, PR),
        (CR, NE, False, PR),
        (PR, NON_CR_NON_PD, False, PR),
        (PR, CR, False, PR),
        (PR, NE, False, PR),
        (PR, None, False, PR),
        (SD, NON_CR_NON_PD, False, SD),
        (SD, NE, False, SD),
        (SD, CR, False, SD),
        (NE, NON_CR_NON_PD, False, NE),
        (NE, CR, False, NE),
        (NE, None, False, NE),
        (PD, CR, False, PD),
        (PD, None, True, PD),
        (CR, PD, False, PD),
        (NE, PD, False, PD),
        (CR, CR, True, PD),
        (SD, NE, True, PD),
        # table 2 (no target lesions at baseline)
        (None, CR, False, CR),
        (None, NON_CR_NON_PD, False, NON_CR_NON_PD),
        (None, NE, False, NE),
        (None, PD, False, PD),
        (None, CR, True, PD),
        # no disease recorded at baseline at all
        (None, None, False, NE),
        (None, None, True, PD),
    ],
)
def test_overall_response_tables_1_and_2(target, non_target, new, expected):
    assert overall_response(target, non_target, new) == expected


@pytest.mark.parametrize(("target", "non_target"), [("SD", "SD"), ("NON-CR/NON-PD", CR), ("cr", CR), (CR, PR)])
def test_overall_response_rejects_values_outside_the_tables(target, non_target):
    with pytest.raises(ValueError):
        overall_response(target, non_target, False)


# --- best_overall_response: RECIST 1.1 table 3 and section 4.6 ---------------------------------


@pytest.mark.parametrize(
    ("timepoints", "expected"),
    [
        # table 3 rows, first assessment at day 84 (SD duration met) and at day 30 (not met)
        ([(84, CR), (112, CR)], CR),
        ([(84, CR), (112, PR)], SD),  # disease after CR is PD; CR met the SD duration
        ([(30, CR), (60, PR)], PD),
        ([(84, CR), (112, SD)], SD),
        ([(30, CR), (60, SD)], PD),
        ([(84, CR), (112, PD)], SD),
        ([(30, CR), (60, PD)], PD),
        ([(84, CR), (112, NE)], SD),
        ([(30, CR), (60, NE)], NE),
        ([(84, PR), (112, CR)], PR),
        ([(84, PR), (112, PR)], PR),
        ([(84, PR), (112, SD)], SD),
        ([(84, PR), (112, PD)], SD),
        ([(30, PR), (60, PD)], PD),
        ([(84, PR), (112, NE)], SD),
        ([(30, PR), (60, NE)], NE),
        ([(84, NE), (112, NE)], NE),
        # confirmation interval: 28 days confirms, 27 does not
        ([(84, PR), (111, PR)], SD),
        ([(84, CR), (111, CR)], SD),
        ([(84, PR), (111, PR), (112, PR)], PR),
        # NE between neither confirms nor breaks; SD between breaks; nothing after PD counts
        ([(84, PR), (100, NE), (120, PR)], PR),
        ([(84, PR), (100, SD), (120, PR)], SD),
        ([(84, PR), (100, PD), (130, PR), (160, PR)], SD),
        ([(84, CR), (100, NE), (120, CR)], CR),
        ([(84, PR), (100, CR), (120, PR)], SD),  # PR after CR is PD; the 16-day CR cannot confirm
        # SD minimum duration from start: 42 days counts, 41 does not
        ([(42, SD)], SD),
        ([(41, SD)], NE),
        ([(41, SD), (80, PD)], PD),
        ([(41, SD), (42, NE)], NE),
        ([(41, SD), (42, SD)], SD),
        ([(42, PR)], SD),  # unconfirmed PR still counts as stable
        ([(10, PD)], PD),
        # non-target disease only (table 2 responses)
        ([(42, NON_CR_NON_PD)], NON_CR_NON_PD),
        ([(41, NON_CR_NON_PD)], NE),
        ([(84, CR), (112, CR)], CR),
        ([(84, NON_CR_NON_PD), (112, CR)], NON_CR_NON_PD),
        ([], NE),
    ],
)
def test_best_overall_response_with_confirmation(timepoints, expected):
    points = [(day(offset), response) for offset, response in timepoints]
    assert best_overall_response(points, start=START) == expected


@pytest.mark.parametrize(
    ("timepoints", "expected"),
    [
        ([(30, PR)], PR),
        ([(84, PR), (111, PR)], PR),
        ([(30, CR), (60, PR)], CR),
        ([(30, PR), (60, CR)], CR),
        ([(30, SD), (60, PR)], PR),
        ([(84, PR), (100, PD), (130, CR)], PR),  # the CR after PD does not count
        ([(41, SD)], NE),
        ([(42, SD)], SD),
        ([(41, SD), (60, PD)], PD),
        ([(20, NE)], NE),
    ],
)
def test_best_overall_response_without_confirmation(timepoints, expected):
    points = [(day(offset), response) for offset, response in timepoints]
    assert best_overall_response(points, start=START, confirm=False) == expected


def test_best_overall_response_sorts_assessments_by_date():
    assert best_overall_response([(day(112), PR), (day(84), PR)], start=START) == PR
    assert best_overall_response([(day(112), PD), (day(84), PR), (day(60), PR)], start=START) == SD


@pytest.mark.parametrize(
    ("confirmation_days", "sd_min_days", "expected"),
    [(28, 42, SD), (27, 42, PR), (28, 83, NE), (28, 82, SD)],
)
def test_best_overall_response_reads_its_intervals_from_arguments(confirmation_days, sd_min_days, expected):
    points = [(day(55), PR), (day(82), PR)]  # 27 days apart
    result = best_overall_response(points, start=START, confirmation_days=confirmation_days, sd_min_days=sd_min_days)
    assert result == expected


def test_best_response_detail_names_the_confirming_assessment():
    detail = best_overall_response_detail([(day(84), PR), (day(112), CR)], start=START)
    assert (detail.response, detail.assessment_date, detail.confirmed_on) == (PR, day(84), day(112))
    assert "28 days later" in detail.reason


@pytest.mark.parametrize(
    "timepoints",
    [
        [(day(84), PR), (day(84), SD)],  # two responses on one date
        [(day(-1), PR)],  # before the start
        [(day(84), "Partial response")],
    ],
)
def test_best_overall_response_rejects_bad_timepoints(timepoints):
    with pytest.raises(ValueError):
        best_overall_response(timepoints, start=START)


# --- measurements, sums, percentages ---------------------------------------------------------


@pytest.mark.parametrize(
    ("measurement", "expected"),
    [
        (TargetMeasurement(is_lymph_node=False, diameter_mm="23.4"), Decimal("23.4")),
        (TargetMeasurement(is_lymph_node=False, diameter_mm=3), Decimal(3)),  # measured < 5 mm stays
        (TargetMeasurement(is_lymph_node=False, status=TOO_SMALL), Decimal(5)),
        (TargetMeasurement(is_lymph_node=True, status=TOO_SMALL), Decimal(5)),
        (TargetMeasurement(is_lymph_node=False, status=DISAPPEARED), Decimal(0)),
        (TargetMeasurement(is_lymph_node=False, status=NOT_EVALUATED), None),
    ],
)
def test_recorded_diameter_conventions(measurement, expected):
    assert recorded_diameter_mm(measurement) == expected


@pytest.mark.parametrize(
    "measurement",
    [
        TargetMeasurement(is_lymph_node=False),
        TargetMeasurement(is_lymph_node=False, diameter_mm=-1),
        TargetMeasurement(is_lymph_node=False, status="gone"),
    ],
)
def test_recorded_diameter_rejects_missing_or_impossible_values(measurement):
    with pytest.raises(ValueError):
        recorded_diameter_mm(measurement)


def test_sum_of_diameters_and_missing_value():
    assert sum_of_diameters_mm([10, "5.5", 0]) == Decimal("15.5")
    assert sum_of_diameters_mm([10, None]) is None


@pytest.mark.parametrize(
    ("baseline", "previous", "expected"),
    [(50, [], Decimal(50)), (50, [40, None, 45], Decimal(40)), (50, [60, 55], Decimal(50)), (50, [0], Decimal(0))],
)
def test_nadir_includes_the_baseline(baseline, previous, expected):
    assert nadir_sum(baseline, previous) == expected


@pytest.mark.parametrize(
    ("reference", "current", "expected"),
    [(100, 70, Decimal(-30)), (80, 96, Decimal(20)), (50, 50, Decimal(0)), (0, 5, None)],
)
def test_percent_change(reference, current, expected):
    assert percent_change(reference, current) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [("-29.96", "-29.9"), ("-30.00", "-30.0"), ("19.99", "19.9"), ("20.04", "20.0"), ("-12.34", "-12.3")],
)
def test_round_percent_never_crosses_a_threshold(value, shown):
    assert round_percent(Decimal(value)) == Decimal(shown)


def test_assessment_form_values_for_a_partial_response():
    # baseline: cervix 30 mm + pelvic node 20 mm short axis = 50 mm
    lesions = [TargetMeasurement(False, diameter_mm=21), TargetMeasurement(True, diameter_mm=14)]
    result = assess_target_lesions(50, 50, lesions)
    assert result.sum_mm == Decimal(35)
    assert result.change_from_baseline_mm == Decimal(-15)
    assert result.change_from_baseline_pct == Decimal("-30.0")
    assert result.change_from_nadir_pct == Decimal("-30.0")
    assert result.response == PR
    assert result.evaluable is True


@pytest.mark.parametrize(
    ("node_mm", "expected", "nodes_below"),
    [("9.9", CR, True), (10, PR, False)],
)
def test_assessment_node_short_axis_9_9_vs_10_for_complete_response(node_mm, expected, nodes_below):
    lesions = [TargetMeasurement(False, status=DISAPPEARED), TargetMeasurement(True, diameter_mm=node_mm)]
    result = assess_target_lesions(50, 50, lesions)
    assert result.response == expected
    assert result.all_nodes_below_10mm is nodes_below
    assert result.non_nodal_all_zero is True


def test_assessment_too_small_lesion_is_present_so_not_complete_response():
    lesions = [TargetMeasurement(False, status=TOO_SMALL), TargetMeasurement(True, diameter_mm=5)]
    result = assess_target_lesions(50, 50, lesions)
    assert result.sum_mm == Decimal(10)
    assert result.non_nodal_all_zero is False
    assert result.response == PR


def test_assessment_with_a_missing_lesion_is_not_evaluable():
    lesions = [TargetMeasurement(False, status=NOT_EVALUATED), TargetMeasurement(True, diameter_mm=14)]
    result = assess_target_lesions(50, 30, lesions)
    assert result.response == NE
    assert result.sum_mm is None and result.change_from_baseline_pct is None
    assert result.evaluated_sum_mm == Decimal(14)


def test_assessment_with_a_missing_lesion_is_pd_when_measured_lesions_already_progress():
    # nadir 30; the measured lesions alone sum to 36 (+20%, +6 mm), a missing one can only add.
    lesions = [TargetMeasurement(False, status=NOT_EVALUATED), TargetMeasurement(True, diameter_mm=36)]
    assert assess_target_lesions(50, 30, lesions).response == PD


def test_assessment_from_a_nadir_of_zero_has_no_percentage_from_nadir():
    result = assess_target_lesions(40, 0, [TargetMeasurement(False, diameter_mm=6)])
    assert result.change_from_nadir_pct is None
    assert result.change_from_nadir_mm == Decimal(6)
    assert result.response == PD


# --- baseline lesions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lesion", "code"),
    [
        (BaselineLesion("T1", "cervix", 10), None),
        (BaselineLesion("T1", "cervix", "9.9"), "recist.target.not_measurable"),
        (BaselineLesion("N1", "pelvis", 15, is_lymph_node=True), None),
        (BaselineLesion("N1", "pelvis", "14.9", is_lymph_node=True), "recist.target.node_non_target"),
        (BaselineLesion("N1", "pelvis", 10, is_lymph_node=True), "recist.target.node_non_target"),
        (BaselineLesion("N1", "pelvis", "9.9", is_lymph_node=True), "recist.target.node_normal"),
        (BaselineLesion("T1", "liver", 16, slice_thickness_mm=8), None),  # 2 x 8 mm slices
        (BaselineLesion("T1", "liver", "15.9", slice_thickness_mm=8), "recist.target.not_measurable"),
        (BaselineLesion("T1", "liver", 10, slice_thickness_mm=5), None),
    ],
)
def test_target_lesion_measurability(lesion, code):
    finding = check_target_lesion(lesion)
    assert (finding.code if finding else None) == code


def test_measurability_message_names_value_and_limit():
    finding = check_target_lesion(BaselineLesion("T1", "cervix", "9.9"))
    assert "9.9 mm" in finding.message and "10 mm" in finding.message and finding.lesion == "T1"


@pytest.mark.parametrize(
    ("slice_mm", "minimum"),
    [(None, Decimal(10)), (5, Decimal(10)), ("5.5", Decimal(11)), (8, Decimal(16))],
)
def test_minimum_measurable_size_and_ct_slice_thickness(slice_mm, minimum):
    assert minimum_measurable_mm(BaselineLesion("T1", "lung", 20, slice_thickness_mm=slice_mm)) == minimum


def _lesions(*organs: str) -> list[BaselineLesion]:
    return [BaselineLesion(f"T{i}", organ, 20) for i, organ in enumerate(organs, start=1)]


@pytest.mark.parametrize(
    ("targets", "codes"),
    [
        (_lesions("cervix", "liver", "liver", "lung", "lung"), []),
        (_lesions("cervix", "liver", "lung", "bone", "uterus", "vagina"), ["recist.target.too_many"]),
        (_lesions("liver", "Liver", "liver "), ["recist.target.organ_limit"]),
        ([], ["recist.target.none"]),
    ],
)
def test_target_selection_limits(targets, codes):
    assert [finding.code for finding in check_target_selection(targets)] == codes


def test_all_lymph_nodes_count_as_one_organ():
    nodes = [
        BaselineLesion(f"N{i}", region, 20, is_lymph_node=True)
        for i, region in enumerate(["pelvic", "para-aortic", "inguinal"])
    ]
    findings = check_target_selection(nodes)
    assert [finding.code for finding in findings] == ["recist.target.organ_limit"]
    assert "3 target lesions in lymph node" in findings[0].message
    assert check_target_selection(nodes[:2]) == []


def test_target_selection_reports_each_unmeasurable_lesion():
    targets = [BaselineLesion("T1", "cervix", 9), BaselineLesion("N1", "pelvis", 12, is_lymph_node=True)]
    assert [f.code for f in check_target_selection(targets)] == [
        "recist.target.not_measurable",
        "recist.target.node_non_target",
    ]


def test_baseline_sum_adds_longest_diameters_and_node_short_axes():
    targets = [BaselineLesion("T1", "cervix", "42.5"), BaselineLesion("N1", "pelvis", 17, is_lymph_node=True)]
    assert baseline_sum_mm(targets) == Decimal("59.5")
