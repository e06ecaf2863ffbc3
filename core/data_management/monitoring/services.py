"""Writes of source data verification and data locks (issue 8).

- A monitor (``core.verify_source``) marks a CRF record verified at the version they saw: a
  ``SourceVerification`` of that version. It stays valid while the record keeps that version; a
  later edit (``core.services.clinical_record_save`` moves the version on) clears it, and the record
  can be verified again at its new version. Verifying the same version twice is refused; so is
  verifying a record that changed after the monitor loaded it.
- A data manager (``core.lock_data``) locks one record, one participant's data or the whole study
  (the database lock for the final analysis), with a reason. While a lock is active,
  ``clinical_record_save`` refuses every save it covers and says who locked it, when and why.
  Unlocking needs a reason too. There is at most one active lock per target (the record, the
  participant, the study); lock writes are serialised by a row lock, so two data managers cannot
  lock the same target twice at the same moment.

Verifying and locking change no clinical data: a locked record can still be verified.
Every write is audited (django-simple-history: who, when, and the reason as the change reason).
"""

import datetime
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.crf import form_label, is_crf_model, participant_id_of
from core.models import ClinicalRecord, DataLock, LockScope, NumberSequence, SourceVerification
from enrollment.models import Participant

from .selectors import record_label, user_name

LOCK_SEQUENCE = "data_locks"
REASON_MESSAGES = {
    "lock": "Give the reason for locking (it is kept in the audit trail).",
    "unlock": "Give the reason for unlocking (it is kept in the audit trail).",
}


def _require(user: AbstractBaseUser, permission: str, message: str) -> None:
    if user is None or not user.has_perm(permission):
        raise PermissionDenied(message)


def _when(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _describe(record: ClinicalRecord) -> str:
    """The record named for people, e.g. "Adverse event: AE 1: Nausea grade 2" (participant by number)."""
    participant_id = participant_id_of(record)
    participant = Participant.objects.filter(pk=participant_id).first() if participant_id else None
    return f"{form_label(type(record))}: {record_label(record, participant)}"


def _crf_record(record: ClinicalRecord, what: str) -> None:
    if not is_crf_model(type(record)) or record.pk is None:
        raise ValidationError(f"Only a saved CRF record can be {what}.", code="dm.not_a_record")


# --- source data verification --------------------------------------------------------------------------


@transaction.atomic
def record_verify(
    *, record: ClinicalRecord, user: AbstractBaseUser, now: datetime.datetime, expected_version: int | None = None
) -> SourceVerification:
    """Mark ``record`` source-verified by ``user`` at its current version.

    ``expected_version`` is the version the monitor saw (default: ``record.version`` as loaded);
    if the record changed since, nothing is saved. Refused when it is already verified at this
    version. Raises ``PermissionDenied`` for anyone without ``core.verify_source``."""
    _require(user, "core.verify_source", "Only monitors verify source data.")
    _crf_record(record, "source-verified")
    model = type(record)
    stored = model.objects.select_for_update().get(pk=record.pk)
    label = _describe(stored)
    seen = record.version if expected_version is None else expected_version
    if stored.version != seen:
        raise ValidationError(
            f"{label} changed after you loaded it (now version {stored.version}, you saw version {seen}): "
            "review the change, then verify it again. Nothing was verified.",
            code="sdv.stale",
        )
    participant_id = participant_id_of(stored)
    if participant_id is None:
        raise ValidationError(f"{label} belongs to no participant.", code="dm.no_participant")
    content_type = ContentType.objects.get_for_model(model)
    existing = (
        SourceVerification.objects.filter(content_type=content_type, object_id=stored.pk, record_version=stored.version)
        .select_related("verified_by")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            f"{label} is already verified at version {stored.version} "
            f"(by {user_name(existing.verified_by)} at {_when(existing.verified_at)}).",
            code="sdv.already_verified",
        )
    verification = SourceVerification(
        content_type=content_type,
        object_id=stored.pk,
        participant_id=participant_id,
        record_version=stored.version,
        verified_by=user,
        verified_at=now,
    )
    verification.full_clean()
    verification._change_reason = f"Source data verified: {label}, version {stored.version}"
    verification._history_user = user
    verification.save()
    return verification


@transaction.atomic
def records_verify(
    *, records: Sequence[tuple[ClinicalRecord, int]], user: AbstractBaseUser, now: datetime.datetime
) -> list[SourceVerification]:
    """Verify several records at once, each at the version the monitor saw (``(record, version)``
    pairs). All or nothing: if any one is refused, none is verified and every refusal is raised."""
    _require(user, "core.verify_source", "Only monitors verify source data.")
    if not records:
        raise ValidationError("Select at least one record to mark verified.", code="sdv.none_selected")
    done: list[SourceVerification] = []
    refusals: list[ValidationError] = []
    for record, version in records:
        try:
            done.append(record_verify(record=record, user=user, now=now, expected_version=version))
        except ValidationError as error:
            refusals.append(error)
    if refusals:
        raise ValidationError(refusals)
    return done


# --- locks ------------------------------------------------------------------------------------------------


def _serialise_lock_writes() -> None:
    """Take the row lock that serialises lock writes (so a target is never locked twice at once)."""
    NumberSequence.objects.get_or_create(name=LOCK_SEQUENCE)
    NumberSequence.objects.select_for_update().get(name=LOCK_SEQUENCE)


def _clean_reason(reason: str, kind: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(REASON_MESSAGES[kind], code=f"lock.{kind}.reason_required")})
    return reason


def _refuse_if_locked(existing: DataLock | None, what: str) -> None:
    if existing is not None:
        raise ValidationError(
            f"{what} is already locked (by {user_name(existing.locked_by)} at {_when(existing.locked_at)}: "
            f"{existing.reason}).",
            code="lock.already_locked",
        )


def _lock_save(lock: DataLock, *, user: AbstractBaseUser, change_reason: str) -> DataLock:
    lock.full_clean()
    lock._change_reason = change_reason
    lock._history_user = user
    lock.save()
    return lock


def _active(**target) -> DataLock | None:
    return DataLock.objects.filter(unlocked_at__isnull=True, **target).select_related("locked_by").first()


@transaction.atomic
def record_lock(*, record: ClinicalRecord, user: AbstractBaseUser, reason: str, now: datetime.datetime) -> DataLock:
    """Lock one CRF record: it cannot be saved until unlocked. Refused when it is already locked."""
    _require(user, "core.lock_data", "Only data managers lock data.")
    _crf_record(record, "locked")
    reason = _clean_reason(reason, "lock")
    _serialise_lock_writes()
    content_type = ContentType.objects.get_for_model(type(record))
    label = _describe(record)
    _refuse_if_locked(_active(scope=LockScope.RECORD, content_type=content_type, object_id=record.pk), label)
    lock = DataLock(
        scope=LockScope.RECORD,
        participant_id=participant_id_of(record),
        content_type=content_type,
        object_id=record.pk,
        record_label=label[:200],
        reason=reason,
        locked_by=user,
        locked_at=now,
    )
    return _lock_save(lock, user=user, change_reason=f"Locked {label}: {reason}")


@transaction.atomic
def participant_lock(
    *, participant: Participant, user: AbstractBaseUser, reason: str, now: datetime.datetime
) -> DataLock:
    """Lock all of one participant's data (her records and any new one). Refused when her data is
    already locked."""
    _require(user, "core.lock_data", "Only data managers lock data.")
    reason = _clean_reason(reason, "lock")
    _serialise_lock_writes()
    number = participant.study_number or participant.screening_number
    _refuse_if_locked(_active(scope=LockScope.PARTICIPANT, participant=participant), f"The data of {number}")
    lock = DataLock(scope=LockScope.PARTICIPANT, participant=participant, reason=reason, locked_by=user, locked_at=now)
    return _lock_save(lock, user=user, change_reason=f"Locked the data of {number}: {reason}")


@transaction.atomic
def study_lock(*, user: AbstractBaseUser, reason: str, now: datetime.datetime) -> DataLock:
    """Lock the whole study (e.g. the database lock for the final analysis): no clinical record
    can be saved or added. Refused when the study is already locked."""
    _require(user, "core.lock_data", "Only data managers lock data.")
    reason = _clean_reason(reason, "lock")
    _serialise_lock_writes()
    _refuse_if_locked(_active(scope=LockScope.STUDY), "The study")
    lock = DataLock(scope=LockScope.STUDY, reason=reason, locked_by=user, locked_at=now)
    return _lock_save(lock, user=user, change_reason=f"Locked the study: {reason}")


@transaction.atomic
def lock_release(*, lock: DataLock, user: AbstractBaseUser, reason: str, now: datetime.datetime) -> DataLock:
    """Unlock: the lock stays on record with who unlocked it, when and why. Refused when it is
    already unlocked."""
    _require(user, "core.lock_data", "Only data managers unlock data.")
    reason = _clean_reason(reason, "unlock")
    stored = DataLock.objects.select_for_update(of=("self",)).select_related("unlocked_by").get(pk=lock.pk)
    if stored.unlocked_at is not None:
        raise ValidationError(
            f"This lock was already released (by {user_name(stored.unlocked_by)} at {_when(stored.unlocked_at)}).",
            code="lock.already_released",
        )
    stored.unlocked_by = user
    stored.unlocked_at = now
    stored.unlock_reason = reason
    _lock_save(stored, user=user, change_reason=f"Unlocked: {reason}")
    lock.unlocked_by, lock.unlocked_at, lock.unlock_reason = stored.unlocked_by, stored.unlocked_at, reason
    return stored
