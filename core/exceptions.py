"""Errors raised by services and shown to users by views."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone


class StaleRecordError(Exception):
    """The record was saved by someone else after this user loaded it (optimistic lock)."""

    def __init__(self, *, changed_by: str, changed_at: datetime | None):
        self.changed_by = changed_by
        self.changed_at = changed_at
        when = timezone.localtime(changed_at).strftime("%Y-%m-%d %H:%M:%S") if changed_at else "an unknown time"
        super().__init__(
            f"This record was changed by {changed_by} at {when} — reload the page to see their "
            "changes, then enter yours again. Nothing was saved."
        )


class RecordLockedError(ValidationError):
    """The record, its participant's data or the whole study is locked (``core.models.DataLock``):
    nothing is saved, and the message says who locked it, when and why."""

    def __init__(self, lock):
        self.lock = lock
        who = lock.locked_by.get_full_name() or lock.locked_by.get_username()
        when = timezone.localtime(lock.locked_at).strftime("%Y-%m-%d %H:%M")
        what = {
            "study": "The study is locked",
            "participant": "This participant's data is locked",
            "record": "This record is locked",
        }[lock.scope]
        super().__init__(
            f"{what} (by {who} at {when}: {lock.reason}). Nothing was saved; a data manager can unlock it with a reason.",
            code="record.locked",
        )
