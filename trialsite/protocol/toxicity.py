"""PROTOCOL §3 (the paper's Table 3): toripalimab's immune-related adverse event (irAE) table, as data.

``toxicity.rules.irae`` reads every action, grade and limit it applies from this module; a protocol
amendment changes this file only. Grades are NCI CTCAE v5.0 grades (1-5).

The table, row by row (PROTOCOL §3):

| row | interrupt until grade 0-1 | discontinue |
|---|---|---|
| pneumonitis | G2 | G3-4, or recurrent G2 |
| diarrhoea / colitis | G2-3 | G4 |
| hepatitis | G2 | G3-4 |
| nephritis | G2-3 | G4 |
| endocrine | hypo-/hyperthyroidism G2-3, hypophysitis G2-3, adrenal insufficiency G2, hyperglycaemia G3 (interrupt or hormone replacement) | none: G4 thyroid/hypophysitis, G3-4 adrenal, G4 hyperglycaemia get hormone replacement |
| skin | G3 rash | G4 rash, SJS, TEN |
| thrombocytopenia | G3 | G4 |
| other | amylase/lipase G2-3, pancreatitis G2, myocarditis G2, any other first G2-3 | amylase/lipase G4, pancreatitis G3-4, myocarditis G3-4, encephalitis G3-4, any other first G4 |
| recurrent / persistent | - | recurrent G3-4 (not endocrine); G2-3 not back to G0-1 within 12 weeks after the last dose (not endocrine); corticosteroids not tapered to <= 10 mg/day prednisone-equivalent within 12 weeks |
| infusion reaction | G2: slow or pause the infusion | G3-4 |

Resolutions (ours, where the table is silent; each is a value below, so changing one is one diff):
- Grade 1 of any category: continue (the table starts at grade 2). Exception: Stevens-Johnson
  syndrome / toxic epidermal necrolysis, which the table discontinues at any grade (CTCAE v5.0
  defines SJS from grade 3 and TEN from grade 4 only).
- Grades a row does not list below its first listed grade (rash G2, thrombocytopenia G2,
  hyperglycaemia G2): continue; the investigator may still hold the dose.
- Encephalitis G2: interrupt, by the "any other first G2-3 irAE" row (the table lists encephalitis
  only at G3-4).
- Endocrine G2-3 (and adrenal insufficiency G2, hyperglycaemia G3): "interrupt", the first of the
  table's "interrupt or hormone replacement" options; the reason names both.
- Grade 5 (death) of any category: discontinue.
- "Within 12 weeks" includes week 12: an irAE still at G2-3 exactly 12 weeks after the last dose
  has not yet failed the limit; later than 12 weeks it has.
- The corticosteroid-taper rule has no endocrine exception in the table and does not depend on the
  current grade: it applies to every category.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

# The actions the table can take on the next toripalimab dose (``IraeDecision.action``).
CONTINUE = "continue"
INTERRUPT = "interrupt"
DISCONTINUE = "discontinue"
HORMONE_REPLACEMENT = "hormone_replacement"
SLOW_INFUSION = "slow_infusion"

IRAE_ACTIONS: tuple[str, ...] = (CONTINUE, INTERRUPT, DISCONTINUE, HORMONE_REPLACEMENT, SLOW_INFUSION)


@dataclass(frozen=True)
class IraeSettings:
    """The numbers of PROTOCOL §3's irAE table that are not per-row actions."""

    # An interrupted dose resumes when the irAE is back at this grade or lower ("grade 0-1").
    resume_at_or_below_grade: int = 1

    # Persistent irAE (not endocrine): still at one of these grades more than
    # ``unresolved_limit_weeks`` after the last toripalimab dose -> discontinue.
    persistent_grades: tuple[int, ...] = (2, 3)
    unresolved_limit_weeks: int = 12

    # Corticosteroids: not tapered to at most this prednisone-equivalent dose per day within
    # ``steroid_taper_window_weeks`` after the last toripalimab dose -> discontinue.
    steroid_taper_limit_mg_per_day: Decimal = Decimal(10)
    steroid_taper_window_weeks: int = 12

    # Recurrent irAE (not endocrine) at this grade or higher -> discontinue; a row may lower it
    # (pneumonitis: recurrent grade 2).
    recurrent_discontinue_from_grade: int = 3


IRAE = IraeSettings()


@dataclass(frozen=True)
class IraeRow:
    """One category of the irAE table: the action for each CTCAE grade 1-5.

    ``actions`` holds grades 1, 2, 3, 4 and 5 in that order. ``grade_notes`` adds the table's own
    wording for a grade (e.g. hepatitis' ALT limits) to the decision's reason.
    ``recurrent_discontinue_from_grade`` is None where recurrence does not discontinue (endocrine).
    """

    category: str
    label: str
    actions: tuple[str, str, str, str, str]
    endocrine: bool = False
    recurrent_discontinue_from_grade: int | None = IRAE.recurrent_discontinue_from_grade
    grade_notes: tuple[tuple[int, str], ...] = ()

    def action_for(self, grade: int) -> str:
        return self.actions[grade - 1]

    def note_for(self, grade: int) -> str:
        return dict(self.grade_notes).get(grade, "")


_C, _I, _D, _H, _S = CONTINUE, INTERRUPT, DISCONTINUE, HORMONE_REPLACEMENT, SLOW_INFUSION

IRAE_TABLE: tuple[IraeRow, ...] = (
    IraeRow("pneumonitis", "pneumonitis", (_C, _I, _D, _D, _D), recurrent_discontinue_from_grade=2),
    IraeRow("colitis", "diarrhoea / colitis", (_C, _I, _I, _D, _D)),
    IraeRow(
        "hepatitis",
        "hepatitis",
        (_C, _I, _D, _D, _D),
        grade_notes=(
            (2, "ALT/AST >3-5 x ULN, or bilirubin >1.5-3 x ULN"),
            (3, "ALT/AST >5 x ULN or bilirubin >3 x ULN"),
            (4, "ALT/AST >5 x ULN or bilirubin >3 x ULN"),
        ),
    ),
    IraeRow("nephritis", "nephritis (creatinine increased)", (_C, _I, _I, _D, _D)),
    IraeRow("hypothyroidism", "endocrine: hypothyroidism", (_C, _I, _I, _H, _D), endocrine=True,
            recurrent_discontinue_from_grade=None),
    IraeRow("hyperthyroidism", "endocrine: hyperthyroidism", (_C, _I, _I, _H, _D), endocrine=True,
            recurrent_discontinue_from_grade=None),
    IraeRow("hypophysitis", "endocrine: hypophysitis", (_C, _I, _I, _H, _D), endocrine=True,
            recurrent_discontinue_from_grade=None),
    IraeRow("adrenal_insufficiency", "endocrine: adrenal insufficiency", (_C, _I, _H, _H, _D), endocrine=True,
            recurrent_discontinue_from_grade=None),
    IraeRow("hyperglycemia", "endocrine: hyperglycaemia / type 1 diabetes", (_C, _C, _I, _H, _D), endocrine=True,
            recurrent_discontinue_from_grade=None),
    IraeRow("rash", "skin: rash", (_C, _C, _I, _D, _D)),
    IraeRow("sjs_ten", "skin: Stevens-Johnson syndrome / toxic epidermal necrolysis", (_D, _D, _D, _D, _D)),
    IraeRow("thrombocytopenia", "thrombocytopenia", (_C, _C, _I, _D, _D)),
    IraeRow("amylase_lipase", "other: amylase/lipase increased", (_C, _I, _I, _D, _D)),
    IraeRow("pancreatitis", "other: pancreatitis", (_C, _I, _D, _D, _D)),
    IraeRow("myocarditis", "other: myocarditis", (_C, _I, _D, _D, _D)),
    IraeRow(
        "encephalitis",
        "other: encephalitis",
        (_C, _I, _D, _D, _D),
        grade_notes=((2, "as any other first G2-3 irAE"),),
    ),
    IraeRow("other", "other irAE (first occurrence)", (_C, _I, _I, _D, _D)),
    IraeRow("infusion_reaction", "infusion reaction", (_C, _S, _D, _D, _D)),
)  # fmt: skip

IRAE_CATEGORIES: tuple[str, ...] = tuple(row.category for row in IRAE_TABLE)
IRAE_ROWS: Mapping[str, IraeRow] = MappingProxyType({row.category: row for row in IRAE_TABLE})
ENDOCRINE_CATEGORIES: frozenset[str] = frozenset(row.category for row in IRAE_TABLE if row.endocrine)

# The CTCAE v5.0 terms that obviously belong to one irAE category (our reading of the table's
# rows); any other term is the investigator's call ("other" or a named category).
IRAE_CATEGORY_BY_CTCAE_TERM: Mapping[str, str] = MappingProxyType(
    {
        "Pneumonitis": "pneumonitis",
        "Colitis": "colitis",
        "Diarrhea": "colitis",
        "Enterocolitis": "colitis",
        "Alanine aminotransferase increased": "hepatitis",
        "Aspartate aminotransferase increased": "hepatitis",
        "Blood bilirubin increased": "hepatitis",
        "Creatinine increased": "nephritis",
        "Hypothyroidism": "hypothyroidism",
        "Hyperthyroidism": "hyperthyroidism",
        "Hypophysitis": "hypophysitis",
        "Adrenal insufficiency": "adrenal_insufficiency",
        "Hyperglycemia": "hyperglycemia",
        "Rash maculo-papular": "rash",
        "Rash acneiform": "rash",
        "Stevens-Johnson syndrome": "sjs_ten",
        "Toxic epidermal necrolysis": "sjs_ten",
        "Platelet count decreased": "thrombocytopenia",
        "Serum amylase increased": "amylase_lipase",
        "Lipase increased": "amylase_lipase",
        "Pancreatitis": "pancreatitis",
        "Myocarditis": "myocarditis",
        "Encephalitis": "encephalitis",
        "Infusion related reaction": "infusion_reaction",
    }
)

# Serious adverse events: the report is due this many hours after the site becomes aware of the
# event (ICH E2A / GCP expedited reporting; the "24-hour reporting clock").
SAE_REPORT_HOURS = 24
