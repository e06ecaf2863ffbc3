"""Errors raised by services and shown to users by views."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


class StaleRecordError(Exception):
    """The record was saved by someone else after this user loaded it (optimistic lock)."""

    def __init__(self, *, changed_by: str, changed_at: datetime | None):
        self.changed_by = changed_by
        self.changed_at = changed_at
        when = timezone.localtime(changed_at).strftime("%Y-%m-%d %H:%M:%S") if changed_at else _("an unknown time")
        super().__init__(
            _("This record was changed by %(user)s at %(when)s — reload the page to see their changes, then enter "
              "yours again. Nothing was saved.") % {"user": changed_by, "when": when}
        )  # fmt: skip


class RecordLockedError(ValidationError):
    """The record, its participant's data or the whole study is locked (``core.models.DataLock``):
    nothing is saved, and the message says who locked it, when and why."""

    def __init__(self, lock):
        self.lock = lock
        who = lock.locked_by.get_full_name() or lock.locked_by.get_username()
        when = timezone.localtime(lock.locked_at).strftime("%Y-%m-%d %H:%M")
        message = {
            "study": _("The study is locked (by %(user)s at %(when)s: %(reason)s). Nothing was saved; a data "
                       "manager can unlock it with a reason."),
            "participant": _("This participant's data is locked (by %(user)s at %(when)s: %(reason)s). Nothing was "
                             "saved; a data manager can unlock it with a reason."),
            "record": _("This record is locked (by %(user)s at %(when)s: %(reason)s). Nothing was saved; a data "
                        "manager can unlock it with a reason."),
        }[lock.scope]  # fmt: skip
        super().__init__(message % {"user": who, "when": when, "reason": lock.reason}, code="record.locked")
