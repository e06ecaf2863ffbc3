"""Efficacy settings: RECIST 1.1 thresholds, the Simon two-stage design and survival landmarks.

Source: PROTOCOL §5 (primary endpoint ORR by RECIST 1.1; Simon two-stage design from p0 = 0.65,
p1 = 0.80, one-sided alpha = 0.025, power = 0.80; optimal design r1/n1 = 19/27, r/n = 64/87;
96 enrolled allowing 10% drop-out; 2- and 3-year PFS, 3-year OS) and RECIST 1.1
(Eisenhauer et al., Eur J Cancer 2009;45:228-247) for the lesion and response thresholds.

Pure data: no database, no clock (the definition shown on the pages is marked for translation). ``efficacy/rules/recist.py`` and
``efficacy/rules/simon.py`` read their defaults from here, so an amendment is one diff.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# --- RECIST 1.1 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecistThresholds:
    """RECIST 1.1 numbers (sections 3.1, 4.2, 4.3, 4.4, 4.6). Lengths in mm, fractions as Decimal."""

    # Section 4.3.1 (target lesions)
    pr_decrease_from_baseline: Decimal = Decimal("0.30")  # PR: sum <= baseline x (1 - 0.30)
    pd_increase_over_nadir: Decimal = Decimal("0.20")  # PD: sum >= nadir x (1 + 0.20) ...
    pd_min_absolute_increase_mm: Decimal = Decimal(5)  # ... and sum - nadir >= 5 mm
    cr_node_short_axis_below_mm: Decimal = Decimal(10)  # CR: every target node < 10 mm
    # Section 3.1 (measurability at baseline)
    measurable_min_longest_diameter_mm: Decimal = Decimal(10)
    measurable_node_min_short_axis_mm: Decimal = Decimal(15)
    pathological_node_min_short_axis_mm: Decimal = Decimal(10)  # 10 to < 15 mm: non-target
    ct_max_slice_thickness_mm: Decimal = Decimal(5)  # thicker slices: minimum is 2 x slice
    ct_slice_thickness_factor: Decimal = Decimal(2)
    # Section 4.2 (baseline target lesions); all lymph nodes together count as one organ
    max_target_lesions: int = 5
    max_target_lesions_per_organ: int = 2
    # Section 4.3.2: a lesion present but too small to measure is recorded as 5 mm
    too_small_to_measure_mm: Decimal = Decimal(5)
    # Section 4.6.1 (confirmation of CR/PR no less than 4 weeks later; SD minimum interval from
    # study entry, "in general not less than 6-8 weeks"; 6 weeks chosen)
    confirmation_days: int = 28
    sd_min_days: int = 42
    # Section 4.6.1: in a non-randomised trial with response as primary endpoint, confirm CR/PR
    confirmation_required: bool = True


RECIST = RecistThresholds()

# The organ name under which every lymph node is counted for the per-organ limit (RECIST 1.1
# section 4.2: pathological nodes may be targets, and all nodes together count as one organ).
LYMPH_NODE_ORGAN = "lymph node"

# --- Simon two-stage design (PROTOCOL §5) ------------------------------------------------------


@dataclass(frozen=True)
class SimonParameters:
    """The hypotheses the design is computed from (PROTOCOL §5)."""

    p0: float = 0.65  # ORR after (chemo)radiotherapy alone: uninteresting
    p1: float = 0.80  # ORR hoped for with toripalimab added
    alpha: float = 0.025  # one-sided type I error
    beta: float = 0.20  # type II error (power 0.80)
    kind: str = "optimal"  # Simon's optimal design (smallest expected size under p0)


@dataclass(frozen=True)
class SimonBoundaries:
    """The configured boundaries, in Simon's notation (PROTOCOL §5).

    Stop after stage 1 if responders among the first ``n1`` evaluable are <= ``r1``; call the
    regimen effective if responders among ``n`` evaluable are > ``r``. So 19/27, 64/87 means:
    at least 20 of the first 27 to continue, at least 65 of 87 to call it effective.
    """

    r1: int = 19
    n1: int = 27
    r: int = 64
    n: int = 87


SIMON_PARAMETERS = SimonParameters()
SIMON_BOUNDARIES = SimonBoundaries()

# Responses counted as objective responses for the primary endpoint (PROTOCOL §5: CR + PR).
OBJECTIVE_RESPONSES = frozenset({"CR", "PR"})

# Enrolment: n = 87 evaluable, plus a 10% drop-out allowance, gives 96 (PROTOCOL §5).
DROPOUT_ALLOWANCE = Decimal("0.10")
ENROLMENT_TARGET = 96

# Confidence level of the exact (Clopper-Pearson) interval shown with the ORR.
ORR_CONFIDENCE = 0.95

# --- Survival (PROTOCOL §5) --------------------------------------------------------------------


@dataclass(frozen=True)
class SurvivalLandmarks:
    """Landmark years of the secondary endpoints; both times run from the diagnosis date."""

    pfs_years: tuple[int, ...] = (2, 3)
    os_years: tuple[int, ...] = (3,)
    time_origin: str = "diagnosis"  # PROTOCOL §5: OS and PFS measured from diagnosis


SURVIVAL = SurvivalLandmarks()

# --- Response-evaluable population (PROTOCOL §5 resolution) --------------------------------------

RESPONSE_EVALUABLE_DEFINITION = _(
    "Response-evaluable: an enrolled participant with measurable disease at baseline (at least one "
    "RECIST 1.1 target lesion) who received at least one dose of study treatment and either had a "
    "follow-up tumour assessment whose response an investigator confirmed, or progressed or died "
    "before one (counted as a non-responder). She becomes evaluable on the earliest of those dates; "
    "the first 27 in that order (ties by study number) form stage 1. Responders have a confirmed "
    "best overall response of CR or PR (RECIST 1.1 section 4.6.1: confirmation at least 4 weeks "
    "later, required in a single-arm trial); a CR or PR still awaiting its confirming assessment "
    "is shown apart and not counted."
)
# Study entry for the RECIST best overall response (SD minimum interval): the first day of study
# treatment (first dose of any study drug or first fraction of EBRT), else the enrolment date.
