"""RECIST 1.1 tumour response: baseline lesion checks, sums, time-point and best overall response.

Source: Eisenhauer EA et al. "New response evaluation criteria in solid tumours: revised RECIST
guideline (version 1.1)". Eur J Cancer 2009;45:228-247 (cited below as "RECIST 1.1 section x"),
and the RECIST working group's published questions and clarifications (EORTC RECIST FAQ) where
the guideline is silent. PROTOCOL §5: the primary endpoint is the objective response rate by
RECIST 1.1; this single-arm trial therefore requires confirmation of CR and PR (section 4.6.1).

Pure Python: no database, no clock; Django only for ``gettext`` of the messages people read
(``ValueError`` texts are for programmers and stay English). Lengths are in mm and computed as
``Decimal`` (floats are read through their shortest text form, so 70.1 is exactly 70.1);
thresholds come from ``trialsite.protocol.efficacy.RECIST``.

Response strings are exactly ``"CR"``, ``"PR"``, ``"SD"``, ``"PD"``, ``"NE"`` and
``"NON-CR/NON-PD"``.
"""

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from trialsite.protocol.efficacy import LYMPH_NODE_ORGAN, RECIST

CR = "CR"
PR = "PR"
SD = "SD"
PD = "PD"
NE = "NE"
NON_CR_NON_PD = "NON-CR/NON-PD"

TARGET_RESPONSES = frozenset({CR, PR, SD, PD, NE})
NON_TARGET_RESPONSES = frozenset({CR, NON_CR_NON_PD, PD, NE})
OVERALL_RESPONSES = frozenset({CR, PR, SD, PD, NE, NON_CR_NON_PD})

# Follow-up measurement of one target lesion (RECIST 1.1 section 4.3.2).
MEASURED = "measured"
TOO_SMALL = "too_small"  # present but too small to measure: recorded as 5 mm
DISAPPEARED = "disappeared"  # recorded as 0 mm
NOT_EVALUATED = "not_evaluated"
MEASUREMENT_STATUSES = frozenset({MEASURED, TOO_SMALL, DISAPPEARED, NOT_EVALUATED})

_HUNDRED = Decimal(100)
_PERCENT_STEP = Decimal("0.1")

Number = Decimal | int | float | str


def _mm(value: Number, name: str = "value") -> Decimal:
    """A length as an exact Decimal; floats through their shortest text form (70.1 -> 70.1)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number of mm, not a bool.")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        result = Decimal(str(value))
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number of mm; got {value!r}.")
    return result


def _iso(day: datetime.date) -> str:
    return f"{day:%Y-%m-%d}"


def round_percent(value: Decimal) -> Decimal:
    """Display rounding for a percentage: one decimal place, truncated towards zero.

    The one place the rounding rule is written. Truncation (not half-up) keeps the shown value
    on the same side of every RECIST 1.1 threshold as the exact value: -29.96% shows as -29.9%
    (SD), never as -30.0%, which would read as PR. Decisions always use the exact sums.
    """
    return value.quantize(_PERCENT_STEP, rounding=ROUND_DOWN)


def percent_change(reference_mm: Number, current_mm: Number) -> Decimal | None:
    """Exact percentage change of a sum from a reference sum (baseline or nadir).

    Source: RECIST 1.1 section 4.3.1 (PR against the baseline sum, PD against the nadir).
    ``None`` when the reference is 0 (a percentage of nothing, e.g. change from a nadir of 0
    after a complete response): show the absolute change instead.
    """
    reference = _mm(reference_mm, "reference_mm")
    current = _mm(current_mm, "current_mm")
    if reference == 0:
        return None
    return (current - reference) / reference * _HUNDRED


# --- Time-point response of the target lesions (RECIST 1.1 section 4.3.1) -------------------------


def _meets_pd(nadir: Decimal, current: Decimal) -> bool:
    """>= 20% over the nadir AND >= 5 mm absolute increase (RECIST 1.1 section 4.3.1)."""
    increase = current - nadir
    return increase >= RECIST.pd_min_absolute_increase_mm and current >= nadir * (1 + RECIST.pd_increase_over_nadir)


def _meets_pr(baseline: Decimal, current: Decimal) -> bool:
    """>= 30% decrease from the baseline sum (RECIST 1.1 section 4.3.1)."""
    return current <= baseline * (1 - RECIST.pr_decrease_from_baseline)


def target_response(
    baseline_sum_mm: Number | None,
    nadir_sum_mm: Number | None,
    current_sum_mm: Number | None,
    *,
    all_nodes_below_10mm: bool,
    non_nodal_all_zero: bool,
    evaluable: bool = True,
) -> str:
    """Response of the target lesions at one assessment: CR, PR, SD, PD or NE.

    Source: RECIST 1.1 section 4.3.1 and the EORTC RECIST FAQ ("abnormal lymph node").

    - NE when not ``evaluable`` (the sums are then not read).
    - CR when every non-nodal target has disappeared (``non_nodal_all_zero``) and every nodal
      target is < 10 mm short axis (``all_nodes_below_10mm``; true when there are no nodal
      targets). The sum need not be 0, since nodes < 10 mm still have a size. CR is decided
      first: nodes < 10 mm are normal by RECIST 1.1, so their growth within the normal range
      is not progression (EORTC FAQ: a node has "reappeared" only once it is >= 10 mm).
    - PD when the current sum is >= 20% over the nadir AND >= 5 mm above it. The nadir is the
      smallest sum on study including the baseline (pass ``nadir_sum(...)``).
    - PR when the current sum is >= 30% below the baseline sum (exactly -30% is PR).
    - otherwise SD.

    Raises ``ValueError`` for a baseline sum <= 0, a nadir above the baseline, or negative sums.
    """
    if not evaluable:
        return NE
    if baseline_sum_mm is None or nadir_sum_mm is None or current_sum_mm is None:
        raise ValueError("An evaluable assessment needs the baseline, nadir and current sums.")
    baseline = _mm(baseline_sum_mm, "baseline_sum_mm")
    nadir = _mm(nadir_sum_mm, "nadir_sum_mm")
    current = _mm(current_sum_mm, "current_sum_mm")
    if baseline <= 0:
        raise ValueError(f"The baseline sum must be positive; got {baseline} mm.")
    if nadir < 0 or current < 0:
        raise ValueError(f"Sums cannot be negative; got nadir {nadir} mm, current {current} mm.")
    if nadir > baseline:
        raise ValueError(f"The nadir ({nadir} mm) includes the baseline, so it cannot exceed it ({baseline} mm).")
    if non_nodal_all_zero and all_nodes_below_10mm:
        return CR
    if _meets_pd(nadir, current):
        return PD
    if _meets_pr(baseline, current):
        return PR
    return SD


# --- Time-point overall response (RECIST 1.1 section 4.4.1, tables 1 and 2) ----------------------


def overall_response(target: str | None, non_target: str | None, new_lesions: bool) -> str:
    """Overall response at one assessment from target, non-target and new-lesion findings.

    Source: RECIST 1.1 section 4.4.1, table 1 (patients with target lesions, with or without
    non-target lesions) and table 2 (patients with non-target lesions only).

    ``target`` is one of CR/PR/SD/PD/NE, or ``None`` when the patient had no target lesions at
    baseline (table 2 then applies). ``non_target`` is one of CR/NON-CR/NON-PD/PD/NE, or ``None``
    when there were no non-target lesions at baseline (with target lesions, table 1 then reads
    the non-target column as CR: nothing is left to disappear). ``new_lesions`` is true only for
    an unequivocal new lesion (section 4.3.5; an equivocal one is recorded and re-assessed, and
    if confirmed the PD dates from its first observation).

    Table 1: any PD or a new lesion -> PD; target NE -> NE; target CR with non-target CR -> CR;
    target CR with non-target NON-CR/NON-PD or NE -> PR; target PR -> PR; target SD -> SD.
    Table 2: any PD or a new lesion -> PD; CR -> CR; NON-CR/NON-PD -> NON-CR/NON-PD; NE -> NE.
    With neither target nor non-target lesions: a new lesion -> PD, otherwise NE.
    """
    if target is not None and target not in TARGET_RESPONSES:
        raise ValueError(f"Target response must be one of {sorted(TARGET_RESPONSES)} or None; got {target!r}.")
    if non_target is not None and non_target not in NON_TARGET_RESPONSES:
        raise ValueError(
            f"Non-target response must be one of {sorted(NON_TARGET_RESPONSES)} or None; got {non_target!r}."
        )
    if new_lesions or target == PD or non_target == PD:
        return PD
    if target is None:
        if non_target is None:
            return NE
        return non_target  # table 2: CR, NON-CR/NON-PD or NE
    if target == NE:
        return NE
    if target == CR:
        return CR if non_target in (CR, None) else PR
    return target  # PR or SD, with non-target non-PD or not all evaluated


# --- Best overall response (RECIST 1.1 section 4.4.3, table 3; section 4.6) -----------------------


@dataclass(frozen=True)
class BestResponse:
    """The best overall response and the assessments that gave it."""

    response: str
    assessment_date: datetime.date | None  # the time point the response rests on
    confirmed_on: datetime.date | None  # the confirming assessment (confirmed CR/PR only)
    reason: str


def _prepare(timepoints, start: datetime.date) -> list[tuple[datetime.date, str]]:
    """Sort, validate, apply "reappearance after CR is PD", and stop at the first PD."""
    ordered = sorted(timepoints, key=lambda point: point[0])
    dates = Counter(day for day, _ in ordered)
    repeated = [day for day, count in dates.items() if count > 1]
    if repeated:
        raise ValueError(f"More than one overall response on {repeated[0]:%Y-%m-%d}.")
    prepared: list[tuple[datetime.date, str]] = []
    seen_cr = False
    for day, response in ordered:
        if response not in OVERALL_RESPONSES:
            raise ValueError(f"Unknown overall response {response!r} on {day:%Y-%m-%d}.")
        if day < start:
            raise ValueError(f"An assessment on {day:%Y-%m-%d} is before the start, {start:%Y-%m-%d}.")
        if seen_cr and response in (PR, SD, NON_CR_NON_PD):
            # RECIST 1.1 table 3 footnote: after a true CR, any disease seen again is PD.
            response = PD
        prepared.append((day, response))
        if response == CR:
            seen_cr = True
        if response == PD:
            break  # later assessments do not count towards the best response
    return prepared


def _confirmation(
    points: Sequence[tuple[datetime.date, str]], index: int, confirmation_days: int
) -> datetime.date | None:
    """Date of the first assessment that confirms the CR/PR at ``index``, or None.

    A CR is confirmed by a later CR; a PR by a later PR or CR; either at least
    ``confirmation_days`` later (RECIST 1.1 section 4.6.1: "no less than 4 weeks"). Assessments
    in between may be NE or as good as the response; an SD (or NON-CR/NON-PD) in between breaks
    it (table 3: PR then SD is SD). The sequence is already cut at the first PD.
    """
    day, response = points[index]
    accepted = {CR} if response == CR else {CR, PR}
    for later_day, later_response in points[index + 1 :]:
        if later_response in accepted and (later_day - day).days >= confirmation_days:
            return later_day
        if later_response not in accepted and later_response != NE:
            return None
    return None


def best_overall_response_detail(
    timepoints: Iterable[tuple[datetime.date, str]],
    *,
    start: datetime.date,
    confirm: bool = RECIST.confirmation_required,
    confirmation_days: int = RECIST.confirmation_days,
    sd_min_days: int = RECIST.sd_min_days,
) -> BestResponse:
    """The best overall response with the assessment dates behind it; see ``best_overall_response``."""
    points = _prepare(timepoints, start)
    if not points:
        return BestResponse(NE, None, None, _("No assessment after the start."))

    for wanted in (CR, PR):
        for index, (day, response) in enumerate(points):
            if response != wanted:
                continue
            if not confirm:
                return BestResponse(
                    wanted, day, None,
                    _("%(response)s on %(date)s (confirmation not required).") % {"response": wanted, "date": _iso(day)},
                )  # fmt: skip
            confirmed_on = _confirmation(points, index, confirmation_days)
            if confirmed_on is not None:
                return BestResponse(
                    wanted,
                    day,
                    confirmed_on,
                    _("%(response)s on %(date)s, confirmed on %(confirmed)s (%(days)s days later; at least "
                      "%(needed)s needed).") % {
                        "response": wanted, "date": _iso(day), "confirmed": _iso(confirmed_on),
                        "days": (confirmed_on - day).days, "needed": confirmation_days,
                    },  # fmt: skip
                )

    responses = {response for _, response in points}
    stable_label = NON_CR_NON_PD if NON_CR_NON_PD in responses else SD
    for day, response in points:
        if response in (CR, PR, SD, NON_CR_NON_PD) and (day - start).days >= sd_min_days:
            values = {
                "response": stable_label, "unconfirmed": response, "date": _iso(day),
                "days": (day - start).days, "needed": sd_min_days,
            }  # fmt: skip
            if response in (CR, PR):
                reason = _("%(response)s (unconfirmed %(unconfirmed)s) on %(date)s, %(days)s days after the start "
                           "(at least %(needed)s needed).") % values  # fmt: skip
            else:
                reason = _("%(response)s on %(date)s, %(days)s days after the start (at least %(needed)s needed).") % values
            return BestResponse(stable_label, day, None, reason)

    last_day, last_response = points[-1]
    if last_response == PD:
        return BestResponse(
            PD, last_day, None,
            _("PD on %(date)s before any response or stable disease counted.") % {"date": _iso(last_day)},
        )  # fmt: skip
    return BestResponse(
        NE, None, None,
        _("No confirmed response and no stable disease at least %(needed)s days after the start.") % {"needed": sd_min_days},
    )  # fmt: skip


def best_overall_response(
    timepoints: Iterable[tuple[datetime.date, str]],
    *,
    start: datetime.date,
    confirm: bool = RECIST.confirmation_required,
    confirmation_days: int = RECIST.confirmation_days,
    sd_min_days: int = RECIST.sd_min_days,
) -> str:
    """Best overall response over a patient's ``(assessment_date, overall_response)`` pairs.

    Source: RECIST 1.1 section 4.4.3 (table 3, "best overall response when confirmation of CR
    and PR required") and section 4.6.1 (confirmation "no less than 4 weeks after the criteria
    for response are first met"; SD must be met "at least once after study entry at a minimum
    interval", here ``sd_min_days`` from ``start``); EORTC RECIST FAQ ("does a new lesion always
    result in PD?"). Defaults (confirm, 28 days, 42 days) come from ``RECIST`` in
    ``trialsite.protocol.efficacy``.

    How the rows of table 3 are read, in order:

    1. Assessments are taken in date order and counted up to and including the first PD.
    2. Table 3 footnote: if a CR was recorded, any later PR, SD (or NON-CR/NON-PD) means the
       disease reappeared, so that assessment counts as PD. Thus "CR then PR" and "CR then SD"
       give SD if the SD duration was met (by the CR itself), otherwise PD. (The footnote's other
       case, a "CR" later judged never to have been complete, is corrected by the investigator
       re-recording that time point as PR; the rule does not guess it.)
    3. With ``confirm=True``: CR if a CR is confirmed by a later CR at least
       ``confirmation_days`` later; else PR if a PR is confirmed by a later PR or CR at least
       ``confirmation_days`` later (PR then CR is PR). NE assessments in between neither confirm
       nor break a confirmation; an SD in between breaks it (PR then SD is SD). With
       ``confirm=False`` the first CR, else the first PR, is the best response as recorded.
    4. Otherwise SD (NON-CR/NON-PD for a patient with non-target disease only, i.e. when that
       response was recorded) if any CR, PR, SD or NON-CR/NON-PD assessment is at least
       ``sd_min_days`` after ``start`` (rows "CR/PR then NE": SD if the duration is met).
    5. Otherwise PD if the sequence ended in PD ("otherwise PD"), else NE ("otherwise NE";
       also when there is no assessment).

    Raises ``ValueError`` for unknown responses, two responses on one date, or dates before
    ``start``.
    """
    return best_overall_response_detail(
        timepoints,
        start=start,
        confirm=confirm,
        confirmation_days=confirmation_days,
        sd_min_days=sd_min_days,
    ).response


# --- Target lesion measurements and sums (RECIST 1.1 sections 4.3.1, 4.3.2, 4.4.2) ---------------


@dataclass(frozen=True)
class TargetMeasurement:
    """One target lesion at one follow-up assessment.

    ``diameter_mm`` is the longest diameter, or the short axis for a lymph node; it is read only
    when ``status`` is ``"measured"``.
    """

    is_lymph_node: bool
    status: str = MEASURED
    diameter_mm: Number | None = None


def recorded_diameter_mm(measurement: TargetMeasurement) -> Decimal | None:
    """The value a target lesion contributes to the sum (RECIST 1.1 section 4.3.2).

    Measured: the measurement (even below 5 mm: EORTC FAQ "lesions less than 5 mm"); too small
    to measure: 5 mm; disappeared: 0 mm; not evaluated: ``None``.
    """
    if measurement.status not in MEASUREMENT_STATUSES:
        raise ValueError(f"Unknown measurement status {measurement.status!r}.")
    if measurement.status == NOT_EVALUATED:
        return None
    if measurement.status == DISAPPEARED:
        return Decimal(0)
    if measurement.status == TOO_SMALL:
        return RECIST.too_small_to_measure_mm
    if measurement.diameter_mm is None:
        raise ValueError("A measured lesion needs its diameter in mm.")
    value = _mm(measurement.diameter_mm, "diameter_mm")
    if value < 0:
        raise ValueError(f"A diameter cannot be negative; got {value} mm.")
    return value


def sum_of_diameters_mm(diameters_mm: Iterable[Number | None]) -> Decimal | None:
    """Sum of target lesion diameters (RECIST 1.1 section 4.2); ``None`` if any value is missing."""
    total = Decimal(0)
    for value in diameters_mm:
        if value is None:
            return None
        total += _mm(value)
    return total


def nadir_sum(baseline_sum_mm: Number, previous_sums_mm: Iterable[Number | None] = ()) -> Decimal:
    """Smallest sum on study before the current assessment, the baseline included.

    Source: RECIST 1.1 section 4.3.1 (PD "taking as reference the smallest sum on study (this
    includes the baseline sum if that is the smallest on study)"). Missing sums are skipped.
    """
    smallest = _mm(baseline_sum_mm, "baseline_sum_mm")
    for value in previous_sums_mm:
        if value is not None:
            smallest = min(smallest, _mm(value))
    return smallest


@dataclass(frozen=True)
class TargetAssessment:
    """What the assessment form shows for the target lesions at one follow-up."""

    sum_mm: Decimal | None  # None when a lesion was not evaluated
    evaluated_sum_mm: Decimal  # sum over the lesions that were evaluated
    baseline_sum_mm: Decimal
    nadir_sum_mm: Decimal
    change_from_baseline_mm: Decimal | None
    change_from_nadir_mm: Decimal | None
    change_from_baseline_pct: Decimal | None  # rounded for display (round_percent)
    change_from_nadir_pct: Decimal | None  # rounded; None when the nadir is 0
    all_nodes_below_10mm: bool
    non_nodal_all_zero: bool
    evaluable: bool
    response: str


def assess_target_lesions(
    baseline_sum_mm: Number, nadir_sum_mm: Number, measurements: Sequence[TargetMeasurement]
) -> TargetAssessment:
    """Sums, changes from baseline and nadir, and the target response at one follow-up.

    Source: RECIST 1.1 sections 4.3.1-4.3.2 (sums, 5 mm / 0 mm conventions, nodes < 10 mm) and
    4.4.2 (missing measurements: the time point is NE, unless the lesions that were measured
    already show PD, since a missing lesion can only add to the sum).
    """
    if not measurements:
        raise ValueError("At least one target lesion is needed.")
    baseline = _mm(baseline_sum_mm, "baseline_sum_mm")
    nadir = _mm(nadir_sum_mm, "nadir_sum_mm")
    values = [recorded_diameter_mm(measurement) for measurement in measurements]
    evaluated_sum = sum((value for value in values if value is not None), Decimal(0))
    evaluable = all(value is not None for value in values)
    nodes = [value for measurement, value in zip(measurements, values, strict=True) if measurement.is_lymph_node]
    others = [value for measurement, value in zip(measurements, values, strict=True) if not measurement.is_lymph_node]
    all_nodes_below = all(value is not None and value < RECIST.cr_node_short_axis_below_mm for value in nodes)
    non_nodal_zero = all(value is not None and value == 0 for value in others)

    if evaluable:
        current: Decimal | None = evaluated_sum
        response = target_response(
            baseline,
            nadir,
            evaluated_sum,
            all_nodes_below_10mm=all_nodes_below,
            non_nodal_all_zero=non_nodal_zero,
        )
    else:
        current = None
        response = PD if _meets_pd(nadir, evaluated_sum) else NE
    from_baseline = percent_change(baseline, current) if current is not None else None
    from_nadir = percent_change(nadir, current) if current is not None else None
    return TargetAssessment(
        sum_mm=current,
        evaluated_sum_mm=evaluated_sum,
        baseline_sum_mm=baseline,
        nadir_sum_mm=nadir,
        change_from_baseline_mm=current - baseline if current is not None else None,
        change_from_nadir_mm=current - nadir if current is not None else None,
        change_from_baseline_pct=round_percent(from_baseline) if from_baseline is not None else None,
        change_from_nadir_pct=round_percent(from_nadir) if from_nadir is not None else None,
        all_nodes_below_10mm=all_nodes_below,
        non_nodal_all_zero=non_nodal_zero,
        evaluable=evaluable,
        response=response,
    )


# --- Baseline lesions (RECIST 1.1 sections 3.1 and 4.2) -------------------------------------------


@dataclass(frozen=True)
class BaselineLesion:
    """A lesion proposed as a target at baseline.

    ``diameter_mm`` is the longest diameter, or the short axis for a lymph node.
    ``slice_thickness_mm`` is the CT slice thickness when known.
    """

    label: str
    organ: str
    diameter_mm: Number
    is_lymph_node: bool = False
    slice_thickness_mm: Number | None = None


@dataclass(frozen=True)
class LesionFinding:
    """A reason a target lesion selection does not meet RECIST 1.1 (code for tests, message for people)."""

    code: str
    message: str
    lesion: str = ""  # the lesion's label, when the finding is about one lesion


def minimum_measurable_mm(lesion: BaselineLesion) -> Decimal:
    """Smallest size for ``lesion`` to be measurable (RECIST 1.1 section 3.1.1).

    Non-nodal: 10 mm longest diameter, or twice the CT slice thickness when slices are thicker
    than 5 mm. Lymph node: 15 mm short axis (the slice rule is not applied to nodes).
    """
    if lesion.is_lymph_node:
        return RECIST.measurable_node_min_short_axis_mm
    minimum = RECIST.measurable_min_longest_diameter_mm
    if lesion.slice_thickness_mm is not None:
        slice_mm = _mm(lesion.slice_thickness_mm, "slice_thickness_mm")
        if slice_mm > RECIST.ct_max_slice_thickness_mm:
            minimum = max(minimum, slice_mm * RECIST.ct_slice_thickness_factor)
    return minimum


def check_target_lesion(lesion: BaselineLesion) -> LesionFinding | None:
    """Whether one lesion is measurable and so may be a target (RECIST 1.1 section 3.1).

    Codes: ``recist.target.not_measurable`` (non-nodal below the minimum),
    ``recist.target.node_non_target`` (node 10 to < 15 mm: pathological, follow as non-target),
    ``recist.target.node_normal`` (node < 10 mm: normal, not recorded). ``None`` when measurable.
    """
    size = _mm(lesion.diameter_mm, "diameter_mm")
    minimum = minimum_measurable_mm(lesion)
    if size >= minimum:
        return None
    if not lesion.is_lymph_node:
        return LesionFinding(
            "recist.target.not_measurable",
            _("%(lesion)s: longest diameter %(size)s mm is below the %(minimum)s mm needed for a target lesion.")
            % {"lesion": lesion.label, "size": size, "minimum": minimum},
            lesion.label,
        )
    if size >= RECIST.pathological_node_min_short_axis_mm:
        return LesionFinding(
            "recist.target.node_non_target",
            _("%(lesion)s: short axis %(size)s mm is pathological but below %(minimum)s mm; record it as a "
              "non-target lesion.") % {"lesion": lesion.label, "size": size, "minimum": minimum},
            lesion.label,
        )
    return LesionFinding(
        "recist.target.node_normal",
        _("%(lesion)s: short axis %(size)s mm is below %(minimum)s mm, a normal node; do not record it.")
        % {"lesion": lesion.label, "size": size, "minimum": RECIST.pathological_node_min_short_axis_mm},
        lesion.label,
    )


def _organ_key(lesion: BaselineLesion) -> str:
    return LYMPH_NODE_ORGAN if lesion.is_lymph_node else lesion.organ.strip().lower()


def check_target_selection(targets: Sequence[BaselineLesion]) -> list[LesionFinding]:
    """Every reason the baseline target lesions do not meet RECIST 1.1 (empty list: acceptable).

    Source: RECIST 1.1 section 3.1 (measurability) and section 4.2 (at most 5 target lesions,
    at most 2 per organ); EORTC RECIST FAQ: all lymph nodes together count as one organ.
    Codes: ``recist.target.none``, ``recist.target.too_many``, ``recist.target.organ_limit``,
    plus the per-lesion codes of ``check_target_lesion``. A patient with no target lesion has
    non-target disease only (overall response by table 2), reported as ``recist.target.none``.
    """
    findings: list[LesionFinding] = []
    if not targets:
        return [
            LesionFinding(
                "recist.target.none",
                _("No target lesion: the patient has no measurable disease, so the response is assessed "
                  "from non-target lesions only."),
            )
        ]
    if len(targets) > RECIST.max_target_lesions:
        findings.append(
            LesionFinding(
                "recist.target.too_many",
                _("%(count)s target lesions; at most %(maximum)s are allowed.")
                % {"count": len(targets), "maximum": RECIST.max_target_lesions},
            )
        )
    per_organ = Counter(_organ_key(lesion) for lesion in targets)
    for organ, count in sorted(per_organ.items()):
        if count > RECIST.max_target_lesions_per_organ:
            findings.append(
                LesionFinding(
                    "recist.target.organ_limit",
                    _("%(count)s target lesions in %(organ)s; at most %(maximum)s per organ are allowed (all "
                      "lymph nodes count as one organ).")
                    % {"count": count, "organ": _("lymph node") if organ == LYMPH_NODE_ORGAN else organ,
                       "maximum": RECIST.max_target_lesions_per_organ},
                )
            )
    for lesion in targets:
        finding = check_target_lesion(lesion)
        if finding is not None:
            findings.append(finding)
    return findings


def baseline_sum_mm(targets: Sequence[BaselineLesion]) -> Decimal:
    """Baseline sum of diameters: longest diameters plus node short axes (RECIST 1.1 section 4.2)."""
    return sum((_mm(lesion.diameter_mm, "diameter_mm") for lesion in targets), Decimal(0))
