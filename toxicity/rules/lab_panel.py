"""Grading one lab-panel value against its analyte's CTCAE v5.0 term(s) (pure rules).

Source: CTCAE v5.0 (the investigations and metabolism terms graded in ``toxicity.rules.ctcae``) and
the lab panel of PROTOCOL §4 (``trialsite.protocol.labs``). An analyte with a low and a high term
(potassium: Hypokalemia / Hyperkalemia) is graded against both; the side graded >= 1 is kept. When
neither side is an adverse event, the result is grade 0 with the term of the side the value lies on:
below the middle of the laboratory's range the low term, at or above it the high term (our
resolution, so a normal value still names one term). A zero or negative baseline cannot anchor
CTCAE's "x baseline" bands and is ignored.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from trialsite.protocol.labs import Analyte

from .ctcae import grade_lab_detail


@dataclass(frozen=True)
class AnalyteGrade:
    """The stored outcome of grading one value: the CTCAE term ("" when not graded), the grade
    (None when the analyte is not graded by value), the CTCAE band and the message explaining it
    (``basis``, stored with the result: English, like the CTCAE text it quotes)."""

    term: str
    grade: int | None
    band_text: str
    basis: str

    def label(self, analyte: Analyte) -> str:
        """What the grade badge says, e.g. "Grade 3 — ALT >5.0 - 20.0 x ULN" (in the active language;
        the CTCAE band stays as CTCAE words it)."""
        name = pgettext("lab analyte", analyte.label)
        if self.grade is None:
            return _("Not graded — no CTCAE v5.0 term grades %(analyte)s by value") % {"analyte": name}
        return _("Grade %(grade)s — %(analyte)s %(band)s") % {"grade": self.grade, "analyte": name, "band": self.band_text}


def grade_analyte(
    analyte: Analyte,
    value: Decimal,
    *,
    lln: Decimal | None = None,
    uln: Decimal | None = None,
    baseline: Decimal | None = None,
) -> AnalyteGrade:
    """Grade ``value`` of ``analyte`` against its CTCAE v5.0 term(s) (pure; raises
    ``toxicity.rules.ctcae.LabGradingError``).

    Two-sided analytes keep the side graded >= 1; when neither is, grade 0 with the term of the side
    the value lies on (at or above the middle of the lab's range: the high term)."""
    if not analyte.graded:
        return AnalyteGrade("", None, "", f"{analyte.label} is recorded but not graded: no CTCAE v5.0 term grades it by value.")
    if baseline is not None and baseline <= 0:
        baseline = None  # a zero baseline cannot anchor multiples of baseline
    graded = {
        term: grade_lab_detail(term, value, lln=lln, uln=uln, baseline=baseline) for term in analyte.terms
    }
    worst = max(graded.values(), key=lambda found: found.grade)
    if worst.grade == 0 and len(graded) == 2:
        middle = (lln + uln) / 2 if lln is not None and uln is not None else None
        side = analyte.low_term if middle is not None and value < middle else analyte.high_term
        worst = graded[side]
    return AnalyteGrade(worst.term, worst.grade, worst.band_text, worst.reason)
