"""Study-wide reads cached per data version (issue 9, "Hardening": the Simon page, the survival
report and the toxicity dashboard under 5x a trivial page at N = 1,000).

Those pages compute from every participant's records (responses, Kaplan-Meier fits, AE tables).
Their result is the same until a CRF record changes, so it is kept in this process's memory under
the study's *data fingerprint* and the page's own arguments (date, filters, the user's sites):

- every save or deletion of a CRF record adds one to its participant's ``ParticipantDataVersion``
  in the same transaction (``core.work_snapshots``), so the sum of the versions changes with every
  committed change, and a reader never sees new data under an old fingerprint;
- participants created in bulk without the signal (the demo seeding) change the participant count
  and highest id, which are part of the fingerprint too.

The fingerprint is one small query per read, so every process (gunicorn workers, the Celery worker)
sees a change at once without any message between them; no Redis is needed, so a cache outage
cannot serve stale figures. Entries are few (a handful of pages and their arguments) and the oldest
are dropped first. Nothing clinical is computed here: callers pass their selector.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.db import connection
from django.utils import translation

from .models import ParticipantDataVersion

T = TypeVar("T")

MAX_ENTRIES = 64

_entries: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def data_fingerprint() -> tuple[int, int, int, int]:
    """(participants, highest participant id, data-version rows, sum of the versions): one query."""
    from enrollment.models import Participant

    versions = connection.ops.quote_name(ParticipantDataVersion._meta.db_table)
    participants = connection.ops.quote_name(Participant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {participants}), (SELECT MAX(id) FROM {participants}), "  # noqa: S608
            f"COUNT(*), SUM(version) FROM {versions}"
        )
        row = cursor.fetchone()
    return tuple(int(value or 0) for value in row)


def cached(name: str, arguments: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s result for the current data: computed once per fingerprint, active language
    (results hold worded labels) and ``arguments`` (everything else the result depends on: dates,
    filters, the user's sites) in this process."""
    key = (name, arguments, translation.get_language(), data_fingerprint())
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]
    value = compute()
    with _lock:
        _entries[key] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every entry (tests; a process sees new data through the fingerprint anyway)."""
    with _lock:
        _entries.clear()
