"""The names the pages give to protocol data that ``trialsite.protocol`` declares in plain English
(pure Python, no Django): lab sections, lab analytes and the irAE categories of PROTOCOL §3.

Each name is looked up in this app's catalog by its English text, with a context ("lab section",
"lab analyte", "irAE category"); the list below marks every one for ``makemessages``. A name the
catalog lacks (a protocol amendment adding an analyte, say) shows in English. Units, CTCAE terms
and CTCAE grade texts are never translated; exports use the English names.
"""

from django.utils.functional import lazy
from django.utils.translation import pgettext, pgettext_lazy

from trialsite.protocol.labs import ANALYTE_BY_CODE, ANALYTES, Analyte
from trialsite.protocol.toxicity import IRAE_ROWS

SECTION_CONTEXT = "lab section"
ANALYTE_CONTEXT = "lab analyte"
IRAE_CATEGORY_CONTEXT = "irAE category"

# For makemessages only: the English names of trialsite.protocol.labs and .toxicity, as declared there.
_PROTOCOL_NAMES = (
    pgettext_lazy("lab section", "Blood routine"),
    pgettext_lazy("lab section", "Liver function"),
    pgettext_lazy("lab section", "Kidney function"),
    pgettext_lazy("lab section", "Electrolytes"),
    pgettext_lazy("lab section", "Amylase and lipase"),
    pgettext_lazy("lab section", "Thyroid function"),
    pgettext_lazy("lab section", "Glucose"),
    pgettext_lazy("lab analyte", "Haemoglobin"),
    pgettext_lazy("lab analyte", "White blood cells"),
    pgettext_lazy("lab analyte", "Neutrophils (absolute)"),
    pgettext_lazy("lab analyte", "Lymphocytes (absolute)"),
    pgettext_lazy("lab analyte", "Platelets"),
    pgettext_lazy("lab analyte", "ALT"),
    pgettext_lazy("lab analyte", "AST"),
    pgettext_lazy("lab analyte", "Alkaline phosphatase"),
    pgettext_lazy("lab analyte", "GGT"),
    pgettext_lazy("lab analyte", "Total bilirubin"),
    pgettext_lazy("lab analyte", "Creatinine"),
    pgettext_lazy("lab analyte", "Urea"),
    pgettext_lazy("lab analyte", "Potassium"),
    pgettext_lazy("lab analyte", "Sodium"),
    pgettext_lazy("lab analyte", "Magnesium"),
    pgettext_lazy("lab analyte", "Calcium (corrected)"),
    pgettext_lazy("lab analyte", "Amylase"),
    pgettext_lazy("lab analyte", "Lipase"),
    pgettext_lazy("lab analyte", "TSH"),
    pgettext_lazy("lab analyte", "Free T4"),
    pgettext_lazy("lab analyte", "Glucose (fasting)"),
    pgettext_lazy("irAE category", "pneumonitis"),
    pgettext_lazy("irAE category", "diarrhoea / colitis"),
    pgettext_lazy("irAE category", "hepatitis"),
    pgettext_lazy("irAE category", "nephritis (creatinine increased)"),
    pgettext_lazy("irAE category", "endocrine: hypothyroidism"),
    pgettext_lazy("irAE category", "endocrine: hyperthyroidism"),
    pgettext_lazy("irAE category", "endocrine: hypophysitis"),
    pgettext_lazy("irAE category", "endocrine: adrenal insufficiency"),
    pgettext_lazy("irAE category", "endocrine: hyperglycaemia / type 1 diabetes"),
    pgettext_lazy("irAE category", "skin: rash"),
    pgettext_lazy("irAE category", "skin: Stevens-Johnson syndrome / toxic epidermal necrolysis"),
    pgettext_lazy("irAE category", "thrombocytopenia"),
    pgettext_lazy("irAE category", "other: amylase/lipase increased"),
    pgettext_lazy("irAE category", "other: pancreatitis"),
    pgettext_lazy("irAE category", "other: myocarditis"),
    pgettext_lazy("irAE category", "other: encephalitis"),
    pgettext_lazy("irAE category", "other irAE (first occurrence)"),
    pgettext_lazy("irAE category", "infusion reaction"),
)


def section_label(section: str) -> str:
    """A lab section's name in the active language."""
    return pgettext(SECTION_CONTEXT, section)


def analyte_label(analyte: Analyte | str) -> str:
    """An analyte's name (the analyte or its code) in the active language, without its unit."""
    if isinstance(analyte, str):
        found = ANALYTE_BY_CODE.get(analyte)
        if found is None:
            return analyte
        analyte = found
    return pgettext(ANALYTE_CONTEXT, analyte.label)


def irae_category_label(category: str) -> str:
    """An irAE category's name (PROTOCOL §3, lower case as the table has it) in the active
    language; the category code itself when it is not one of the table's."""
    row = IRAE_ROWS.get(category)
    return pgettext(IRAE_CATEGORY_CONTEXT, row.label) if row else category


irae_category_label_lazy = lazy(irae_category_label, str)

# Model and form choices: evaluated in the active language when shown.
ANALYTE_CHOICES = tuple((analyte.code, pgettext_lazy(ANALYTE_CONTEXT, analyte.label)) for analyte in ANALYTES)
IRAE_CATEGORY_CHOICES = [(row.category, pgettext_lazy(IRAE_CATEGORY_CONTEXT, row.label)) for row in IRAE_ROWS.values()]
