"""Data queries (discrepancy notes): the writes. Their pages read ``queries.selectors``.

A query is raised on one field (or the whole) of one CRF record (``core.crf``) by a monitor or data
manager (``core.raise_query``), or by an edit check (``queries.edit_checks``: origin automatic, no
user). The site (``core.answer_query``: coordinators, investigators) answers it; the raiser's side
closes it or re-opens it. The transitions:

    raise          -> open
    open           -> answered   (answer)
    open, answered -> closed     (close)
    answered, closed -> open     (re-open)
    open, answered -> closed     (auto-close: the edit check no longer finds what it raised)

Every step writes a ``QueryMessage`` with who, when and the words, and saves the query with
``_history_user`` and ``_change_reason`` so the audit trail (django-simple-history) says who did
what and why. Every step needs words. A refused step raises ``ValidationError`` with a stable code
(``query.transition.invalid``, ``query.permission``, ``query.text.required``,
``query.field.unknown``, ``query.record.not_crf``) and saves nothing.

Queries are not clinical records: a data lock does not stop them (a query on locked data is how a
monitor asks for it to be unlocked and corrected).

The query's form, field and record labels and the change reasons of the audit trail are stored in
English whatever the user's language (the study export's query log and audit trail read them); the
messages to the user are in the user's language.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.crf import form_label, is_crf_model, participant_id_of
from core.models import DataQuery, QueryAction, QueryMessage, QueryOrigin, QueryStatus

from .record_urls import record_label

RAISE_PERMISSION = "core.raise_query"
ANSWER_PERMISSION = "core.answer_query"

# Fields of every CRF record that are bookkeeping, not data: no query is raised on them.
_BOOKKEEPING_FIELDS = frozenset({"id", "version", "created_at", "updated_at"})

# Which statuses each step starts from, and where it leads.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    QueryAction.ANSWER: ((QueryStatus.OPEN,), QueryStatus.ANSWERED),
    QueryAction.CLOSE: ((QueryStatus.OPEN, QueryStatus.ANSWERED), QueryStatus.CLOSED),
    QueryAction.REOPEN: ((QueryStatus.ANSWERED, QueryStatus.CLOSED), QueryStatus.OPEN),
    QueryAction.AUTO_CLOSE: ((QueryStatus.OPEN, QueryStatus.ANSWERED), QueryStatus.CLOSED),
}

_TEXT_REQUIRED = {
    QueryAction.RAISE: gettext_lazy("Write the question."),
    QueryAction.ANSWER: gettext_lazy("Write the answer."),
    QueryAction.CLOSE: gettext_lazy("Say why the query is closed."),
    QueryAction.REOPEN: gettext_lazy("Say why the query is re-opened."),
}


def queryable_fields(model) -> list[models.Field]:
    """The fields of a CRF model a query can be raised on (its stored fields but the bookkeeping
    ones), in the model's order."""
    return [field for field in model._meta.concrete_fields if field.name not in _BOOKKEEPING_FIELDS]


def field_label_of(model, field_name: str) -> str:
    """The field's name for people ("" for the record as a whole)."""
    if not field_name:
        return ""
    return capfirst(str(model._meta.get_field(field_name).verbose_name))


def allowed_actions(query: DataQuery, user: AbstractBaseUser) -> list[str]:
    """The steps ``user`` may take on ``query`` now (answer, close, re-open), for the pages."""
    actions = []
    for action in (QueryAction.ANSWER, QueryAction.CLOSE, QueryAction.REOPEN):
        sources, _ = TRANSITIONS[action]
        needed = ANSWER_PERMISSION if action == QueryAction.ANSWER else RAISE_PERMISSION
        if query.status in sources and user.has_perm(needed):
            actions.append(action)
    return actions


def _required_text(text: str, action: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationError({"text": ValidationError(_TEXT_REQUIRED[action], code="query.text.required")})
    return cleaned


def _require_permission(user: AbstractBaseUser, permission: str, refusal: str) -> None:
    if user is None or not user.has_perm(permission):
        raise ValidationError(refusal, code="query.permission")


def _action_in_english(action: str) -> str:
    """The step's name in English, lower case, for the change reasons of the audit trail."""
    with translation.override("en"):
        return str(QueryAction(action).label).lower()


def _save_query(query: DataQuery, *, user: AbstractBaseUser | None, reason: str) -> None:
    query.full_clean()
    query._change_reason = reason
    query._history_user = user
    query.save()


def _add_message(query: DataQuery, *, action: str, text: str, user: AbstractBaseUser | None,
                 now: datetime.datetime) -> QueryMessage:  # fmt: skip
    message = QueryMessage(query=query, action=action, text=text, user=user, at=now)
    message.full_clean()
    message._change_reason = f"Query #{query.pk}: {_action_in_english(action)}"
    message._history_user = user
    message.save()
    return message


def _new_query(*, record, field_name: str, text: str, origin: str, check_code: str,
               user: AbstractBaseUser | None, now: datetime.datetime) -> DataQuery:  # fmt: skip
    model = type(record)
    if not is_crf_model(model) or record.pk is None:
        raise ValidationError(_("Queries are raised on saved CRF records only."), code="query.record.not_crf")
    field_name = (field_name or "").strip()
    if field_name and field_name not in {field.name for field in queryable_fields(model)}:
        raise ValidationError(
            {"field_name": ValidationError(
                _("%(form)s has no field %(field)s.") % {"form": form_label(model), "field": repr(field_name)},
                code="query.field.unknown",
            )}
        )  # fmt: skip
    with translation.override("en"):
        labels = {
            "field_label": field_label_of(model, field_name)[:200],
            "form_label": form_label(model)[:100],
            "record_label": record_label(record)[:200],
        }
    query = DataQuery(
        content_type=ContentType.objects.get_for_model(model),
        object_id=record.pk,
        participant_id=participant_id_of(record),
        field_name=field_name,
        **labels,
        text=text,
        status=QueryStatus.OPEN,
        origin=origin,
        check_code=check_code,
        raised_by=user,
        raised_at=now,
    )
    on_what = f" on {query.field_label}" if field_name else ""
    _save_query(query, user=user, reason=f"Query raised{on_what}" + (f" by edit check {check_code}" if check_code else ""))
    _add_message(query, action=QueryAction.RAISE, text=text, user=user, now=now)
    return query


def _step(query: DataQuery, *, action: str, text: str, user: AbstractBaseUser | None,
          now: datetime.datetime) -> DataQuery:  # fmt: skip
    """Move ``query`` by ``action`` (under a row lock, from the stored status), with its message."""
    locked = DataQuery.objects.select_for_update().get(pk=query.pk)
    sources, target = TRANSITIONS[action]
    if locked.status not in sources:
        raise ValidationError(
            _("A query that is %(status)s cannot be %(action)s.")
            % {"status": locked.get_status_display().lower(), "action": QueryAction(action).label.lower()},
            code="query.transition.invalid",
        )
    locked.status = target
    if target == QueryStatus.ANSWERED:
        locked.answered_at = now
    elif target == QueryStatus.CLOSED:
        locked.closed_at = now
    else:  # re-opened: it waits for a new answer
        locked.answered_at = None
        locked.closed_at = None
    _save_query(locked, user=user, reason=f"Query {_action_in_english(action)}: {text}"[:500])
    _add_message(locked, action=action, text=text, user=user, now=now)
    for name in ("status", "answered_at", "closed_at", "updated_at"):
        setattr(query, name, getattr(locked, name))
    return query


# --- the steps people take ------------------------------------------------------------------------------


@transaction.atomic
def query_raise(*, record, field_name: str, text: str, user: AbstractBaseUser, now: datetime.datetime) -> DataQuery:
    """Raise a query on ``field_name`` of ``record`` ("" for the record as a whole): monitors and
    data managers."""
    _require_permission(user, RAISE_PERMISSION, _("You cannot raise queries."))
    text = _required_text(text, QueryAction.RAISE)
    return _new_query(record=record, field_name=field_name, text=text, origin=QueryOrigin.MANUAL, check_code="",
                      user=user, now=now)  # fmt: skip


@transaction.atomic
def query_answer(*, query: DataQuery, text: str, user: AbstractBaseUser, now: datetime.datetime) -> DataQuery:
    """Answer an open query (open -> answered): coordinators and investigators."""
    _require_permission(user, ANSWER_PERMISSION, _("You cannot answer queries."))
    text = _required_text(text, QueryAction.ANSWER)
    return _step(query, action=QueryAction.ANSWER, text=text, user=user, now=now)


@transaction.atomic
def query_close(*, query: DataQuery, text: str, user: AbstractBaseUser, now: datetime.datetime) -> DataQuery:
    """Close an open or answered query (-> closed): the raiser's side, monitors and data managers."""
    _require_permission(user, RAISE_PERMISSION, _("You cannot close queries."))
    text = _required_text(text, QueryAction.CLOSE)
    return _step(query, action=QueryAction.CLOSE, text=text, user=user, now=now)


@transaction.atomic
def query_reopen(*, query: DataQuery, text: str, user: AbstractBaseUser, now: datetime.datetime) -> DataQuery:
    """Re-open an answered or closed query (-> open) when the answer does not settle it: monitors
    and data managers, with the reason."""
    _require_permission(user, RAISE_PERMISSION, _("You cannot re-open queries."))
    text = _required_text(text, QueryAction.REOPEN)
    return _step(query, action=QueryAction.REOPEN, text=text, user=user, now=now)


# --- the steps of the edit checks (no user) -------------------------------------------------------------


@transaction.atomic
def query_open_automatic(*, record, field_name: str, check_code: str, text: str, now: datetime.datetime) -> DataQuery:
    """Open a query for an edit check's finding (origin automatic, raised by no one)."""
    if not check_code:
        raise ValueError("An automatic query needs the check code.")
    return _new_query(record=record, field_name=field_name, text=text, origin=QueryOrigin.AUTOMATIC,
                      check_code=check_code, user=None, now=now)  # fmt: skip


@transaction.atomic
def query_auto_close(*, query: DataQuery, text: str, now: datetime.datetime) -> DataQuery:
    """Close an automatic query whose finding the edit check no longer makes (action auto_close)."""
    if query.origin != QueryOrigin.AUTOMATIC:
        raise ValidationError(_("Only an edit check's own query is closed by the edit check."),
                              code="query.transition.invalid")  # fmt: skip
    return _step(query, action=QueryAction.AUTO_CLOSE, text=text, user=None, now=now)
