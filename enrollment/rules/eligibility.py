"""The eligibility rule engine: every inclusion and exclusion criterion of PROTOCOL §1
(the paper's Table 1), evaluated from the screening data.

Public API (used by the screening form, the enrolment service, the CSV import and the tests)::

    evaluate(data, *, enrolment_date) -> EligibilityResult

``CRITERIA`` lists the 27 criteria in protocol order with a short label and the data keys each
one reads. Thresholds and windows come from ``trialsite.protocol.eligibility.ELIGIBILITY``.

How outcomes are decided
------------------------
Every criterion ends "pass", "fail" or "missing"; for an exclusion "fail" means the exclusion
applies. A criterion reading several inputs fails as soon as any one known input makes it fail
(an exclusion applies as soon as any one known input makes it apply), whatever the other inputs
are; it passes only when every input it needs is known and none makes it fail; otherwise it is
"missing". The participant is eligible (True) only when all 27 pass, not eligible (False) as
soon as one fails, and undecided (None) otherwise: missing data is never eligible.

A key absent from ``data`` or set to ``None`` is not recorded, with one exception: the four
"date of the most recent event" keys (``EVENT_DATE_KEYS``: other malignancy, cardiocerebral
event, immunosuppressant, live vaccine). For those, ``None`` means "there has been no such
event" and only an absent key means "not recorded".

A value that cannot be right (a negative count, a ULN <= 0, ECOG outside 0-5, a FIGO stage
that does not exist, consent before birth) leaves its criterion "missing" with a reason saying
so; ``enrollment.rules.plausibility`` gives the form-level message. A value of the wrong type (a
string for a number, a bool for a number, a datetime for a date) is a programming error and
raises ``TypeError``.

Numbers (int, float or Decimal) are compared exactly as ``Decimal(str(value))``, so 2.0000000001
is above 2.0 and no float artefact moves a value across a limit.

Labels and reasons read in the active language (Django i18n: a label is translated each time it is
shown, a reason when ``evaluate`` runs); the criterion ids and statuses are stable codes.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from enrollment.rules.text import interpolate_lazy
from trialsite.protocol.eligibility import (
    ELIGIBILITY,
    FIGO_2018_STAGES,
    FIGO_2018_SUBSTAGES,
    EligibilitySettings,
)

PASS: Literal["pass"] = "pass"
FAIL: Literal["fail"] = "fail"
MISSING: Literal["missing"] = "missing"
Status = Literal["pass", "fail", "missing"]

INCLUSION: Literal["inclusion"] = "inclusion"
EXCLUSION: Literal["exclusion"] = "exclusion"

# For these keys None means "no such event ever"; an absent key means "not recorded".
EVENT_DATE_KEYS = frozenset(
    {
        "prior_malignancy_date",
        "cardiocerebral_event_date",
        "last_immunosuppressant_date",
        "last_live_vaccine_date",
    }
)

_LAB_KEYS = ("lab_date",)


@dataclass(frozen=True)
class Criterion:
    """One row of the protocol's Table 1: id, inclusion/exclusion, UI label, data keys read."""

    id: str
    kind: Literal["inclusion", "exclusion"]
    label: str  # lazy: translated when shown
    keys: tuple[str, ...]


def _or_list(items: tuple[str, ...]) -> str:
    """``("IIIA", "IIIB", "IVA")`` -> "IIIA, IIIB or IVA" in the active language."""
    if len(items) < 2:
        return "".join(items)
    separator = pgettext("separator between the items of a list", ", ")
    return _("%(items)s or %(last)s") % {"items": separator.join(items[:-1]), "last": items[-1]}


# The criteria are built once at import, before any language is chosen: their labels are lazy.
_or_list_lazy = lazy(_or_list, str)
_label = interpolate_lazy


def _criteria(p: EligibilitySettings) -> tuple[Criterion, ...]:
    allowed = _or_list_lazy(p.figo_stages_allowed)
    return (
        Criterion("I1", INCLUSION,
                  _label(gettext_lazy("Age %(min)s-%(max)s years at consent"),
                         min=p.age_min_years, max=p.age_max_years),
                  ("date_of_birth", "consent_date")),
        Criterion("I2", INCLUSION,
                  _label(gettext_lazy("Untreated, pathologically proven LACC, FIGO 2018 %(stages)s"),
                         stages=allowed),
                  ("figo_stage", "pathology_confirmed", "previously_treated")),
        Criterion("I3", INCLUSION, _label(gettext_lazy("ECOG performance status 0-%(max)s"), max=p.ecog_max),
                  ("ecog",)),
        Criterion("I4a", INCLUSION,
                  _label(gettext_lazy("Haemoglobin > %(limit)s g/dL"), limit=p.hemoglobin_above_g_dl),
                  (*_LAB_KEYS, "hemoglobin_g_dl")),
        Criterion("I4b", INCLUSION,
                  _label(gettext_lazy("Neutrophils > %(limit)s x10^9/L"), limit=p.neutrophils_above_10e9_l),
                  (*_LAB_KEYS, "neutrophils_10e9_l")),
        Criterion("I4c", INCLUSION,
                  _label(gettext_lazy("Leukocytes > %(limit)s x10^9/L"), limit=p.leukocytes_above_10e9_l),
                  (*_LAB_KEYS, "leukocytes_10e9_l")),
        Criterion("I4d", INCLUSION,
                  _label(gettext_lazy("Platelets > %(limit)s x10^9/L"), limit=p.platelets_above_10e9_l),
                  (*_LAB_KEYS, "platelets_10e9_l")),
        Criterion("I4e", INCLUSION,
                  _label(gettext_lazy("ALT <= %(alt)s x ULN and AST <= %(ast)s x ULN"),
                         alt=p.alt_max_x_uln, ast=p.ast_max_x_uln),
                  (*_LAB_KEYS, "alt", "alt_uln", "ast", "ast_uln")),
        Criterion("I4f", INCLUSION,
                  _label(gettext_lazy("Total bilirubin <= %(factor)s x ULN"), factor=p.bilirubin_max_x_uln),
                  (*_LAB_KEYS, "bilirubin", "bilirubin_uln")),
        Criterion("I4g", INCLUSION,
                  _label(gettext_lazy("Blood urea nitrogen <= %(factor)s x ULN"), factor=p.bun_max_x_uln),
                  (*_LAB_KEYS, "bun", "bun_uln")),
        Criterion("I4h", INCLUSION,
                  _label(gettext_lazy("Serum creatinine <= %(factor)s x ULN"), factor=p.creatinine_max_x_uln),
                  (*_LAB_KEYS, "creatinine", "creatinine_uln")),
        Criterion("I5", INCLUSION, gettext_lazy("Life expectancy > 6 months"),
                  ("life_expectancy_over_6_months",)),
        Criterion("I6", INCLUSION, gettext_lazy("Eligible for CCRT (principal investigator)"),
                  ("pi_confirms_ccrt",)),
        Criterion("I7", INCLUSION, gettext_lazy("No obvious active bleeding"), ("active_bleeding",)),
        Criterion("I8", INCLUSION,
                  gettext_lazy("If of childbearing potential: negative pregnancy test and effective contraception"),
                  ("childbearing_potential", "pregnancy_test_negative", "contraception_agreed")),
        Criterion("I9", INCLUSION, gettext_lazy("Written informed consent before enrolment"), ("consent_date",)),
        Criterion("E1", EXCLUSION, gettext_lazy("Uncontrolled active infection"), ("uncontrolled_infection",)),
        Criterion("E2", EXCLUSION,
                  _label(gettext_lazy("Other malignancy within %(years)s years "
                                      "(except curable non-melanoma skin cancer)"),
                         years=p.other_malignancy_window_years),
                  ("prior_malignancy_date", "prior_malignancy_nonmelanoma_skin")),
        Criterion("E3", EXCLUSION,
                  _label(gettext_lazy("Uncontrolled hypertension or diabetes; cerebral embolism or haemorrhage, "
                                      "myocardial infarction or serious arrhythmia within %(months)s months"),
                         months=p.cardiocerebral_event_window_months),
                  ("uncontrolled_hypertension_or_diabetes", "cardiocerebral_event_date")),
        Criterion("E4", EXCLUSION,
                  _label(gettext_lazy("Systemic steroid >= %(mg)s mg/day prednisone-equivalent or other "
                                      "immunosuppressant within %(days)s days, or planned"),
                         mg=p.steroid_threshold_prednisone_mg_per_day, days=p.immunosuppressant_window_days),
                  ("last_immunosuppressant_date", "immunosuppressant_planned")),
        Criterion("E5", EXCLUSION,
                  _label(gettext_lazy("Live attenuated vaccine within %(days)s days or planned; "
                                      "therapeutic HPV vaccine after diagnosis"),
                         days=p.live_vaccine_window_days),
                  ("last_live_vaccine_date", "live_vaccine_planned",
                   "therapeutic_hpv_vaccine_after_diagnosis")),
        Criterion("E6", EXCLUSION, gettext_lazy("Previous organ transplantation or HIV"),
                  ("organ_transplant", "hiv")),
        Criterion("E7", EXCLUSION, gettext_lazy("Severe uncontrolled mental illness"),
                  ("uncontrolled_mental_illness",)),
        Criterion("E8", EXCLUSION,
                  _label(gettext_lazy("Active hepatitis: HBV DNA > %(hbv)s IU/mL or HCV RNA > %(hcv)s copies/mL"),
                         hbv=p.hbv_dna_max_iu_ml, hcv=p.hcv_rna_max_copies_ml),
                  ("hbv_dna_iu_ml", "hcv_rna_copies_ml")),
        Criterion("E9", EXCLUSION,
                  _label(gettext_lazy("Recurrent or distant metastatic disease (FIGO %(stage)s)"),
                         stage=p.figo_stage_distant),
                  ("figo_stage", "distant_metastasis_or_recurrence")),
        Criterion("E10", EXCLUSION,
                  gettext_lazy("Allergy to macromolecular proteins / monoclonal antibodies or a trial drug"),
                  ("mab_allergy",)),
        Criterion("E11", EXCLUSION,
                  gettext_lazy("Active autoimmune disease needing systemic treatment, or long-term "
                               "glucocorticoids / immunosuppressants"),
                  ("active_autoimmune_disease",)),
    )  # fmt: skip


CRITERIA: tuple[Criterion, ...] = _criteria(ELIGIBILITY)
CRITERIA_BY_ID: Mapping[str, Criterion] = MappingProxyType({c.id: c for c in CRITERIA})


@dataclass(frozen=True)
class CriterionOutcome:
    """The outcome of one criterion: its id, "pass"/"fail"/"missing", and why."""

    criterion: str
    status: Status
    reason: str


@dataclass(frozen=True)
class EligibilityResult:
    """All 27 outcomes in protocol order, and the overall decision (True / False / None)."""

    eligible: bool | None
    criteria: Mapping[str, CriterionOutcome]

    @property
    def failed(self) -> tuple[str, ...]:
        """Ids of the criteria that fail (inclusions not met, exclusions that apply)."""
        return tuple(cid for cid, o in self.criteria.items() if o.status == FAIL)

    @property
    def missing(self) -> tuple[str, ...]:
        """Ids of the criteria that cannot be decided yet."""
        return tuple(cid for cid, o in self.criteria.items() if o.status == MISSING)


def evaluate(data: Mapping[str, object], *, enrolment_date: datetime.date) -> EligibilityResult:
    """Evaluate every criterion of PROTOCOL §1 against ``data`` for enrolment on ``enrolment_date``.

    Source: PROTOCOL §1 (Table 1 of the paper and its resolutions); thresholds and windows from
    ``trialsite.protocol.eligibility.ELIGIBILITY``. See the module docstring for how "missing"
    works.
    """
    return evaluate_with_settings(data, enrolment_date=enrolment_date, settings=ELIGIBILITY)


def evaluate_with_settings(
    data: Mapping[str, object],
    *,
    enrolment_date: datetime.date,
    settings: EligibilitySettings,
) -> EligibilityResult:
    """``evaluate`` against explicit protocol settings (e.g. an amended protocol). PROTOCOL §1."""
    enrolment_date = _as_date(enrolment_date, "enrolment_date")
    d = _Data(data)
    p = settings
    labs_stale = _lab_freshness_problem(d, enrolment_date, p)
    outcomes = {
        "I1": _i1_age(d, p),
        "I2": _i2_disease(d, p),
        "I3": _i3_ecog(d, p),
        "I4a": _lab_above(d, labs_stale, "hemoglobin_g_dl", _("haemoglobin"), "g/dL",
                          p.hemoglobin_above_g_dl),
        "I4b": _lab_above(d, labs_stale, "neutrophils_10e9_l", _("neutrophils"), "x10^9/L",
                          p.neutrophils_above_10e9_l),
        "I4c": _lab_above(d, labs_stale, "leukocytes_10e9_l", _("leukocytes"), "x10^9/L",
                          p.leukocytes_above_10e9_l),
        "I4d": _lab_above(d, labs_stale, "platelets_10e9_l", _("platelets"), "x10^9/L",
                          p.platelets_above_10e9_l),
        "I4e": _labs_uln(d, labs_stale, (("alt", "ALT", p.alt_max_x_uln),
                                         ("ast", "AST", p.ast_max_x_uln))),
        "I4f": _labs_uln(d, labs_stale, (("bilirubin", _("total bilirubin"),
                                          p.bilirubin_max_x_uln),)),
        "I4g": _labs_uln(d, labs_stale, (("bun", _("blood urea nitrogen"), p.bun_max_x_uln),)),
        "I4h": _labs_uln(d, labs_stale, (("creatinine", _("creatinine"),
                                          p.creatinine_max_x_uln),)),
        "I5": _flag(d, "life_expectancy_over_6_months", True,
                    _("life expectancy > 6 months"), _("life expectancy not > 6 months")),
        "I6": _flag(d, "pi_confirms_ccrt", True,
                    _("PI confirms eligibility for CCRT"), _("PI does not confirm eligibility for CCRT")),
        "I7": _flag(d, "active_bleeding", False,
                    _("no active bleeding"), _("active bleeding")),
        "I8": _i8_pregnancy(d),
        "I9": _i9_consent(d, enrolment_date),
        "E1": _flag(d, "uncontrolled_infection", False,
                    _("no uncontrolled infection"), _("uncontrolled active infection")),
        "E2": _e2_malignancy(d, enrolment_date, p),
        "E3": _e3_cardiovascular(d, enrolment_date, p),
        "E4": _e4_immunosuppressant(d, enrolment_date, p),
        "E5": _e5_vaccine(d, enrolment_date, p),
        "E6": _combine([
            _flag(d, "organ_transplant", False, _("no organ transplant"), _("previous organ transplant")),
            _flag(d, "hiv", False, _("HIV negative"), pgettext("eligibility reason", "HIV")),
        ]),
        "E7": _flag(d, "uncontrolled_mental_illness", False,
                    _("no uncontrolled mental illness"), _("severe uncontrolled mental illness")),
        "E8": _combine([
            _viral_load(d, "hbv_dna_iu_ml", "HBV DNA", "IU/mL", p.hbv_dna_max_iu_ml),
            _viral_load(d, "hcv_rna_copies_ml", "HCV RNA", _("copies/mL"), p.hcv_rna_max_copies_ml),
        ]),
        "E9": _e9_distant(d, p),
        "E10": _flag(d, "mab_allergy", False,
                     _("no allergy to monoclonal antibodies or trial drugs"),
                     _("allergy to monoclonal antibodies / macromolecular proteins or a trial drug")),
        "E11": _flag(d, "active_autoimmune_disease", False,
                     _("no active autoimmune disease"),
                     _("active autoimmune disease or long-term immunosuppression")),
    }  # fmt: skip
    criteria = MappingProxyType(
        {c.id: CriterionOutcome(c.id, *outcomes[c.id]) for c in CRITERIA}
    )
    statuses = {o.status for o in criteria.values()}
    if FAIL in statuses:
        eligible: bool | None = False
    elif MISSING in statuses:
        eligible = None
    else:
        eligible = True
    return EligibilityResult(eligible=eligible, criteria=criteria)


# --- reading the data -----------------------------------------------------------------------------

_Partial = tuple[Status, str]


class _Data:
    """Typed, validated access to the screening data mapping."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self._data = data

    def has(self, key: str) -> bool:
        return key in self._data

    def date(self, key: str) -> datetime.date | None:
        value = self._data.get(key)
        return None if value is None else _as_date(value, key)

    def flag(self, key: str) -> bool | None:
        value = self._data.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise TypeError(f"{key} must be a bool or None, not {type(value).__name__}")

    def number(self, key: str) -> Decimal | None:
        value = self._data.get(key)
        return None if value is None else as_decimal(value, key)

    def integer(self, key: str) -> int | None:
        value = self._data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{key} must be an int or None, not {type(value).__name__}")
        return value

    def text(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"{key} must be a str or None, not {type(value).__name__}")
        return value.strip().upper() or None


def as_decimal(value: object, key: str = "value") -> Decimal:
    """An int, float or Decimal (never a bool) as an exact, finite Decimal via ``str``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"{key} must be an int, float or Decimal, not {type(value).__name__}")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{key} must be a finite number, not {value}")
    return number


def _as_date(value: object, key: str) -> datetime.date:
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(f"{key} must be a datetime.date, not {type(value).__name__}")
    return value


# --- dates ----------------------------------------------------------------------------------------


def age_in_years(date_of_birth: datetime.date, on: datetime.date) -> int:
    """Whole years completed on ``on`` (birthday arithmetic). Someone born on 29 February
    completes a year on 1 March in common years. PROTOCOL §1 I1."""
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month ``months`` calendar months earlier, moved back to the last day
    of the month when that month is shorter (31 August - 6 months = 29 February in a leap year).
    PROTOCOL §1 resolution: windows counted back from the enrolment date."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _window_hit(
    d: _Data, key: str, what: str, start: datetime.date, window: str, enrolment: datetime.date
) -> _Partial:
    """An exclusion part for "<what> within <window> before enrolment": applies when the event
    date is on or after ``start`` (the first day of the window; a date after enrolment is also
    inside). ``None`` means no such event; an absent key is missing."""
    if not d.has(key):
        return MISSING, _not_recorded(what)
    event = d.date(key)
    if event is None:
        return PASS, _("no %(event)s") % {"event": what}
    values = {"event": what, "date": _iso(event), "window": window, "enrolment": _iso(enrolment),
              "start": _iso(start)}
    if event >= start:
        return FAIL, _("%(event)s %(date)s, within %(window)s before enrolment %(enrolment)s "
                       "(from %(start)s)") % values
    return PASS, _("%(event)s %(date)s, more than %(window)s before enrolment %(enrolment)s") % values


def _iso(day: datetime.date) -> str:
    return f"{day:%Y-%m-%d}"


def _not_recorded(item: str) -> str:
    """"<item>: not recorded" (a yes/no question or an event left unanswered)."""
    return _("%(item)s: not recorded") % {"item": item}


def _years(count: int) -> str:
    return ngettext("%(count)d year", "%(count)d years", count) % {"count": count}


def _months(count: int) -> str:
    return ngettext("%(count)d month", "%(count)d months", count) % {"count": count}


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


# --- combining parts ------------------------------------------------------------------------------


def _combine(parts: list[_Partial]) -> _Partial:
    """Fail if any part fails; else missing if any part is missing; else pass. The reason lists
    the parts that decided the outcome."""
    for status in (FAIL, MISSING):
        reasons = [reason for s, reason in parts if s == status]
        if reasons:
            return status, _joined(reasons)
    return PASS, _joined(reason for _status, reason in parts)


def _joined(reasons) -> str:
    """Several reasons one after the other ("a; b")."""
    return pgettext("separator between reasons", "; ").join(reasons)


# How a missing yes/no item is named in a reason ("<question>: not recorded").
_FLAG_QUESTIONS: Mapping[str, str] = MappingProxyType(
    {
        "pathology_confirmed": gettext_lazy("pathological confirmation"),
        "previously_treated": gettext_lazy("prior treatment"),
        "life_expectancy_over_6_months": gettext_lazy("life expectancy > 6 months"),
        "pi_confirms_ccrt": gettext_lazy("PI confirmation of eligibility for CCRT"),
        "active_bleeding": gettext_lazy("active bleeding"),
        "childbearing_potential": gettext_lazy("childbearing potential"),
        "pregnancy_test_negative": gettext_lazy("pregnancy test result"),
        "contraception_agreed": gettext_lazy("agreement to contraception"),
        "uncontrolled_infection": gettext_lazy("uncontrolled infection"),
        "prior_malignancy_nonmelanoma_skin": gettext_lazy("whether it was non-melanoma skin cancer"),
        "uncontrolled_hypertension_or_diabetes": gettext_lazy("uncontrolled hypertension or diabetes"),
        "immunosuppressant_planned": gettext_lazy("planned immunosuppressant"),
        "live_vaccine_planned": gettext_lazy("planned live vaccine"),
        "therapeutic_hpv_vaccine_after_diagnosis": gettext_lazy("therapeutic HPV vaccine after diagnosis"),
        "organ_transplant": gettext_lazy("organ transplant"),
        "hiv": gettext_lazy("HIV status"),
        "uncontrolled_mental_illness": gettext_lazy("uncontrolled mental illness"),
        "distant_metastasis_or_recurrence": gettext_lazy("distant metastasis or recurrence"),
        "mab_allergy": gettext_lazy("allergy to monoclonal antibodies or trial drugs"),
        "active_autoimmune_disease": gettext_lazy("active autoimmune disease"),
    }
)


def _flag(d: _Data, key: str, passes_when: bool, pass_reason: str, fail_reason: str) -> _Partial:
    """A yes/no item that passes when it equals ``passes_when``."""
    value = d.flag(key)
    if value is None:
        return MISSING, _not_recorded(_FLAG_QUESTIONS[key])
    return (PASS, pass_reason) if value is passes_when else (FAIL, fail_reason)


def _fmt(number: Decimal) -> str:
    """A computed Decimal without exponent or trailing zeros (2.5 x 40 -> "100")."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- inclusion criteria ---------------------------------------------------------------------------


def _i1_age(d: _Data, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 I1: age 18-75 inclusive, whole years at the consent date."""
    born, consent = d.date("date_of_birth"), d.date("consent_date")
    if born is None and consent is None:
        return MISSING, _("date of birth and consent date not recorded")
    if born is None:
        return MISSING, _("date of birth not recorded")
    if consent is None:
        return MISSING, _("consent date not recorded")
    if consent < born:
        return MISSING, _("consent date %(consent)s is before date of birth %(born)s; check the dates") % {
            "consent": _iso(consent), "born": _iso(born)}
    age = age_in_years(born, consent)
    status = PASS if p.age_min_years <= age <= p.age_max_years else FAIL
    return status, _("age %(age)s years at consent, must be %(min)s-%(max)s") % {
        "age": age, "min": p.age_min_years, "max": p.age_max_years}


def _figo_leaves(stage: str) -> frozenset[str]:
    """The most specific FIGO 2018 substages a recorded stage stands for."""
    children = FIGO_2018_SUBSTAGES.get(stage)
    if not children:
        return frozenset({stage})
    return frozenset().union(*(_figo_leaves(child) for child in children))


def _i2_disease(d: _Data, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 I2: untreated, pathologically proven LACC, FIGO 2018 IIIA-IVA.

    The stage must be one of the listed substages. A broader stage that excludes every listed
    substage fails (e.g. "II"); one that could still be a listed substage (e.g. "III", "IV") is
    missing until the substage is recorded.
    """
    allowed = frozenset(p.figo_stages_allowed)
    stage = d.text("figo_stage")
    values = {"stage": stage, "stages": _or_list(p.figo_stages_allowed)}
    if stage is None:
        stage_part: _Partial = (MISSING, _("FIGO stage not recorded"))
    elif stage not in FIGO_2018_STAGES:
        stage_part = (MISSING, _not_a_figo_stage(stage))
    elif stage in allowed:
        stage_part = (PASS, _("FIGO stage %(stage)s") % values)
    elif _figo_leaves(stage).isdisjoint(allowed):
        stage_part = (FAIL, _("FIGO stage %(stage)s, must be %(stages)s") % values)
    else:
        stage_part = (MISSING, _("FIGO stage %(stage)s without substage, must be %(stages)s") % values)
    return _combine([
        stage_part,
        _flag(d, "pathology_confirmed", True, _("pathologically confirmed"),
              _("not pathologically confirmed")),
        _flag(d, "previously_treated", False, _("untreated"), _("previously treated")),
    ])  # fmt: skip


def _not_a_figo_stage(stage: str) -> str:
    return _("FIGO stage %(stage)s is not a FIGO 2018 stage") % {"stage": repr(stage)}


def _i3_ecog(d: _Data, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 I3: ECOG performance status 0-1."""
    ecog = d.integer("ecog")
    if ecog is None:
        return MISSING, _("ECOG not recorded")
    if not 0 <= ecog <= 5:
        return MISSING, _("ECOG %(ecog)s is not a valid ECOG score (0-5)") % {"ecog": ecog}
    return (PASS if ecog <= p.ecog_max else FAIL), _("ECOG %(ecog)s, must be 0-%(max)s") % {
        "ecog": ecog, "max": p.ecog_max}


def _lab_freshness_problem(
    d: _Data, enrolment: datetime.date, p: EligibilitySettings
) -> str | None:
    """PROTOCOL §1 resolution: screening labs no older than 14 days at enrolment, and not
    dated after it. Returns why the labs cannot be used, or None."""
    sampled = d.date("lab_date")
    if sampled is None:
        return _("lab date not recorded")
    if sampled > enrolment:
        return _("lab date %(lab)s is after enrolment %(enrolment)s") % {
            "lab": _iso(sampled), "enrolment": _iso(enrolment)}
    age_days = (enrolment - sampled).days
    if age_days > p.lab_max_age_days:
        return _("labs from %(lab)s are %(days)s days old at enrolment %(enrolment)s, must be at most "
                 "%(max)s days old; repeat them") % {
            "lab": _iso(sampled), "days": age_days, "enrolment": _iso(enrolment), "max": p.lab_max_age_days}
    return None


def _lab_value(d: _Data, key: str, name: str) -> tuple[Decimal | None, _Partial | None]:
    value = d.number(key)
    if value is None:
        return None, (MISSING, _("%(name)s not recorded") % {"name": name})
    if value < 0:
        return None, (MISSING, _("%(name)s %(value)s cannot be negative") % {"name": name, "value": value})
    return value, None


def _lab_above(
    d: _Data, stale: str | None, key: str, name: str, unit: str, limit: Decimal
) -> _Partial:
    """PROTOCOL §1 I4a-d: a blood count strictly above its limit, from fresh labs."""
    if stale:
        return MISSING, stale
    value, problem = _lab_value(d, key, name)
    if problem:
        return problem
    return (PASS if value > limit else FAIL), _("%(name)s %(value)s %(unit)s, must be > %(limit)s") % {
        "name": name, "value": value, "unit": unit, "limit": limit}


def _labs_uln(
    d: _Data, stale: str | None, items: tuple[tuple[str, str, Decimal], ...]
) -> _Partial:
    """PROTOCOL §1 I4e-h: each value at most factor x the lab's ULN, from fresh labs.
    I4e combines ALT and AST: it fails if either fails and passes only when both pass."""
    if stale:
        return MISSING, stale
    parts: list[_Partial] = []
    for key, name, factor in items:
        value, problem = _lab_value(d, key, name)
        uln = d.number(f"{key}_uln")
        if problem:
            parts.append(problem)
        elif uln is None:
            parts.append((MISSING, _("%(name)s ULN not recorded") % {"name": name}))
        elif uln <= 0:
            parts.append((MISSING, _("%(name)s ULN %(uln)s must be greater than 0") % {"name": name, "uln": uln}))
        else:
            limit = factor * uln
            status = PASS if value <= limit else FAIL
            reason = _("%(name)s %(value)s (ULN %(uln)s), must be <= %(factor)s x ULN = %(limit)s") % {
                "name": name, "value": value, "uln": uln, "factor": factor, "limit": _fmt(limit)}
            parts.append((status, reason))
    return _combine(parts)


def _i8_pregnancy(d: _Data) -> _Partial:
    """PROTOCOL §1 I8: if of childbearing potential, a negative pregnancy test and agreement to
    effective contraception. Not of childbearing potential passes whatever the other two say;
    unknown potential is missing, except that a positive pregnancy test fails in any case (it
    shows the potential)."""
    potential = d.flag("childbearing_potential")
    negative = d.flag("pregnancy_test_negative")
    if potential is False:
        return PASS, _("not of childbearing potential")
    if potential is None:
        if negative is False:
            return FAIL, _("pregnancy test positive")
        return MISSING, _("childbearing potential not recorded")
    return _combine([
        _flag(d, "pregnancy_test_negative", True, _("pregnancy test negative"),
              _("pregnancy test positive")),
        _flag(d, "contraception_agreed", True, _("agrees to effective contraception"),
              _("does not agree to effective contraception")),
    ])  # fmt: skip


def _i9_consent(d: _Data, enrolment: datetime.date) -> _Partial:
    """PROTOCOL §1 I9: written informed consent on or before the enrolment date."""
    consent = d.date("consent_date")
    values = {"consent": _iso(consent) if consent else "", "enrolment": _iso(enrolment)}
    if consent is None:
        return MISSING, _("consent date not recorded")
    if consent > enrolment:
        return FAIL, _("consent %(consent)s is after enrolment %(enrolment)s, must be on or before it") % values
    return PASS, _("consent %(consent)s, on or before enrolment %(enrolment)s") % values


# --- exclusion criteria ---------------------------------------------------------------------------


def _e2_malignancy(d: _Data, enrolment: datetime.date, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 E2: another malignancy within 5 years before enrolment, unless it was curable
    non-melanoma skin cancer. Applies when the date is inside the window and the skin-cancer
    flag is False; inside the window with the flag unknown is missing."""
    years = p.other_malignancy_window_years
    start = months_before(enrolment, 12 * years)
    status, reason = _window_hit(d, "prior_malignancy_date", _("other malignancy"), start,
                                 _years(years), enrolment)
    if status != FAIL:
        return status, reason
    skin = d.flag("prior_malignancy_nonmelanoma_skin")
    if skin is None:
        return MISSING, _joined([reason, _not_recorded(_FLAG_QUESTIONS["prior_malignancy_nonmelanoma_skin"])])
    if skin:
        return PASS, _joined([reason, _("non-melanoma skin cancer is allowed")])
    return FAIL, reason


def _e3_cardiovascular(d: _Data, enrolment: datetime.date, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 E3: uncontrolled hypertension or diabetes, or a cerebral embolism /
    haemorrhage, myocardial infarction or serious arrhythmia within 6 months before enrolment."""
    months = p.cardiocerebral_event_window_months
    return _combine([
        _flag(d, "uncontrolled_hypertension_or_diabetes", False,
              _("no uncontrolled hypertension or diabetes"), _("uncontrolled hypertension or diabetes")),
        _window_hit(d, "cardiocerebral_event_date", _("cardiocerebral event"),
                    months_before(enrolment, months), _months(months), enrolment),
    ])  # fmt: skip


def _e4_immunosuppressant(
    d: _Data, enrolment: datetime.date, p: EligibilitySettings
) -> _Partial:
    """PROTOCOL §1 E4: systemic steroid >= 10 mg/day prednisone-equivalent or another
    immunosuppressant within 14 days before enrolment, or planned during the study."""
    days = p.immunosuppressant_window_days
    return _combine([
        _window_hit(d, "last_immunosuppressant_date", _("immunosuppressant"),
                    enrolment - datetime.timedelta(days=days), _days(days), enrolment),
        _flag(d, "immunosuppressant_planned", False, _("no immunosuppressant planned"),
              _("immunosuppressant planned during the study")),
    ])  # fmt: skip


def _e5_vaccine(d: _Data, enrolment: datetime.date, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 E5: live attenuated vaccine within 30 days before enrolment or planned during
    the study; therapeutic HPV vaccine after the LACC diagnosis."""
    days = p.live_vaccine_window_days
    return _combine([
        _window_hit(d, "last_live_vaccine_date", _("live vaccine"),
                    enrolment - datetime.timedelta(days=days), _days(days), enrolment),
        _flag(d, "live_vaccine_planned", False, _("no live vaccine planned"),
              _("live vaccine planned during the study")),
        _flag(d, "therapeutic_hpv_vaccine_after_diagnosis", False,
              _("no therapeutic HPV vaccine after diagnosis"),
              _("therapeutic HPV vaccine after diagnosis")),
    ])  # fmt: skip


def _viral_load(d: _Data, key: str, name: str, unit: str, limit: Decimal) -> _Partial:
    """PROTOCOL §1 E8 part: a load above the limit applies; at the limit does not."""
    load = d.number(key)
    values = {"name": name, "value": load, "unit": unit, "limit": limit}
    if load is None:
        return MISSING, _("%(name)s not recorded") % values
    if load < 0:
        return MISSING, _("%(name)s %(value)s cannot be negative (0 when undetectable)") % values
    status = FAIL if load > limit else PASS
    return status, _("%(name)s %(value)s %(unit)s, excluded if > %(limit)s") % values


def _e9_distant(d: _Data, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 E9: recurrent or distant metastatic disease, or FIGO stage IVB. A stage that
    could still be IVB ("IV") or is not a FIGO stage leaves its part missing."""
    stage = d.text("figo_stage")
    distant = p.figo_stage_distant
    values = {"stage": stage, "distant": distant}
    if stage is None:
        stage_part: _Partial = (MISSING, _("FIGO stage not recorded"))
    elif stage not in FIGO_2018_STAGES:
        stage_part = (MISSING, _not_a_figo_stage(stage))
    elif stage == distant:
        stage_part = (FAIL, _("FIGO stage %(stage)s") % values)
    elif distant in _figo_leaves(stage):
        stage_part = (MISSING, _("FIGO stage %(stage)s without substage, could be %(distant)s") % values)
    else:
        stage_part = (PASS, _("FIGO stage %(stage)s, not %(distant)s") % values)
    return _combine([
        stage_part,
        _flag(d, "distant_metastasis_or_recurrence", False,
              _("no distant metastasis or recurrence"), _("distant metastasis or recurrence")),
    ])  # fmt: skip
