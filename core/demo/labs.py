"""Lab panels: plausible values over a participant's course and their CTCAE v5.0 grades.

The values follow a simple picture of the treatment (no clinical claim): blood counts fall during
chemoradiotherapy (lymphocytes most), dip to a nadir about ten days into each consolidation cycle
and recover by the next; haemoglobin drifts down; cisplatin nudges creatinine up and magnesium
down; an immune-related hepatitis raises ALT/AST to its grade's band and thyroiditis moves TSH and
free T4. The laboratory's ranges are the protocol's defaults (``trialsite.protocol.labs``).

Every grade comes from ``toxicity.rules.lab_panel.grade_analyte`` (CTCAE v5.0, with the
participant's pre-treatment value as the baseline, as ``toxicity.services.labs`` does).
"""

import datetime
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from toxicity.models import AeProposal, LabPanel, LabResult
from toxicity.rules.lab_panel import AnalyteGrade, grade_analyte
from trialsite.protocol import labs as protocol

from .context import SeedContext, q

BLOOD = (protocol.BLOOD_ROUTINE,)
CHEMISTRY = (protocol.BLOOD_ROUTINE, protocol.LIVER, protocol.KIDNEY, protocol.ELECTROLYTES)
FULL = protocol.SECTIONS
FOLLOW_UP = (protocol.BLOOD_ROUTINE, protocol.LIVER, protocol.KIDNEY)

LABORATORY = "Hospital clinical laboratory"
PLACES = {
    "hgb": "0.1", "wbc": "0.01", "anc": "0.01", "lym": "0.01", "plt": "1", "alt": "1", "ast": "1", "alp": "1",
    "ggt": "1", "tbil": "0.1", "creat": "1", "urea": "0.01", "k": "0.01", "na": "1", "mg": "0.01", "ca": "0.01",
    "amy": "1", "lip": "1", "tsh": "0.01", "ft4": "0.1", "glu": "0.01",
}  # fmt: skip
# Usual values of a woman with locally advanced cervical cancer before treatment: mean, sd, floor.
BASELINE = {
    "hgb": (11.8, 1.1, 8.6), "wbc": (6.6, 1.4, 4.2), "lym": (1.8, 0.45, 0.9), "plt": (262, 55, 140),
    "alt": (19, 6, 7), "ast": (21, 5, 12), "alp": (72, 16, 38), "ggt": (24, 9, 8), "tbil": (10, 3, 4),
    "creat": (62, 9, 42), "urea": (4.8, 0.9, 2.7), "k": (4.1, 0.25, 3.6), "na": (140.5, 1.8, 137),
    "mg": (0.87, 0.05, 0.77), "ca": (2.31, 0.07, 2.15), "amy": (68, 18, 36), "lip": (30, 10, 6),
    "tsh": (1.9, 0.7, 0.4), "ft4": (16, 2, 12.5), "glu": (5.1, 0.45, 4.1),
}  # fmt: skip
ANALYTE_BY_CODE = protocol.ANALYTE_BY_CODE


@lru_cache(maxsize=200_000)
def grade(code: str, value: Decimal, baseline: Decimal | None) -> AnalyteGrade:
    """The CTCAE v5.0 grade of one value against the laboratory's (default) range. Cached: the
    rule is pure and the values repeat."""
    analyte = ANALYTE_BY_CODE[code]
    return grade_analyte(analyte, value, lln=analyte.default_lln, uln=analyte.default_uln, baseline=baseline)


@dataclass
class LabEvent:
    """An immune-related abnormality the panels show (hepatitis, hypo-/hyperthyroidism)."""

    kind: str  # "hepatitis", "hypothyroidism", "hyperthyroidism"
    onset: datetime.date
    peak_grade: int
    improved_on: datetime.date  # back to grade <= 1
    resolved_on: datetime.date  # back to normal


@dataclass
class LabProfile:
    """One participant's usual values and how strongly treatment lowers her counts."""

    base: dict[str, float]
    ccrt_depth: float  # 0.3-1.4: marrow sensitivity during chemoradiotherapy
    nadir_depths: list[float]  # per consolidation cycle: depth of the neutrophil nadir
    events: list[LabEvent] = field(default_factory=list)

    @classmethod
    def draw(cls, rng: random.Random) -> "LabProfile":
        base = {code: max(floor, rng.gauss(mean, sd)) for code, (mean, sd, floor) in BASELINE.items()}
        base["anc"] = base["wbc"] * rng.uniform(0.55, 0.68)
        return cls(
            base=base,
            ccrt_depth=min(1.4, max(0.3, rng.lognormvariate(0, 0.3))),
            nadir_depths=[rng.uniform(0.95, 1.05) if rng.random() < 0.05 else rng.uniform(0.3, 0.92) for _ in range(8)],
        )


def _ccrt_effect(day: int, fade_days: float = 35) -> float:
    """0 before treatment, rising to 1 over the first 40 days, fading over the next months."""
    if day <= 0:
        return 0.0
    if day <= 40:
        return day / 40
    return math.exp(-(day - 40) / fade_days)


def _nadir(days_into_cycle: int) -> float:
    """The consolidation nadir: deepest about day 10 of a cycle, gone by day 21."""
    if not 0 <= days_into_cycle < 28:
        return 0.0
    return math.exp(-(((days_into_cycle - 10) / 4.0) ** 2))


def values_on(
    profile: LabProfile,
    rng: random.Random,
    day: datetime.date,
    *,
    start: datetime.date,
    cycle_starts: list[datetime.date],
    sections: tuple[str, ...],
    recovered: bool = False,
) -> dict[str, Decimal]:
    """The panel's values on ``day`` for the analytes of ``sections`` (``recovered``: a repeat
    count taken to show haematological recovery)."""
    b = profile.base
    t = (day - start).days
    ccrt = _ccrt_effect(t) * profile.ccrt_depth
    lymphopenia = min(1.25, _ccrt_effect(t, fade_days=150) * profile.ccrt_depth)
    nadir, cycles_done = 0.0, 0
    for number, first_day in enumerate(cycle_starts):
        if first_day <= day:
            cycles_done = number + 1
            nadir = max(nadir, _nadir((day - first_day).days) * profile.nadir_depths[number])
    if recovered:
        nadir, ccrt, lymphopenia = 0.0, min(ccrt, 0.3), min(lymphopenia, 0.5)
    fatigue = 1 - 0.025 * cycles_done

    def noise(sd: float = 0.06) -> float:
        return rng.gauss(1, sd)

    raw = {
        "hgb": (b["hgb"] - 1.5 * ccrt - 0.18 * cycles_done - 0.6 * nadir) * noise(0.03),
        "wbc": b["wbc"] * (1 - 0.38 * ccrt) * (1 - 0.7 * nadir) * fatigue * noise(),
        "anc": b["anc"] * (1 - 0.35 * ccrt) * (1 - 0.9 * nadir) * fatigue * noise(),
        "lym": b["lym"] * (1 - 0.6 * lymphopenia) * noise(0.08),
        "plt": b["plt"] * (1 - 0.3 * ccrt) * (1 - 0.45 * nadir) * noise(),
        "alt": b["alt"] * noise(0.15), "ast": b["ast"] * noise(0.12), "alp": b["alp"] * noise(0.08),
        "ggt": b["ggt"] * noise(0.12), "tbil": b["tbil"] * noise(0.12),
        "creat": (b["creat"] + 3.0 * cycles_done + 6 * ccrt) * noise(0.05), "urea": b["urea"] * noise(0.1),
        "k": b["k"] * noise(0.04), "na": b["na"] * noise(0.008), "mg": (b["mg"] - 0.1 * ccrt) * noise(0.04),
        "ca": b["ca"] * noise(0.02), "amy": b["amy"] * noise(0.15), "lip": b["lip"] * noise(0.2),
        "tsh": b["tsh"] * noise(0.15), "ft4": b["ft4"] * noise(0.06), "glu": b["glu"] * noise(0.06),
    }  # fmt: skip
    for event in profile.events:
        _apply_event(event, raw, day, rng)
    wanted = {analyte.code for analyte in protocol.ANALYTES if analyte.section in sections}
    return {code: q(max(raw[code], 0.001), PLACES[code]) for code in raw if code in wanted}


def _apply_event(event: LabEvent, raw: dict[str, float], day: datetime.date, rng: random.Random) -> None:
    if not event.onset <= day < event.resolved_on:
        return
    improving = day >= event.improved_on
    if event.kind == "hepatitis":
        uln = float(ANALYTE_BY_CODE["alt"].default_uln)
        if improving:
            factor = rng.uniform(1.3, 2.6)  # grade 1 (> ULN - 3 x ULN)
        elif event.peak_grade >= 3:
            factor = rng.uniform(5.6, 9.0)
        else:
            factor = rng.uniform(3.3, 4.7)
        raw["alt"] = uln * factor
        raw["ast"] = float(ANALYTE_BY_CODE["ast"].default_uln) * factor * rng.uniform(0.6, 0.8)
    elif event.kind == "hypothyroidism":
        raw["tsh"] = rng.uniform(4.5, 9.0) if improving else rng.uniform(12, 45)
        raw["ft4"] = rng.uniform(10.5, 13.0) if improving else rng.uniform(5.5, 10.5)
    elif event.kind == "hyperthyroidism":
        raw["tsh"] = rng.uniform(0.1, 0.3) if improving else rng.uniform(0.005, 0.05)
        raw["ft4"] = rng.uniform(21, 26) if improving else rng.uniform(28, 48)


@dataclass
class PanelRecord:
    """A panel as the generator keeps it: the date, the saved records, and each graded value."""

    day: datetime.date
    panel: LabPanel
    results: dict[str, LabResult]

    def grade_of(self, code: str) -> int:
        result = self.results.get(code)
        return result.grade or 0 if result is not None else 0


def build_panel(
    ctx: SeedContext,
    rng: random.Random,
    participant,
    day: datetime.date,
    values: dict[str, Decimal],
    baselines: dict[str, Decimal],
    *,
    note: str = "",
) -> PanelRecord:
    """The panel and its graded results (ae_proposal decided later, once the AEs are known)."""
    coordinator = ctx.users.coordinator
    entered = ctx.entered(rng, day, lag_days=1)
    panel = LabPanel(participant=participant, collected_on=day, laboratory=LABORATORY, note=note,
                     recorded_by=coordinator, version=1)  # fmt: skip
    ctx.writer.add(panel, user=coordinator, at=entered)
    results = {}
    for code, value in values.items():
        analyte = ANALYTE_BY_CODE[code]
        baseline = baselines.get(code) if analyte.graded else None
        found = grade(code, value, baseline)
        result = LabResult(
            panel=panel,
            analyte=code,
            value=value,
            unit=analyte.unit,
            lln=analyte.default_lln,
            uln=analyte.default_uln,
            baseline=baseline,
            ctcae_term=found.term,
            grade=found.grade,
            grade_basis=found.basis,
            ae_proposal=AeProposal.NONE,
            version=1,
        )
        ctx.writer.add(result, user=coordinator, at=entered)
        results[code] = result
    return PanelRecord(day, panel, results)
