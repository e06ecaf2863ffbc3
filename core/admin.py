"""Admin for clinical models is read-only: data is entered through the eCRF's forms (which ask for
a reason and check the version), and history can be viewed but never edited, reverted or deleted.

Every CRF model's list has an "Export CSV" action: the selected rows, streamed, with every stored
field (choice codes with their labels next to them, ISO 8601 dates, users by username) and the
participant's study number (screening number before enrolment). Pseudonymised unless the user has
``core.export_identified``: initials and dates of birth are left out. Each export is logged (who,
which model, how many rows, identified or not) on the ``core.admin`` logger.
"""

import datetime
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .csv_stream import CHUNK_SIZE, csv_response
from .models import Site, SiteMembership

logger = logging.getLogger(__name__)

# Fields that identify a participant: exported only for users with core.export_identified.
IDENTIFYING_FIELDS = frozenset({"initials", "date_of_birth"})
PARTICIPANT_NUMBER = "participant_number"
_NUMBER_ANNOTATION = "export_participant_number"


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat(timespec="seconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


@dataclass(frozen=True)
class ExportColumn:
    """One CSV column: its header, the ``values_list`` path it reads and how a value is written."""

    header: str
    path: str
    write: Callable[[object], object] = _plain


def _label_writer(field) -> Callable[[object], object]:
    labels = {key: str(label) for key, label in field.flatchoices}
    return lambda value: "" if value in (None, "") else labels.get(value, value)


def participant_number_path(model) -> str | None:
    """The lookup from ``model`` to its participant (from ``audit_participant_lookup``), or None for
    the participant itself and for models that belong to no participant."""
    lookup = getattr(model, "audit_participant_lookup", None)
    if not lookup or lookup == "id":
        return None
    return lookup.removesuffix("_id")


def export_columns(model, *, identified: bool) -> list[ExportColumn]:
    """The columns of ``model``'s CSV: the participant's number first, then every concrete field in
    model order (a choice field followed by ``<name>_label``; a user by username; another relation
    by its key as ``<name>_id``); initials and date of birth only when ``identified``."""
    user_model = get_user_model()
    columns = []
    if participant_number_path(model) is not None:
        columns.append(ExportColumn(PARTICIPANT_NUMBER, _NUMBER_ANNOTATION))
    for field in model._meta.concrete_fields:
        if field.name in IDENTIFYING_FIELDS and not identified:
            continue
        if field.is_relation and field.related_model is user_model:
            columns.append(ExportColumn(field.name, f"{field.name}__{user_model.USERNAME_FIELD}"))
        elif field.is_relation:
            columns.append(ExportColumn(field.attname, field.attname))
        else:
            columns.append(ExportColumn(field.name, field.attname))
        if field.choices:
            columns.append(ExportColumn(f"{field.name}_label", field.attname, _label_writer(field)))
    return columns


def export_rows(queryset, columns: list[ExportColumn]):
    """The rows of ``queryset`` for ``columns``, read in chunks (one query)."""
    path = participant_number_path(queryset.model)
    if path is not None:
        queryset = queryset.annotate(
            **{_NUMBER_ANNOTATION: Coalesce(F(f"{path}__study_number"), F(f"{path}__screening_number"))}
        )
    paths = list(dict.fromkeys(column.path for column in columns))
    index = {name: position for position, name in enumerate(paths)}
    for values in queryset.values_list(*paths).iterator(chunk_size=CHUNK_SIZE):
        yield [column.write(values[index[column.path]]) for column in columns]


@admin.action(description=_("Export CSV (selected rows)"))
def export_selected_as_csv(modeladmin, request, queryset):
    """The selected rows as a streamed CSV (see the module docstring), logged."""
    model = queryset.model
    identified = request.user.has_perm("core.export_identified")
    columns = export_columns(model, identified=identified)
    logger.info(
        "Admin CSV export by %s: %d %s row(s), %s",
        request.user.get_username(), queryset.count(), model._meta.label,
        "identified" if identified else "pseudonymised",
    )  # fmt: skip
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = f"{model._meta.app_label}_{model._meta.model_name}_{stamp}.csv"
    return csv_response(filename, [column.header for column in columns], export_rows(queryset, columns))


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    actions = [export_selected_as_csv]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Study sites (core.sites) -------------------------------------------------------------------------


class SiteMembershipInline(admin.TabularInline):
    model = SiteMembership
    extra = 1
    raw_id_fields = ("user",)
    verbose_name = _("member")
    verbose_name_plural = _("Members (they see this site's participants)")


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    """Sites and who works at each. Once a site exists, users see only their sites' participants
    (``core.sites``); give ``core.view_all_sites`` to sponsor-side users who must see every site."""

    list_display = ("code", "name")
    search_fields = ("code", "name")
    inlines = [SiteMembershipInline]
