"""Body-surface area and dose calculation (PROTOCOL §2 "Chemotherapy").

The rounding rule, written once (``_round_half_up``): BSA is rounded half-up to 0.01 m^2 and a dose
half-up to a whole mg, each from the exact value (no intermediate rounding besides the BSA itself,
which is what the dose is calculated from). Inputs may be ``int``, ``Decimal`` or ``float``; a
float is read through its shortest ``repr`` (``170.5`` is 170.5, not its binary neighbour), and
the arithmetic is ``Decimal`` throughout.

Pure Python: no database, no clock (messages are marked for translation with ``gettext``).
"""

from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.utils.translation import gettext as _

from trialsite.protocol.treatment import DOSES, DUBOIS, MOSTELLER, ChemoDoses

BSA_QUANTUM = Decimal("0.01")  # m^2
DOSE_QUANTUM = Decimal("1")  # mg

_MOSTELLER_DIVISOR = Decimal("3600")
# DuBois & DuBois (1916): BSA = 0.007184 x weight_kg^0.425 x height_cm^0.725.
_DUBOIS_FACTOR = Decimal("0.007184")
_DUBOIS_WEIGHT_EXPONENT = Decimal("0.425")
_DUBOIS_HEIGHT_EXPONENT = Decimal("0.725")


class ImplausibleInputError(ValueError):
    """A measurement or dose input that cannot be right (missing, negative, out of range).

    ``code`` is stable (e.g. ``"dose.height_cm.range"``), ``field`` names the input and the
    message names the value and the accepted range. ``detail`` is the same message without the
    input's name, for display next to a form field.
    """

    def __init__(self, code: str, field: str, value: object, message: str, detail: str = ""):
        self.code = code
        self.field = field
        self.value = value
        self.detail = detail or message
        super().__init__(message)


def _round_half_up(value: Decimal, quantum: Decimal) -> Decimal:
    """THE rounding rule for BSA and doses: half-up (0.5 goes away from zero) to ``quantum``."""
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def _as_decimal(value: object, field: str) -> Decimal:
    """``value`` as a finite ``Decimal``; missing, non-numeric or non-finite input is refused."""
    if value is None:
        raise ImplausibleInputError(
            f"dose.{field}.missing", field, value, _("%(field)s is missing.") % {"field": field},
            _("Enter a value."),
        )
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        params = {"field": field, "value": repr(value)}
        raise ImplausibleInputError(
            f"dose.{field}.type", field, value, _("%(field)s must be a number, got %(value)s.") % params,
            _("Enter a number, not %(value)s.") % params,
        )
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        params = {"field": field, "value": repr(value)}
        raise ImplausibleInputError(
            f"dose.{field}.not_finite", field, value, _("%(field)s must be a finite number, got %(value)s.") % params,
            _("Enter a finite number, not %(value)s.") % params,
        )
    return number


def _in_range(value: object, field: str, unit: str, low: Decimal, high: Decimal) -> Decimal:
    number = _as_decimal(value, field)
    params = {"field": field, "number": number, "unit": unit, "low": low, "high": high}
    if number < 0:
        raise ImplausibleInputError(
            f"dose.{field}.negative", field, value, _("%(field)s %(number)s %(unit)s is negative.") % params,
            _("%(number)s %(unit)s is negative.") % params,
        )
    if not low <= number <= high:
        raise ImplausibleInputError(
            f"dose.{field}.range",
            field,
            value,
            _("%(field)s %(number)s %(unit)s is implausible: it must be between %(low)s and %(high)s %(unit)s.")
            % params,
            _("%(number)s %(unit)s is implausible: it must be between %(low)s and %(high)s %(unit)s.") % params,
        )
    return number


def _measurements(height_cm: object, weight_kg: object, doses: ChemoDoses) -> tuple[Decimal, Decimal]:
    height = _in_range(height_cm, "height_cm", "cm", doses.height_min_cm, doses.height_max_cm)
    weight = _in_range(weight_kg, "weight_kg", "kg", doses.weight_min_kg, doses.weight_max_kg)
    return height, weight


def bsa_mosteller(height_cm, weight_kg) -> Decimal:
    """Body-surface area in m^2 by Mosteller: sqrt(height_cm x weight_kg / 3600), half-up to 0.01.

    Source: PROTOCOL §2 ("BSA by Mosteller"). Height must be 100-230 cm and weight 25-250 kg
    (inclusive, ``trialsite.protocol.treatment.DOSES``); otherwise ``ImplausibleInputError``.
    """
    height, weight = _measurements(height_cm, weight_kg, DOSES)
    with localcontext() as ctx:
        ctx.prec = 40
        exact = (height * weight / _MOSTELLER_DIVISOR).sqrt()
    return _round_half_up(exact, BSA_QUANTUM)


def bsa_dubois(height_cm, weight_kg) -> Decimal:
    """Body-surface area in m^2 by DuBois: 0.007184 x weight_kg^0.425 x height_cm^0.725, half-up to 0.01.

    Source: PROTOCOL §2 (DuBois as a setting). Same plausibility ranges as ``bsa_mosteller``.
    """
    height, weight = _measurements(height_cm, weight_kg, DOSES)
    with localcontext() as ctx:
        ctx.prec = 40
        exact = _DUBOIS_FACTOR * (_DUBOIS_WEIGHT_EXPONENT * weight.ln() + _DUBOIS_HEIGHT_EXPONENT * height.ln()).exp()
    return _round_half_up(exact, BSA_QUANTUM)


def bsa(height_cm, weight_kg, *, formula: str = DOSES.bsa_formula) -> Decimal:
    """BSA in m^2 by the protocol's formula setting (PROTOCOL §2: Mosteller, DuBois as a setting)."""
    if formula == MOSTELLER:
        return bsa_mosteller(height_cm, weight_kg)
    if formula == DUBOIS:
        return bsa_dubois(height_cm, weight_kg)
    raise ValueError(f"Unknown BSA formula {formula!r}; expected {MOSTELLER!r} or {DUBOIS!r}.")


def dose_mg(mg_per_m2, bsa_m2, *, reduction_pct=0) -> Decimal:
    """The dose in mg: mg_per_m2 x bsa_m2 x (100 - reduction_pct) / 100, half-up to a whole mg.

    Source: PROTOCOL §2 (doses per m^2 of BSA) and §3 (reductions in steps of 20 % of the starting
    dose, so ``reduction_pct`` is 0, 20 or 40 in practice). ``mg_per_m2`` must be >= 0,
    ``bsa_m2`` > 0 and ``reduction_pct`` in 0-100; otherwise ``ImplausibleInputError``.
    """
    per_m2 = _as_decimal(mg_per_m2, "mg_per_m2")
    area = _as_decimal(bsa_m2, "bsa_m2")
    reduction = _as_decimal(reduction_pct, "reduction_pct")
    if per_m2 < 0:
        raise ImplausibleInputError(
            "dose.mg_per_m2.negative", "mg_per_m2", mg_per_m2, _("mg_per_m2 %(value)s is negative.") % {"value": per_m2}
        )
    if area <= 0:
        raise ImplausibleInputError(
            "dose.bsa_m2.not_positive", "bsa_m2", bsa_m2, _("bsa_m2 %(value)s m^2 must be above 0.") % {"value": area}
        )
    if not 0 <= reduction <= 100:
        raise ImplausibleInputError(
            "dose.reduction_pct.range",
            "reduction_pct",
            reduction_pct,
            _("reduction_pct %(value)s %% must be between 0 and 100 %%.") % {"value": reduction},
        )
    with localcontext() as ctx:
        ctx.prec = 40
        exact = per_m2 * area * (100 - reduction) / 100
    return _round_half_up(exact, DOSE_QUANTUM)


def weight_change_pct(weight_used_kg, current_weight_kg) -> Decimal:
    """Absolute change of ``current_weight_kg`` from ``weight_used_kg`` in % of the weight used (exact)."""
    used = _in_range(weight_used_kg, "weight_used_kg", "kg", DOSES.weight_min_kg, DOSES.weight_max_kg)
    current = _in_range(current_weight_kg, "current_weight_kg", "kg", DOSES.weight_min_kg, DOSES.weight_max_kg)
    with localcontext() as ctx:
        ctx.prec = 40
        return abs(current - used) * 100 / used


def weight_change_requires_recalculation(
    weight_used_kg,
    current_weight_kg,
    *,
    threshold_pct=DOSES.weight_change_recalc_pct,
) -> bool:
    """True when the weight has changed by >= 10 % (up or down) from the weight the dose used.

    Source: PROTOCOL §2 resolution ("recalculate the dose when weight changes by >= 10 % from the
    weight used"). E.g. from 60 kg: 66 kg or 54 kg -> True, 65.9 kg -> False.
    """
    threshold = _as_decimal(threshold_pct, "threshold_pct")
    return weight_change_pct(weight_used_kg, current_weight_kg) >= threshold


def dose_exceeds_tolerance(
    dose_given_mg,
    calculated_mg,
    *,
    tolerance_pct=DOSES.dose_over_calculation_tolerance_pct,
) -> bool:
    """True when a dose is MORE than 10 % above the calculated dose (needs an investigator override).

    Source: issue 4 (administration record) and ``DOSES.dose_over_calculation_tolerance_pct``.
    Exactly calculated + 10 % is still accepted; doses below the calculated one are not refused
    here (a reduction or omission is recorded with its reason instead).
    """
    given = _as_decimal(dose_given_mg, "dose_given_mg")
    calculated = _as_decimal(calculated_mg, "calculated_mg")
    tolerance = _as_decimal(tolerance_pct, "tolerance_pct")
    if given < 0 or calculated < 0:
        raise ImplausibleInputError(
            "dose.mg.negative", "dose_mg", (dose_given_mg, calculated_mg), _("A dose in mg cannot be negative.")
        )
    return given * 100 > calculated * (100 + tolerance)
