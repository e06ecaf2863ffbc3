"""What every part of the generator shares: the reference date, the users records are attributed
to, the CTCAE dictionary, the writer, and small random helpers.

Determinism: every participant draws from her own ``random.Random`` seeded with the run's seed and
her position in the cohort (``participant_rng``), so the same seed gives the same study whatever
the chunking, and no value depends on the clock: dates and times are derived from the reference
date. The last day with data is the day before the reference date, so every entry time lies in
the past however early in the day the command runs.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from .bulk import HistoryWriter


def participant_rng(seed: int, index: int, part: str = "") -> random.Random:
    """The random stream of participant ``index`` (0-based in the cohort) for run ``seed``.
    String seeds are hashed with SHA-512 by ``random``, so this is stable across processes."""
    return random.Random(f"trialsite-demo:{seed}:{index}:{part}")


def q(value: float | Decimal, places: str) -> Decimal:
    """``value`` as a Decimal rounded half-up to ``places`` (e.g. "0.1")."""
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@dataclass
class Users:
    """Who the records are attributed to: the demo users when they exist, else one inactive
    system user for everything."""

    coordinator: object
    investigator: object

    def name(self, user) -> str:
        return user.get_full_name() or user.get_username()


@dataclass
class SeedContext:
    seed: int
    today: datetime.date  # the reference date
    users: Users
    terms: dict  # CTCAE term text -> CtcaeTerm
    writer: HistoryWriter
    ae_per_participant: int = 0
    tz: datetime.tzinfo = field(default_factory=timezone.get_current_timezone)

    @property
    def last_day(self) -> datetime.date:
        """The last day that has data (the day before the reference date)."""
        return self.today - days(1)

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        """An aware local time on ``day`` (never after the end of the last day with data)."""
        day = min(day, self.last_day)
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.tz)

    def entered(self, rng: random.Random, day: datetime.date, *, lag_days: int = 2) -> datetime.datetime:
        """When a record about ``day`` was typed in: that day or up to ``lag_days`` later, in
        working hours, never after the last day with data."""
        entry = day + days(rng.randint(0, lag_days)) if lag_days else day
        return self.at(entry, rng.randint(8, 17), rng.randrange(0, 60, 5))

    def term(self, name: str):
        """The CTCAE term ``name``, or None when the dictionary does not hold it."""
        return self.terms.get(name)

    def grades(self, name: str) -> list[int]:
        term = self.terms.get(name)
        return term.available_grades() if term is not None else []
