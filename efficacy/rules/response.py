"""Who counts for the primary endpoint, and in which order (PROTOCOL §5; resolution in
``trialsite.protocol.efficacy.RESPONSE_EVALUABLE_DEFINITION``).

Pure Python: no Django, no clock.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from trialsite.protocol.efficacy import OBJECTIVE_RESPONSES, SIMON_BOUNDARIES, SimonBoundaries


def response_evaluable_on(
    *,
    measurable_at_baseline: bool,
    treated: bool,
    first_confirmed_assessment: datetime.date | None,
    progression_date: datetime.date | None,
    death_date: datetime.date | None,
) -> datetime.date | None:
    """The date a participant becomes response-evaluable, or ``None`` while she is not.

    Source: PROTOCOL §5 (ORR by RECIST 1.1 among evaluable patients) with our resolution: needs
    measurable disease at baseline and at least one dose; evaluable at the first investigator-
    confirmed follow-up assessment, or at progression or death if earlier (a non-responder).
    """
    if not (measurable_at_baseline and treated):
        return None
    dates = [day for day in (first_confirmed_assessment, progression_date, death_date) if day is not None]
    return min(dates) if dates else None


@dataclass(frozen=True)
class EvaluablePatient:
    key: str  # the study number (ties broken by it)
    evaluable_on: datetime.date
    best_response: str  # confirmed best overall response


@dataclass(frozen=True)
class ResponseCounts:
    stage1_evaluable: int
    stage1_responders: int
    evaluable: int
    responders: int
    stage1_keys: tuple[str, ...]


def is_responder(best_response: str) -> bool:
    """An objective response is a confirmed CR or PR (PROTOCOL §5)."""
    return best_response in OBJECTIVE_RESPONSES


def response_counts(
    patients: Iterable[EvaluablePatient], boundaries: SimonBoundaries = SIMON_BOUNDARIES
) -> ResponseCounts:
    """Evaluable patients and responders, overall (at most ``n``) and among the first ``n1``.

    Source: Simon 1989 / PROTOCOL §5: stage 1 is the first ``n1`` evaluable patients, in order of
    evaluability (ties by study number). Patients beyond ``n`` are not counted.
    """
    ordered: Sequence[EvaluablePatient] = sorted(patients, key=lambda patient: (patient.evaluable_on, patient.key))
    counted = ordered[: boundaries.n]
    stage1 = counted[: boundaries.n1]
    return ResponseCounts(
        stage1_evaluable=len(stage1),
        stage1_responders=sum(1 for patient in stage1 if is_responder(patient.best_response)),
        evaluable=len(counted),
        responders=sum(1 for patient in counted if is_responder(patient.best_response)),
        stage1_keys=tuple(patient.key for patient in stage1),
    )
