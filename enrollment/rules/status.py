"""The participant's study-status lifecycle (PROTOCOL §1 enrolment, §2 treatment, §4 follow-up,
§5 endpoints: death from any cause ends follow-up).

Pure rules: which status may follow which, and whether a status change's date is acceptable.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .participant import in_the_future

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
        return StatusCheck(False, "status.same", _("The participant is already %(status)s.") % {"status": _label(current)})
    if new not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        return StatusCheck(
            False,
            "status.transition",
            _("A participant who is %(current)s cannot become %(new)s.") % {
                "current": _label(current), "new": _label(new)
            },
        )
    if manual and new in SERVICE_ONLY_STATUSES:
        return StatusCheck(
            False,
            "status.service_only",
            _("'%(status)s' is recorded from the screening (enrolment or screen failure), not by hand.") % {
                "status": _label(new)
            },
        )
    if effective_date > today:
        return StatusCheck(False, "status.future_date", in_the_future(effective_date))
    if effective_date < current_since:
        return StatusCheck(
            False,
            "status.before_current",
            _("The date cannot be before %(date)s, when the participant became %(status)s.") % {
                "date": f"{current_since:%Y-%m-%d}", "status": _label(current)
            },
        )
    return StatusCheck(True, "status.ok", "")


def manual_targets(current: str) -> list[str]:
    """Statuses a user may choose by hand from ``current`` (PROTOCOL §1-§5 lifecycle)."""
    return [s for s in _ORDER if s in ALLOWED_TRANSITIONS.get(current, ()) and s not in SERVICE_ONLY_STATUSES]


_ORDER = (SCREENING, SCREEN_FAILURE, ENROLLED, ON_TREATMENT, FOLLOW_UP, OFF_STUDY, DIED)
# How a status reads inside a sentence ("The participant is already <in screening>.").
_LABELS = {
    SCREENING: pgettext_lazy("participant status in a sentence", "in screening"),
    SCREEN_FAILURE: pgettext_lazy("participant status in a sentence", "a screen failure"),
    ENROLLED: pgettext_lazy("participant status in a sentence", "enrolled"),
    ON_TREATMENT: pgettext_lazy("participant status in a sentence", "on treatment"),
    FOLLOW_UP: pgettext_lazy("participant status in a sentence", "in follow-up"),
    OFF_STUDY: pgettext_lazy("participant status in a sentence", "off study"),
    DIED: pgettext_lazy("participant status in a sentence", "deceased"),
}


def _label(status: str) -> str:
    return str(_LABELS.get(status, status))
