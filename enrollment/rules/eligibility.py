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
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

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
    label: str
    keys: tuple[str, ...]


def _or_list(items: tuple[str, ...]) -> str:
    return ", ".join(items[:-1]) + f" or {items[-1]}" if len(items) > 1 else "".join(items)


def _criteria(p: EligibilitySettings) -> tuple[Criterion, ...]:
    allowed = _or_list(p.figo_stages_allowed)
    return (
        Criterion("I1", INCLUSION, f"Age {p.age_min_years}-{p.age_max_years} years at consent",
                  ("date_of_birth", "consent_date")),
        Criterion("I2", INCLUSION, f"Untreated, pathologically proven LACC, FIGO 2018 {allowed}",
                  ("figo_stage", "pathology_confirmed", "previously_treated")),
        Criterion("I3", INCLUSION, f"ECOG performance status 0-{p.ecog_max}", ("ecog",)),
        Criterion("I4a", INCLUSION, f"Haemoglobin > {p.hemoglobin_above_g_dl} g/dL",
                  (*_LAB_KEYS, "hemoglobin_g_dl")),
        Criterion("I4b", INCLUSION, f"Neutrophils > {p.neutrophils_above_10e9_l} x10^9/L",
                  (*_LAB_KEYS, "neutrophils_10e9_l")),
        Criterion("I4c", INCLUSION, f"Leukocytes > {p.leukocytes_above_10e9_l} x10^9/L",
                  (*_LAB_KEYS, "leukocytes_10e9_l")),
        Criterion("I4d", INCLUSION, f"Platelets > {p.platelets_above_10e9_l} x10^9/L",
                  (*_LAB_KEYS, "platelets_10e9_l")),
        Criterion("I4e", INCLUSION,
                  f"ALT <= {p.alt_max_x_uln} x ULN and AST <= {p.ast_max_x_uln} x ULN",
                  (*_LAB_KEYS, "alt", "alt_uln", "ast", "ast_uln")),
        Criterion("I4f", INCLUSION, f"Total bilirubin <= {p.bilirubin_max_x_uln} x ULN",
                  (*_LAB_KEYS, "bilirubin", "bilirubin_uln")),
        Criterion("I4g", INCLUSION, f"Blood urea nitrogen <= {p.bun_max_x_uln} x ULN",
                  (*_LAB_KEYS, "bun", "bun_uln")),
        Criterion("I4h", INCLUSION, f"Serum creatinine <= {p.creatinine_max_x_uln} x ULN",
                  (*_LAB_KEYS, "creatinine", "creatinine_uln")),
        Criterion("I5", INCLUSION, "Life expectancy > 6 months",
                  ("life_expectancy_over_6_months",)),
        Criterion("I6", INCLUSION, "Eligible for CCRT (principal investigator)",
                  ("pi_confirms_ccrt",)),
        Criterion("I7", INCLUSION, "No obvious active bleeding", ("active_bleeding",)),
        Criterion("I8", INCLUSION,
                  "If of childbearing potential: negative pregnancy test and effective contraception",
                  ("childbearing_potential", "pregnancy_test_negative", "contraception_agreed")),
        Criterion("I9", INCLUSION, "Written informed consent before enrolment", ("consent_date",)),
        Criterion("E1", EXCLUSION, "Uncontrolled active infection", ("uncontrolled_infection",)),
        Criterion("E2", EXCLUSION,
                  f"Other malignancy within {p.other_malignancy_window_years} years "
                  "(except curable non-melanoma skin cancer)",
                  ("prior_malignancy_date", "prior_malignancy_nonmelanoma_skin")),
        Criterion("E3", EXCLUSION,
                  "Uncontrolled hypertension or diabetes; cerebral embolism or haemorrhage, "
                  "myocardial infarction or serious arrhythmia within "
                  f"{p.cardiocerebral_event_window_months} months",
                  ("uncontrolled_hypertension_or_diabetes", "cardiocerebral_event_date")),
        Criterion("E4", EXCLUSION,
                  f"Systemic steroid >= {p.steroid_threshold_prednisone_mg_per_day} mg/day "
                  "prednisone-equivalent or other immunosuppressant within "
                  f"{p.immunosuppressant_window_days} days, or planned",
                  ("last_immunosuppressant_date", "immunosuppressant_planned")),
        Criterion("E5", EXCLUSION,
                  f"Live attenuated vaccine within {p.live_vaccine_window_days} days or planned; "
                  "therapeutic HPV vaccine after diagnosis",
                  ("last_live_vaccine_date", "live_vaccine_planned",
                   "therapeutic_hpv_vaccine_after_diagnosis")),
        Criterion("E6", EXCLUSION, "Previous organ transplantation or HIV",
                  ("organ_transplant", "hiv")),
        Criterion("E7", EXCLUSION, "Severe uncontrolled mental illness",
                  ("uncontrolled_mental_illness",)),
        Criterion("E8", EXCLUSION,
                  f"Active hepatitis: HBV DNA > {p.hbv_dna_max_iu_ml} IU/mL or "
                  f"HCV RNA > {p.hcv_rna_max_copies_ml} copies/mL",
                  ("hbv_dna_iu_ml", "hcv_rna_copies_ml")),
        Criterion("E9", EXCLUSION,
                  f"Recurrent or distant metastatic disease (FIGO {p.figo_stage_distant})",
                  ("figo_stage", "distant_metastasis_or_recurrence")),
        Criterion("E10", EXCLUSION,
                  "Allergy to macromolecular proteins / monoclonal antibodies or a trial drug",
                  ("mab_allergy",)),
        Criterion("E11", EXCLUSION,
                  "Active autoimmune disease needing systemic treatment, or long-term "
                  "glucocorticoids / immunosuppressants",
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
        "I4a": _lab_above(d, labs_stale, "hemoglobin_g_dl", "haemoglobin", "g/dL",
                          p.hemoglobin_above_g_dl),
        "I4b": _lab_above(d, labs_stale, "neutrophils_10e9_l", "neutrophils", "x10^9/L",
                          p.neutrophils_above_10e9_l),
        "I4c": _lab_above(d, labs_stale, "leukocytes_10e9_l", "leukocytes", "x10^9/L",
                          p.leukocytes_above_10e9_l),
        "I4d": _lab_above(d, labs_stale, "platelets_10e9_l", "platelets", "x10^9/L",
                          p.platelets_above_10e9_l),
        "I4e": _labs_uln(d, labs_stale, (("alt", "ALT", p.alt_max_x_uln),
                                         ("ast", "AST", p.ast_max_x_uln))),
        "I4f": _labs_uln(d, labs_stale, (("bilirubin", "total bilirubin",
                                          p.bilirubin_max_x_uln),)),
        "I4g": _labs_uln(d, labs_stale, (("bun", "blood urea nitrogen", p.bun_max_x_uln),)),
        "I4h": _labs_uln(d, labs_stale, (("creatinine", "creatinine",
                                          p.creatinine_max_x_uln),)),
        "I5": _flag(d, "life_expectancy_over_6_months", True,
                    "life expectancy > 6 months", "life expectancy not > 6 months"),
        "I6": _flag(d, "pi_confirms_ccrt", True,
                    "PI confirms eligibility for CCRT", "PI does not confirm eligibility for CCRT"),
        "I7": _flag(d, "active_bleeding", False,
                    "no active bleeding", "active bleeding"),
        "I8": _i8_pregnancy(d),
        "I9": _i9_consent(d, enrolment_date),
        "E1": _flag(d, "uncontrolled_infection", False,
                    "no uncontrolled infection", "uncontrolled active infection"),
        "E2": _e2_malignancy(d, enrolment_date, p),
        "E3": _e3_cardiovascular(d, enrolment_date, p),
        "E4": _e4_immunosuppressant(d, enrolment_date, p),
        "E5": _e5_vaccine(d, enrolment_date, p),
        "E6": _combine([
            _flag(d, "organ_transplant", False, "no organ transplant", "previous organ transplant"),
            _flag(d, "hiv", False, "HIV negative", "HIV"),
        ]),
        "E7": _flag(d, "uncontrolled_mental_illness", False,
                    "no uncontrolled mental illness", "severe uncontrolled mental illness"),
        "E8": _combine([
            _viral_load(d, "hbv_dna_iu_ml", "HBV DNA", "IU/mL", p.hbv_dna_max_iu_ml),
            _viral_load(d, "hcv_rna_copies_ml", "HCV RNA", "copies/mL", p.hcv_rna_max_copies_ml),
        ]),
        "E9": _e9_distant(d, p),
        "E10": _flag(d, "mab_allergy", False,
                     "no allergy to monoclonal antibodies or trial drugs",
                     "allergy to monoclonal antibodies / macromolecular proteins or a trial drug"),
        "E11": _flag(d, "active_autoimmune_disease", False,
                     "no active autoimmune disease",
                     "active autoimmune disease or long-term immunosuppression"),
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
        return MISSING, f"{what}: not recorded"
    event = d.date(key)
    if event is None:
        return PASS, f"no {what}"
    if event >= start:
        return FAIL, (f"{what} {event:%Y-%m-%d}, within {window} before enrolment "
                      f"{enrolment:%Y-%m-%d} (from {start:%Y-%m-%d})")
    return PASS, (f"{what} {event:%Y-%m-%d}, more than {window} before enrolment "
                  f"{enrolment:%Y-%m-%d}")


# --- combining parts ------------------------------------------------------------------------------


def _combine(parts: list[_Partial]) -> _Partial:
    """Fail if any part fails; else missing if any part is missing; else pass. The reason lists
    the parts that decided the outcome."""
    for status in (FAIL, MISSING):
        reasons = [reason for s, reason in parts if s == status]
        if reasons:
            return status, "; ".join(reasons)
    return PASS, "; ".join(reason for _, reason in parts)


# How a missing yes/no item is named in a reason ("<question>: not recorded").
_FLAG_QUESTIONS: Mapping[str, str] = MappingProxyType(
    {
        "pathology_confirmed": "pathological confirmation",
        "previously_treated": "prior treatment",
        "life_expectancy_over_6_months": "life expectancy > 6 months",
        "pi_confirms_ccrt": "PI confirmation of eligibility for CCRT",
        "active_bleeding": "active bleeding",
        "childbearing_potential": "childbearing potential",
        "pregnancy_test_negative": "pregnancy test result",
        "contraception_agreed": "agreement to contraception",
        "uncontrolled_infection": "uncontrolled infection",
        "prior_malignancy_nonmelanoma_skin": "whether it was non-melanoma skin cancer",
        "uncontrolled_hypertension_or_diabetes": "uncontrolled hypertension or diabetes",
        "immunosuppressant_planned": "planned immunosuppressant",
        "live_vaccine_planned": "planned live vaccine",
        "therapeutic_hpv_vaccine_after_diagnosis": "therapeutic HPV vaccine after diagnosis",
        "organ_transplant": "organ transplant",
        "hiv": "HIV status",
        "uncontrolled_mental_illness": "uncontrolled mental illness",
        "distant_metastasis_or_recurrence": "distant metastasis or recurrence",
        "mab_allergy": "allergy to monoclonal antibodies or trial drugs",
        "active_autoimmune_disease": "active autoimmune disease",
    }
)


def _flag(d: _Data, key: str, passes_when: bool, pass_reason: str, fail_reason: str) -> _Partial:
    """A yes/no item that passes when it equals ``passes_when``."""
    value = d.flag(key)
    if value is None:
        return MISSING, f"{_FLAG_QUESTIONS[key]}: not recorded"
    return (PASS, pass_reason) if value is passes_when else (FAIL, fail_reason)


def _fmt(number: Decimal) -> str:
    """A computed Decimal without exponent or trailing zeros (2.5 x 40 -> "100")."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- inclusion criteria ---------------------------------------------------------------------------


def _i1_age(d: _Data, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 I1: age 18-75 inclusive, whole years at the consent date."""
    born, consent = d.date("date_of_birth"), d.date("consent_date")
    if born is None or consent is None:
        absent = [k.replace("_", " ") for k, v in (("date_of_birth", born),
                                                   ("consent_date", consent)) if v is None]
        return MISSING, " and ".join(absent) + " not recorded"
    if consent < born:
        return MISSING, (f"consent date {consent:%Y-%m-%d} is before date of birth "
                         f"{born:%Y-%m-%d}; check the dates")
    age = age_in_years(born, consent)
    status = PASS if p.age_min_years <= age <= p.age_max_years else FAIL
    return status, (f"age {age} years at consent, must be "
                    f"{p.age_min_years}-{p.age_max_years}")


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
    must_be = f"must be {_or_list(p.figo_stages_allowed)}"
    if stage is None:
        stage_part: _Partial = (MISSING, "FIGO stage not recorded")
    elif stage not in FIGO_2018_STAGES:
        stage_part = (MISSING, f"FIGO stage {stage!r} is not a FIGO 2018 stage")
    elif stage in allowed:
        stage_part = (PASS, f"FIGO stage {stage}")
    elif _figo_leaves(stage).isdisjoint(allowed):
        stage_part = (FAIL, f"FIGO stage {stage}, {must_be}")
    else:
        stage_part = (MISSING, f"FIGO stage {stage} without substage, {must_be}")
    return _combine([
        stage_part,
        _flag(d, "pathology_confirmed", True, "pathologically confirmed",
              "not pathologically confirmed"),
        _flag(d, "previously_treated", False, "untreated", "previously treated"),
    ])  # fmt: skip


def _i3_ecog(d: _Data, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 I3: ECOG performance status 0-1."""
    ecog = d.integer("ecog")
    if ecog is None:
        return MISSING, "ECOG not recorded"
    if not 0 <= ecog <= 5:
        return MISSING, f"ECOG {ecog} is not a valid ECOG score (0-5)"
    return (PASS if ecog <= p.ecog_max else FAIL), f"ECOG {ecog}, must be 0-{p.ecog_max}"


def _lab_freshness_problem(
    d: _Data, enrolment: datetime.date, p: EligibilitySettings
) -> str | None:
    """PROTOCOL §1 resolution: screening labs no older than 14 days at enrolment, and not
    dated after it. Returns why the labs cannot be used, or None."""
    sampled = d.date("lab_date")
    if sampled is None:
        return "lab date not recorded"
    if sampled > enrolment:
        return f"lab date {sampled:%Y-%m-%d} is after enrolment {enrolment:%Y-%m-%d}"
    age_days = (enrolment - sampled).days
    if age_days > p.lab_max_age_days:
        return (f"labs from {sampled:%Y-%m-%d} are {age_days} days old at enrolment "
                f"{enrolment:%Y-%m-%d}, must be at most {p.lab_max_age_days} days old; repeat them")
    return None


def _lab_value(d: _Data, key: str, name: str) -> tuple[Decimal | None, _Partial | None]:
    value = d.number(key)
    if value is None:
        return None, (MISSING, f"{name} not recorded")
    if value < 0:
        return None, (MISSING, f"{name} {value} cannot be negative")
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
    return (PASS if value > limit else FAIL), f"{name} {value} {unit}, must be > {limit}"


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
            parts.append((MISSING, f"{name} ULN not recorded"))
        elif uln <= 0:
            parts.append((MISSING, f"{name} ULN {uln} must be greater than 0"))
        else:
            limit = factor * uln
            status = PASS if value <= limit else FAIL
            reason = f"{name} {value} (ULN {uln}), must be <= {factor} x ULN = {_fmt(limit)}"
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
        return PASS, "not of childbearing potential"
    if potential is None:
        if negative is False:
            return FAIL, "pregnancy test positive"
        return MISSING, "childbearing potential not recorded"
    return _combine([
        _flag(d, "pregnancy_test_negative", True, "pregnancy test negative",
              "pregnancy test positive"),
        _flag(d, "contraception_agreed", True, "agrees to effective contraception",
              "does not agree to effective contraception"),
    ])  # fmt: skip


def _i9_consent(d: _Data, enrolment: datetime.date) -> _Partial:
    """PROTOCOL §1 I9: written informed consent on or before the enrolment date."""
    consent = d.date("consent_date")
    if consent is None:
        return MISSING, "consent date not recorded"
    if consent > enrolment:
        return FAIL, (f"consent {consent:%Y-%m-%d} is after enrolment {enrolment:%Y-%m-%d}, "
                      "must be on or before it")
    return PASS, f"consent {consent:%Y-%m-%d}, on or before enrolment {enrolment:%Y-%m-%d}"


# --- exclusion criteria ---------------------------------------------------------------------------


def _e2_malignancy(d: _Data, enrolment: datetime.date, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 E2: another malignancy within 5 years before enrolment, unless it was curable
    non-melanoma skin cancer. Applies when the date is inside the window and the skin-cancer
    flag is False; inside the window with the flag unknown is missing."""
    years = p.other_malignancy_window_years
    start = months_before(enrolment, 12 * years)
    status, reason = _window_hit(d, "prior_malignancy_date", "other malignancy", start,
                                 f"{years} years", enrolment)
    if status != FAIL:
        return status, reason
    skin = d.flag("prior_malignancy_nonmelanoma_skin")
    if skin is None:
        return MISSING, reason + "; whether it was non-melanoma skin cancer: not recorded"
    if skin:
        return PASS, reason + "; non-melanoma skin cancer is allowed"
    return FAIL, reason


def _e3_cardiovascular(d: _Data, enrolment: datetime.date, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 E3: uncontrolled hypertension or diabetes, or a cerebral embolism /
    haemorrhage, myocardial infarction or serious arrhythmia within 6 months before enrolment."""
    months = p.cardiocerebral_event_window_months
    return _combine([
        _flag(d, "uncontrolled_hypertension_or_diabetes", False,
              "no uncontrolled hypertension or diabetes", "uncontrolled hypertension or diabetes"),
        _window_hit(d, "cardiocerebral_event_date", "cardiocerebral event",
                    months_before(enrolment, months), f"{months} months", enrolment),
    ])  # fmt: skip


def _e4_immunosuppressant(
    d: _Data, enrolment: datetime.date, p: EligibilitySettings
) -> _Partial:
    """PROTOCOL §1 E4: systemic steroid >= 10 mg/day prednisone-equivalent or another
    immunosuppressant within 14 days before enrolment, or planned during the study."""
    days = p.immunosuppressant_window_days
    return _combine([
        _window_hit(d, "last_immunosuppressant_date", "immunosuppressant",
                    enrolment - datetime.timedelta(days=days), f"{days} days", enrolment),
        _flag(d, "immunosuppressant_planned", False, "no immunosuppressant planned",
              "immunosuppressant planned during the study"),
    ])  # fmt: skip


def _e5_vaccine(d: _Data, enrolment: datetime.date, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 E5: live attenuated vaccine within 30 days before enrolment or planned during
    the study; therapeutic HPV vaccine after the LACC diagnosis."""
    days = p.live_vaccine_window_days
    return _combine([
        _window_hit(d, "last_live_vaccine_date", "live vaccine",
                    enrolment - datetime.timedelta(days=days), f"{days} days", enrolment),
        _flag(d, "live_vaccine_planned", False, "no live vaccine planned",
              "live vaccine planned during the study"),
        _flag(d, "therapeutic_hpv_vaccine_after_diagnosis", False,
              "no therapeutic HPV vaccine after diagnosis",
              "therapeutic HPV vaccine after diagnosis"),
    ])  # fmt: skip


def _viral_load(d: _Data, key: str, name: str, unit: str, limit: Decimal) -> _Partial:
    """PROTOCOL §1 E8 part: a load above the limit applies; at the limit does not."""
    load = d.number(key)
    if load is None:
        return MISSING, f"{name} not recorded"
    if load < 0:
        return MISSING, f"{name} {load} cannot be negative (0 when undetectable)"
    status = FAIL if load > limit else PASS
    return status, f"{name} {load} {unit}, excluded if > {limit}"


def _e9_distant(d: _Data, p: EligibilitySettings) -> _Partial:
    """PROTOCOL §1 E9: recurrent or distant metastatic disease, or FIGO stage IVB. A stage that
    could still be IVB ("IV") or is not a FIGO stage leaves its part missing."""
    stage = d.text("figo_stage")
    distant = p.figo_stage_distant
    if stage is None:
        stage_part: _Partial = (MISSING, "FIGO stage not recorded")
    elif stage not in FIGO_2018_STAGES:
        stage_part = (MISSING, f"FIGO stage {stage!r} is not a FIGO 2018 stage")
    elif stage == distant:
        stage_part = (FAIL, f"FIGO stage {stage}")
    elif distant in _figo_leaves(stage):
        stage_part = (MISSING, f"FIGO stage {stage} without substage, could be {distant}")
    else:
        stage_part = (PASS, f"FIGO stage {stage}, not {distant}")
    return _combine([
        stage_part,
        _flag(d, "distant_metastasis_or_recurrence", False,
              "no distant metastasis or recurrence", "distant metastasis or recurrence"),
    ])  # fmt: skip
