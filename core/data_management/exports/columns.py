"""What every CSV of the study export shares: a column's description (for the data dictionary), how a
value is written in a cell, units in column names, which fields a pseudonymised export withholds, and
the participant number a row carries.

Conventions (stated again in the export's README.txt):
- Dates and times are ISO 8601; date-times in the site's time zone with their UTC offset
  (``2025-03-14T09:30:00+08:00``).
- Yes/no answers are ``1`` / ``0``; an empty cell is a value not recorded.
- Decimals are written as stored (``12.50``), never in scientific notation.
- JSON fields (lists of criteria, toxicities) are written as compact JSON.
- Units: a numeric field whose name carries its unit keeps its name (``weight_kg``, ``total_dose_gy``,
  ``alt_uln``). A numeric field whose unit is declared only as its help text — the laboratory values
  of the screening form, declared with ``enrollment.models.lab_value(..., unit)``, e.g. ``alt`` with
  help text ``U/L`` — gets the unit appended to its column name (``alt_u_per_l``). That is the only
  rule: a help text is taken for a unit when its first word is a ratio such as ``U/L`` or ``umol/L``.
"""

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

# Fields that identify a participant: withheld from a pseudonymised export (an identified export
# needs the core.export_identified permission). Keyed by model label ("app_label.modelname").
IDENTIFYING_FIELDS: dict[str, frozenset[str]] = {
    "enrollment.participant": frozenset({"initials", "date_of_birth"}),
}

# Free-text labels made from a record's name, which names the participant with her initials
# ("TC-001 (WL)"): withheld from a pseudonymised export too (the form, record id and study number
# say the same without the initials).
LABELS_NAMING_THE_PARTICIPANT: dict[str, frozenset[str]] = {
    "core.dataquery": frozenset({"record_label"}),
    "core.datalock": frozenset({"record_label"}),
}


def withheld_fields(model: type[models.Model], *, identified: bool) -> frozenset[str]:
    """Names of ``model``'s fields left out of the export."""
    if identified:
        return frozenset()
    label = model._meta.label_lower
    return IDENTIFYING_FIELDS.get(label, frozenset()) | LABELS_NAMING_THE_PARTICIPANT.get(label, frozenset())


@dataclass(frozen=True)
class Column:
    """One column of an exported CSV, as the data dictionary describes it."""

    name: str
    label: str
    type: str
    unit: str = ""
    allowed_values: str = ""
    description: str = ""


BOOLEAN_VALUES = "1=Yes|0=No"

# --- cells --------------------------------------------------------------------------------------------


def cell(value: object) -> str:
    """A value as written in the CSV (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


def value_type(field: models.Field) -> str:
    """The dictionary's type of a field's values."""
    if field.is_relation:
        return "id"
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.TimeField):
        return "time"
    if isinstance(field, models.DecimalField | models.FloatField):
        return "decimal"
    if isinstance(field, models.IntegerField):
        return "integer"
    if isinstance(field, models.JSONField):
        return "json"
    return "text"


def allowed_values(field: models.Field) -> str:
    """``code=label|code=label`` for a field with choices, the 1/0 coding for a yes/no field."""
    if field.choices:
        return "|".join(f"{code}={label}" for code, label in field.flatchoices)
    if isinstance(field, models.BooleanField):
        return BOOLEAN_VALUES
    return ""


def field_label(field: models.Field) -> str:
    text = str(field.verbose_name)
    return text[:1].upper() + text[1:]


# --- units ----------------------------------------------------------------------------------------------

# Unit words in field names (the house naming rule: ``weight_kg``, ``dose_mg_per_m2``), longest first.
_NAME_UNITS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("mg", "per", "m2"), "mg/m²"),
    (("mg", "per", "day"), "mg/day"),
    (("10e9", "l"), "x10^9/L"),
    (("g", "dl"), "g/dL"),
    (("iu", "ml"), "IU/mL"),
    (("copies", "ml"), "copies/mL"),
    (("kg",), "kg"),
    (("cm",), "cm"),
    (("mm",), "mm"),
    (("m2",), "m²"),
    (("gy",), "Gy"),
    (("mg",), "mg"),
    (("pct",), "%"),
)
_HELP_TEXT_UNIT = re.compile(r"^[A-Za-z0-9^µ.]+/[A-Za-z]+$")


def _is_numeric(field: models.Field) -> bool:
    return not field.is_relation and isinstance(field, models.DecimalField | models.FloatField | models.IntegerField)


def _unit_in_name(name: str) -> str:
    words = name.split("_")
    for unit_words, unit in _NAME_UNITS:
        size = len(unit_words)
        if any(tuple(words[i : i + size]) == unit_words for i in range(len(words) - size + 1)):
            return unit
    return ""


def _unit_in_help_text(field: models.Field) -> str:
    words = str(field.help_text or "").split()
    return words[0] if words and _HELP_TEXT_UNIT.match(words[0]) else ""


def unit_of(field: models.Field) -> str:
    """The unit of a numeric field: from its name, else from its help text (see module docstring)."""
    if not _is_numeric(field):
        return ""
    return _unit_in_name(field.name) or _unit_in_help_text(field)


def _unit_suffix(unit: str) -> str:
    """``U/L`` -> ``u_per_l``, ``umol/L`` -> ``umol_per_l``."""
    return re.sub(r"[^a-z0-9]+", "_", unit.lower().replace("/", " per ")).strip("_")


def column_name(field: models.Field) -> str:
    """The CSV column of a plain (non-relation) field: its name, with the unit appended when only its
    help text declares it."""
    if _is_numeric(field) and not _unit_in_name(field.name):
        unit = _unit_in_help_text(field)
        if unit:
            return f"{field.name}_{_unit_suffix(unit)}"
    return field.name


def field_description(field: models.Field) -> str:
    """The help text, unless it only states the unit (already in the unit column)."""
    text = str(field.help_text or "")
    return "" if text and text == _unit_in_help_text(field) else text


# --- participant numbers ------------------------------------------------------------------------------

STUDY_NUMBER_COLUMN = Column(
    "study_number",
    "Participant's study number (the screening number while not enrolled)",
    "text",
)


def participant_number(lookup: str) -> Subquery:
    """An expression for the study number (or, while not enrolled, the screening number) of the
    participant that ``lookup`` (a model's ``audit_participant_lookup``, e.g. ``visit__participant_id``)
    points at; works on a model's history table as well."""
    from enrollment.models import Participant

    number = Coalesce(NullIf("study_number", Value("")), "screening_number")
    return Subquery(
        Participant.objects.filter(pk=OuterRef(lookup)).order_by().annotate(_number=number).values("_number")[:1]
    )
