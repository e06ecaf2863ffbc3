"""CTCAE v5.0 grading of laboratory values (pure rules).

Source: NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 27 November 2017; the
thresholds are typed as data in ``toxicity.rules.ctcae_lab_criteria`` (how the CTCAE wording is
read is written there).

``grade_lab`` returns the grade the value alone supports, 0 meaning "not an adverse event". Where
CTCAE makes a grade depend on symptoms or an intervention (amylase, lipase, potassium, sodium), the
value alone supports the asymptomatic, no-intervention grade, the lowest the value allows; the
adverse-event form is where a clinician raises it. Grades CTCAE defines without a value (e.g.
Anemia grade 4) are never returned.

References:
- ``lln`` / ``uln``: the lab's normal range, in the value's unit. A term whose bands mention LLN or
  ULN cannot be graded without it (``MissingReferenceError``), whatever the value; the others
  ignore them. Where a lab's LLN sits below an absolute CTCAE limit (e.g. a neutrophil LLN of 1.4),
  CTCAE's absolute limit still holds: the higher grade wins (1.45 is grade 2).
- ``baseline``: the participant's pre-treatment value. For the "if baseline was abnormal" terms
  (ALT, AST, ALP, GGT, bilirubin) a baseline above ULN switches to the multiples-of-baseline bands;
  no baseline, or one at or below ULN, is "baseline normal". Creatinine increased grades against
  baseline too (grades 2-3) whenever one is given; the higher grade wins. Other terms ignore it.

Numbers are compared as ``Decimal`` (floats through their shortest ``repr``), so a value exactly at
a limit such as 3.0 x ULN is graded by the CTCAE text, not by binary rounding.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from django.utils.translation import gettext as _

from toxicity.rules.ctcae_lab_criteria import (
    LAB_CRITERIA,
    Band,
    BaselineUse,
    Direction,
    Edge,
    LabCriteria,
    Ref,
)

__all__ = [
    "Direction",
    "InvalidLabValueError",
    "LabGrade",
    "LabGradingError",
    "MissingReferenceError",
    "UnknownLabTermError",
    "band_grades",
    "gradable_terms",
    "grade_lab",
    "grade_lab_detail",
    "lab_criteria",
    "term_direction",
    "term_unit",
]

Number = int | float | Decimal


class LabGradingError(ValueError):
    """A lab value cannot be graded; the message says why."""


class UnknownLabTermError(LabGradingError):
    """The term is not one of ``gradable_terms()``."""


class MissingReferenceError(LabGradingError):
    """The term needs the lab's LLN or ULN and it was not given."""


class InvalidLabValueError(LabGradingError):
    """A value or reference that is not a finite number in range."""


_BY_KEY: Mapping[str, LabCriteria] = MappingProxyType({c.term.casefold(): c for c in LAB_CRITERIA})


@dataclass(frozen=True)
class LabGrade:
    """A graded value: the grade, the CTCAE band it fell in and a message naming value and limits."""

    term: str
    grade: int
    band_text: str
    basis: str
    reason: str


def gradable_terms() -> tuple[str, ...]:
    """The CTCAE v5.0 term names ``grade_lab`` grades, in table order (CTCAE v5.0)."""
    return tuple(c.term for c in LAB_CRITERIA)


def lab_criteria(term: str) -> LabCriteria:
    """The CTCAE v5.0 grading criteria of ``term`` (case and surrounding spaces ignored)."""
    if not isinstance(term, str) or term.strip().casefold() not in _BY_KEY:
        raise UnknownLabTermError(
            _("%(term)s is not a CTCAE v5.0 term graded from a lab value; gradable: %(terms)s")
            % {"term": repr(term), "terms": ", ".join(gradable_terms())}
        )
    return _BY_KEY[term.strip().casefold()]


def term_unit(term: str) -> str:
    """The unit ``grade_lab`` expects the value of ``term`` in (CTCAE v5.0 SI units)."""
    return lab_criteria(term).unit


def term_direction(term: str) -> Direction:
    """Whether a low or a high value of ``term`` is the adverse event (CTCAE v5.0)."""
    return lab_criteria(term).direction


def grade_lab(term: str, value: float, *, lln=None, uln=None, baseline=None) -> int:
    """The CTCAE v5.0 grade (0 = not an adverse event) that ``value`` alone supports for ``term``.

    Source: CTCAE v5.0 (thresholds in ``toxicity.rules.ctcae_lab_criteria``). Raises
    ``UnknownLabTermError``, ``MissingReferenceError`` or ``InvalidLabValueError`` (all
    ``ValueError``).
    """
    return grade_lab_detail(term, value, lln=lln, uln=uln, baseline=baseline).grade


def grade_lab_detail(
    term: str, value: Number, *, lln: Number | None = None, uln: Number | None = None, baseline: Number | None = None
) -> LabGrade:
    """``grade_lab`` with the band and a message naming the value and the limits (CTCAE v5.0)."""
    criteria = lab_criteria(term)
    amount = _number("value", value)
    refs = _references(criteria, lln=lln, uln=uln, baseline=baseline)
    best: tuple[Band, str] | None = None
    for basis, bands in _band_sets(criteria, refs):
        for found in _containing(bands, amount, refs):
            if best is None or found.grade > best[0].grade:
                best = (found, basis)
    if best is None:  # pragma: no cover - the tables have a grade-0 band; tests check they tile
        raise LabGradingError(f"{criteria.term}: no CTCAE band holds {amount} {criteria.unit}")
    found, basis = best
    return LabGrade(
        term=criteria.term,
        grade=found.grade,
        band_text=found.text,
        basis=basis,
        reason=_reason(criteria, amount, found, basis, refs),
    )


def band_grades(
    bands: Sequence[Band],
    value: Number,
    *,
    lln: Number | None = None,
    uln: Number | None = None,
    baseline: Number | None = None,
) -> tuple[int, ...]:
    """The grades of every band in ``bands`` that holds ``value`` (CTCAE v5.0 band sets tile: one)."""
    refs = {Ref.VALUE: Decimal(1)}
    for ref, given in ((Ref.LLN, lln), (Ref.ULN, uln), (Ref.BASELINE, baseline)):
        if given is not None:
            refs[ref] = _number(ref.value, given, positive=True)
    return tuple(found.grade for found in _containing(bands, _number("value", value), refs))


# --- internals ------------------------------------------------------------------------------------


def _number(name: str, given: object, *, positive: bool = False) -> Decimal:
    names = {"name": name, "given": repr(given)}
    if isinstance(given, bool) or not isinstance(given, int | float | Decimal):
        raise InvalidLabValueError(_("%(name)s must be a number, got %(given)s") % names)
    # str() of a float is its shortest round-tripping decimal: 2.1 becomes exactly Decimal("2.1").
    amount = given if isinstance(given, Decimal) else Decimal(str(given))
    if not amount.is_finite():
        raise InvalidLabValueError(_("%(name)s must be a finite number, got %(given)s") % names)
    if positive and amount <= 0:
        raise InvalidLabValueError(_("%(name)s must be above 0, got %(given)s") % names)
    if amount < 0:
        raise InvalidLabValueError(_("%(name)s must be at least 0, got %(given)s") % names)
    return amount


def _references(
    criteria: LabCriteria, *, lln: Number | None, uln: Number | None, baseline: Number | None
) -> dict[Ref, Decimal]:
    refs = {Ref.VALUE: Decimal(1)}
    for ref, given in ((Ref.LLN, lln), (Ref.ULN, uln)):
        if ref in criteria.references:
            if given is None:
                raise MissingReferenceError(
                    _("%(term)s cannot be graded without the lab's %(reference)s")
                    % {"term": criteria.term, "reference": ref.value.upper()}
                )
            refs[ref] = _number(ref.value, given, positive=True)
    if baseline is not None and criteria.baseline_use is not BaselineUse.NOT_USED:
        refs[Ref.BASELINE] = _number("baseline", baseline, positive=True)
    return refs


def _band_sets(criteria: LabCriteria, refs: Mapping[Ref, Decimal]) -> list[tuple[str, tuple[Band, ...]]]:
    has_baseline = Ref.BASELINE in refs
    if criteria.baseline_use is BaselineUse.IF_ABNORMAL:
        if has_baseline and refs[Ref.BASELINE] > refs[Ref.ULN]:
            return [("baseline abnormal (above ULN): multiples of baseline", criteria.baseline_bands)]
        basis = "baseline normal" if has_baseline else "baseline not given, taken as normal"
        return [(f"{basis}: multiples of ULN", criteria.bands)]
    sets = [("lab reference range" if criteria.references else "absolute limits", criteria.bands)]
    if criteria.baseline_use is BaselineUse.ALWAYS and has_baseline:
        sets.append(("multiples of baseline", criteria.baseline_bands))
    return sets


def _limit_value(edge: Edge, refs: Mapping[Ref, Decimal]) -> Decimal:
    return edge.limit.factor * refs[edge.limit.ref]


def _containing(bands: Sequence[Band], amount: Decimal, refs: Mapping[Ref, Decimal]) -> list[Band]:
    found = []
    for candidate in bands:
        if candidate.lower is not None:
            low = _limit_value(candidate.lower, refs)
            if amount < low or (amount == low and not candidate.lower.inclusive):
                continue
        if candidate.upper is not None:
            high = _limit_value(candidate.upper, refs)
            if amount > high or (amount == high and not candidate.upper.inclusive):
                continue
        found.append(candidate)
    return found


def _reason(criteria: LabCriteria, amount: Decimal, found: Band, basis: str, refs: Mapping[Ref, Decimal]) -> str:
    unit = criteria.unit
    ends = []
    if found.lower is not None:
        ends.append(f"{'>=' if found.lower.inclusive else '>'} {_limit_value(found.lower, refs).normalize():f}")
    if found.upper is not None:
        ends.append(f"{'<=' if found.upper.inclusive else '<'} {_limit_value(found.upper, refs).normalize():f}")
    given = ", ".join(
        f"{name} {refs[ref].normalize():f}"
        for ref, name in ((Ref.LLN, "LLN"), (Ref.ULN, "ULN"), (Ref.BASELINE, "baseline"))
        if ref in refs
    )
    context = f" ({given})" if given else ""
    return (
        f"{criteria.term}: {amount.normalize():f} {unit}{context} is {found.text} "
        f"[{' and '.join(ends)} {unit}; {basis}]: CTCAE v5.0 grade {found.grade}"
    )
