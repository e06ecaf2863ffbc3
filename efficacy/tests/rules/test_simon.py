"""Simon two-stage design, operating characteristics, stage monitor and exact CI (PROTOCOL §5)."""

import math

import pytest

from efficacy.rules.simon import (
    CONTINUE,
    EFFECTIVE,
    NOT_EFFECTIVE,
    OPEN,
    STOP,
    clopper_pearson,
    count_responders,
    final_status,
    objective_response_rate,
    operating_characteristics,
    simon_design,
    simon_monitor,
    stage1_status,
)
from trialsite.protocol.efficacy import (
    DROPOUT_ALLOWANCE,
    ENROLMENT_TARGET,
    SIMON_BOUNDARIES,
    SIMON_PARAMETERS,
    SimonBoundaries,
)

PROTOCOL = (0.65, 0.80, 0.025, 0.20)


def _reject_by_enumeration(r1: int, n1: int, r: int, n: int, p: float) -> float:
    """P(X1 > r1 and X1 + X2 > r), summing every (x1, x2) pair: independent of the module."""
    n2 = n - n1
    total = 0.0
    for x1 in range(n1 + 1):
        for x2 in range(n2 + 1):
            if x1 > r1 and x1 + x2 > r:
                total += (
                    math.comb(n1, x1) * p**x1 * (1 - p) ** (n1 - x1) * math.comb(n2, x2) * p**x2 * (1 - p) ** (n2 - x2)
                )
    return total


# --- the protocol's design --------------------------------------------------------------------


@pytest.fixture(scope="module")
def protocol_optimal():
    return simon_design(*PROTOCOL, kind="optimal")


def test_protocol_parameters_give_optimal_design_19_27_64_87(protocol_optimal):
    design = protocol_optimal
    assert (design.r1, design.n1, design.r, design.n) == (19, 27, 64, 87)
    assert design.alpha <= 0.025
    assert design.power >= 0.80
    assert design.alpha == pytest.approx(0.02463, abs=5e-5)
    assert design.power == pytest.approx(0.80056, abs=5e-5)
    assert design.pet0 == pytest.approx(0.7817, abs=1e-4)
    assert design.en0 == pytest.approx(40.10, abs=0.01)


def test_configured_boundaries_are_the_computed_design(protocol_optimal):
    parameters = SIMON_PARAMETERS
    design = simon_design(parameters.p0, parameters.p1, parameters.alpha, parameters.beta, kind=parameters.kind)
    assert (design.r1, design.n1, design.r, design.n) == (
        SIMON_BOUNDARIES.r1,
        SIMON_BOUNDARIES.n1,
        SIMON_BOUNDARIES.r,
        SIMON_BOUNDARIES.n,
    )
    assert design == protocol_optimal


def test_protocol_minimax_design_is_51_68_53_71():
    design = simon_design(*PROTOCOL, kind="minimax")
    assert (design.r1, design.n1, design.r, design.n) == (51, 68, 53, 71)
    assert design.alpha <= 0.025
    assert design.power >= 0.80
    assert design.en0 == pytest.approx(68.09, abs=0.01)


def test_paper_literal_reading_18_63_exceeds_one_sided_alpha():
    oc = operating_characteristics(18, 27, 63, 87, 0.65, 0.80)
    assert oc.alpha > 0.025
    assert oc.alpha == pytest.approx(0.0467, abs=1e-4)


def test_configured_boundaries_operating_characteristics():
    b = SIMON_BOUNDARIES
    oc = operating_characteristics(b.r1, b.n1, b.r, b.n, SIMON_PARAMETERS.p0, SIMON_PARAMETERS.p1)
    assert oc.alpha <= 0.025 and oc.power >= 0.80
    assert oc.en0 == pytest.approx(b.n1 + (1 - oc.pet0) * (b.n - b.n1))
    assert oc.en1 == pytest.approx(b.n1 + (1 - oc.pet1) * (b.n - b.n1))
    assert oc.pet1 < oc.pet0
    assert oc.en1 > oc.en0


def test_one_responder_fewer_at_the_final_boundary_breaks_alpha():
    # r is the smallest final boundary meeting alpha: 63 instead of 64 exceeds 0.025.
    assert operating_characteristics(19, 27, 63, 87, 0.65, 0.80).alpha > 0.025


def test_one_responder_more_at_the_final_boundary_breaks_power():
    assert operating_characteristics(19, 27, 65, 87, 0.65, 0.80).power < 0.80


def test_enrolment_target_is_n_plus_dropout_allowance_rounded_up():
    assert ENROLMENT_TARGET == math.ceil(SIMON_BOUNDARIES.n * (1 + DROPOUT_ALLOWANCE))
    assert ENROLMENT_TARGET == 96


# --- published designs (Simon 1989, table 1: alpha 0.05, beta 0.20) ------------------------------


@pytest.mark.parametrize(
    ("p0", "p1", "kind", "expected", "en0", "pet0"),
    [
        (0.05, 0.25, "optimal", (0, 9, 2, 17), 12.0, 0.63),
        (0.05, 0.25, "minimax", (0, 12, 2, 16), 13.8, 0.54),
        (0.10, 0.30, "optimal", (1, 10, 5, 29), 15.0, 0.74),
        (0.10, 0.30, "minimax", (1, 15, 5, 25), 19.5, 0.55),
        (0.20, 0.40, "optimal", (3, 13, 12, 43), 20.6, 0.75),
        (0.20, 0.40, "minimax", (4, 18, 10, 33), 22.3, 0.72),
        (0.30, 0.50, "optimal", (5, 15, 18, 46), 23.6, 0.72),
        (0.30, 0.50, "minimax", (6, 19, 16, 39), 25.7, 0.67),
    ],
)
def test_published_simon_1989_designs(p0, p1, kind, expected, en0, pet0):
    design = simon_design(p0, p1, 0.05, 0.20, kind=kind)
    assert (design.r1, design.n1, design.r, design.n) == expected
    assert round(design.en0, 1) == en0
    assert round(design.pet0, 2) == pet0
    assert design.kind == kind


def test_design_alpha_and_power_match_pairwise_enumeration(protocol_optimal):
    d = protocol_optimal
    assert d.alpha == pytest.approx(_reject_by_enumeration(d.r1, d.n1, d.r, d.n, 0.65), rel=1e-9)
    assert d.power == pytest.approx(_reject_by_enumeration(d.r1, d.n1, d.r, d.n, 0.80), rel=1e-9)


@pytest.mark.parametrize(("r1", "n1", "r", "n", "p0", "p1"), [(1, 10, 5, 29, 0.1, 0.3), (3, 13, 12, 43, 0.2, 0.4)])
def test_operating_characteristics_match_pairwise_enumeration(r1, n1, r, n, p0, p1):
    oc = operating_characteristics(r1, n1, r, n, p0, p1)
    assert oc.alpha == pytest.approx(_reject_by_enumeration(r1, n1, r, n, p0), rel=1e-9)
    assert oc.power == pytest.approx(_reject_by_enumeration(r1, n1, r, n, p1), rel=1e-9)
    assert oc.pet0 == pytest.approx(sum(math.comb(n1, x) * p0**x * (1 - p0) ** (n1 - x) for x in range(r1 + 1)))


def test_minimax_never_larger_than_optimal_and_optimal_never_larger_expected_size():
    optimal = simon_design(0.2, 0.4, 0.05, 0.2, kind="optimal")
    minimax = simon_design(0.2, 0.4, 0.05, 0.2, kind="minimax")
    assert minimax.n <= optimal.n
    assert optimal.en0 <= minimax.en0


def test_no_design_within_nmax_raises():
    with pytest.raises(ValueError, match="No two-stage design"):
        simon_design(*PROTOCOL, nmax=60)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((0.8, 0.65, 0.025, 0.2), {}),
        ((0.65, 0.8, 0.0, 0.2), {}),
        ((0.65, 0.8, 0.025, 1.0), {}),
        ((0.65, 0.8, 0.025, 0.2), {"kind": "smallest"}),
    ],
)
def test_simon_design_rejects_bad_arguments(args, kwargs):
    with pytest.raises(ValueError):
        simon_design(*args, **kwargs)


@pytest.mark.parametrize(
    ("r1", "n1", "r", "n"),
    [(27, 27, 64, 87), (19, 87, 64, 87), (19, 27, 18, 87), (19, 27, 87, 87), (-1, 27, 64, 87)],
)
def test_operating_characteristics_rejects_impossible_boundaries(r1, n1, r, n):
    with pytest.raises(ValueError):
        operating_characteristics(r1, n1, r, n, 0.65, 0.80)


# --- stage monitor (boundaries 19/27, 64/87) --------------------------------------------------


@pytest.mark.parametrize(
    ("evaluable", "responders", "status", "determined_early"),
    [
        (0, 0, OPEN, False),
        (27, 20, CONTINUE, False),  # exactly r1 + 1 of n1
        (27, 19, STOP, False),  # exactly r1 of n1
        (27, 27, CONTINUE, False),
        (20, 20, CONTINUE, True),  # 20 reached before 27 are evaluable
        (26, 20, CONTINUE, True),
        (20, 13, OPEN, False),  # 13 + 7 remaining = 20: still reachable
        (20, 12, STOP, True),  # 12 + 7 = 19: cannot reach 20
        (26, 19, OPEN, False),
        (26, 18, STOP, True),
        (8, 0, STOP, True),  # 0 + 19 = 19
        (7, 0, OPEN, False),  # 0 + 20 = 20
    ],
)
def test_stage1_status_at_the_boundaries(evaluable, responders, status, determined_early):
    result = stage1_status(evaluable, responders, r1=19, n1=27)
    assert result.status == status
    assert result.code == f"simon.stage1.{status}"
    assert result.decided is (status != OPEN)
    assert result.determined_early is determined_early
    assert result.needed == 20 and result.of == 27


@pytest.mark.parametrize(
    ("evaluable", "responders", "status", "code"),
    [
        (87, 65, EFFECTIVE, "simon.final.effective"),
        (87, 64, NOT_EFFECTIVE, "simon.final.not_effective"),
        (65, 65, EFFECTIVE, "simon.final.effective"),
        (80, 58, OPEN, "simon.final.open"),  # 58 + 7 = 65
        (80, 57, NOT_EFFECTIVE, "simon.final.not_effective"),  # 57 + 7 = 64
        (27, 20, OPEN, "simon.final.open"),
    ],
)
def test_final_status_at_the_boundaries(evaluable, responders, status, code):
    result = final_status(evaluable, responders, r=64, n=87)
    assert result.status == status
    assert result.code == code


def test_stage1_rule_in_plain_words():
    result = stage1_status(22, 15, r1=19, n1=27)
    assert result.rule == "20 of the first 27 needed to continue"
    assert "5 more needed among the remaining 5" in result.message


def test_final_rule_in_plain_words():
    assert final_status(0, 0, r=64, n=87).rule == "65 of the 87 needed to call the regimen effective"


def test_stage1_stop_message_names_the_count_and_the_limit():
    message = stage1_status(20, 12, r1=19, n1=27).message
    assert "at most 19" in message and "fewer than 20" in message


@pytest.mark.parametrize(("evaluable", "responders"), [(28, 20), (10, 11), (-1, 0)])
def test_stage1_status_rejects_impossible_counts(evaluable, responders):
    with pytest.raises(ValueError):
        stage1_status(evaluable, responders, r1=19, n1=27)


def test_monitor_uses_configured_boundaries():
    monitor = simon_monitor(27, 20, 40, 30)
    assert monitor.stage1.status == CONTINUE
    assert monitor.final.status == OPEN
    assert monitor.final.needed == 65


def test_monitor_stop_after_stage1_settles_final_as_not_effective():
    monitor = simon_monitor(27, 19, 27, 19)
    assert monitor.stage1.status == STOP
    assert monitor.final.status == NOT_EFFECTIVE
    assert monitor.final.code == "simon.final.not_effective"


def test_monitor_with_other_boundaries():
    monitor = simon_monitor(10, 2, 10, 2, SimonBoundaries(r1=1, n1=10, r=5, n=29))
    assert monitor.stage1.status == CONTINUE


@pytest.mark.parametrize(
    ("stage1_evaluable", "stage1_responders", "evaluable", "responders"),
    [(26, 20, 40, 30), (20, 10, 20, 9), (27, 20, 30, 24)],
)
def test_monitor_rejects_inconsistent_counts(stage1_evaluable, stage1_responders, evaluable, responders):
    with pytest.raises(ValueError):
        simon_monitor(stage1_evaluable, stage1_responders, evaluable, responders)


# --- Clopper-Pearson ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "confidence", "low", "high"),
    [
        (0, 10, 0.95, 0.0, 0.3085),
        (10, 10, 0.95, 0.6915, 1.0),
        (5, 10, 0.95, 0.1871, 0.8129),
        (1, 10, 0.95, 0.0025, 0.4450),
        (0, 10, 0.90, 0.0, 0.2589),
    ],
)
def test_clopper_pearson_known_values(successes, n, confidence, low, high):
    assert clopper_pearson(successes, n, confidence) == pytest.approx((low, high), abs=1e-4)


@pytest.mark.parametrize("n", [1, 10, 27, 87])
def test_clopper_pearson_closed_forms_at_zero_and_all(n):
    tail = 0.025
    assert clopper_pearson(0, n)[1] == pytest.approx(1 - tail ** (1 / n))
    assert clopper_pearson(n, n)[0] == pytest.approx(tail ** (1 / n))


@pytest.mark.parametrize(("successes", "n"), [(3, 10), (20, 27), (65, 87)])
def test_clopper_pearson_bounds_solve_the_binomial_tails(successes, n):
    low, high = clopper_pearson(successes, n)

    def pmf(k: int, p: float) -> float:
        return math.comb(n, k) * p**k * (1 - p) ** (n - k)

    assert sum(pmf(k, low) for k in range(successes, n + 1)) == pytest.approx(0.025, abs=1e-9)
    assert sum(pmf(k, high) for k in range(successes + 1)) == pytest.approx(0.025, abs=1e-9)


@pytest.mark.parametrize(("successes", "n", "confidence"), [(11, 10, 0.95), (-1, 10, 0.95), (0, 0, 0.95), (1, 10, 1.0)])
def test_clopper_pearson_rejects_bad_arguments(successes, n, confidence):
    with pytest.raises(ValueError):
        clopper_pearson(successes, n, confidence)


def test_objective_response_rate_with_exact_ci():
    orr = objective_response_rate(20, 27)
    assert orr.rate == pytest.approx(20 / 27)
    assert (orr.ci_low, orr.ci_high) == clopper_pearson(20, 27, 0.95)
    assert orr.confidence == 0.95


def test_objective_response_rate_without_evaluable_patients_is_none():
    assert objective_response_rate(0, 0) is None


def test_count_responders_counts_confirmed_cr_and_pr_only():
    assert count_responders(["CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD", "PR"]) == 3
