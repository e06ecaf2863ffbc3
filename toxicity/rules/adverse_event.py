"""Adverse-event rules (pure): the SAE reporting clock.

Source: PROTOCOL §3 records AEs by NCI CTCAE v5.0; the 24-hour expedited reporting of a serious
adverse event from the moment the site becomes aware of it is ICH E2A / GCP practice, which the
issue asks the eCRF to show ("an SAE starts a 24-hour reporting clock"). The limit is data in
``trialsite.protocol.toxicity.SAE_REPORT_HOURS``.

Pure Python: ``now`` is a parameter.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from trialsite.protocol.toxicity import SAE_REPORT_HOURS

OPEN = "open"
OVERDUE = "overdue"
SENT = "sent"
SENT_LATE = "sent_late"


@dataclass(frozen=True)
class SaeClock:
    """Where an SAE's report stands.

    ``status``: "open" (not sent, time left), "overdue" (not sent, past due), "sent" (sent by the
    due time) or "sent_late". ``remaining``: ``due_at - now`` while not sent (negative when
    overdue); ``due_at - sent_at`` once sent (negative when sent late).
    """

    due_at: datetime
    sent_at: datetime | None
    status: str
    remaining: timedelta

    @property
    def is_open(self) -> bool:
        return self.sent_at is None


def sae_report_due(awareness_at: datetime) -> datetime:
    """The time the SAE report is due: 24 hours after the site became aware (inclusive)."""
    return awareness_at + timedelta(hours=SAE_REPORT_HOURS)


def sae_clock(*, awareness_at: datetime, sent_at: datetime | None, now: datetime) -> SaeClock:
    """The reporting clock of an SAE the site became aware of at ``awareness_at``.

    A report sent exactly at the due time is on time; the clock is overdue only after it.
    """
    due_at = sae_report_due(awareness_at)
    if sent_at is not None:
        remaining = due_at - sent_at
        return SaeClock(due_at, sent_at, SENT if remaining >= timedelta(0) else SENT_LATE, remaining)
    remaining = due_at - now
    return SaeClock(due_at, None, OPEN if remaining >= timedelta(0) else OVERDUE, remaining)
