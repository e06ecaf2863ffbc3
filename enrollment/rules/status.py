"""The participant's study-status lifecycle (PROTOCOL §1 enrolment, §2 treatment, §4 follow-up,
§5 endpoints: death from any cause ends follow-up).

Pure rules: which status may follow which, and whether a status change's date is acceptable.
"""

import datetime
from dataclasses import dataclass

SCREENING = "screening"
SCREEN_FAILURE = "screen_failure"
ENROLLED = "enrolled"
ON_TREATMENT = "on_treatment"
FOLLOW_UP = "follow_up"
OFF_STUDY = "off_study"
DIED = "died"

# Enrolment and screen failure are not manual changes: enrolment is made once the participant is
# eligible, consented and signed off, a screen failure once a criterion fails (PROTOCOL §1).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    SCREENING: frozenset({SCREEN_FAILURE, ENROLLED, OFF_STUDY, DIED}),
    SCREEN_FAILURE: frozenset(),
    ENROLLED: frozenset({ON_TREATMENT, OFF_STUDY, DIED}),
    ON_TREATMENT: frozenset({FOLLOW_UP, OFF_STUDY, DIED}),
    FOLLOW_UP: frozenset({OFF_STUDY, DIED}),
    # Survival follow-up continues after a participant goes off study (PROTOCOL §5: OS counts
    # death from any cause), so a death may still be recorded.
    OFF_STUDY: frozenset({DIED}),
    DIED: frozenset(),
}
SERVICE_ONLY_STATUSES = frozenset({ENROLLED, SCREEN_FAILURE})


@dataclass(frozen=True)
class StatusCheck:
    allowed: bool
    code: str
    message: str


def check_status_change(
    current: str,
    new: str,
    *,
    effective_date: datetime.date,
    current_since: datetime.date,
    today: datetime.date,
    manual: bool = True,
) -> StatusCheck:
    """Whether a participant may move from ``current`` to ``new`` on ``effective_date``.

    Source: participant lifecycle of PROTOCOL §1-§5. Codes: ``status.same``, ``status.transition``,
    ``status.service_only``, ``status.future_date``, ``status.before_current``, ``status.ok``.
    The effective date may be the day the current status began (same-day changes) but not
    earlier, and not after ``today``.
    """
    if new == current:
        return StatusCheck(False, "status.same", f"The participant is already {_label(current)}.")
    if new not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        return StatusCheck(
            False, "status.transition", f"A participant who is {_label(current)} cannot become {_label(new)}."
        )
    if manual and new in SERVICE_ONLY_STATUSES:
        return StatusCheck(
            False,
            "status.service_only",
            f"'{_label(new)}' is recorded from the screening (enrolment or screen failure), not by hand.",
        )
    if effective_date > today:
        return StatusCheck(False, "status.future_date", f"{effective_date:%Y-%m-%d} is in the future.")
    if effective_date < current_since:
        return StatusCheck(
            False,
            "status.before_current",
            f"The date cannot be before {current_since:%Y-%m-%d}, when the participant became {_label(current)}.",
        )
    return StatusCheck(True, "status.ok", "")


def manual_targets(current: str) -> list[str]:
    """Statuses a user may choose by hand from ``current`` (PROTOCOL §1-§5 lifecycle)."""
    return [s for s in _ORDER if s in ALLOWED_TRANSITIONS.get(current, ()) and s not in SERVICE_ONLY_STATUSES]


_ORDER = (SCREENING, SCREEN_FAILURE, ENROLLED, ON_TREATMENT, FOLLOW_UP, OFF_STUDY, DIED)
_LABELS = {
    SCREENING: "in screening",
    SCREEN_FAILURE: "a screen failure",
    ENROLLED: "enrolled",
    ON_TREATMENT: "on treatment",
    FOLLOW_UP: "in follow-up",
    OFF_STUDY: "off study",
    DIED: "deceased",
}


def _label(status: str) -> str:
    return _LABELS.get(status, status)
