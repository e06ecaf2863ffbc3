"""Simon's two-stage phase II design: search, operating characteristics, stage monitor, exact CI.

Source: PROTOCOL §5 and Simon R. "Optimal two-stage designs for phase II clinical trials",
Controlled Clinical Trials 1989;10:1-10.

Notation (Simon's): enrol ``n1`` evaluable patients; stop for futility if responders ``<= r1``;
otherwise enrol to ``n`` evaluable in total and call the regimen effective if responders
``> r``. With X1 ~ Bin(n1, p), X2 ~ Bin(n - n1, p):

    P(reject H0 | p) = sum over x1 = r1+1..n1 of P(X1 = x1) * P(X2 > r - x1)
    PET(p)          = P(X1 <= r1)
    EN(p)           = n1 + (1 - PET(p)) * (n - n1)

alpha = P(reject | p0) must be ``<=`` the target alpha and power = P(reject | p1) ``>=`` 1 - beta.
The "optimal" design minimises EN(p0); the "minimax" design minimises n, ties broken by EN(p0).

Pure Python (numpy for the vectorised search, scipy only for the beta quantiles of the exact
confidence interval); no database, no clock; Django only for ``gettext`` of the plain-words
messages.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy
from scipy.stats import beta as beta_distribution

from trialsite.protocol.efficacy import (
    OBJECTIVE_RESPONSES,
    ORR_CONFIDENCE,
    SIMON_BOUNDARIES,
    SimonBoundaries,
)

OPTIMAL = "optimal"
MINIMAX = "minimax"
KINDS = (OPTIMAL, MINIMAX)

# Stage-1 statuses
OPEN = "open"
CONTINUE = "continue"
STOP = "stop"
# Final statuses
EFFECTIVE = "effective"
NOT_EFFECTIVE = "not effective"

# EN(p0) values closer than this are treated as equal when breaking ties (floating-point noise).
_EN_TOLERANCE = 1e-9


@dataclass(frozen=True)
class SimonDesign:
    """A two-stage design with its exact alpha, power, PET and expected N under p0."""

    r1: int
    n1: int
    r: int
    n: int
    en0: float
    pet0: float
    alpha: float
    power: float
    kind: str = OPTIMAL


@dataclass(frozen=True)
class OC:
    """Operating characteristics of boundaries (r1/n1, r/n) at response rates p0 and p1."""

    r1: int
    n1: int
    r: int
    n: int
    p0: float
    p1: float
    alpha: float  # P(declare effective | p0): exact type I error
    power: float  # P(declare effective | p1)
    pet0: float  # P(stop after stage 1 | p0)
    en0: float  # expected number of evaluable patients | p0
    pet1: float  # P(stop after stage 1 | p1)
    en1: float  # expected number of evaluable patients | p1


def _binomial_pmf(n: int, p: float) -> np.ndarray:
    """P(X = k), k = 0..n, for X ~ Bin(n, p), from exact binomial coefficients."""
    q = 1.0 - p
    return np.array([math.comb(n, k) * p**k * q ** (n - k) for k in range(n + 1)], dtype=float)


def _check_boundaries(r1: int, n1: int, r: int, n: int) -> None:
    if not 0 < n1 < n:
        raise ValueError(f"Need 0 < n1 < n; got n1={n1}, n={n}.")
    if not 0 <= r1 < n1:
        raise ValueError(f"Need 0 <= r1 < n1; got r1={r1}, n1={n1}.")
    if not r1 <= r < n:
        raise ValueError(f"Need r1 <= r < n; got r1={r1}, r={r}, n={n}.")


def _check_probabilities(p0: float, p1: float) -> None:
    if not 0.0 < p0 < p1 < 1.0:
        raise ValueError(f"Need 0 < p0 < p1 < 1; got p0={p0}, p1={p1}.")


def _reject_probability(r1: int, n1: int, r: int, n: int, p: float) -> tuple[float, float]:
    """(P(declare effective | p), PET(p)) for the boundaries, summed term by term."""
    stage1 = _binomial_pmf(n1, p)
    stage2 = _binomial_pmf(n - n1, p)
    reject = 0.0
    for x1 in range(r1 + 1, n1 + 1):
        # P(X2 > r - x1) = P(X2 >= r - x1 + 1)
        reject += float(stage1[x1]) * float(stage2[max(r - x1 + 1, 0) :].sum())
    pet = float(stage1[: r1 + 1].sum())
    return float(reject), pet


def operating_characteristics(r1: int, n1: int, r: int, n: int, p0: float, p1: float) -> OC:
    """Exact alpha, power, PET and expected N of the boundaries r1/n1, r/n (Simon 1989, PROTOCOL §5).

    For PROTOCOL §5's 19/27, 64/87 at p0 = 0.65, p1 = 0.80 this gives alpha <= 0.025 and
    power >= 0.80; the paper's literal wording (18/27, 63/87) gives alpha of about 0.047.
    """
    _check_boundaries(r1, n1, r, n)
    _check_probabilities(p0, p1)
    alpha, pet0 = _reject_probability(r1, n1, r, n, p0)
    power, pet1 = _reject_probability(r1, n1, r, n, p1)
    return OC(
        r1=r1,
        n1=n1,
        r=r,
        n=n,
        p0=p0,
        p1=p1,
        alpha=alpha,
        power=power,
        pet0=pet0,
        en0=n1 + (1.0 - pet0) * (n - n1),
        pet1=pet1,
        en1=n1 + (1.0 - pet1) * (n - n1),
    )


def _reject_table(pmf1: np.ndarray, tail2: np.ndarray, n: int) -> np.ndarray:
    """A[r1, r] = P(X1 > r1 and X1 + X2 > r) for r1 = 0..n1, r = 0..n.

    ``pmf1[x]`` = P(X1 = x); ``tail2[k + 1]`` = P(X2 > k) for k = -1..n2 (so tail2[0] = 1).
    """
    n1 = len(pmf1) - 1
    n2 = len(tail2) - 2
    x = np.arange(n1 + 1)[:, None]
    r = np.arange(n + 1)[None, :]
    k = np.clip(r - x, -1, n2) + 1  # P(X2 > r - x); r - x < 0 means certain
    terms = pmf1[:, None] * tail2[k]
    # sum over x > r1: reverse cumulative sum, shifted by one
    from_x = np.cumsum(terms[::-1], axis=0)[::-1]
    table = np.zeros_like(terms)
    table[:-1] = from_x[1:]
    return table


def _tail(pmf: np.ndarray) -> np.ndarray:
    """tail[k + 1] = P(X > k) for k = -1..len(pmf)-1."""
    survival = 1.0 - np.concatenate(([0.0], np.cumsum(pmf)))
    survival[0] = 1.0
    survival[-1] = 0.0
    return np.clip(survival, 0.0, 1.0)


def simon_design(
    p0: float, p1: float, alpha: float, beta: float, *, kind: str = "optimal", nmax: int = 100
) -> SimonDesign:
    """Simon's optimal or minimax two-stage design for H0: p <= p0 against H1: p >= p1.

    Source: Simon 1989; PROTOCOL §5 (p0 = 0.65, p1 = 0.80, alpha = 0.025, beta = 0.20 gives the
    optimal design 19/27, 64/87). Exhaustive search over n <= ``nmax``, 1 <= n1 < n,
    0 <= r1 < n1; for each (n1, r1) the smallest r with exact alpha <= ``alpha`` is taken (alpha
    and power both fall as r rises, so that r has the largest power), and kept if its power is
    >= 1 - ``beta``. ``kind="optimal"`` minimises EN(p0) (ties: smaller n, then smaller n1);
    ``kind="minimax"`` minimises n (ties: smaller EN(p0), then smaller n1).
    Raises ``ValueError`` when no design with n <= ``nmax`` meets the constraints.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}.")
    _check_probabilities(p0, p1)
    if not (0.0 < alpha < 1.0 and 0.0 < beta < 1.0):
        raise ValueError(f"Need 0 < alpha, beta < 1; got alpha={alpha}, beta={beta}.")
    target_power = 1.0 - beta

    best: tuple[tuple, SimonDesign] | None = None
    pmf0 = {m: _binomial_pmf(m, p0) for m in range(nmax + 1)}
    pmf1 = {m: _binomial_pmf(m, p1) for m in range(nmax + 1)}
    tail0 = {m: _tail(pmf0[m]) for m in range(nmax + 1)}
    tail1 = {m: _tail(pmf1[m]) for m in range(nmax + 1)}

    for n in range(2, nmax + 1):
        if kind == MINIMAX and best is not None:
            break  # the first n with any feasible design is the minimax n
        for n1 in range(1, n):
            if kind == OPTIMAL and best is not None and n1 > best[1].en0:
                break  # EN(p0) >= n1, so no larger n1 can beat the best design found
            n2 = n - n1
            reject0 = _reject_table(pmf0[n1], tail0[n2], n)[:n1]  # r1 = 0..n1-1
            meets_alpha = reject0 <= alpha
            has_r = meets_alpha.any(axis=1)
            if not has_r.any():
                continue
            reject1 = _reject_table(pmf1[n1], tail1[n2], n)[:n1]
            rows = np.arange(n1)
            # smallest r meeting alpha (column n is always 0, so argmax finds one); r >= r1
            r_for = np.maximum(np.argmax(meets_alpha, axis=1), rows)
            power = reject1[rows, np.minimum(r_for, n)]
            feasible = has_r & (r_for < n) & (power >= target_power)
            if not feasible.any():
                continue
            pet0 = np.cumsum(pmf0[n1])[:n1]
            en0 = n1 + (1.0 - pet0) * n2
            r1 = int(np.argmin(np.where(feasible, en0, np.inf)))  # smallest EN0, then smallest r1
            en0_r1 = float(en0[r1])
            en0_key = round(en0_r1 / _EN_TOLERANCE)
            key = (en0_key, n, n1) if kind == OPTIMAL else (n, en0_key, n1)
            if best is None or key < best[0]:
                r = int(r_for[r1])
                design = SimonDesign(
                    r1=r1,
                    n1=n1,
                    r=r,
                    n=n,
                    en0=en0_r1,
                    pet0=float(pet0[r1]),
                    alpha=float(reject0[r1, r]),
                    power=float(power[r1]),
                    kind=kind,
                )
                best = (key, design)
    if best is None:
        raise ValueError(
            f"No two-stage design with n <= {nmax} has alpha <= {alpha} and power >= {target_power} "
            f"for p0={p0}, p1={p1}."
        )
    return best[1]


# --- The stage monitor -------------------------------------------------------------------------


@dataclass(frozen=True)
class StageStatus:
    """Where one decision point of the design stands.

    ``status`` is ``"open"``, ``"continue"`` or ``"stop"`` for stage 1 and ``"open"``,
    ``"effective"`` or ``"not effective"`` for the final analysis. ``determined_early`` is true
    when the outcome is settled before all ``of`` patients are evaluable.
    """

    code: str
    status: str
    evaluable: int
    responders: int
    needed: int  # responders needed: r1 + 1 (stage 1) or r + 1 (final)
    of: int  # out of the first n1 (stage 1) or n (final) evaluable patients
    decided: bool
    determined_early: bool
    rule: str  # the boundary in plain words
    message: str  # where things stand, in plain words


@dataclass(frozen=True)
class SimonMonitor:
    stage1: StageStatus
    final: StageStatus


# The wording of each decision point, whole sentences for translation. The plural follows the
# number of responders ("1 responder", "2 responders").
_WORDING = {
    "stage1": {
        "rule": gettext_lazy("%(needed)s of the first %(of)s needed to continue"),
        "success_early": ngettext_lazy(
            "%(responders)s responder among %(evaluable)s evaluable: %(needed)s reached, so the trial continues "
            "to stage 2, decided with %(remaining)s of the first %(of)s still to be evaluable.",
            "%(responders)s responders among %(evaluable)s evaluable: %(needed)s reached, so the trial continues "
            "to stage 2, decided with %(remaining)s of the first %(of)s still to be evaluable.",
            "responders",
        ),
        "success": ngettext_lazy(
            "%(responders)s responder among %(evaluable)s evaluable: %(needed)s reached, so the trial continues "
            "to stage 2.",
            "%(responders)s responders among %(evaluable)s evaluable: %(needed)s reached, so the trial continues "
            "to stage 2.",
            "responders",
        ),
        "failure_early": ngettext_lazy(
            "%(responders)s responder among %(evaluable)s evaluable: even if all %(remaining)s remaining of the "
            "first %(of)s respond, at most %(at_most)s, fewer than %(needed)s, so the trial stops after stage 1.",
            "%(responders)s responders among %(evaluable)s evaluable: even if all %(remaining)s remaining of the "
            "first %(of)s respond, at most %(at_most)s, fewer than %(needed)s, so the trial stops after stage 1.",
            "responders",
        ),
        "failure": ngettext_lazy(
            "%(responders)s responder among %(evaluable)s evaluable: fewer than %(needed)s, so the trial stops "
            "after stage 1.",
            "%(responders)s responders among %(evaluable)s evaluable: fewer than %(needed)s, so the trial stops "
            "after stage 1.",
            "responders",
        ),
        "open": ngettext_lazy(
            "%(responders)s responder among %(evaluable)s evaluable: %(more)s more needed among the remaining "
            "%(remaining)s of the first %(of)s.",
            "%(responders)s responders among %(evaluable)s evaluable: %(more)s more needed among the remaining "
            "%(remaining)s of the first %(of)s.",
            "responders",
        ),
    },
    "final": {
        "rule": gettext_lazy("%(needed)s of the %(of)s needed to call the regimen effective"),
        "success_early": ngettext_lazy(
            "%(responders)s responder among %(evaluable)s evaluable: %(needed)s reached, so the regimen is called "
            "effective, decided with %(remaining)s of the %(of)s still to be evaluable.",
            "%(responders)s responders among %(evaluable)s evaluable: %(needed)s reached, so the regimen is called "
            "effective, decided with %(remaining)s of the %(of)s still to be evaluable.",
            "responders",
        ),
        "success": ngettext_lazy(
            "%(responders)s responder among %(evaluable)s evaluable: %(needed)s reached, so the regimen is called "
            "effective.",
            "%(responders)s responders among %(evaluable)s evaluable: %(needed)s reached, so the regimen is called "
            "effective.",
            "responders",
        ),
        "failure_early": ngettext_lazy(
            "%(responders)s responder among %(evaluable)s evaluable: even if all %(remaining)s remaining of the "
            "%(of)s respond, at most %(at_most)s, fewer than %(needed)s, so the regimen is not called effective.",
            "%(responders)s responders among %(evaluable)s evaluable: even if all %(remaining)s remaining of the "
            "%(of)s respond, at most %(at_most)s, fewer than %(needed)s, so the regimen is not called effective.",
            "responders",
        ),
        "failure": ngettext_lazy(
            "%(responders)s responder among %(evaluable)s evaluable: fewer than %(needed)s, so the regimen is not "
            "called effective.",
            "%(responders)s responders among %(evaluable)s evaluable: fewer than %(needed)s, so the regimen is not "
            "called effective.",
            "responders",
        ),
        "open": ngettext_lazy(
            "%(responders)s responder among %(evaluable)s evaluable: %(more)s more needed among the remaining "
            "%(remaining)s of the %(of)s.",
            "%(responders)s responders among %(evaluable)s evaluable: %(more)s more needed among the remaining "
            "%(remaining)s of the %(of)s.",
            "responders",
        ),
    },
}


@dataclass(frozen=True)
class _Point:
    """One decision point: its code segment (and key of ``_WORDING``) and its two outcomes."""

    stage: str  # "stage1" or "final"
    success: str
    failure: str


def _stage(evaluable: int, responders: int, *, boundary: int, of: int, point: _Point) -> StageStatus:
    if evaluable < 0 or responders < 0:
        raise ValueError(f"Counts cannot be negative; got {evaluable} evaluable, {responders} responders.")
    if responders > evaluable:
        raise ValueError(f"{responders} responders cannot exceed {evaluable} evaluable patients.")
    if evaluable > of:
        raise ValueError(f"This decision counts only {of} evaluable patients; got {evaluable}.")
    needed = boundary + 1
    remaining = of - evaluable
    wording = _WORDING[point.stage]
    values = {
        "needed": needed, "of": of, "responders": responders, "evaluable": evaluable, "remaining": remaining,
        "at_most": responders + remaining, "more": needed - responders,
    }  # fmt: skip
    if responders >= needed:
        status = point.success
        message = wording["success_early" if remaining else "success"] % values
    elif responders + remaining < needed:
        status = point.failure
        message = wording["failure_early" if remaining else "failure"] % values
    else:
        status = OPEN
        message = wording["open"] % values
    decided = status != OPEN
    return StageStatus(
        code=f"simon.{point.stage}.{status.replace(' ', '_')}",
        status=status,
        evaluable=evaluable,
        responders=responders,
        needed=needed,
        of=of,
        decided=decided,
        determined_early=decided and remaining > 0,
        rule=wording["rule"] % values,
        message=message,
    )


def stage1_status(evaluable: int, responders: int, *, r1: int, n1: int) -> StageStatus:
    """Stage-1 decision from the first ``n1`` evaluable patients (Simon 1989, PROTOCOL §5).

    ``continue`` once responders >= r1 + 1; ``stop`` once responders + (n1 - evaluable) <= r1,
    i.e. r1 + 1 can no longer be reached even if every remaining patient of the first n1
    responds (this includes reaching n1 with <= r1 responders); otherwise ``open``.
    Codes: ``simon.stage1.open``, ``simon.stage1.continue``, ``simon.stage1.stop``.
    """
    point = _Point(stage="stage1", success=CONTINUE, failure=STOP)
    return _stage(evaluable, responders, boundary=r1, of=n1, point=point)


def final_status(evaluable: int, responders: int, *, r: int, n: int) -> StageStatus:
    """Final decision from ``n`` evaluable patients (Simon 1989, PROTOCOL §5).

    ``effective`` once responders >= r + 1; ``not effective`` once responders + (n - evaluable)
    <= r; otherwise ``open``. Codes: ``simon.final.open``, ``simon.final.effective``,
    ``simon.final.not_effective``.
    """
    point = _Point(stage="final", success=EFFECTIVE, failure=NOT_EFFECTIVE)
    return _stage(evaluable, responders, boundary=r, of=n, point=point)


def simon_monitor(
    stage1_evaluable: int,
    stage1_responders: int,
    evaluable: int,
    responders: int,
    boundaries: SimonBoundaries = SIMON_BOUNDARIES,
) -> SimonMonitor:
    """Both decision points for the configured boundaries (PROTOCOL §5: 19/27, 64/87).

    ``stage1_*`` count the first ``n1`` evaluable patients only (in order of evaluability), so
    ``stage1_evaluable`` is ``min(evaluable, n1)``; ``evaluable``/``responders`` count all
    evaluable patients (at most ``n``). A stop after stage 1 also settles the final decision:
    the regimen is not called effective (code ``simon.final.not_effective``).
    """
    if stage1_evaluable != min(evaluable, boundaries.n1):
        raise ValueError(
            f"Stage 1 counts the first {boundaries.n1} evaluable patients: expected "
            f"{min(evaluable, boundaries.n1)}, got {stage1_evaluable}."
        )
    later_responders = responders - stage1_responders
    if later_responders < 0 or later_responders > evaluable - stage1_evaluable:
        raise ValueError(
            f"{responders} responders overall do not fit {stage1_responders} among the first {stage1_evaluable}."
        )
    stage1 = stage1_status(stage1_evaluable, stage1_responders, r1=boundaries.r1, n1=boundaries.n1)
    final = final_status(evaluable, responders, r=boundaries.r, n=boundaries.n)
    if stage1.status == STOP:
        final = StageStatus(
            code=f"simon.final.{NOT_EFFECTIVE.replace(' ', '_')}",
            status=NOT_EFFECTIVE,
            evaluable=evaluable,
            responders=responders,
            needed=final.needed,
            of=final.of,
            decided=True,
            determined_early=evaluable < boundaries.n,
            rule=final.rule,
            message=gettext("The trial stopped after stage 1, so the regimen is not called effective."),
        )
    return SimonMonitor(stage1=stage1, final=final)


# --- Exact confidence interval -----------------------------------------------------------------


def clopper_pearson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided confidence interval for a binomial proportion.

    Source: Clopper CJ, Pearson ES. Biometrika 1934;26:404-413 (PROTOCOL §5: ORR with an exact
    95% CI). Lower = Beta(a/2; x, n-x+1) quantile (0 when x = 0); upper = Beta(1-a/2; x+1, n-x)
    quantile (1 when x = n), a = 1 - confidence.
    """
    if n <= 0:
        raise ValueError(f"n must be positive; got {n}.")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and {n}; got {successes}.")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1; got {confidence}.")
    tail = (1.0 - confidence) / 2.0
    low = 0.0 if successes == 0 else float(beta_distribution.ppf(tail, successes, n - successes + 1))
    high = 1.0 if successes == n else float(beta_distribution.ppf(1.0 - tail, successes + 1, n - successes))
    return low, high


@dataclass(frozen=True)
class ResponseRate:
    responders: int
    evaluable: int
    rate: float
    ci_low: float
    ci_high: float
    confidence: float


def objective_response_rate(responders: int, evaluable: int, confidence: float = ORR_CONFIDENCE) -> ResponseRate | None:
    """ORR = responders (confirmed CR or PR) / evaluable, with its exact CI (PROTOCOL §5).

    Returns ``None`` when no patient is evaluable yet.
    """
    if evaluable == 0:
        return None
    low, high = clopper_pearson(responders, evaluable, confidence)
    return ResponseRate(
        responders=responders,
        evaluable=evaluable,
        rate=responders / evaluable,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
    )


def count_responders(best_responses: Sequence[str], responses: frozenset[str] = OBJECTIVE_RESPONSES) -> int:
    """Number of best overall responses that are objective responses (CR or PR; PROTOCOL §5)."""
    return sum(1 for response in best_responses if response in responses)
