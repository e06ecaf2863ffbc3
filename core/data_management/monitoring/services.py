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
Every write is audited (django-simple-history: who, when, and the reason as the change reason). The
change reasons and a record lock's ``record_label`` are stored in English whatever the user's
language (the study export reads them); refusals are in the user's language.
"""

import datetime
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.crf import form_label, is_crf_model, participant_id_of
from core.models import ClinicalRecord, DataLock, LockScope, NumberSequence, SourceVerification
from enrollment.models import Participant

from .selectors import record_label, user_name

LOCK_SEQUENCE = "data_locks"
REASON_MESSAGES = {
    "lock": gettext_lazy("Give the reason for locking (it is kept in the audit trail)."),
    "unlock": gettext_lazy("Give the reason for unlocking (it is kept in the audit trail)."),
}


def _require(user: AbstractBaseUser, permission: str, message: str) -> None:
    if user is None or not user.has_perm(permission):
        raise PermissionDenied(message)


def _when(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _describe(record: ClinicalRecord) -> tuple[str, str]:
    """The record named for people, e.g. "Adverse event: AE 1: Nausea grade 2" (participant by
    number): in the active language, and in English for what is stored."""
    participant_id = participant_id_of(record)
    participant = Participant.objects.filter(pk=participant_id).first() if participant_id else None

    def name() -> str:
        return f"{form_label(type(record))}: {record_label(record, participant)}"

    with translation.override("en"):
        stored = name()
    return name(), stored


def _crf_record(record: ClinicalRecord, refusal: str) -> None:
    if not is_crf_model(type(record)) or record.pk is None:
        raise ValidationError(refusal, code="dm.not_a_record")


# --- source data verification --------------------------------------------------------------------------


@transaction.atomic
def record_verify(
    *, record: ClinicalRecord, user: AbstractBaseUser, now: datetime.datetime, expected_version: int | None = None
) -> SourceVerification:
    """Mark ``record`` source-verified by ``user`` at its current version.

    ``expected_version`` is the version the monitor saw (default: ``record.version`` as loaded);
    if the record changed since, nothing is saved. Refused when it is already verified at this
    version. Raises ``PermissionDenied`` for anyone without ``core.verify_source``."""
    _require(user, "core.verify_source", _("Only monitors verify source data."))
    _crf_record(record, _("Only a saved CRF record can be source-verified."))
    model = type(record)
    stored = model.objects.select_for_update().get(pk=record.pk)
    label, label_en = _describe(stored)
    seen = record.version if expected_version is None else expected_version
    if stored.version != seen:
        raise ValidationError(
            _("%(record)s changed after you loaded it (now version %(version)s, you saw version %(seen)s): "
              "review the change, then verify it again. Nothing was verified.")
            % {"record": label, "version": stored.version, "seen": seen},
            code="sdv.stale",
        )  # fmt: skip
    participant_id = participant_id_of(stored)
    if participant_id is None:
        raise ValidationError(_("%(record)s belongs to no participant.") % {"record": label}, code="dm.no_participant")
    content_type = ContentType.objects.get_for_model(model)
    existing = (
        SourceVerification.objects.filter(content_type=content_type, object_id=stored.pk, record_version=stored.version)
        .select_related("verified_by")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            _("%(record)s is already verified at version %(version)s (by %(user)s at %(when)s).")
            % {"record": label, "version": stored.version, "user": user_name(existing.verified_by),
               "when": _when(existing.verified_at)},
            code="sdv.already_verified",
        )  # fmt: skip
    verification = SourceVerification(
        content_type=content_type,
        object_id=stored.pk,
        participant_id=participant_id,
        record_version=stored.version,
        verified_by=user,
        verified_at=now,
    )
    verification.full_clean()
    verification._change_reason = f"Source data verified: {label_en}, version {stored.version}"
    verification._history_user = user
    verification.save()
    return verification


@transaction.atomic
def records_verify(
    *, records: Sequence[tuple[ClinicalRecord, int]], user: AbstractBaseUser, now: datetime.datetime
) -> list[SourceVerification]:
    """Verify several records at once, each at the version the monitor saw (``(record, version)``
    pairs). All or nothing: if any one is refused, none is verified and every refusal is raised."""
    _require(user, "core.verify_source", _("Only monitors verify source data."))
    if not records:
        raise ValidationError(_("Select at least one record to mark verified."), code="sdv.none_selected")
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


def _refuse_if_locked(existing: DataLock | None, refusal: str, **what) -> None:
    """Refuse a second lock of the same target: ``refusal`` names the target (``what``) and has the
    placeholders ``%(user)s``, ``%(when)s`` and ``%(reason)s`` of the existing lock."""
    if existing is not None:
        raise ValidationError(
            refusal % {**what, "user": user_name(existing.locked_by), "when": _when(existing.locked_at),
                       "reason": existing.reason},
            code="lock.already_locked",
        )  # fmt: skip


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
    _require(user, "core.lock_data", _("Only data managers lock data."))
    _crf_record(record, _("Only a saved CRF record can be locked."))
    reason = _clean_reason(reason, "lock")
    _serialise_lock_writes()
    content_type = ContentType.objects.get_for_model(type(record))
    label, label_en = _describe(record)
    _refuse_if_locked(_active(scope=LockScope.RECORD, content_type=content_type, object_id=record.pk),
                      _("%(record)s is already locked (by %(user)s at %(when)s: %(reason)s)."), record=label)  # fmt: skip
    lock = DataLock(
        scope=LockScope.RECORD,
        participant_id=participant_id_of(record),
        content_type=content_type,
        object_id=record.pk,
        record_label=label_en[:200],
        reason=reason,
        locked_by=user,
        locked_at=now,
    )
    return _lock_save(lock, user=user, change_reason=f"Locked {label_en}: {reason}")


@transaction.atomic
def participant_lock(
    *, participant: Participant, user: AbstractBaseUser, reason: str, now: datetime.datetime
) -> DataLock:
    """Lock all of one participant's data (her records and any new one). Refused when her data is
    already locked."""
    _require(user, "core.lock_data", _("Only data managers lock data."))
    reason = _clean_reason(reason, "lock")
    _serialise_lock_writes()
    number = participant.study_number or participant.screening_number
    _refuse_if_locked(_active(scope=LockScope.PARTICIPANT, participant=participant),
                      _("The data of %(number)s is already locked (by %(user)s at %(when)s: %(reason)s)."),
                      number=number)  # fmt: skip
    lock = DataLock(scope=LockScope.PARTICIPANT, participant=participant, reason=reason, locked_by=user, locked_at=now)
    return _lock_save(lock, user=user, change_reason=f"Locked the data of {number}: {reason}")


@transaction.atomic
def study_lock(*, user: AbstractBaseUser, reason: str, now: datetime.datetime) -> DataLock:
    """Lock the whole study (e.g. the database lock for the final analysis): no clinical record
    can be saved or added. Refused when the study is already locked."""
    _require(user, "core.lock_data", _("Only data managers lock data."))
    reason = _clean_reason(reason, "lock")
    _serialise_lock_writes()
    _refuse_if_locked(_active(scope=LockScope.STUDY),
                      _("The study is already locked (by %(user)s at %(when)s: %(reason)s)."))  # fmt: skip
    lock = DataLock(scope=LockScope.STUDY, reason=reason, locked_by=user, locked_at=now)
    return _lock_save(lock, user=user, change_reason=f"Locked the study: {reason}")


@transaction.atomic
def lock_release(*, lock: DataLock, user: AbstractBaseUser, reason: str, now: datetime.datetime) -> DataLock:
    """Unlock: the lock stays on record with who unlocked it, when and why. Refused when it is
    already unlocked."""
    _require(user, "core.lock_data", _("Only data managers unlock data."))
    reason = _clean_reason(reason, "unlock")
    stored = DataLock.objects.select_for_update(of=("self",)).select_related("unlocked_by").get(pk=lock.pk)
    if stored.unlocked_at is not None:
        raise ValidationError(
            _("This lock was already released (by %(user)s at %(when)s).")
            % {"user": user_name(stored.unlocked_by), "when": _when(stored.unlocked_at)},
            code="lock.already_released",
        )
    stored.unlocked_by = user
    stored.unlocked_at = now
    stored.unlock_reason = reason
    _lock_save(stored, user=user, change_reason=f"Unlocked: {reason}")
    lock.unlocked_by, lock.unlocked_at, lock.unlock_reason = stored.unlocked_by, stored.unlocked_at, reason
    return stored
