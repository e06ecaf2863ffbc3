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
cannot serve stale figures. Within one GET request it is read once (``ReadRequestMemo``): a page
with several cached sections asks the database once, and a CRF save in that request
(``forget_request_fingerprint``, called by the version bump) makes the next read ask again.

Study-wide entries are few (a handful of pages and their arguments); one participant's results
(``cached_for_participant``) are keyed on her own data version instead and kept apart. In both,
the oldest entries are dropped first. Nothing clinical is computed here: callers pass their selector.
"""

import contextvars
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.db import connection
from django.utils import translation

from .models import ParticipantDataVersion

T = TypeVar("T")

MAX_ENTRIES = 64
# Participant entries are small (a dashboard's lines): the dashboards opened lately, kept apart so
# that they never push out a study-wide report.
MAX_PARTICIPANT_ENTRIES = 512

_entries: OrderedDict[tuple, object] = OrderedDict()
_participant_entries: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()

# The fingerprint read in the current GET request (None outside one, or before the first read).
_request_memo: contextvars.ContextVar[list | None] = contextvars.ContextVar("study_cache_memo", default=None)


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


def current_fingerprint() -> tuple[int, int, int, int]:
    """``data_fingerprint()``, read once per GET request (see ``ReadRequestMemo``)."""
    memo = _request_memo.get()
    if memo is None:
        return data_fingerprint()
    if not memo:
        memo.append(data_fingerprint())
    return memo[0]


def forget_request_fingerprint() -> None:
    """Read the fingerprint again at the next cached read: data changed in this request."""
    memo = _request_memo.get()
    if memo is not None:
        memo.clear()


class ReadRequestMemo:
    """Middleware: during a GET or HEAD request the fingerprint is read at most once, unless a CRF
    record is saved or deleted in it (``forget_request_fingerprint``). Other methods (saves) read it
    at every cached read, as outside requests (tasks, commands)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = _request_memo.set([])
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)


def cached(name: str, arguments: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s result for the current data: computed once per fingerprint, active language
    (results hold worded labels) and ``arguments`` (everything else the result depends on: dates,
    filters, the user's sites) in this process."""
    key = (name, arguments, translation.get_language(), current_fingerprint())
    return _remember(_entries, MAX_ENTRIES, key, compute)


def participant_version(participant_id: int) -> int:
    """The participant's data version (0 before her first save through the app): one query."""
    version = (
        ParticipantDataVersion.objects.filter(participant_id=participant_id).values_list("version", flat=True).first()
    )
    return version or 0


def cached_for_participant(name: str, participant_id: int, arguments: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s result for one participant's current records: like ``cached`` but keyed on her
    own data version, so a save for another participant leaves it valid. Only for results read from
    her CRF records (every save or deletion of one bumps her version) and ``arguments`` (the day)."""
    key = (name, participant_id, arguments, translation.get_language(), participant_version(participant_id))
    return _remember(_participant_entries, MAX_PARTICIPANT_ENTRIES, key, compute)


def _remember(entries: OrderedDict, limit: int, key: tuple, compute: Callable[[], T]) -> T:
    with _lock:
        if key in entries:
            entries.move_to_end(key)
            return entries[key]
    value = compute()
    with _lock:
        entries[key] = value
        while len(entries) > limit:
            entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every entry (tests; a process sees new data through the fingerprint anyway)."""
    with _lock:
        _entries.clear()
        _participant_entries.clear()
