"""The laboratory panel of PROTOCOL §4 (paper's Table 2, "blood samples": blood routine, liver and
kidney function) extended with what the toxicity rules of PROTOCOL §3 need (electrolytes,
amylase/lipase, thyroid, glucose), as data.

Each analyte names the unit it is entered in and the CTCAE v5.0 term(s) its value grades
(``toxicity.rules.ctcae.grade_lab``): one term for a one-sided abnormality (haemoglobin ->
Anemia), two where both a low and a high value are adverse events (potassium -> Hypokalemia /
Hyperkalemia). An analyte without a term is recorded but not graded: CTCAE v5.0 grades
hypothyroidism, hyperthyroidism and hyperglycaemia by symptoms and intervention, not by a value.

Resolutions (ours; the protocol is silent):
- Units are those ``grade_lab`` expects (SI, haemoglobin in g/dL), so no conversion happens
  behind the coordinator's back.
- ``default_lln``/``default_uln`` pre-fill the form when the participant has no earlier panel;
  they are common adult female reference ranges of Chinese hospital laboratories and the
  coordinator replaces them with the reporting laboratory's ranges. Later panels pre-fill each
  range from the participant's previous panel.

Pure Python: no Django, no database, no clock.
"""

from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType


@dataclass(frozen=True)
class Analyte:
    code: str
    label: str
    unit: str
    section: str
    low_term: str | None = None
    high_term: str | None = None
    default_lln: Decimal | None = None
    default_uln: Decimal | None = None

    @property
    def terms(self) -> tuple[str, ...]:
        """The CTCAE v5.0 terms this analyte's value is graded against (low side first)."""
        return tuple(term for term in (self.low_term, self.high_term) if term)

    @property
    def graded(self) -> bool:
        return bool(self.terms)


BLOOD_ROUTINE = "Blood routine"
LIVER = "Liver function"
KIDNEY = "Kidney function"
ELECTROLYTES = "Electrolytes"
PANCREAS = "Amylase and lipase"
THYROID = "Thyroid function"
GLUCOSE = "Glucose"

SECTIONS = (BLOOD_ROUTINE, LIVER, KIDNEY, ELECTROLYTES, PANCREAS, THYROID, GLUCOSE)

D = Decimal

ANALYTES: tuple[Analyte, ...] = (
    Analyte("hgb", "Haemoglobin", "g/dL", BLOOD_ROUTINE, low_term="Anemia", default_lln=D("11.5"), default_uln=D("15.0")),
    Analyte("wbc", "White blood cells", "10^9/L", BLOOD_ROUTINE, low_term="White blood cell decreased",
            default_lln=D("3.5"), default_uln=D("9.5")),
    Analyte("anc", "Neutrophils (absolute)", "10^9/L", BLOOD_ROUTINE, low_term="Neutrophil count decreased",
            default_lln=D("1.8"), default_uln=D("6.3")),
    Analyte("lym", "Lymphocytes (absolute)", "10^9/L", BLOOD_ROUTINE, low_term="Lymphocyte count decreased",
            default_lln=D("1.1"), default_uln=D("3.2")),
    Analyte("plt", "Platelets", "10^9/L", BLOOD_ROUTINE, low_term="Platelet count decreased",
            default_lln=D("125"), default_uln=D("350")),
    Analyte("alt", "ALT", "U/L", LIVER, high_term="Alanine aminotransferase increased",
            default_lln=D("7"), default_uln=D("40")),
    Analyte("ast", "AST", "U/L", LIVER, high_term="Aspartate aminotransferase increased",
            default_lln=D("13"), default_uln=D("35")),
    Analyte("alp", "Alkaline phosphatase", "U/L", LIVER, high_term="Alkaline phosphatase increased",
            default_lln=D("35"), default_uln=D("100")),
    Analyte("ggt", "GGT", "U/L", LIVER, high_term="GGT increased", default_lln=D("7"), default_uln=D("45")),
    Analyte("tbil", "Total bilirubin", "µmol/L", LIVER, high_term="Blood bilirubin increased",
            default_lln=D("3.4"), default_uln=D("20.5")),
    Analyte("creat", "Creatinine", "µmol/L", KIDNEY, high_term="Creatinine increased",
            default_lln=D("41"), default_uln=D("81")),
    Analyte("urea", "Urea", "mmol/L", KIDNEY, default_lln=D("2.6"), default_uln=D("7.5")),
    Analyte("k", "Potassium", "mmol/L", ELECTROLYTES, low_term="Hypokalemia", high_term="Hyperkalemia",
            default_lln=D("3.5"), default_uln=D("5.3")),
    Analyte("na", "Sodium", "mmol/L", ELECTROLYTES, low_term="Hyponatremia", high_term="Hypernatremia",
            default_lln=D("137"), default_uln=D("147")),
    Analyte("mg", "Magnesium", "mmol/L", ELECTROLYTES, low_term="Hypomagnesemia", high_term="Hypermagnesemia",
            default_lln=D("0.75"), default_uln=D("1.02")),
    Analyte("ca", "Calcium (corrected)", "mmol/L", ELECTROLYTES, low_term="Hypocalcemia", high_term="Hypercalcemia",
            default_lln=D("2.11"), default_uln=D("2.52")),
    Analyte("amy", "Amylase", "U/L", PANCREAS, high_term="Serum amylase increased",
            default_lln=D("35"), default_uln=D("135")),
    Analyte("lip", "Lipase", "U/L", PANCREAS, high_term="Lipase increased", default_lln=D("0"), default_uln=D("60")),
    Analyte("tsh", "TSH", "mIU/L", THYROID, default_lln=D("0.27"), default_uln=D("4.2")),
    Analyte("ft4", "Free T4", "pmol/L", THYROID, default_lln=D("12"), default_uln=D("22")),
    Analyte("glu", "Glucose (fasting)", "mmol/L", GLUCOSE, low_term="Hypoglycemia",
            default_lln=D("3.9"), default_uln=D("6.1")),
)  # fmt: skip

ANALYTE_BY_CODE = MappingProxyType({analyte.code: analyte for analyte in ANALYTES})
ANALYTE_CHOICES = tuple((analyte.code, analyte.label) for analyte in ANALYTES)

# Labs before a dose (PROTOCOL §3: the next chemotherapy dose depends on the haematological grade since
# the last cycle, toripalimab on irAE grades read from labs). Resolution: a dose due within this many
# days needs a panel collected from this many days before its due date up to the due date itself.
LABS_BEFORE_DOSE_DAYS = 3
