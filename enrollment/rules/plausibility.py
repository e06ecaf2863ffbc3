"""Field-level plausibility of screening data, checked by the screening form and the CSV import
before ``enrollment.rules.eligibility.evaluate`` runs (PROTOCOL §1; issue 3 "Screening in the
browser": implausible values are refused with a message that helps).

These checks catch typing errors and wrong units, not clinical ineligibility: haemoglobin 95
"g/dL" is a g/L value, not a very healthy patient. The ranges below are limits of what a living
adult's blood can show, deliberately wide; they are data-entry safeguards, not protocol
thresholds, so they live here rather than in ``trialsite.protocol``.

The participant's diagnosis date (PROTOCOL §5: PFS and OS count from it) is checked here too,
against the date of birth and the screening date (``diagnosis_date_problem``).

Pure rules: the date to compare against is the caller's ``today``. The check never raises on
odd input; a value of the wrong type gets a message like any other implausible value.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.rules.participant import date_of_birth_problem, in_the_future
from trialsite.protocol.eligibility import FIGO_2018_STAGES


@dataclass(frozen=True)
class UnitSlip:
    """A common wrong unit: a value typed in ``unit`` is ``factor`` times the expected value."""

    unit: str
    factor: Decimal


@dataclass(frozen=True)
class PlausibleRange:
    """The values (inclusive) a field can possibly take in its expected unit."""

    unit: str
    low: Decimal
    high: Decimal
    slip: UnitSlip | None = None


# Haemoglobin in g/dL. Below 1 or above 25 g/dL is not compatible with life. Many labs report
# g/L (normal about 120-160), which is ten times the g/dL value.
HEMOGLOBIN_RANGE_G_DL = PlausibleRange("g/dL", Decimal(1), Decimal(25), UnitSlip("g/L", Decimal(10)))

# Counts in x10^9/L. Cell counts are also reported per microlitre (/uL), 1000 times the x10^9/L
# value (2.0 x10^9/L = 2000/uL). Upper limits sit at the extremes reported in haematological
# emergencies (leukaemoid neutrophilia ~100, hyperleukocytosis ~200, extreme thrombocytosis
# ~2000 x10^9/L), so a value beyond them is a unit or typing error. Zero is possible
# (agranulocytosis).
_PER_UL = UnitSlip("/uL", Decimal(1000))
NEUTROPHILS_RANGE_10E9_L = PlausibleRange("x10^9/L", Decimal(0), Decimal(100), _PER_UL)
LEUKOCYTES_RANGE_10E9_L = PlausibleRange("x10^9/L", Decimal(0), Decimal(200), _PER_UL)
PLATELETS_RANGE_10E9_L = PlausibleRange("x10^9/L", Decimal(0), Decimal(2000), _PER_UL)

COUNT_RANGES: Mapping[str, PlausibleRange] = MappingProxyType(
    {
        "hemoglobin_g_dl": HEMOGLOBIN_RANGE_G_DL,
        "neutrophils_10e9_l": NEUTROPHILS_RANGE_10E9_L,
        "leukocytes_10e9_l": LEUKOCYTES_RANGE_10E9_L,
        "platelets_10e9_l": PLATELETS_RANGE_10E9_L,
    }
)

# Chemistry values in the lab's own unit, each with the lab's upper limit of normal.
CHEMISTRY_KEYS: tuple[str, ...] = ("alt", "ast", "bilirubin", "bun", "creatinine")

# Viral loads: 0 when undetectable, never negative.
VIRAL_LOAD_KEYS: tuple[str, ...] = ("hbv_dna_iu_ml", "hcv_rna_copies_ml")

# ECOG performance status is a whole number 0 (fully active) to 5 (dead).
ECOG_RANGE: tuple[int, int] = (0, 5)

# Dates of events in the patient's life: none can be in the future or before birth.
EVENT_DATE_KEYS: tuple[str, ...] = (
    "consent_date",
    "lab_date",
    "prior_malignancy_date",
    "cardiocerebral_event_date",
    "last_immunosuppressant_date",
    "last_live_vaccine_date",
)

_LABELS = {
    "hemoglobin_g_dl": gettext_lazy("haemoglobin"),
    "neutrophils_10e9_l": gettext_lazy("neutrophils"),
    "leukocytes_10e9_l": gettext_lazy("leukocytes"),
    "platelets_10e9_l": gettext_lazy("platelets"),
    "hbv_dna_iu_ml": "HBV DNA",
    "hcv_rna_copies_ml": "HCV RNA",
}


def check_plausibility(data: Mapping[str, object], *, today: datetime.date) -> dict[str, str]:
    """Map each data key whose value cannot be right to a message saying how to fix it.

    Source: PROTOCOL §1 data items (issue 3: haemoglobin in g/L typed as g/dL, ECOG outside
    0-5, dates in the future, consent before birth); ranges are the constants of this module.
    Absent or ``None`` values are not checked (missing data is the eligibility engine's
    business). At most one message per key, the most specific one.
    """
    problems: dict[str, str] = {}

    born = data.get("date_of_birth")
    if born is not None:
        if not _is_date(born):
            problems["date_of_birth"] = _("Enter a date.")
        elif message := date_of_birth_problem(born, today=today):
            problems["date_of_birth"] = message
    born_ok = born if _is_date(born) and "date_of_birth" not in problems else None
    for key in EVENT_DATE_KEYS:
        if (message := _date_problem(data.get(key), key, born_ok, today)) is not None:
            problems[key] = message

    for key, plausible in COUNT_RANGES.items():
        if (message := _count_problem(data.get(key), _LABELS[key], plausible)) is not None:
            problems[key] = message

    for key in CHEMISTRY_KEYS:
        if (message := _non_negative_problem(data.get(key))) is not None:
            problems[key] = message
        uln = data.get(f"{key}_uln")
        if uln is not None:
            value = _number(uln)
            if value is None:
                problems[f"{key}_uln"] = _("Enter a number.")
            elif value <= 0:
                problems[f"{key}_uln"] = _("The lab's upper limit of normal must be greater than 0, not %(value)s.") % {
                    "value": value
                }

    for key in VIRAL_LOAD_KEYS:
        if (message := _non_negative_problem(data.get(key), undetectable_hint=True)) is not None:
            problems[key] = message

    if (message := _ecog_problem(data.get("ecog"))) is not None:
        problems["ecog"] = message

    if (message := _figo_problem(data.get("figo_stage"))) is not None:
        problems["figo_stage"] = message

    return problems


def _is_date(value: object) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def _number(value: object) -> Decimal | None:
    """An int, float or finite Decimal as an exact Decimal; None for anything else (bool too)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number if number.is_finite() else None


def _fmt(number: Decimal) -> str:
    """A Decimal as typed, without exponent (95 / 10 -> "9.5", 2000 / 1000 -> "2")."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date_problem(
    value: object, key: str, born: datetime.date | None, today: datetime.date
) -> str | None:
    if value is None:
        return None
    if not _is_date(value):
        return _("Enter a date.")
    if value > today:
        return in_the_future(value)
    if born is not None and value < born:
        dates = {"date": f"{value:%Y-%m-%d}", "born": f"{born:%Y-%m-%d}"}
        if key == "consent_date":
            return _("Consent (%(date)s) is before the date of birth (%(born)s).") % dates
        return _("This date (%(date)s) is before the date of birth (%(born)s).") % dates
    return None


def _count_problem(value: object, label: str, plausible: PlausibleRange) -> str | None:
    """A blood count outside what is possible; a hint when it fits a common wrong unit."""
    if value is None:
        return None
    number = _number(value)
    if number is None:
        return _("Enter a number.")
    if number < 0:
        return _("%(name)s cannot be negative.") % {"name": capfirst(label)}
    if plausible.low <= number <= plausible.high:
        return None
    unit = plausible.unit
    slip = plausible.slip
    if slip is not None and plausible.low <= number / slip.factor <= plausible.high:
        return _("%(value)s %(unit)s looks like %(other_unit)s; enter %(unit)s (e.g. %(example)s).") % {
            "value": _fmt(number), "unit": unit, "other_unit": slip.unit, "example": _fmt(number / slip.factor)
        }
    return _(
        "%(value)s %(unit)s is not a possible %(name)s value (%(low)s-%(high)s %(unit)s); "
        "check the value and its unit."
    ) % {"value": _fmt(number), "unit": unit, "name": label, "low": _fmt(plausible.low), "high": _fmt(plausible.high)}


def _non_negative_problem(value: object, *, undetectable_hint: bool = False) -> str | None:
    if value is None:
        return None
    number = _number(value)
    if number is None:
        return _("Enter a number.")
    if number < 0:
        if undetectable_hint:
            return _("%(value)s cannot be negative (enter 0 when undetectable).") % {"value": _fmt(number)}
        return _("%(value)s cannot be negative.") % {"value": _fmt(number)}
    return None


def _ecog_problem(value: object) -> str | None:
    low, high = ECOG_RANGE
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return _("ECOG is %(low)s-%(high)s (a whole number).") % {"low": low, "high": high}
    if not low <= value <= high:
        return _("ECOG is %(low)s-%(high)s.") % {"low": low, "high": high}
    return None


def _figo_problem(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip().upper() in FIGO_2018_STAGES:
        return None
    return _("Enter a FIGO 2018 stage: %(stages)s.") % {"stages": ", ".join(FIGO_2018_STAGES)}


def diagnosis_date_problem(
    diagnosis_date: datetime.date,
    *,
    date_of_birth: datetime.date | None,
    screening_date: datetime.date | None,
    today: datetime.date,
) -> str | None:
    """A message when a diagnosis date cannot be right, else None.

    Source: PROTOCOL §5 (PFS and OS count from the diagnosis) and §1 (patients are screened for
    newly diagnosed disease): the diagnosis is not in the future, not before the date of birth and
    not after the screening date. Each limit day itself is allowed.
    """
    if diagnosis_date > today:
        return in_the_future(diagnosis_date)
    if date_of_birth is not None and diagnosis_date < date_of_birth:
        return _("The diagnosis (%(date)s) is before the date of birth (%(born)s).") % {
            "date": f"{diagnosis_date:%Y-%m-%d}", "born": f"{date_of_birth:%Y-%m-%d}"
        }
    if screening_date is not None and diagnosis_date > screening_date:
        return _(
            "The diagnosis (%(date)s) is after the screening date (%(screened)s); "
            "a patient is screened after she is diagnosed."
        ) % {"date": f"{diagnosis_date:%Y-%m-%d}", "screened": f"{screening_date:%Y-%m-%d}"}
    return None
