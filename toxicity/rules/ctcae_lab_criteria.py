"""CTCAE v5.0 laboratory grading criteria, typed as data from the CTCAE v5.0 text (NCI, 2017).

Each gradable term is a ``LabCriteria``: the unit its value is entered in, its direction (a low or
a high value is the adverse event) and its grade bands. A band is an interval of values, each end
a ``Limit``: a number in the term's unit, or a multiple of the lab's LLN, ULN or of the
participant's baseline. Grade 0 has a band too ("not an adverse event"), so for sensible reference
ranges every value falls in exactly one band of a band set (tests check this).

How CTCAE's wording becomes intervals:
- "<LLN - 1.5" (a low term): from 1.5 inclusive up to LLN exclusive; the next grade's "<1.5 - 1.0"
  starts strictly below 1.5. ">ULN - 3.0 x ULN" (a high term): above ULN up to 3.0 x ULN inclusive.
- "1.5 - 3.0 x baseline" (no "<" or ">"): 1.5 x baseline is inside the band.
- Integer ranges ("125-129 mmol/L") are read as continuous bands meeting at the next integer
  (125 inclusive up to 130 exclusive), so a value such as 129.5 is not left ungraded.
- Where a grade's text adds symptoms, an intervention or hospitalisation after a semicolon
  (alternative criteria), the value alone supports the band's grade. Where a grade needs a symptom
  *together* with the value ("and asymptomatic" / "with signs or symptoms", "Symptomatic with"),
  the value alone supports the lower, asymptomatic grade; ``value_alone_note`` says which.
- Grades CTCAE defines without a value (e.g. Anemia grade 4 "life-threatening") have no band.

Terms with a "... x baseline if baseline was abnormal" variant carry ``baseline_bands`` used instead
of ``bands`` when the baseline is above ULN (``BaselineUse.IF_ABNORMAL``). Creatinine increased
grades against baseline whatever the baseline was (``BaselineUse.ALWAYS``): the higher grade wins.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Direction(StrEnum):
    """Which side of the normal range is the adverse event."""

    LOW = "low"
    HIGH = "high"


class Ref(StrEnum):
    """What a limit's factor multiplies."""

    VALUE = "value"  # an absolute number in the term's unit
    LLN = "lln"
    ULN = "uln"
    BASELINE = "baseline"


class BaselineUse(StrEnum):
    NOT_USED = "not_used"
    IF_ABNORMAL = "if_abnormal"  # baseline above ULN: ``baseline_bands`` replace ``bands``
    ALWAYS = "always"  # baseline given: ``baseline_bands`` graded too, the higher grade wins


@dataclass(frozen=True)
class Limit:
    """``factor`` x the reference (``Ref.VALUE``: ``factor`` itself, in the term's unit)."""

    factor: Decimal
    ref: Ref

    def describe(self, unit: str) -> str:
        if self.ref is Ref.VALUE:
            return f"{self.factor} {unit}"
        name = self.ref.value.upper() if self.ref is not Ref.BASELINE else "baseline"
        return name if self.factor == 1 else f"{self.factor} x {name}"


@dataclass(frozen=True)
class Edge:
    limit: Limit
    inclusive: bool


@dataclass(frozen=True)
class Band:
    """The values of one grade: above ``lower`` and below ``upper`` (None: unbounded)."""

    grade: int
    text: str
    lower: Edge | None = None
    upper: Edge | None = None

    @property
    def limits(self) -> tuple[Limit, ...]:
        return tuple(edge.limit for edge in (self.lower, self.upper) if edge is not None)


@dataclass(frozen=True)
class LabCriteria:
    term: str
    unit: str
    direction: Direction
    bands: tuple[Band, ...]
    baseline_use: BaselineUse = BaselineUse.NOT_USED
    baseline_bands: tuple[Band, ...] = ()
    value_alone_note: str = ""

    @property
    def references(self) -> frozenset[Ref]:
        """The lab references (LLN / ULN) a value of this term cannot be graded without."""
        return frozenset(limit.ref for band in self.bands for limit in band.limits if limit.ref in (Ref.LLN, Ref.ULN))

    @property
    def grades(self) -> tuple[int, ...]:
        """The grades (>= 1) a value alone can reach, ascending."""
        return tuple(sorted({b.grade for b in self.bands + self.baseline_bands if b.grade > 0}))

    @property
    def unit_free(self) -> bool:
        """True when only multiples of LLN/ULN/baseline appear: any unit works if the limits share it."""
        return all(limit.ref is not Ref.VALUE for band in self.bands for limit in band.limits)


# --- typing helpers: the tables below read like the CTCAE text ---------------------------------


def val(number: str) -> Limit:
    return Limit(Decimal(number), Ref.VALUE)


def x_uln(factor: str) -> Limit:
    return Limit(Decimal(factor), Ref.ULN)


def x_lln(factor: str) -> Limit:
    return Limit(Decimal(factor), Ref.LLN)


def x_base(factor: str) -> Limit:
    return Limit(Decimal(factor), Ref.BASELINE)


ULN = x_uln("1")
LLN = x_lln("1")
BASE = x_base("1")


def band(
    grade: int,
    text: str,
    *,
    gt: Limit | None = None,
    ge: Limit | None = None,
    lt: Limit | None = None,
    le: Limit | None = None,
) -> Band:
    """A band ``gt``/``ge`` (lower end, exclusive/inclusive) to ``lt``/``le`` (upper end)."""
    if gt is not None and ge is not None or lt is not None and le is not None:
        raise ValueError("a band has at most one lower and one upper end")
    lower = Edge(gt, False) if gt is not None else Edge(ge, True) if ge is not None else None
    upper = Edge(lt, False) if lt is not None else Edge(le, True) if le is not None else None
    return Band(grade, text, lower, upper)


# --- shared shapes --------------------------------------------------------------------------------


def _low_absolute(g1_floor: str, g2_floor: str, g3_floor: str | None, texts: tuple[str, ...]) -> tuple[Band, ...]:
    """A low term: G1 <LLN - a, G2 <a - b, G3 <b - c, G4 <c (absolute a > b > c; c None: G3 <b)."""
    bands = [
        band(0, ">= LLN", ge=LLN),
        band(1, texts[0], ge=val(g1_floor), lt=LLN),
        band(2, texts[1], ge=val(g2_floor), lt=val(g1_floor)),
    ]
    if g3_floor is None:
        bands.append(band(3, texts[2], lt=val(g2_floor)))
    else:
        bands.append(band(3, texts[2], ge=val(g3_floor), lt=val(g2_floor)))
        bands.append(band(4, texts[3], lt=val(g3_floor)))
    return tuple(bands)


def _high_x_uln(g1_top: str, g2_top: str, g3_top: str, texts: tuple[str, str, str, str]) -> tuple[Band, ...]:
    """A high term in multiples of ULN: G1 >ULN - a, G2 >a - b, G3 >b - c, G4 >c (x ULN)."""
    return (
        band(0, "<= ULN", le=ULN),
        band(1, texts[0], gt=ULN, le=x_uln(g1_top)),
        band(2, texts[1], gt=x_uln(g1_top), le=x_uln(g2_top)),
        band(3, texts[2], gt=x_uln(g2_top), le=x_uln(g3_top)),
        band(4, texts[3], gt=x_uln(g3_top)),
    )


def _high_x_baseline(
    g1_floor: Limit, g1_floor_inclusive: bool, g1_top: str, g2_top: str, g3_top: str, texts: tuple[str, ...]
) -> tuple[Band, ...]:
    """The "if baseline was abnormal" variant: below the G1 floor is not graded (CTCAE's real gap)."""
    if g1_floor_inclusive:
        g0 = band(0, f"< {g1_floor.describe('')} (not graded)", lt=g1_floor)
        g1 = band(1, texts[0], ge=g1_floor, le=x_base(g1_top))
    else:
        g0 = band(0, f"<= {g1_floor.describe('')} (not graded)", le=g1_floor)
        g1 = band(1, texts[0], gt=g1_floor, le=x_base(g1_top))
    return (
        g0,
        g1,
        band(2, texts[1], gt=x_base(g1_top), le=x_base(g2_top)),
        band(3, texts[2], gt=x_base(g2_top), le=x_base(g3_top)),
        band(4, texts[3], gt=x_base(g3_top)),
    )


_TRANSAMINASE_BANDS = _high_x_uln(
    "3.0", "5.0", "20.0", (">ULN - 3.0 x ULN", ">3.0 - 5.0 x ULN", ">5.0 - 20.0 x ULN", ">20.0 x ULN")
)
_TRANSAMINASE_BASELINE_BANDS = _high_x_baseline(
    x_base("1.5"), True, "3.0", "5.0", "20.0",
    ("1.5 - 3.0 x baseline", ">3.0 - 5.0 x baseline", ">5.0 - 20.0 x baseline", ">20.0 x baseline"),
)  # fmt: skip
_ALP_GGT_BANDS = _high_x_uln(
    "2.5", "5.0", "20.0", (">ULN - 2.5 x ULN", ">2.5 - 5.0 x ULN", ">5.0 - 20.0 x ULN", ">20.0 x ULN")
)
_ALP_GGT_BASELINE_BANDS = _high_x_baseline(
    x_base("2.0"), True, "2.5", "5.0", "20.0",
    ("2.0 - 2.5 x baseline", ">2.5 - 5.0 x baseline", ">5.0 - 20.0 x baseline", ">20.0 x baseline"),
)  # fmt: skip

_PANCREATIC_ENZYME_BANDS = (
    band(0, "<= ULN", le=ULN),
    band(1, ">ULN - 1.5 x ULN", gt=ULN, le=x_uln("1.5")),
    band(2, ">1.5 - 2.0 x ULN; >2.0 - 5.0 x ULN and asymptomatic", gt=x_uln("1.5"), le=x_uln("5.0")),
    band(3, ">5.0 x ULN and asymptomatic", gt=x_uln("5.0")),
)
_PANCREATIC_ENZYME_NOTE = (
    ">2.0 - 5.0 x ULN is grade 2 asymptomatic, grade 3 with signs or symptoms; >5.0 x ULN is grade 3 "
    "asymptomatic, grade 4 with signs or symptoms. The value alone gives the asymptomatic grade."
)

# --- the tables -----------------------------------------------------------------------------------

LAB_CRITERIA: tuple[LabCriteria, ...] = (
    # Blood and lymphatic system disorders
    LabCriteria(
        "Anemia", "g/dL", Direction.LOW,
        _low_absolute("10.0", "8.0", None, ("Hgb <LLN - 10.0 g/dL", "Hgb <10.0 - 8.0 g/dL", "Hgb <8.0 g/dL")),
        value_alone_note="Grade 4 (life-threatening; urgent intervention) is not defined by a value.",
    ),
    # Investigations: blood counts (x 10^9/L)
    LabCriteria(
        "Neutrophil count decreased", "10^9/L", Direction.LOW,
        _low_absolute("1.5", "1.0", "0.5", ("<LLN - 1.5 x 10e9/L", "<1.5 - 1.0 x 10e9/L", "<1.0 - 0.5 x 10e9/L",
                                             "<0.5 x 10e9/L")),
    ),
    LabCriteria(
        "White blood cell decreased", "10^9/L", Direction.LOW,
        _low_absolute("3.0", "2.0", "1.0", ("<LLN - 3.0 x 10e9/L", "<3.0 - 2.0 x 10e9/L", "<2.0 - 1.0 x 10e9/L",
                                             "<1.0 x 10e9/L")),
    ),
    LabCriteria(
        "Platelet count decreased", "10^9/L", Direction.LOW,
        _low_absolute("75.0", "50.0", "25.0", ("<LLN - 75.0 x 10e9/L", "<75.0 - 50.0 x 10e9/L",
                                                "<50.0 - 25.0 x 10e9/L", "<25.0 x 10e9/L")),
    ),
    LabCriteria(
        "Lymphocyte count decreased", "10^9/L", Direction.LOW,
        _low_absolute("0.8", "0.5", "0.2", ("<LLN - 0.8 x 10e9/L", "<0.8 - 0.5 x 10e9/L", "<0.5 - 0.2 x 10e9/L",
                                             "<0.2 x 10e9/L")),
    ),
    # Investigations: liver
    LabCriteria(
        "Alanine aminotransferase increased", "U/L", Direction.HIGH, _TRANSAMINASE_BANDS,
        BaselineUse.IF_ABNORMAL, _TRANSAMINASE_BASELINE_BANDS,
    ),
    LabCriteria(
        "Aspartate aminotransferase increased", "U/L", Direction.HIGH, _TRANSAMINASE_BANDS,
        BaselineUse.IF_ABNORMAL, _TRANSAMINASE_BASELINE_BANDS,
    ),
    LabCriteria(
        "Alkaline phosphatase increased", "U/L", Direction.HIGH, _ALP_GGT_BANDS,
        BaselineUse.IF_ABNORMAL, _ALP_GGT_BASELINE_BANDS,
    ),
    LabCriteria(
        "GGT increased", "U/L", Direction.HIGH, _ALP_GGT_BANDS,
        BaselineUse.IF_ABNORMAL, _ALP_GGT_BASELINE_BANDS,
    ),
    LabCriteria(
        "Blood bilirubin increased", "µmol/L", Direction.HIGH,
        _high_x_uln("1.5", "3.0", "10.0", (">ULN - 1.5 x ULN", ">1.5 - 3.0 x ULN", ">3.0 - 10.0 x ULN",
                                            ">10.0 x ULN")),
        BaselineUse.IF_ABNORMAL,
        _high_x_baseline(BASE, False, "1.5", "3.0", "10.0", ("> 1.0 - 1.5 x baseline", ">1.5 - 3.0 x baseline",
                                                             ">3.0 - 10.0 x baseline", ">10.0 x baseline")),
    ),
    # Investigations: kidney. Grade 2-3 also by baseline, whatever the baseline was; grade 4 by ULN only.
    LabCriteria(
        "Creatinine increased", "µmol/L", Direction.HIGH,
        (
            band(0, "<= ULN", le=ULN),
            band(1, ">ULN - 1.5 x ULN", gt=ULN, le=x_uln("1.5")),
            band(2, ">1.5 - 3.0 x ULN", gt=x_uln("1.5"), le=x_uln("3.0")),
            band(3, ">3.0 - 6.0 x ULN", gt=x_uln("3.0"), le=x_uln("6.0")),
            band(4, ">6.0 x ULN", gt=x_uln("6.0")),
        ),
        BaselineUse.ALWAYS,
        (
            band(0, "<= 1.5 x baseline (not graded by baseline)", le=x_base("1.5")),
            band(2, ">1.5 - 3.0 x baseline", gt=x_base("1.5"), le=x_base("3.0")),
            band(3, ">3.0 x baseline", gt=x_base("3.0")),
        ),
    ),
    # Investigations: pancreatic enzymes
    LabCriteria(
        "Serum amylase increased", "U/L", Direction.HIGH, _PANCREATIC_ENZYME_BANDS,
        value_alone_note=_PANCREATIC_ENZYME_NOTE,
    ),
    LabCriteria(
        "Lipase increased", "U/L", Direction.HIGH, _PANCREATIC_ENZYME_BANDS,
        value_alone_note=_PANCREATIC_ENZYME_NOTE,
    ),
    # Metabolism and nutrition disorders (mmol/L)
    LabCriteria(
        "Hypokalemia", "mmol/L", Direction.LOW,
        (
            band(0, ">= LLN", ge=LLN),
            band(1, "<LLN - 3.0 mmol/L", ge=val("3.0"), lt=LLN),
            band(3, "<3.0 - 2.5 mmol/L", ge=val("2.5"), lt=val("3.0")),
            band(4, "<2.5 mmol/L", lt=val("2.5")),
        ),
        value_alone_note="Grade 2 is <LLN - 3.0 mmol/L when symptomatic with intervention indicated; "
        "the value alone gives grade 1.",
    ),
    LabCriteria(
        "Hyperkalemia", "mmol/L", Direction.HIGH,
        (
            band(0, "<= ULN", le=ULN),
            band(1, ">ULN - 5.5 mmol/L", gt=ULN, le=val("5.5")),
            band(2, ">5.5 - 6.0 mmol/L", gt=val("5.5"), le=val("6.0")),
            band(3, ">6.0 - 7.0 mmol/L", gt=val("6.0"), le=val("7.0")),
            band(4, ">7.0 mmol/L", gt=val("7.0")),
        ),
        value_alone_note="An intervention (grade 2) or hospitalisation (grade 3) raises the grade of a lower value.",
    ),
    LabCriteria(
        "Hyponatremia", "mmol/L", Direction.LOW,
        (
            band(0, ">= LLN", ge=LLN),
            band(1, "<LLN - 130 mmol/L", ge=val("130"), lt=LLN),
            band(2, "125-129 mmol/L and asymptomatic", ge=val("125"), lt=val("130")),
            band(3, "120-124 mmol/L regardless of symptoms", ge=val("120"), lt=val("125")),
            band(4, "<120 mmol/L", lt=val("120")),
        ),
        value_alone_note="125-129 mmol/L is grade 2 asymptomatic, grade 3 symptomatic; the value alone gives "
        "grade 2.",
    ),
    LabCriteria(
        "Hypernatremia", "mmol/L", Direction.HIGH,
        (
            band(0, "<= ULN", le=ULN),
            band(1, ">ULN - 150 mmol/L", gt=ULN, le=val("150")),
            band(2, ">150 - 155 mmol/L", gt=val("150"), le=val("155")),
            band(3, ">155 - 160 mmol/L", gt=val("155"), le=val("160")),
            band(4, ">160 mmol/L", gt=val("160")),
        ),
        value_alone_note="An intervention (grade 2) or hospitalisation (grade 3) raises the grade of a lower value.",
    ),
    LabCriteria(
        "Hypomagnesemia", "mmol/L", Direction.LOW,
        _low_absolute("0.5", "0.4", "0.3", ("<LLN - 0.5 mmol/L", "<0.5 - 0.4 mmol/L", "<0.4 - 0.3 mmol/L",
                                             "<0.3 mmol/L")),
    ),
    LabCriteria(
        "Hypermagnesemia", "mmol/L", Direction.HIGH,
        (
            band(0, "<= ULN", le=ULN),
            band(1, ">ULN - 1.23 mmol/L", gt=ULN, le=val("1.23")),
            band(3, ">1.23 - 3.30 mmol/L", gt=val("1.23"), le=val("3.30")),
            band(4, ">3.30 mmol/L", gt=val("3.30")),
        ),
        value_alone_note="CTCAE v5.0 has no grade 2.",
    ),
    LabCriteria(
        "Hypocalcemia", "mmol/L", Direction.LOW,
        _low_absolute("2.0", "1.75", "1.5", ("Corrected serum calcium <LLN - 2.0 mmol/L",
                                              "Corrected serum calcium <2.0 - 1.75 mmol/L",
                                              "Corrected serum calcium <1.75 - 1.5 mmol/L",
                                              "Corrected serum calcium <1.5 mmol/L")),
        value_alone_note="Corrected serum calcium; ionized calcium has other limits and is not graded here.",
    ),
    LabCriteria(
        "Hypercalcemia", "mmol/L", Direction.HIGH,
        (
            band(0, "<= ULN", le=ULN),
            band(1, "Corrected serum calcium >ULN - 2.9 mmol/L", gt=ULN, le=val("2.9")),
            band(2, "Corrected serum calcium >2.9 - 3.1 mmol/L", gt=val("2.9"), le=val("3.1")),
            band(3, "Corrected serum calcium >3.1 - 3.4 mmol/L", gt=val("3.1"), le=val("3.4")),
            band(4, "Corrected serum calcium >3.4 mmol/L", gt=val("3.4")),
        ),
        value_alone_note="Corrected serum calcium; ionized calcium has other limits and is not graded here.",
    ),
    LabCriteria(
        "Hypoglycemia", "mmol/L", Direction.LOW,
        _low_absolute("3.0", "2.2", "1.7", ("<LLN - 3.0 mmol/L", "<3.0 - 2.2 mmol/L", "<2.2 - 1.7 mmol/L",
                                             "<1.7 mmol/L")),
    ),
)  # fmt: skip
