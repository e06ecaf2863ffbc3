"""Radiotherapy: EQD2, cumulative EBRT + brachytherapy doses against the PROTOCOL §2 limits,
femoral head V50 and overall treatment time.

Arithmetic: the public ``eqd2`` returns a float (contract), but totals and limit comparisons are
made in ``Decimal`` from the entered values (a float is read through its shortest ``repr``), so a
total of exactly 75 Gy is exactly 75 and passes a "<= 75 Gy" limit. With alpha/beta = 3 the
divisor (2 + 3 = 5) is exact in decimal, so the OAR comparisons have no rounding at all.

Pure Python: no database, no clock (messages are marked for translation with ``gettext``).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext, pgettext_lazy

from trialsite.protocol.treatment import RADIOTHERAPY, RadiotherapyProtocol

HRCTV = "hrctv"
BLADDER = "bladder"
RECTUM = "rectum"
SIGMOID = "sigmoid"
OAR_ORGANS = (BLADDER, RECTUM, SIGMOID)

_PRECISION = 40

# The labels of ``RADIOTHERAPY.oar_limits`` (protocol data), for the catalog: messages show
# ``gettext(limit.label)``.
_OAR_LABELS = (gettext_noop("Bladder D2cc"), gettext_noop("Rectum D2cc"), gettext_noop("Sigmoid D2cc"))
_ORGAN_WORDS = {
    BLADDER: pgettext_lazy("organ in a message", "bladder"),
    RECTUM: pgettext_lazy("organ in a message", "rectum"),
    SIGMOID: pgettext_lazy("organ in a message", "sigmoid"),
}


class RadiotherapyInputError(ValueError):
    """A dose, fraction count or date that cannot be right; ``code`` is stable, the message names it."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class EbrtCourse:
    """The external-beam course as prescribed (PROTOCOL §2: 45.0-50.4 Gy in 25-28 fractions).

    ``<organ>_d2cc_gy`` are optional MEASURED EBRT doses to an organ's D2cc (from the EBRT plan),
    delivered in the same number of fractions. When one is absent the organ's EBRT contribution
    is the prescribed dose (PROTOCOL §2 resolution: the conservative convention).
    """

    total_dose_gy: float
    fractions: int
    bladder_d2cc_gy: float | None = None
    rectum_d2cc_gy: float | None = None
    sigmoid_d2cc_gy: float | None = None

    def measured_d2cc_gy(self, organ: str) -> float | None:
        return {BLADDER: self.bladder_d2cc_gy, RECTUM: self.rectum_d2cc_gy, SIGMOID: self.sigmoid_d2cc_gy}[organ]


@dataclass(frozen=True)
class BrachyFraction:
    """One HDR brachytherapy fraction: physical doses in Gy for that fraction (None = not entered)."""

    hrctv_d90_gy: float | None
    bladder_d2cc_gy: float | None = None
    rectum_d2cc_gy: float | None = None
    sigmoid_d2cc_gy: float | None = None

    def dose_gy(self, structure: str) -> float | None:
        return {
            HRCTV: self.hrctv_d90_gy,
            BLADDER: self.bladder_d2cc_gy,
            RECTUM: self.rectum_d2cc_gy,
            SIGMOID: self.sigmoid_d2cc_gy,
        }[structure]


@dataclass(frozen=True)
class CumulativeEqd2:
    """EBRT + brachytherapy EQD2 for one structure."""

    structure: str  # "hrctv", "bladder", "rectum", "sigmoid"
    alpha_beta_gy: float
    ebrt_eqd2_gy: float
    ebrt_source: str  # "prescribed" or "measured"
    brachy_eqd2_gy: tuple[float | None, ...]  # per fraction, None where the dose is missing
    total_eqd2_gy: float  # EBRT + the fractions that have a dose
    missing_fractions: tuple[int, ...]  # 1-based numbers of the fractions with no dose entered
    total_exact: Decimal  # the same total, exact, used for limit comparisons

    @property
    def complete(self) -> bool:
        return not self.missing_fractions


@dataclass(frozen=True)
class LimitCheck:
    """One PROTOCOL §2 limit against a value: ``exceeded`` with a stable ``code`` and a message."""

    code: str  # e.g. "oar.rectum.d2cc"
    value: float
    limit: float
    exceeded: bool
    complete: bool  # False when some brachytherapy doses are missing (the value is a lower bound)
    message: str


def _dec(value: object, name: str) -> Decimal:
    if value is None:
        raise RadiotherapyInputError(f"rt.{name}.missing", _("%(field)s is missing.") % {"field": name})
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise RadiotherapyInputError(
            f"rt.{name}.type", _("%(field)s must be a number, got %(value)s.") % {"field": name, "value": repr(value)}
        )
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise RadiotherapyInputError(
            f"rt.{name}.not_finite", _("%(field)s must be finite, got %(value)s.") % {"field": name, "value": repr(value)}
        )
    return number


def _eqd2_exact(total: Decimal, per_fraction: Decimal, alpha_beta: Decimal) -> Decimal:
    if total < 0:
        raise RadiotherapyInputError(
            "rt.total_dose_gy.negative", _("Total dose %(value)s Gy is negative.") % {"value": total}
        )
    if per_fraction < 0:
        raise RadiotherapyInputError(
            "rt.dose_per_fraction_gy.negative", _("Dose per fraction %(value)s Gy is negative.") % {"value": per_fraction}
        )
    if alpha_beta <= 0:
        raise RadiotherapyInputError(
            "rt.alpha_beta_gy.not_positive", _("alpha/beta %(value)s Gy must be above 0.") % {"value": alpha_beta}
        )
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return total * (per_fraction + alpha_beta) / (2 + alpha_beta)


def eqd2(total_dose_gy, dose_per_fraction_gy, alpha_beta_gy) -> float:
    """Equivalent dose in 2-Gy fractions: EQD2 = D x (d + a/b) / (2 + a/b).

    Source: PROTOCOL §2 (linear-quadratic model; tumour a/b 10 Gy, OARs a/b 3 Gy). ``D`` total
    dose, ``d`` dose per fraction, in Gy. E.g. 28 Gy in 7-Gy fractions, a/b 10: 39.67 Gy;
    45 Gy in 1.8-Gy fractions, a/b 3: 43.2 Gy. Negative doses or a/b <= 0 raise
    ``RadiotherapyInputError``.
    """
    exact = _eqd2_exact(
        _dec(total_dose_gy, "total_dose_gy"),
        _dec(dose_per_fraction_gy, "dose_per_fraction_gy"),
        _dec(alpha_beta_gy, "alpha_beta_gy"),
    )
    return float(exact)


def _ebrt_eqd2(total: Decimal, fractions: int, alpha_beta: Decimal) -> Decimal:
    if isinstance(fractions, bool) or not isinstance(fractions, int) or fractions < 1:
        raise RadiotherapyInputError(
            "rt.ebrt.fractions",
            _("EBRT fractions must be a whole number of at least 1, got %(value)s.") % {"value": repr(fractions)},
        )
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        per_fraction = total / fractions
    return _eqd2_exact(total, per_fraction, alpha_beta)


def _cumulative(
    structure: str,
    ebrt: EbrtCourse,
    brachy: Sequence[BrachyFraction],
    alpha_beta_gy: float,
    ebrt_dose: object,
    ebrt_source: str,
) -> CumulativeEqd2:
    alpha_beta = _dec(alpha_beta_gy, "alpha_beta_gy")
    ebrt_exact = _ebrt_eqd2(_dec(ebrt_dose, "ebrt_dose_gy"), ebrt.fractions, alpha_beta)
    per_fraction: list[float | None] = []
    missing: list[int] = []
    total = ebrt_exact
    for number, fraction in enumerate(brachy, start=1):
        dose = fraction.dose_gy(structure)
        if dose is None:
            per_fraction.append(None)
            missing.append(number)
            continue
        fraction_dose = _dec(dose, f"brachy_{structure}_gy")
        exact = _eqd2_exact(fraction_dose, fraction_dose, alpha_beta)
        per_fraction.append(float(exact))
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            total += exact
    return CumulativeEqd2(
        structure=structure,
        alpha_beta_gy=float(alpha_beta),
        ebrt_eqd2_gy=float(ebrt_exact),
        ebrt_source=ebrt_source,
        brachy_eqd2_gy=tuple(per_fraction),
        total_eqd2_gy=float(total),
        missing_fractions=tuple(missing),
        total_exact=total,
    )


def hrctv_eqd2(
    ebrt: EbrtCourse,
    brachy: Sequence[BrachyFraction],
    *,
    protocol: RadiotherapyProtocol = RADIOTHERAPY,
) -> CumulativeEqd2:
    """HR-CTV cumulative EQD2 (a/b 10 Gy): prescribed EBRT plus each fraction's HR-CTV D90.

    Source: PROTOCOL §2 (tumour a/b 10 Gy; IGABT 4 x 7 Gy to the HR-CTV). E.g. 45 Gy/25 fx plus
    4 x 7 Gy = 44.25 + 4 x 9.9167 = 83.92 Gy. The protocol sets no HR-CTV limit; this is shown.
    """
    return _cumulative(HRCTV, ebrt, brachy, protocol.alpha_beta_tumour_gy, ebrt.total_dose_gy, "prescribed")


def oar_d2cc_eqd2(
    organ: str,
    ebrt: EbrtCourse,
    brachy: Sequence[BrachyFraction],
    *,
    protocol: RadiotherapyProtocol = RADIOTHERAPY,
) -> CumulativeEqd2:
    """Cumulative D2cc EQD2 (a/b 3 Gy) of ``organ`` ("bladder", "rectum" or "sigmoid").

    Source: PROTOCOL §2 (OAR limits on EBRT + brachytherapy in EQD2, a/b 3 Gy) and its resolution:
    the EBRT contribution is the prescribed EBRT dose unless a measured EBRT D2cc dose for the
    organ is on the ``EbrtCourse`` (then that dose, in the same number of fractions).
    """
    if organ not in OAR_ORGANS:
        raise RadiotherapyInputError(
            "rt.organ.unknown",
            _("Unknown organ %(organ)s; expected one of %(organs)s.") % {"organ": repr(organ), "organs": OAR_ORGANS},
        )
    measured = ebrt.measured_d2cc_gy(organ)
    if measured is None:
        return _cumulative(organ, ebrt, brachy, protocol.alpha_beta_oar_gy, ebrt.total_dose_gy, "prescribed")
    return _cumulative(organ, ebrt, brachy, protocol.alpha_beta_oar_gy, measured, "measured")


def check_oar_limits(
    ebrt: EbrtCourse,
    brachy: Sequence[BrachyFraction],
    *,
    protocol: RadiotherapyProtocol = RADIOTHERAPY,
) -> list[LimitCheck]:
    """Each PROTOCOL §2 D2cc limit (bladder <= 85, rectum <= 75, sigmoid <= 75 Gy EQD2) checked.

    Source: PROTOCOL §2 "Organ-at-risk limits". A limit is exceeded when the cumulative total is
    strictly above it (exactly 75 Gy passes). With brachytherapy doses missing the total is a
    lower bound (``complete`` False): it can show a limit exceeded but not that it holds.
    Returned in the order of ``protocol.oar_limits``; codes ``oar.<organ>.d2cc``.
    """
    checks = []
    for limit in protocol.oar_limits:
        total = oar_d2cc_eqd2(limit.organ, ebrt, brachy, protocol=protocol)
        exceeded = total.total_exact > _dec(limit.max_eqd2_gy, "max_eqd2_gy")
        params = {
            "label": _(limit.label),
            "total": f"{total.total_eqd2_gy:.2f}",
            "limit": f"{limit.max_eqd2_gy:g}",
        }
        if exceeded:
            message = _("%(label)s cumulative EQD2 %(total)s Gy is above the limit of <= %(limit)s Gy (PROTOCOL §2).")
        else:
            message = _("%(label)s cumulative EQD2 %(total)s Gy is within the limit of <= %(limit)s Gy (PROTOCOL §2).")
        message = message % params
        if not total.complete:
            message = _("%(message)s Brachytherapy fraction(s) %(numbers)s have no %(organ)s D2cc dose entered.") % {
                "message": message,
                "numbers": pgettext("list separator", ", ").join(str(n) for n in total.missing_fractions),
                "organ": _ORGAN_WORDS.get(limit.organ, limit.organ),
            }
        checks.append(
            LimitCheck(
                code=limit.code,
                value=total.total_eqd2_gy,
                limit=limit.max_eqd2_gy,
                exceeded=exceeded,
                complete=total.complete,
                message=message,
            )
        )
    return checks


def exceeded_oar_limits(
    ebrt: EbrtCourse,
    brachy: Sequence[BrachyFraction],
    *,
    protocol: RadiotherapyProtocol = RADIOTHERAPY,
) -> list[LimitCheck]:
    """Only the PROTOCOL §2 D2cc limits that are exceeded (see ``check_oar_limits``)."""
    return [check for check in check_oar_limits(ebrt, brachy, protocol=protocol) if check.exceeded]


def check_femoral_head_v50(v50_pct, *, protocol: RadiotherapyProtocol = RADIOTHERAPY) -> LimitCheck:
    """Femoral head V50 (% of the volume receiving >= 50 Gy) against PROTOCOL §2: V50 < 5 %.

    Source: PROTOCOL §2 and the paper's "Dose constraints". The limit is strict: 4.99 % passes,
    exactly 5 % is exceeded. Values outside 0-100 % raise ``RadiotherapyInputError``. Call once
    per femoral head.
    """
    value = _dec(v50_pct, "v50_pct")
    if not 0 <= value <= 100:
        raise RadiotherapyInputError(
            "rt.v50_pct.range", _("Femoral head V50 %(value)s %% must be between 0 and 100 %%.") % {"value": value}
        )
    limit = protocol.femoral_head_v50_max_pct
    exceeded = value >= _dec(limit, "femoral_head_v50_max_pct")
    if exceeded:
        message = _("Femoral head V50 %(value)s %% is not below the limit of < %(limit)s %% (PROTOCOL §2).")
    else:
        message = _("Femoral head V50 %(value)s %% is below the limit of < %(limit)s %% (PROTOCOL §2).")
    return LimitCheck(
        code=protocol.femoral_head_v50_code,
        value=float(value),
        limit=limit,
        exceeded=exceeded,
        complete=True,
        message=message % {"value": value, "limit": f"{limit:g}"},
    )


def overall_treatment_time_days(first_ebrt: datetime.date, last_rt_fraction: datetime.date) -> int:
    """Overall treatment time in days, counting both the first EBRT day and the last RT day.

    Convention (documented): inclusive, i.e. ``(last - first).days + 1``; treatment that starts
    and ends on the same day lasts 1 day, Monday of week 1 to Sunday of week 8 is 56 days.
    ``last_rt_fraction`` is the later of the last EBRT and last brachytherapy fraction.
    Source: PROTOCOL §2 / issue 4 (OTT warning above 56 days).
    """
    if last_rt_fraction < first_ebrt:
        raise RadiotherapyInputError(
            "rt.ott.order",
            _("The last radiotherapy fraction (%(last)s) is before the first EBRT fraction (%(first)s).")
            % {"last": last_rt_fraction.isoformat(), "first": first_ebrt.isoformat()},
        )
    return (last_rt_fraction - first_ebrt).days + 1


def check_overall_treatment_time(
    first_ebrt: datetime.date,
    last_rt_fraction: datetime.date,
    *,
    protocol: RadiotherapyProtocol = RADIOTHERAPY,
) -> LimitCheck:
    """Overall treatment time against the warning limit: exceeded when above 56 days (57 or more).

    Source: issue 4 / PROTOCOL §2 (``RADIOTHERAPY.overall_treatment_time_max_days``); days counted
    inclusively (see ``overall_treatment_time_days``). Code ``rt.ott.over_limit``.
    """
    days = overall_treatment_time_days(first_ebrt, last_rt_fraction)
    limit = protocol.overall_treatment_time_max_days
    exceeded = days > limit
    if exceeded:
        message = _("Overall treatment time %(days)s days is above the limit of %(limit)s days.")
    else:
        message = _("Overall treatment time %(days)s days is within the limit of %(limit)s days.")
    return LimitCheck(
        code=protocol.overall_treatment_time_code,
        value=float(days),
        limit=float(limit),
        exceeded=exceeded,
        complete=True,
        message=message % {"days": days, "limit": limit},
    )


def _within(value: Decimal, low: float, high: float) -> bool:
    return _dec(low, "low") <= value <= _dec(high, "high")


def ebrt_prescription_problems(
    total_dose_gy, fractions: int, dose_per_fraction_gy, *, protocol: RadiotherapyProtocol = RADIOTHERAPY
) -> list[str]:
    """What in an EBRT prescription lies outside PROTOCOL §2 (45.0-50.4 Gy in 25-28 fractions of
    1.8 Gy), each as a short phrase; empty when the prescription follows the protocol. The limits
    are inclusive: 45.0 Gy, 50.4 Gy, 25 and 28 fractions all follow it."""
    total = _dec(total_dose_gy, "total_dose_gy")
    per_fraction = _dec(dose_per_fraction_gy, "dose_per_fraction_gy")
    p = protocol
    problems = []
    if not _within(total, p.ebrt_total_dose_min_gy, p.ebrt_total_dose_max_gy):
        problems.append(
            _("%(value)s Gy (protocol %(low)s-%(high)s Gy)")
            % {"value": total, "low": p.ebrt_total_dose_min_gy, "high": p.ebrt_total_dose_max_gy}
        )
    if not p.ebrt_fractions_min <= fractions <= p.ebrt_fractions_max:
        problems.append(
            _("%(value)s fractions (protocol %(low)s-%(high)s)")
            % {"value": fractions, "low": p.ebrt_fractions_min, "high": p.ebrt_fractions_max}
        )
    if per_fraction != _dec(p.ebrt_dose_per_fraction_gy, "protocol"):
        problems.append(
            _("%(value)s Gy per fraction (protocol %(protocol)s Gy)")
            % {"value": per_fraction, "protocol": p.ebrt_dose_per_fraction_gy}
        )
    return problems


def sib_prescription_problems(
    total_dose_gy, dose_per_fraction_gy=None, *, protocol: RadiotherapyProtocol = RADIOTHERAPY
) -> list[str]:
    """What in a simultaneous integrated boost to the nodes (PGTVnd) lies outside PROTOCOL §2
    (53.50-59.92 Gy at 2.14 Gy per fraction, inclusive); empty when it follows the protocol."""
    total = _dec(total_dose_gy, "sib_total_dose_gy")
    p = protocol
    problems = []
    if not _within(total, p.sib_total_dose_min_gy, p.sib_total_dose_max_gy):
        problems.append(
            _("%(value)s Gy (protocol %(low)s-%(high)s Gy)")
            % {"value": total, "low": f"{p.sib_total_dose_min_gy:.2f}", "high": f"{p.sib_total_dose_max_gy:.2f}"}
        )
    if dose_per_fraction_gy is not None:
        per_fraction = _dec(dose_per_fraction_gy, "sib_dose_per_fraction_gy")
        if per_fraction != _dec(p.sib_dose_per_fraction_gy, "protocol"):
            problems.append(
                _("%(value)s Gy per fraction (protocol %(protocol)s Gy)")
                % {"value": per_fraction, "protocol": p.sib_dose_per_fraction_gy}
            )
    return problems
