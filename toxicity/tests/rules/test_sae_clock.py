"""The SAE reporting clock: due 24 hours after awareness, on time at exactly 24 hours."""

import datetime

import pytest

from toxicity.rules.adverse_event import OPEN, OVERDUE, SENT, SENT_LATE, sae_clock, sae_report_due

AWARE = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
SECOND = datetime.timedelta(seconds=1)


def test_report_is_due_24_hours_after_awareness():
    assert sae_report_due(AWARE) == AWARE + 24 * HOUR


@pytest.mark.parametrize(
    ("now", "status", "remaining"),
    [
        (AWARE, OPEN, 24 * HOUR),
        (AWARE + 24 * HOUR - SECOND, OPEN, SECOND),
        (AWARE + 24 * HOUR, OPEN, datetime.timedelta(0)),
        (AWARE + 24 * HOUR + SECOND, OVERDUE, -SECOND),
    ],
)
def test_unsent_clock_is_open_until_the_due_time_and_overdue_after(now, status, remaining):
    clock = sae_clock(awareness_at=AWARE, sent_at=None, now=now)
    assert (clock.status, clock.remaining, clock.is_open) == (status, remaining, True)


@pytest.mark.parametrize(
    ("sent_at", "status"),
    [(AWARE + 24 * HOUR, SENT), (AWARE + 24 * HOUR + SECOND, SENT_LATE), (AWARE + HOUR, SENT)],
)
def test_sent_report_is_on_time_up_to_exactly_24_hours(sent_at, status):
    clock = sae_clock(awareness_at=AWARE, sent_at=sent_at, now=AWARE + 100 * HOUR)
    assert clock.status == status
    assert not clock.is_open
