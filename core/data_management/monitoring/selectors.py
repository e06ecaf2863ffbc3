"""Reads of source data verification (SDV) and data locks: the participant monitoring page, the
study-wide SDV overview, the locks list and the lock banner of participant pages.

SDV is valid only at the version verified: a ``SourceVerification`` counts while its
``record_version`` equals the record's current ``version``; any later edit (which moves the version
on) leaves it "changed since verification" until a monitor verifies the record again.

Every read here makes a fixed number of queries whatever the number of records: one per CRF model
(the records with their last change from the history, as subqueries) and one each for the users,
the verifications and the locks.
"""

import datetime
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.crf import crf_model_for, crf_models, form_label
from core.models import DataLock, LockScope, SourceVerification
from core.sites import visible_participants
from enrollment.models import Participant

VERIFIED, CHANGED, NOT_VERIFIED = "verified", "changed", "not_verified"
SDV_STATE_LABELS = {
    VERIFIED: gettext_lazy("Verified"),
    CHANGED: gettext_lazy("Changed since verification"),
    NOT_VERIFIED: gettext_lazy("Not verified"),
}

# The value of a record's checkbox on the monitoring page: content type, primary key and the version
# the monitor saw ("12-345-2"), so a record changed meanwhile is not verified unseen.
RECORD_KEY = re.compile(r"^(\d+)-(\d+)-(\d+)$")


def user_name(user) -> str:
    if user is None:
        return _("the system")
    return user.get_full_name() or user.get_username()


def participant_number(participant: Participant) -> str:
    """The pseudonym of a participant: study number once enrolled, screening number before."""
    return participant.study_number or participant.screening_number


def record_label(record, participant: Participant | None) -> str:
    """The record's own name with the participant named by number only (no initials), e.g.
    "AE 1: Nausea grade 2" or "Follow-up of S-0003"."""
    label = str(record)
    if participant is not None:
        label = label.replace(str(participant), participant_number(participant))
    return label


def record_page_url(content_type_id: int, object_id: int) -> str:
    """The generic record page (``dm:record``) of one CRF record."""
    return reverse("dm:record", kwargs={"content_type_id": content_type_id, "object_id": object_id})


def _related_for_labels(model) -> list[str]:
    """The forward relations a record's name may read (its participant, AE term, lesion...), so
    naming a list of records costs no query per record. Users are never part of a name."""
    user_model = get_user_model()
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.is_relation and field.many_to_one and field.related_model is not user_model
    ]


def _with_last_change(queryset: QuerySet) -> QuerySet:
    """Annotate each record with the time and user id of its newest history row."""
    history = queryset.model.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date", "-history_id")
    return queryset.annotate(
        last_changed_at=Subquery(history.values("history_date")[:1]),
        last_changed_by_id=Subquery(history.values("history_user_id")[:1]),
    )


# --- locks ---------------------------------------------------------------------------------------------


def active_locks() -> QuerySet:
    return DataLock.objects.filter(unlocked_at__isnull=True).select_related("locked_by", "participant")


def active_study_lock() -> DataLock | None:
    return active_locks().filter(scope=LockScope.STUDY).first()


def participant_banner_locks(participant: Participant | None) -> list[DataLock]:
    """The active study lock and the participant's own active lock (for the banner of every
    participant page), study first. One query."""
    scope = Q(scope=LockScope.STUDY)
    if participant is not None and participant.pk is not None:
        scope |= Q(scope=LockScope.PARTICIPANT, participant_id=participant.pk)
    locks = list(active_locks().filter(scope))
    return sorted(locks, key=lambda lock: (lock.scope != LockScope.STUDY, lock.locked_at))


def lock_target(lock: DataLock) -> str:
    """What a lock covers, for people: "Whole study", "S-0003" or "S-0003 · Adverse event: AE 1..."."""
    if lock.scope == LockScope.STUDY:
        return _("Whole study")
    number = participant_number(lock.participant) if lock.participant_id else "—"
    if lock.scope == LockScope.PARTICIPANT:
        return _("Participant %(number)s") % {"number": number}
    return f"{number} · {lock.record_label}"


@dataclass(frozen=True)
class LockRow:
    lock: DataLock
    target: str
    active: bool


def lock_rows(*, scope: str = "", state: str = "", participant: str = "") -> QuerySet:
    """Every lock (newest first), filtered by scope, state ("active"/"released") and participant
    (study or screening number, exact, case-insensitive)."""
    locks = DataLock.objects.select_related("participant", "locked_by", "unlocked_by").order_by("-locked_at", "-id")
    if scope:
        locks = locks.filter(scope=scope)
    if state == "active":
        locks = locks.filter(unlocked_at__isnull=True)
    elif state == "released":
        locks = locks.filter(unlocked_at__isnull=False)
    if participant:
        locks = locks.filter(
            Q(participant__study_number__iexact=participant) | Q(participant__screening_number__iexact=participant)
        )
    return locks


def lock_row(lock: DataLock) -> LockRow:
    return LockRow(lock=lock, target=lock_target(lock), active=lock.unlocked_at is None)


def _iso(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


LOCK_CSV_COLUMNS = (
    "lock_id", "scope", "participant", "form", "record_id", "record", "reason", "locked_by", "locked_at",
    "active", "unlocked_by", "unlocked_at", "unlock_reason",
)  # fmt: skip


def lock_csv_rows(locks: QuerySet):
    """CSV rows of ``lock_rows`` (ISO 8601 times with the UTC offset)."""
    for lock in locks.iterator(chunk_size=2000):
        model = crf_model_for(lock.content_type_id) if lock.content_type_id else None
        yield (
            lock.pk,
            lock.scope,
            participant_number(lock.participant) if lock.participant_id else "",
            form_label(model) if model else "",
            lock.object_id or "",
            lock.record_label,
            lock.reason,
            user_name(lock.locked_by),
            _iso(lock.locked_at),
            "yes" if lock.unlocked_at is None else "no",
            user_name(lock.unlocked_by) if lock.unlocked_at else "",
            _iso(lock.unlocked_at),
            lock.unlock_reason,
        )


# --- the participant monitoring page -----------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The latest source data verification of a record."""

    version: int
    by: str
    at: datetime.datetime


@dataclass(frozen=True)
class RecordRow:
    content_type_id: int
    object_id: int
    form_label: str
    label: str
    version: int
    changed_by: str
    changed_at: datetime.datetime | None
    verification: Verification | None
    sdv_state: str
    lock: DataLock | None
    url: str

    @property
    def key(self) -> str:
        """The checkbox value: content type, key and the version shown."""
        return f"{self.content_type_id}-{self.object_id}-{self.version}"

    @property
    def sdv_label(self) -> str:
        return SDV_STATE_LABELS[self.sdv_state]


@dataclass(frozen=True)
class FormGroup:
    label: str
    rows: list[RecordRow]


@dataclass(frozen=True)
class SdvProgress:
    verified: int
    changed: int
    total: int

    @property
    def percent(self) -> int:
        """Whole percent, rounded down (100% only when every record is verified)."""
        return self.verified * 100 // self.total if self.total else 0


@dataclass(frozen=True)
class MonitoringPage:
    participant: Participant
    groups: list[FormGroup]
    progress: SdvProgress
    study_lock: DataLock | None
    participant_lock: DataLock | None

    @property
    def rows(self) -> list[RecordRow]:
        return [row for group in self.groups for row in group.rows]


def _sdv_state(version: int, verification: Verification | None) -> str:
    if verification is None:
        return NOT_VERIFIED
    return VERIFIED if verification.version == version else CHANGED


def participant_monitoring(participant: Participant) -> MonitoringPage:
    """Every CRF record of ``participant`` grouped by form, each with its version, last change,
    SDV state and record lock; the SDV progress and the study and participant locks."""
    content_types = ContentType.objects.get_for_models(*crf_models())
    records: list[tuple[type, object]] = []
    for model in crf_models():
        queryset = model.objects.filter(**{model.audit_participant_lookup: participant.pk})
        queryset = _with_last_change(queryset.select_related(*_related_for_labels(model)))
        records.extend((model, record) for record in queryset.order_by("pk"))

    user_ids = {record.last_changed_by_id for _model, record in records if record.last_changed_by_id}
    users = {user.pk: user_name(user) for user in get_user_model().objects.filter(pk__in=user_ids)}

    verifications: dict[tuple[int, int], Verification] = {}
    for sdv in (
        SourceVerification.objects.filter(participant=participant)
        .select_related("verified_by")
        .order_by("record_version", "verified_at", "id")
    ):
        verifications[(sdv.content_type_id, sdv.object_id)] = Verification(
            version=sdv.record_version, by=user_name(sdv.verified_by), at=sdv.verified_at
        )

    study_lock = participant_lock = None
    record_locks: dict[tuple[int, int], DataLock] = {}
    for lock in active_locks().filter(Q(scope=LockScope.STUDY) | Q(participant=participant)).order_by("locked_at"):
        if lock.scope == LockScope.STUDY:
            study_lock = study_lock or lock
        elif lock.scope == LockScope.PARTICIPANT:
            participant_lock = participant_lock or lock
        else:
            record_locks.setdefault((lock.content_type_id, lock.object_id), lock)

    groups: dict[str, list[RecordRow]] = {}
    verified = changed = 0
    for model, record in records:
        ct_id = content_types[model].pk
        verification = verifications.get((ct_id, record.pk))
        state = _sdv_state(record.version, verification)
        verified += state == VERIFIED
        changed += state == CHANGED
        label = form_label(model)
        groups.setdefault(label, []).append(
            RecordRow(
                content_type_id=ct_id,
                object_id=record.pk,
                form_label=label,
                label=record_label(record, participant),
                version=record.version,
                changed_by=users.get(record.last_changed_by_id, _("the system")) if record.last_changed_at else "—",
                changed_at=record.last_changed_at,
                verification=verification,
                sdv_state=state,
                lock=record_locks.get((ct_id, record.pk)),
                url=record_page_url(ct_id, record.pk),
            )
        )
    return MonitoringPage(
        participant=participant,
        groups=[FormGroup(label=label, rows=rows) for label, rows in groups.items()],
        progress=SdvProgress(verified=verified, changed=changed, total=len(records)),
        study_lock=study_lock,
        participant_lock=participant_lock,
    )


MONITORING_CSV_COLUMNS = (
    "participant", "form", "record_id", "record", "version", "last_changed_by", "last_changed_at",
    "sdv_state", "verified_version", "verified_by", "verified_at", "record_locked", "lock_reason",
    "locked_by", "locked_at",
)  # fmt: skip


def monitoring_csv_rows(page: MonitoringPage):
    number = participant_number(page.participant)
    for row in page.rows:
        verification, lock = row.verification, row.lock
        yield (
            number,
            row.form_label,
            row.object_id,
            row.label,
            row.version,
            row.changed_by,
            _iso(row.changed_at),
            row.sdv_state,
            verification.version if verification else "",
            verification.by if verification else "",
            _iso(verification.at) if verification else "",
            "yes" if lock else "no",
            lock.reason if lock else "",
            user_name(lock.locked_by) if lock else "",
            _iso(lock.locked_at) if lock else "",
        )


def verification_targets(participant: Participant, keys: list[str]) -> list[tuple[object, int]]:
    """The records behind the checkbox values of the monitoring page, each with the version the
    monitor saw. One query per form. Raises ``ValidationError`` for a record that is not (or no
    longer) one of this participant's CRF records."""
    wanted: dict[type, dict[int, int]] = {}
    for key in keys:
        match = RECORD_KEY.fullmatch(key)
        model = crf_model_for(int(match.group(1))) if match else None
        if model is None:
            raise ValidationError(_("A selected record is not a CRF record."), code="sdv.not_a_record")
        wanted.setdefault(model, {})[int(match.group(2))] = int(match.group(3))
    targets = []
    for model, versions in wanted.items():
        found = model.objects.filter(pk__in=versions, **{model.audit_participant_lookup: participant.pk})
        found = {record.pk: record for record in found}
        missing = set(versions) - set(found)
        if missing:
            raise ValidationError(
                _("%(form)s record %(number)s is not one of this participant's records any more; reload the page.")
                % {"form": form_label(model), "number": min(missing)},
                code="sdv.not_a_record",
            )
        targets.extend((found[pk], versions[pk]) for pk in sorted(versions))
    return targets


# --- the study-wide SDV overview ---------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipantSdv:
    participant_id: int
    number: str
    status: str
    progress: SdvProgress


SDV_SORTS = {
    "participant": gettext_lazy("Participant"),
    "verified": gettext_lazy("Verified (%)"),
    "changed": gettext_lazy("Changed since verification"),
    "total": gettext_lazy("Records"),
}


def sdv_overview(*, sort: str = "participant", user=None) -> list[ParticipantSdv]:
    """Per participant: records verified at their current version, records changed since their
    verification, and all records. ``sort`` is a key of ``SDV_SORTS``, "-" in front for descending.
    One aggregate query per CRF model. Only the participants of ``user``'s sites (``core.sites``)."""
    counts: dict[int, list[int]] = {}
    for model in crf_models():
        content_type = ContentType.objects.get_for_model(model)
        verifications = SourceVerification.objects.filter(content_type=content_type, object_id=OuterRef("pk"))
        rows = (
            model.objects.annotate(
                owner=F(model.audit_participant_lookup),
                current=Exists(verifications.filter(record_version=OuterRef("version"))),
                earlier=Exists(verifications.filter(record_version__lt=OuterRef("version"))),
            )
            .values("owner", "current", "earlier")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            bucket = counts.setdefault(row["owner"], [0, 0, 0])
            bucket[2] += row["n"]
            if row["current"]:
                bucket[0] += row["n"]
            elif row["earlier"]:
                bucket[1] += row["n"]
    overview = [
        ParticipantSdv(
            participant_id=participant.pk,
            number=participant_number(participant),
            status=participant.get_status_display(),
            progress=SdvProgress(*counts.get(participant.pk, (0, 0, 0))),
        )
        for participant in visible_participants(user).only("id", "study_number", "screening_number", "status")
    ]
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    sort_keys = {
        "participant": lambda row: (row.number,),
        "verified": lambda row: (row.progress.percent, row.progress.verified, row.number),
        "changed": lambda row: (row.progress.changed, row.number),
        "total": lambda row: (row.progress.total, row.number),
    }
    overview.sort(key=sort_keys.get(key, sort_keys["participant"]), reverse=descending)
    return overview


def sdv_totals(rows: list[ParticipantSdv]) -> SdvProgress:
    return SdvProgress(
        verified=sum(row.progress.verified for row in rows),
        changed=sum(row.progress.changed for row in rows),
        total=sum(row.progress.total for row in rows),
    )


SDV_CSV_COLUMNS = ("participant", "status", "records", "verified", "changed_since_verification", "verified_percent")


def sdv_csv_rows(rows: list[ParticipantSdv]):
    for row in rows:
        progress = row.progress
        yield (row.number, row.status, progress.total, progress.verified, progress.changed, progress.percent)
