"""Reads shared by every app: the audit trail of one participant's data, in the active language
(record types, field names, choice labels and actions; what people typed, such as reasons, as typed)."""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .crf import form_label
from .services import INITIAL_ENTRY_REASON

_BOOKKEEPING = {"id", "version", "created_at", "updated_at"}
_ACTIONS = {
    "+": pgettext_lazy("audit trail action", "Created"),
    "~": pgettext_lazy("audit trail action", "Changed"),
    "-": pgettext_lazy("audit trail action", "Deleted"),
}


# The names of core's own audited models and of their fields, which have no translated verbose_name
# (giving them one would change their migrations), as the audit trail shows them (capitalised):
# translated by ``_core_name``.
_CORE_NAMES = {
    "Data query": pgettext_lazy("audit trail name", "Data query"),
    "Query message": pgettext_lazy("audit trail name", "Query message"),
    "Source verification": pgettext_lazy("audit trail name", "Source verification"),
    "Data lock": pgettext_lazy("audit trail name", "Data lock"),
    "Content type": pgettext_lazy("audit trail name", "Content type"),
    "Object id": pgettext_lazy("audit trail name", "Object id"),
    "Participant": pgettext_lazy("audit trail name", "Participant"),
    "Field name": pgettext_lazy("audit trail name", "Field name"),
    "Field label": pgettext_lazy("audit trail name", "Field label"),
    "Form label": pgettext_lazy("audit trail name", "Form label"),
    "Record label": pgettext_lazy("audit trail name", "Record label"),
    "Status": pgettext_lazy("audit trail name", "Status"),
    "Origin": pgettext_lazy("audit trail name", "Origin"),
    "Check code": pgettext_lazy("audit trail name", "Check code"),
    "Raised by": pgettext_lazy("audit trail name", "Raised by"),
    "Raised at": pgettext_lazy("audit trail name", "Raised at"),
    "Answered at": pgettext_lazy("audit trail name", "Answered at"),
    "Closed at": pgettext_lazy("audit trail name", "Closed at"),
    "Query": pgettext_lazy("audit trail name", "Query"),
    "Action": pgettext_lazy("audit trail name", "Action"),
    "Text": pgettext_lazy("audit trail name", "Text"),
    "User": pgettext_lazy("audit trail name", "User"),
    "At": pgettext_lazy("audit trail name", "At"),
    "Record version": pgettext_lazy("audit trail name", "Record version"),
    "Verified by": pgettext_lazy("audit trail name", "Verified by"),
    "Verified at": pgettext_lazy("audit trail name", "Verified at"),
    "Scope": pgettext_lazy("audit trail name", "Scope"),
    "Locked by": pgettext_lazy("audit trail name", "Locked by"),
    "Locked at": pgettext_lazy("audit trail name", "Locked at"),
    "Unlocked by": pgettext_lazy("audit trail name", "Unlocked by"),
    "Unlocked at": pgettext_lazy("audit trail name", "Unlocked at"),
}


def _core_name(model, name: str) -> str:
    """``name`` (a capitalised verbose name) in the active language, for core's own models."""
    if model._meta.app_label == "core" and name in _CORE_NAMES:
        return str(_CORE_NAMES[name])
    return name


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
        return users.get(value, _("user #%(id)s") % {"id": value})
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _user_name(user) -> str:
    if user is None:
        return _("system")
    return user.get_full_name() or user.get_username()


def _reason(reason: str) -> str:
    """The stored change reason; the one the system writes for a first entry in the active language."""
    return _(reason) if reason == INITIAL_ENTRY_REASON else reason


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
                        label=_core_name(model, str(model_field.verbose_name).capitalize()),
                        old=_display(model_field, old, users) if previous is not None else "",
                        new=_display(model_field, new, users),
                    )
                )
            entries.append(
                AuditEntry(
                    when=row.history_date,
                    user=_user_name(row.history_user),
                    action=str(_ACTIONS.get(row.history_type, row.history_type)),
                    record_type=_core_name(model, form_label(model)),
                    record=str(row.instance),
                    version=getattr(row, "version", None),
                    reason=_reason(row.history_change_reason or ""),
                    changes=changes,
                )
            )
            previous_by_id[row.id] = row
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
