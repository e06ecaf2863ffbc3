"""Writes shared by every app: the audited save with reason for change and optimistic lock, and
number sequences. App services call these; views, forms and tasks never save clinical records
directly."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from .exceptions import RecordLockedError, StaleRecordError
from .models import ClinicalRecord, DataLock, LockScope, NumberSequence

_BOOKKEEPING_FIELDS = {"version", "created_at", "updated_at"}
REASON_REQUIRED_MESSAGE = gettext_lazy("Give a reason for changing a saved record (it is kept in the audit trail).")
# The change reason stored with a new record's first history row (in English, like every stored reason;
# the audit trail page translates it).
INITIAL_ENTRY_REASON = gettext_noop("Initial entry")


def changed_fields(instance: ClinicalRecord, stored: ClinicalRecord) -> list[str]:
    """Names of the stored fields whose value differs between two copies of a record (the key and
    the bookkeeping fields aside)."""
    names = []
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in _BOOKKEEPING_FIELDS:
            continue
        if getattr(instance, field.attname) != getattr(stored, field.attname):
            names.append(field.name)
    return names


def _last_change_by(stored: ClinicalRecord) -> tuple[str, object]:
    latest = stored.history.order_by("-history_date", "-history_id").first()
    if latest is None:
        return _("another user"), None
    user = latest.history_user
    name = (user.get_full_name() or user.get_username()) if user else _("the system")
    return name, latest.history_date


def stale_record_error(stored: ClinicalRecord) -> StaleRecordError:
    """The refusal of a save made from an older version of ``stored``, naming who changed it last and when."""
    changed_by, changed_at = _last_change_by(stored)
    return StaleRecordError(changed_by=changed_by, changed_at=changed_at)


def active_lock_for(instance: ClinicalRecord) -> DataLock | None:
    """The active lock that covers ``instance`` (study, its participant, or the record itself), or
    None. One query."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from .crf import participant_id_of

    scope = Q(scope=LockScope.STUDY)
    participant_id = participant_id_of(instance)
    if participant_id is not None:
        scope |= Q(scope=LockScope.PARTICIPANT, participant_id=participant_id)
    if instance.pk is not None:
        content_type = ContentType.objects.get_for_model(type(instance))
        scope |= Q(scope=LockScope.RECORD, content_type=content_type, object_id=instance.pk)
    return DataLock.objects.filter(scope, unlocked_at__isnull=True).select_related("locked_by").first()


@transaction.atomic
def clinical_record_save(
    *,
    instance: ClinicalRecord,
    user: AbstractBaseUser | None,
    reason: str = "",
    expected_version: int | None = None,
) -> bool:
    """Validate and save a clinical record with its audit row.

    A new record is saved with version 1 (the reason is optional: "Initial entry" is recorded).
    Nothing in the scope of an active lock (``DataLock``: the study, the record's participant or the
    record) is saved: ``RecordLockedError`` says who locked it and why. Editing a saved record needs a
    non-blank ``reason`` and the ``expected_version`` the user loaded; if the stored version moved on meanwhile, ``StaleRecordError`` names who changed it
    and when, and nothing is saved. Returns False when an edit changed nothing (nothing saved).
    """
    reason = (reason or "").strip()
    model = type(instance)
    lock = active_lock_for(instance)
    if lock is not None:
        raise RecordLockedError(lock)
    if instance.pk is None:
        instance.version = 1
        instance.full_clean()
        instance._change_reason = reason or INITIAL_ENTRY_REASON
        instance._history_user = user
        instance.save()
        return True

    stored = model.objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and stored.version != expected_version:
        raise stale_record_error(stored)
    if not changed_fields(instance, stored):
        return False
    if not reason:
        raise ValidationError({"reason_for_change": REASON_REQUIRED_MESSAGE})
    instance.full_clean()
    instance.version = stored.version + 1
    instance._change_reason = reason
    instance._history_user = user
    instance.save()
    return True


@transaction.atomic
def sequence_next_value(*, name: str) -> int:
    """The next value of a named counter, taken under a row lock (SELECT ... FOR UPDATE)."""
    NumberSequence.objects.get_or_create(name=name)
    sequence = NumberSequence.objects.select_for_update().get(name=name)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value
