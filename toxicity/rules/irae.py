"""Toripalimab dose rules for immune-related adverse events (pure rules).

Source: PROTOCOL §3, "Toripalimab: immune-related adverse events" (the paper's Table 3), grades by
NCI CTCAE v5.0. The table itself (action per category and grade, the 12-week limits, the steroid
taper limit) is data in ``trialsite.protocol.toxicity``; how the table's silences are resolved is
written there too. This module applies it:

1. The category's row gives the action for the grade (grade 1: continue; grade 5: discontinue).
2. If that is not already "discontinue", the recurrent and persistent rows may escalate it to
   "discontinue", checked in this order:
   - recurrent, not endocrine, at the row's recurrence grade or higher (grade 3-4; pneumonitis
     from grade 2);
   - not endocrine, still at grade 2-3 more than 12 weeks after the last toripalimab dose;
   - corticosteroids not tapered to <= 10 mg/day prednisone-equivalent within 12 weeks after the
     last dose (any category, any grade).

Every decision carries a stable code, ``irae.<category>.g<grade>`` for a table row, with
``.recurrent``, ``.unresolved`` or ``.steroid_taper`` appended when a recurrent/persistent rule
decided, and a reason quoting the row. The reason is stored with the decision and kept in English
like the protocol table it quotes; the refusals (``IraeRuleError``) are shown, so they are translated.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _

from trialsite.protocol.toxicity import (
    CONTINUE,
    DISCONTINUE,
    HORMONE_REPLACEMENT,
    INTERRUPT,
    IRAE,
    IRAE_CATEGORIES,
    IRAE_CATEGORY_BY_CTCAE_TERM,
    IRAE_ROWS,
    SLOW_INFUSION,
    IraeRow,
)

__all__ = [
    "Action",
    "InvalidIraeInputError",
    "IraeDecision",
    "IraeRuleError",
    "UnknownIraeCategoryError",
    "irae_categories",
    "irae_category_for_term",
    "steroid_taper_has_failed",
    "toripalimab_action",
    "weeks_since",
]


class Action(StrEnum):
    """What happens to toripalimab (compares equal to its string value)."""

    CONTINUE = CONTINUE
    INTERRUPT = INTERRUPT
    DISCONTINUE = DISCONTINUE
    HORMONE_REPLACEMENT = HORMONE_REPLACEMENT
    SLOW_INFUSION = SLOW_INFUSION


class IraeRuleError(ValueError):
    """The irAE rule cannot be applied to these inputs; the message says why."""


class UnknownIraeCategoryError(IraeRuleError):
    """The category is not one of PROTOCOL §3's irAE categories."""


class InvalidIraeInputError(IraeRuleError):
    """A grade outside 1-5, or a negative or non-numeric duration."""


@dataclass(frozen=True)
class IraeDecision:
    """The toripalimab action for one irAE, with the rule that produced it.

    ``resume_at_or_below_grade`` is set when the dose is held until the irAE is back at that grade
    ("interrupt ... until back to grade 0-1"); None otherwise.
    """

    action: Action
    code: str
    reason: str
    category: str
    grade: int
    resume_at_or_below_grade: int | None = None


_ACTION_WORDS = {
    Action.CONTINUE: "continue toripalimab",
    Action.INTERRUPT: "interrupt toripalimab until back to grade 0-1",
    Action.DISCONTINUE: "discontinue toripalimab",
    Action.HORMONE_REPLACEMENT: "hormone replacement therapy, not discontinuation",
    Action.SLOW_INFUSION: "slow or pause the infusion; resume under close observation when the symptoms are relieved",
}


def irae_categories() -> tuple[str, ...]:
    """PROTOCOL §3's irAE categories, in table order."""
    return IRAE_CATEGORIES


def irae_category_for_term(term: str) -> str | None:
    """The irAE category a CTCAE v5.0 term obviously belongs to (PROTOCOL §3), else None.

    Case and surrounding spaces are ignored. None means the investigator chooses ("other" or a
    named category).
    """
    if not isinstance(term, str):
        return None
    key = term.strip().casefold()
    for known, category in IRAE_CATEGORY_BY_CTCAE_TERM.items():
        if known.casefold() == key:
            return category
    return None


def toripalimab_action(category: str, grade: int, *, recurrent=False, weeks_unresolved=0,
                       steroid_taper_failed=False) -> IraeDecision:  # fmt: skip
    """The action on toripalimab for an irAE of ``category`` at CTCAE v5.0 ``grade`` (PROTOCOL §3).

    ``recurrent``: the same irAE has occurred before. ``weeks_unresolved``: weeks since the last
    toripalimab dose during which the irAE has stayed at grade 2-3 (0 if it has recovered).
    ``steroid_taper_failed``: corticosteroids could not be tapered to <= 10 mg/day
    prednisone-equivalent within 12 weeks after the last dose (see ``steroid_taper_has_failed``).

    Raises ``UnknownIraeCategoryError`` or ``InvalidIraeInputError`` (both ``ValueError``).
    """
    row = _row(category)
    _check_grade(grade)
    weeks = _weeks("weeks_unresolved", weeks_unresolved)
    base = Action(row.action_for(grade))
    prefix = f"irae.{row.category}.g{grade}"
    if base is Action.DISCONTINUE:
        return _from_row(row, grade, base, prefix)

    if recurrent and row.recurrent_discontinue_from_grade is not None and grade >= row.recurrent_discontinue_from_grade:
        threshold = row.recurrent_discontinue_from_grade
        which = "recurrent grade 2" if threshold == 2 else "recurrent grade 3-4 (not endocrine)"
        return _escalated(
            row, grade, f"{prefix}.recurrent",
            f"recurrent grade {grade} {row.label}; the table discontinues {which}",
        )  # fmt: skip
    if not row.endocrine and grade in IRAE.persistent_grades and weeks > IRAE.unresolved_limit_weeks:
        return _escalated(
            row, grade, f"{prefix}.unresolved",
            f"grade {grade} {row.label} not back to grade 0-1 {weeks.normalize():f} weeks after the last dose; "
            f"the limit is {IRAE.unresolved_limit_weeks} weeks (not endocrine)",
        )  # fmt: skip
    if steroid_taper_failed:
        return _escalated(
            row, grade, f"{prefix}.steroid_taper",
            f"corticosteroids not tapered to <= {IRAE.steroid_taper_limit_mg_per_day} mg/day prednisone-equivalent "
            f"within {IRAE.steroid_taper_window_weeks} weeks after the last dose",
        )  # fmt: skip
    return _from_row(row, grade, base, prefix)


def steroid_taper_has_failed(*, prednisone_equivalent_mg_per_day: Decimal, weeks_since_last_dose) -> bool:
    """True when corticosteroids are still above 10 mg/day prednisone-equivalent more than 12 weeks
    after the last toripalimab dose (PROTOCOL §3, recurrent or persistent row).

    At exactly 12 weeks the window is not yet over; exactly 10 mg/day is tapered.
    """
    dose = _non_negative_decimal("prednisone_equivalent_mg_per_day", prednisone_equivalent_mg_per_day)
    weeks = _weeks("weeks_since_last_dose", weeks_since_last_dose)
    return weeks > IRAE.steroid_taper_window_weeks and dose > IRAE.steroid_taper_limit_mg_per_day


def weeks_since(last_dose: date, *, today: date) -> Decimal:
    """Weeks (days / 7, exact) from the last toripalimab dose to ``today`` (PROTOCOL §3's 12 weeks)."""
    days = (today - last_dose).days
    if days < 0:
        raise InvalidIraeInputError(_("today %(today)s is before the last dose %(last_dose)s") % {
            "today": today, "last_dose": last_dose,
        })
    return Decimal(days) / Decimal(7)


# --- internals ------------------------------------------------------------------------------------


def _row(category: str) -> IraeRow:
    if not isinstance(category, str) or category not in IRAE_ROWS:
        raise UnknownIraeCategoryError(
            _("%(category)s is not an irAE category of PROTOCOL §3; one of: %(categories)s")
            % {"category": repr(category), "categories": ", ".join(IRAE_CATEGORIES)}
        )
    return IRAE_ROWS[category]


def _check_grade(grade: int) -> None:
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 5:
        raise InvalidIraeInputError(_("grade must be a CTCAE grade 1-5, got %(grade)s") % {"grade": repr(grade)})


def _weeks(name: str, given) -> Decimal:
    return _non_negative_decimal(name, given)


def _non_negative_decimal(name: str, given) -> Decimal:
    names = {"name": name, "given": repr(given)}
    if isinstance(given, bool) or not isinstance(given, int | float | Decimal):
        raise InvalidIraeInputError(_("%(name)s must be a number, got %(given)s") % names)
    amount = given if isinstance(given, Decimal) else Decimal(str(given))
    if not amount.is_finite() or amount < 0:
        raise InvalidIraeInputError(_("%(name)s must be a finite number >= 0, got %(given)s") % names)
    return amount


def _from_row(row: IraeRow, grade: int, action: Action, code: str) -> IraeDecision:
    note = row.note_for(grade)
    detail = f" ({note})" if note else ""
    if grade == 1 and action is Action.CONTINUE:
        why = "grade 1: the table starts at grade 2"
    elif grade == 5:
        why = "grade 5 (death)"
    elif action is Action.CONTINUE:
        why = f"grade {grade}{detail} is below the grades this row lists"
    elif action is Action.INTERRUPT and row.endocrine:
        why = f"grade {grade}{detail}: interrupt toripalimab or give hormone replacement until back to grade 0-1"
    else:
        why = f"grade {grade}{detail}"
    return IraeDecision(
        action=action,
        code=code,
        reason=f"PROTOCOL §3 irAE table, row '{row.label}': {why} -> {_ACTION_WORDS[action]}",
        category=row.category,
        grade=grade,
        resume_at_or_below_grade=IRAE.resume_at_or_below_grade if action is Action.INTERRUPT else None,
    )


def _escalated(row: IraeRow, grade: int, code: str, why: str) -> IraeDecision:
    return IraeDecision(
        action=Action.DISCONTINUE,
        code=code,
        reason=f"PROTOCOL §3 irAE table, row 'recurrent or persistent': {why} -> {_ACTION_WORDS[Action.DISCONTINUE]}",
        category=row.category,
        grade=grade,
    )
