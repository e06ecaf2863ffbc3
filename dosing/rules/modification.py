"""Chemotherapy dose modification (PROTOCOL §3, chemotherapy part; CTCAE v5.0 terms and grades).

Input: the toxicities graded since the last cycle (CTCAE v5.0 term + worst grade), whether there
was fever with neutropenia, the current dose level, and whether haematological toxicity has
recovered to grade 0-1. Output: a recommendation for the next cycle with the rule that produced
it; an investigator confirms or overrides it (issue 4), which is not decided here.

Haematological terms (``CHEMO_MODIFICATION.haematological_terms``): "Neutrophil count decreased",
"Platelet count decreased", "White blood cell decreased", "Febrile neutropenia",
"Lymphocyte count decreased" and "Anemia". Of these only the first three (grade >= 4), febrile
neutropenia (grade >= 3) and grade >= 3 neutrophil count decreased with fever are qualifying
events; a grade 4 lymphopenia or anaemia changes nothing here (PROTOCOL §3 names neither, and it
is not "non-haematological") and is left to the investigator. Every other term is
non-haematological. Terms are matched ignoring case and surrounding spaces.

Decision order (the first that applies wins):
1. any grade 5 toxicity -> discontinue (``chemo.grade5``; CTCAE grade 5 is death);
2. grade 4 non-haematological toxicity -> discontinue (``chemo.nonhaem.g4``);
3. a qualifying haematological event at the lowest level (60 %) -> discontinue
   (``chemo.haem.at_lowest_level``; with that setting off, the level stays at 60 %:
   ``chemo.haem.at_lowest_level_continue``, or a hold as in 4);
4. a qualifying haematological event -> the next cycle one step lower (100 -> 80 -> 60 %); if
   haematological toxicity has not recovered to grade 0-1 (or recovery is not documented) the
   cycle is held until it has, then given at the reduced level (``chemo.haem.reduce`` or
   ``chemo.haem.reduce_and_hold``);
5. already reduced and haematological toxicity not recovered (or not documented) -> hold, to be
   resumed at the current level (``chemo.haem.not_recovered``, ``chemo.haem.recovery_unknown``);
6. otherwise the current level: full dose at 100 % (``chemo.full_dose``), else the reduced level
   kept, never re-escalated (``chemo.continue_reduced``).

PROTOCOL §3 ties the hold to "after a reduction"; at full dose without a qualifying event,
unrecovered haematological toxicity fires no protocol rule (step 6).

Pure Python: no database, no clock. The reasons are marked for translation (``gettext``): they come
in the active language; the service stores them in English.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from trialsite.protocol.treatment import (
    CHEMO_MODIFICATION,
    FEBRILE_NEUTROPENIA,
    NEUTROPHIL_COUNT_DECREASED,
    ChemoModificationProtocol,
)

FULL_DOSE = "full_dose"
CONTINUE_REDUCED = "continue_reduced"
REDUCE = "reduce"
HOLD = "hold"
DISCONTINUE = "discontinue"
ACTIONS = (FULL_DOSE, CONTINUE_REDUCED, REDUCE, HOLD, DISCONTINUE)

_LABELS = {
    "neutrophil count decreased": gettext_lazy("neutropenia"),
    "platelet count decreased": gettext_lazy("thrombocytopenia"),
    "white blood cell decreased": gettext_lazy("leukopenia"),
    "febrile neutropenia": gettext_lazy("febrile neutropenia"),
}


class ToxicityInputError(ValueError):
    """A toxicity, grade or dose level that cannot be right; ``code`` is stable."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class GradedToxicity:
    """One CTCAE v5.0 term with its worst grade (0-5) since the last cycle."""

    term: str
    grade: int


@dataclass(frozen=True)
class ChemoDecision:
    """The recommendation for the next chemotherapy cycle and the rule that produced it.

    ``dose_level_pct`` is the level the next cycle is given at (for a hold: the level to resume
    at once recovered; for a discontinuation: None). ``reduction_pct`` = 100 - level, the value to
    pass to ``dose_mg(..., reduction_pct=...)``.
    """

    action: str  # one of ACTIONS
    dose_level_pct: int | None
    code: str
    reason: str
    triggers: tuple[GradedToxicity, ...] = ()

    @property
    def reduction_pct(self) -> int | None:
        return None if self.dose_level_pct is None else 100 - self.dose_level_pct


def _normalise(toxicities: Iterable[GradedToxicity | tuple[str, int]]) -> list[GradedToxicity]:
    result = []
    for item in toxicities:
        toxicity = item if isinstance(item, GradedToxicity) else GradedToxicity(*item)
        if not isinstance(toxicity.term, str) or not toxicity.term.strip():
            raise ToxicityInputError(
                "chemo.toxicity.term", _("A toxicity has no CTCAE term: %(item)s.") % {"item": repr(item)}
            )
        if isinstance(toxicity.grade, bool) or not isinstance(toxicity.grade, int) or not 0 <= toxicity.grade <= 5:
            raise ToxicityInputError(
                "chemo.toxicity.grade",
                _("CTCAE grade of %(term)s must be a whole number 0-5, got %(grade)s.")
                % {"term": repr(toxicity.term), "grade": repr(toxicity.grade)},
            )
        result.append(toxicity)
    return result


def _key(term: str) -> str:
    return term.strip().casefold()


def is_haematological(term: str, *, protocol: ChemoModificationProtocol = CHEMO_MODIFICATION) -> bool:
    """Whether a CTCAE v5.0 term counts as haematological for PROTOCOL §3 (see the module docstring)."""
    return _key(term) in {_key(t) for t in protocol.haematological_terms}


def _qualifying_events(
    toxicities: list[GradedToxicity], febrile: bool, protocol: ChemoModificationProtocol
) -> list[GradedToxicity]:
    cytopenias = {_key(t) for t in protocol.qualifying_cytopenia_terms}
    events = []
    for toxicity in toxicities:
        key = _key(toxicity.term)
        if key in cytopenias and toxicity.grade >= protocol.cytopenia_qualifying_grade:
            events.append(toxicity)
        elif key == _key(FEBRILE_NEUTROPENIA) and toxicity.grade >= protocol.febrile_neutropenia_qualifying_grade:
            events.append(toxicity)
        elif (
            key == _key(NEUTROPHIL_COUNT_DECREASED)
            and febrile
            and toxicity.grade >= protocol.febrile_neutropenia_qualifying_grade
        ):
            events.append(toxicity)
    return events


def _describe(toxicity: GradedToxicity, febrile: bool = False) -> str:
    """E.g. "grade 4 neutropenia (Neutrophil count decreased)": the CTCAE term stays in English."""
    label = _LABELS.get(_key(toxicity.term))
    params = {"grade": toxicity.grade, "label": label, "term": toxicity.term}
    if label is None:  # no plainer name than the CTCAE term itself
        return _("grade %(grade)s %(term)s (%(term)s)") % params
    if febrile and _key(toxicity.term) == _key(NEUTROPHIL_COUNT_DECREASED):
        return _("grade %(grade)s %(label)s with fever (%(term)s)") % params
    return _("grade %(grade)s %(label)s (%(term)s)") % params


def _listed(toxicities: Iterable[GradedToxicity], febrile: bool = False) -> str:
    return pgettext("list separator", ", ").join(_describe(t, febrile) for t in toxicities)


def _change(current_level_pct: int, new_level_pct: int) -> str:
    if new_level_pct == current_level_pct:
        return _("kept at %(level)s %%") % {"level": current_level_pct}
    return _("reduced from %(current)s %% to %(new)s %%") % {"current": current_level_pct, "new": new_level_pct}


def chemo_modification(
    toxicities: Iterable[GradedToxicity | tuple[str, int]],
    *,
    current_level_pct: int = 100,
    haematological_recovered: bool | None,
    febrile: bool = False,
    protocol: ChemoModificationProtocol = CHEMO_MODIFICATION,
) -> ChemoDecision:
    """Recommend full dose / reduce / hold / discontinue for the next chemotherapy cycle.

    Source: PROTOCOL §3 "Dose modification" (chemotherapy) and its resolution (steps of 20 % of
    the starting dose, 100 -> 80 -> 60 %, never re-escalated; a qualifying event at 60 %
    discontinues); CTCAE v5.0 terms. ``toxicities``: ``GradedToxicity`` items or ``(term, grade)``
    pairs, worst grade since the last cycle. ``febrile``: fever documented with the neutropenia.
    ``current_level_pct``: the level the last cycle was given at (100, 80 or 60).
    ``haematological_recovered``: every haematological toxicity back to grade 0-1 before this
    cycle (None = not documented, treated as not recovered where it matters). The decision order
    and codes are in the module docstring.
    """
    levels = protocol.dose_levels_pct
    if current_level_pct not in levels:
        raise ToxicityInputError(
            "chemo.level.unknown",
            _("Current dose level %(level)s %% is not one of %(levels)s.")
            % {"level": repr(current_level_pct), "levels": levels},
        )
    graded = _normalise(toxicities)

    fatal = [t for t in graded if t.grade == 5]
    if fatal:
        return ChemoDecision(
            DISCONTINUE,
            None,
            "chemo.grade5",
            _("Chemotherapy discontinued: %(toxicity)s (CTCAE grade 5).") % {"toxicity": _describe(fatal[0])},
            tuple(fatal),
        )

    non_haem = [
        t
        for t in graded
        if not is_haematological(t.term, protocol=protocol) and t.grade >= protocol.non_haematological_discontinue_grade
    ]
    if non_haem:
        return ChemoDecision(
            DISCONTINUE,
            None,
            "chemo.nonhaem.g4",
            _("Chemotherapy discontinued: %(toxicities)s is a grade 4 non-haematological toxicity (PROTOCOL §3).")
            % {"toxicities": _listed(non_haem)},
            tuple(non_haem),
        )

    events = _qualifying_events(graded, febrile, protocol)
    position = levels.index(current_level_pct)
    recovered = haematological_recovered is True
    if events:
        listed = _listed(events, febrile)
        if position == len(levels) - 1:
            if protocol.discontinue_on_event_at_lowest_level:
                return ChemoDecision(
                    DISCONTINUE,
                    None,
                    "chemo.haem.at_lowest_level",
                    _(
                        "Chemotherapy discontinued: %(toxicities)s while already at the lowest dose level "
                        "(%(level)s %%) (PROTOCOL §3 resolution)."
                    )
                    % {"toxicities": listed, "level": current_level_pct},
                    tuple(events),
                )
            # Setting off: stay at the lowest level (held until recovered, as after a reduction).
            new_level = current_level_pct
        else:
            new_level = levels[position + 1]
        if recovered:
            if new_level == current_level_pct:
                return ChemoDecision(
                    CONTINUE_REDUCED,
                    new_level,
                    "chemo.haem.at_lowest_level_continue",
                    _(
                        "Continue at the lowest dose level (%(level)s %%) despite %(toxicities)s "
                        "(discontinuation at the lowest level is switched off)."
                    )
                    % {"toxicities": listed, "level": new_level},
                    tuple(events),
                )
            return ChemoDecision(
                REDUCE,
                new_level,
                "chemo.haem.reduce",
                _("Next cycle reduced from %(current)s %% to %(new)s %% of the starting dose: %(toxicities)s (PROTOCOL §3).")
                % {"current": current_level_pct, "new": new_level, "toxicities": listed},
                tuple(events),
            )
        params = {"change": _change(current_level_pct, new_level), "toxicities": listed, "level": new_level}
        if haematological_recovered is False:
            reason = _(
                "Next cycle %(change)s (%(toxicities)s) and held: haematological toxicity has not recovered to "
                "grade 0-1; give it at %(level)s %% once it has (PROTOCOL §3)."
            )
        else:
            reason = _(
                "Next cycle %(change)s (%(toxicities)s) and held: haematological toxicity is not documented as "
                "recovered to grade 0-1; give it at %(level)s %% once it has (PROTOCOL §3)."
            )
        return ChemoDecision(HOLD, new_level, "chemo.haem.reduce_and_hold", reason % params, tuple(events))

    if current_level_pct < levels[0] and not recovered:
        if haematological_recovered is False:
            code = "chemo.haem.not_recovered"
            reason = _(
                "Chemotherapy held after a reduction: haematological toxicity has not recovered to grade 0-1; "
                "resume at %(level)s %% once it has (PROTOCOL §3)."
            )
        else:
            code = "chemo.haem.recovery_unknown"
            reason = _(
                "Chemotherapy held after a reduction: haematological toxicity is not documented as recovered to "
                "grade 0-1; resume at %(level)s %% once it has (PROTOCOL §3)."
            )
        haem = tuple(
            t for t in graded if is_haematological(t.term, protocol=protocol) and t.grade > protocol.recovered_max_grade
        )
        return ChemoDecision(HOLD, current_level_pct, code, reason % {"level": current_level_pct}, haem)

    if current_level_pct == levels[0]:
        return ChemoDecision(
            FULL_DOSE, current_level_pct, "chemo.full_dose", _("Full dose: no PROTOCOL §3 rule applies.")
        )
    return ChemoDecision(
        CONTINUE_REDUCED,
        current_level_pct,
        "chemo.continue_reduced",
        _(
            "Continue at %(level)s %% of the starting dose: reductions are never re-escalated "
            "(PROTOCOL §3 resolution)."
        )
        % {"level": current_level_pct},
    )
