"""Errors raised by services and shown to users by views."""

from datetime import datetime

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
