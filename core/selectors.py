"""Reads shared by every app: the audit trail of one participant's data."""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model

_BOOKKEEPING = {"id", "version", "created_at", "updated_at"}
_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditEntry:
    when: datetime.datetime
    user: str
    action: str
    record_type: str
    record: str
    version: int | None
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def audited_models() -> list[type]:
    """Clinical models whose history belongs on the participant audit page."""
    return [
        model
        for model in apps.get_models()
        if getattr(model, "audit_participant_lookup", None) and hasattr(model, "history")
    ]


def _display(model_field, value, users: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation and model_field.related_model is get_user_model():
        return users.get(value, f"user #{value}")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _user_name(user) -> str:
    if user is None:
        return "system"
    return user.get_full_name() or user.get_username()


def participant_audit_trail(participant_id: int) -> list[AuditEntry]:
    """Every change to the participant's data, in every audited model, newest first, each with
    who, when, what changed (old and new values) and the reason given."""
    users = {u.pk: _user_name(u) for u in get_user_model().objects.all()}
    entries: list[AuditEntry] = []
    for model in audited_models():
        lookup = model.audit_participant_lookup
        fields = [f for f in model._meta.concrete_fields if f.name not in _BOOKKEEPING]
        rows = (
            model.history.filter(**{lookup: participant_id})
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        previous_by_id = {}
        for row in rows:
            previous = previous_by_id.get(row.id)
            changes = []
            for model_field in fields:
                new = getattr(row, model_field.attname)
                old = getattr(previous, model_field.attname) if previous is not None else None
                if previous is None and row.history_type == "+" and new in (None, ""):
                    continue
                if previous is not None and old == new:
                    continue
                changes.append(
                    FieldChange(
                        label=str(model_field.verbose_name).capitalize(),
                        old=_display(model_field, old, users) if previous is not None else "",
                        new=_display(model_field, new, users),
                    )
                )
            entries.append(
                AuditEntry(
                    when=row.history_date,
                    user=_user_name(row.history_user),
                    action=_ACTIONS.get(row.history_type, row.history_type),
                    record_type=str(model._meta.verbose_name).capitalize(),
                    record=str(row.instance),
                    version=getattr(row, "version", None),
                    reason=row.history_change_reason or "",
                    changes=changes,
                )
            )
            previous_by_id[row.id] = row
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
