"""Whether a dose has the recent labs PROTOCOL §3's dose rules need (pure rules).

Source: PROTOCOL §3 — the next chemotherapy dose is reduced or suspended by the haematological CTCAE
v5.0 grade since the last cycle, and toripalimab is held for irAEs graded from labs (hepatitis,
nephritis, thrombocytopenia), so each dose needs a recent lab panel. The window is our resolution,
``trialsite.protocol.labs.LABS_BEFORE_DOSE_DAYS`` (3): a panel collected from ``due - 3`` days to the due
date inclusive (labs drawn on the morning of the dose count); the worklist asks for it from 3 days
before the due date.
"""

import datetime
from collections.abc import Iterable

from trialsite.protocol.labs import LABS_BEFORE_DOSE_DAYS


def pre_dose_lab_window(due: datetime.date, *, days: int = LABS_BEFORE_DOSE_DAYS) -> tuple[datetime.date, datetime.date]:
    """The first and last collection dates (inclusive) of a panel that serves a dose due on ``due``."""
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    return due - datetime.timedelta(days=days), due


def needs_pre_dose_labs(due: datetime.date, *, today: datetime.date, days: int = LABS_BEFORE_DOSE_DAYS) -> bool:
    """True when a dose due on ``due`` is close enough to ask for its labs: from today to ``today + days``."""
    return today <= due <= today + datetime.timedelta(days=days)


def has_pre_dose_labs(
    due: datetime.date, collected: Iterable[datetime.date], *, days: int = LABS_BEFORE_DOSE_DAYS
) -> bool:
    """True when one of the ``collected`` panel dates falls in the dose's window."""
    first, last = pre_dose_lab_window(due, days=days)
    return any(first <= day <= last for day in collected)
