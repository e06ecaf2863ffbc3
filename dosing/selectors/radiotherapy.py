"""Radiotherapy reads: the summary behind the radiotherapy page (cumulative EQD2 against the OAR
limits, femoral head V50, overall treatment time), the radiotherapy protocol deviations, the last
radiotherapy fraction the calendar plans consolidation from, and the dashboard lines.

The numbers come from ``dosing.rules.radiotherapy`` (EQD2, limits, OTT) and
``trialsite.protocol.treatment.RADIOTHERAPY``; this module only gathers the records, converts
the stored ``Decimal`` values to what the rules take and shapes the result for display. Works on a
participant loaded with ``select_related("radiotherapy_course")`` and
``prefetch_related("brachytherapy_fractions")`` without further queries.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from enrollment.models import Participant
from trialsite.protocol.treatment import RADIOTHERAPY

from ..models import BrachytherapyFraction, RadiotherapyCourse
from ..rules.radiotherapy import (
    BLADDER,
    HRCTV,
    RECTUM,
    SIGMOID,
    BrachyFraction,
    CumulativeEqd2,
    EbrtCourse,
    LimitCheck,
    RadiotherapyInputError,
    check_femoral_head_v50,
    check_oar_limits,
    check_overall_treatment_time,
    ebrt_prescription_problems,
    eqd2,
    hrctv_eqd2,
    oar_d2cc_eqd2,
    overall_treatment_time_days,
    sib_prescription_problems,
)

# Stable codes of the radiotherapy deviations found here (the OAR, femoral head and OTT codes come
# from the rules' LimitCheck).
EBRT_PRESCRIPTION_CODE = "rt.ebrt.prescription_out_of_range"
SIB_CODE = "rt.sib.out_of_range"
BRACHY_FRACTIONS_CODE = "rt.brachy.fewer_fractions"

STRUCTURE_LABELS = {
    HRCTV: gettext_lazy("HR-CTV D90"),
    BLADDER: gettext_lazy("Bladder D2cc"),
    RECTUM: gettext_lazy("Rectum D2cc"),
    SIGMOID: gettext_lazy("Sigmoid D2cc"),
}
SIDE_LABELS = {"Left": gettext_lazy("Left"), "Right": gettext_lazy("Right")}


@dataclass(frozen=True)
class Deviation:
    """A radiotherapy protocol deviation: stable ``code``, the ``message`` people read, and the date
    it applies to when there is one."""

    code: str
    message: str
    date: datetime.date | None


@dataclass(frozen=True)
class FractionRow:
    """One brachytherapy fraction with the EQD2 of each of its doses (None where not entered)."""

    fraction: BrachytherapyFraction
    hrctv_eqd2_gy: float | None  # alpha/beta 10 Gy
    bladder_eqd2_gy: float | None  # alpha/beta 3 Gy
    rectum_eqd2_gy: float | None
    sigmoid_eqd2_gy: float | None


@dataclass(frozen=True)
class CumulativeRow:
    """One line of the "Cumulative EQD2" table: EBRT + brachytherapy for a structure."""

    structure: str  # "hrctv", "bladder", "rectum", "sigmoid"
    label: str
    alpha_beta_gy: float
    ebrt_eqd2_gy: float
    ebrt_source: str  # "prescribed" or "measured"
    brachy_eqd2_gy: float  # the fractions that have a dose
    total_eqd2_gy: float
    limit_gy: float | None  # None for the HR-CTV (no limit: shown only)
    code: str  # "oar.<organ>.d2cc", or "" for the HR-CTV
    exceeded: bool
    complete: bool
    missing_fractions: tuple[int, ...]  # fraction NUMBERS with no dose for this structure
    status: str  # "Exceeded", "Within limit", "Target (no limit)"
    note: str  # what is missing, if anything


@dataclass(frozen=True)
class FemoralHeadRow:
    side: str  # "Left" / "Right" (stable, in English)
    v50_pct: Decimal
    check: LimitCheck
    status: str  # "Not below 5 %" / "Below 5 %"

    @property
    def side_label(self) -> str:
        """``side`` in the active language."""
        return str(SIDE_LABELS[self.side])


@dataclass(frozen=True)
class RadiotherapySummary:
    """Everything the radiotherapy page shows, computed."""

    course: RadiotherapyCourse | None
    fractions: tuple[BrachytherapyFraction, ...]  # by number
    expected_brachy_fractions: int
    brachy_dose_per_fraction_gy: float
    last_fraction_on: datetime.date | None  # last EBRT or brachytherapy date known so far
    overall_treatment_time_days: int | None  # first EBRT day to last RT fraction so far (inclusive)
    ott_limit_days: int
    ott_exceeded: bool
    ott_message: str
    hrctv: CumulativeEqd2 | None
    oar_checks: tuple[LimitCheck, ...]
    cumulative: tuple[CumulativeRow, ...]  # HR-CTV, then bladder, rectum, sigmoid; empty without a course
    any_limit_exceeded: bool
    femoral_heads: tuple[FemoralHeadRow, ...]
    fraction_rows: tuple[FractionRow, ...]
    error: str  # recorded data the rules cannot use (shown instead of the numbers), else ""


# --- loading ------------------------------------------------------------------------------------------


def radiotherapy_course(participant: Participant) -> RadiotherapyCourse | None:
    """The participant's EBRT course, or None (uses a select_related course when there is one)."""
    try:
        return participant.radiotherapy_course
    except Participant.radiotherapy_course.RelatedObjectDoesNotExist:
        return None


def _fractions(participant: Participant) -> tuple[BrachytherapyFraction, ...]:
    return tuple(sorted(participant.brachytherapy_fractions.all(), key=lambda f: f.number))


def _float(value: Decimal | None) -> float | None:
    # Two-decimal Decimals round-trip exactly through float's shortest repr, which the rules read.
    return None if value is None else float(value)


def _ebrt(course: RadiotherapyCourse) -> EbrtCourse:
    return EbrtCourse(
        total_dose_gy=float(course.prescription_dose_gy),
        fractions=course.prescribed_fractions,
        bladder_d2cc_gy=_float(course.bladder_d2cc_ebrt_gy),
        rectum_d2cc_gy=_float(course.rectum_d2cc_ebrt_gy),
        sigmoid_d2cc_gy=_float(course.sigmoid_d2cc_ebrt_gy),
    )


def _brachy(fraction: BrachytherapyFraction) -> BrachyFraction:
    return BrachyFraction(
        hrctv_d90_gy=_float(fraction.hrctv_d90_gy),
        bladder_d2cc_gy=_float(fraction.bladder_d2cc_gy),
        rectum_d2cc_gy=_float(fraction.rectum_d2cc_gy),
        sigmoid_d2cc_gy=_float(fraction.sigmoid_d2cc_gy),
    )


def _last_fraction_on(course: RadiotherapyCourse | None, fractions) -> datetime.date | None:
    dates = [f.given_on for f in fractions]
    if course is not None and course.end_date is not None:
        dates.append(course.end_date)
    return max(dates, default=None)


# --- public reads ---------------------------------------------------------------------------------


def last_rt_fraction(participant: Participant) -> datetime.date | None:
    """The date of the last radiotherapy fraction (EBRT or brachytherapy, whichever is later) once
    the course is marked complete; None while radiotherapy is not complete (PROTOCOL §2: the first
    consolidation cycle is planned from it)."""
    course = radiotherapy_course(participant)
    if course is None or not course.completed:
        return None
    return _last_fraction_on(course, _fractions(participant))


def brachytherapy_next_number(participant: Participant) -> int:
    """The number the next brachytherapy fraction most likely has (one above the highest recorded)."""
    return max((f.number for f in _fractions(participant)), default=0) + 1


def _fraction_rows(fractions) -> tuple[FractionRow, ...]:
    def value(dose: Decimal | None, alpha_beta: float) -> float | None:
        return None if dose is None else eqd2(float(dose), float(dose), alpha_beta)

    tumour, oar = RADIOTHERAPY.alpha_beta_tumour_gy, RADIOTHERAPY.alpha_beta_oar_gy
    return tuple(
        FractionRow(
            fraction=f,
            hrctv_eqd2_gy=value(f.hrctv_d90_gy, tumour),
            bladder_eqd2_gy=value(f.bladder_d2cc_gy, oar),
            rectum_eqd2_gy=value(f.rectum_d2cc_gy, oar),
            sigmoid_eqd2_gy=value(f.sigmoid_d2cc_gy, oar),
        )
        for f in fractions
    )


def _cumulative_row(total: CumulativeEqd2, check: LimitCheck | None, fractions) -> CumulativeRow:
    # The rules number missing fractions by position in the sequence; show the recorded numbers.
    missing = tuple(fractions[position - 1].number for position in total.missing_fractions)
    brachy = sum(v for v in total.brachy_eqd2_gy if v is not None)
    if check is None:
        status = _("Target (no limit)")
    elif check.exceeded:
        status = _("Exceeded")
    elif total.complete:
        status = _("Within limit")
    else:
        status = _("Incomplete")
    note = ""
    if missing:
        numbers = pgettext("list separator", ", ").join(str(n) for n in missing)
        note = _("Incomplete: no dose entered for fraction(s) %(numbers)s; the total is a lower bound.") % {
            "numbers": numbers
        }
    return CumulativeRow(
        structure=total.structure,
        label=STRUCTURE_LABELS[total.structure],
        alpha_beta_gy=total.alpha_beta_gy,
        ebrt_eqd2_gy=total.ebrt_eqd2_gy,
        ebrt_source=total.ebrt_source,
        brachy_eqd2_gy=brachy,
        total_eqd2_gy=total.total_eqd2_gy,
        limit_gy=None if check is None else check.limit,
        code="" if check is None else check.code,
        exceeded=bool(check and check.exceeded),
        complete=total.complete,
        missing_fractions=missing,
        status=status,
        note=note,
    )


def _femoral_heads(course: RadiotherapyCourse | None) -> tuple[FemoralHeadRow, ...]:
    if course is None:
        return ()
    rows = []
    limit = RADIOTHERAPY.femoral_head_v50_max_pct
    for side, value in (("Left", course.femoral_head_left_v50_pct), ("Right", course.femoral_head_right_v50_pct)):
        if value is None:
            continue
        check = check_femoral_head_v50(float(value))
        if check.exceeded:
            status = _("Not below %(limit)s %%") % {"limit": f"{limit:g}"}
        else:
            status = _("Below %(limit)s %%") % {"limit": f"{limit:g}"}
        rows.append(FemoralHeadRow(side=side, v50_pct=value, check=check, status=status))
    return tuple(rows)


def radiotherapy_summary(participant: Participant) -> RadiotherapySummary:
    """The EBRT course, the brachytherapy fractions with their EQD2, the cumulative EQD2 of the
    HR-CTV and of each organ at risk against its PROTOCOL §2 limit, femoral head V50 and the
    overall treatment time so far."""
    course = radiotherapy_course(participant)
    fractions = _fractions(participant)
    last_on = _last_fraction_on(course, fractions)
    error = ""
    ott_days, ott_exceeded, ott_message = None, False, ""
    hrctv, oar_checks, cumulative = None, (), ()
    try:
        fraction_rows = _fraction_rows(fractions)
        if course is not None:
            if last_on is not None:
                ott_days = overall_treatment_time_days(course.start_date, last_on)
                ott = check_overall_treatment_time(course.start_date, last_on)
                ott_exceeded, ott_message = ott.exceeded, ott.message
            ebrt = _ebrt(course)
            brachy = [_brachy(f) for f in fractions]
            hrctv = hrctv_eqd2(ebrt, brachy)
            oar_checks = tuple(check_oar_limits(ebrt, brachy))
            cumulative = (_cumulative_row(hrctv, None, fractions),) + tuple(
                _cumulative_row(oar_d2cc_eqd2(organ, ebrt, brachy), check, fractions)
                for organ, check in zip((limit.organ for limit in RADIOTHERAPY.oar_limits), oar_checks, strict=True)
            )
        femoral_heads = _femoral_heads(course)
    except RadiotherapyInputError as problem:
        error = _("The recorded radiotherapy data cannot be evaluated: %(problem)s") % {"problem": problem}
        fraction_rows, hrctv, oar_checks, cumulative, femoral_heads = (), None, (), (), ()
    return RadiotherapySummary(
        course=course,
        fractions=fractions,
        expected_brachy_fractions=RADIOTHERAPY.brachy_fractions,
        brachy_dose_per_fraction_gy=RADIOTHERAPY.brachy_dose_per_fraction_gy,
        last_fraction_on=last_on,
        overall_treatment_time_days=ott_days,
        ott_limit_days=RADIOTHERAPY.overall_treatment_time_max_days,
        ott_exceeded=ott_exceeded,
        ott_message=ott_message,
        hrctv=hrctv,
        oar_checks=oar_checks,
        cumulative=cumulative,
        any_limit_exceeded=any(c.exceeded for c in oar_checks),
        femoral_heads=femoral_heads,
        fraction_rows=fraction_rows,
        error=error,
    )


def _prescription_deviation(course: RadiotherapyCourse) -> Deviation | None:
    problems = ebrt_prescription_problems(
        course.prescription_dose_gy, course.prescribed_fractions, course.dose_per_fraction_gy
    )
    if not problems:
        return None
    message = _("EBRT prescription outside PROTOCOL §2: %(problems)s.") % {
        "problems": pgettext("list separator", "; ").join(problems)
    }
    return Deviation(EBRT_PRESCRIPTION_CODE, message, course.start_date)


def _sib_deviation(course: RadiotherapyCourse) -> Deviation | None:
    if course.sib_dose_gy is None:
        return None
    problems = sib_prescription_problems(course.sib_dose_gy, course.sib_dose_per_fraction_gy)
    if not problems:
        return None
    message = _("SIB to the nodes outside PROTOCOL §2: %(problems)s.") % {
        "problems": pgettext("list separator", "; ").join(problems)
    }
    return Deviation(SIB_CODE, message, course.start_date)


def radiotherapy_deviations(participant: Participant) -> list[Deviation]:
    """PROTOCOL §2 radiotherapy deviations: each OAR D2cc limit exceeded, a femoral head V50 not
    below 5 %, overall treatment time above 56 days, EBRT prescription or SIB outside the protocol's
    ranges, and fewer than 4 brachytherapy fractions once radiotherapy is marked complete."""
    summary = radiotherapy_summary(participant)
    course = summary.course
    if course is None:
        return []
    last_brachy_on = summary.fractions[-1].given_on if summary.fractions else None
    deviations = []
    for check in summary.oar_checks:
        if check.exceeded:
            deviations.append(Deviation(check.code, check.message, last_brachy_on))
    for head in summary.femoral_heads:
        if head.check.exceeded:
            if head.side == "Left":
                message = _("Left femoral head: %(message)s") % {"message": head.check.message}
            else:
                message = _("Right femoral head: %(message)s") % {"message": head.check.message}
            deviations.append(Deviation(head.check.code, message, None))
    if summary.ott_exceeded:
        deviations.append(
            Deviation(RADIOTHERAPY.overall_treatment_time_code, summary.ott_message, summary.last_fraction_on)
        )
    for finding in (_prescription_deviation(course), _sib_deviation(course)):
        if finding is not None:
            deviations.append(finding)
    if course.completed and len(summary.fractions) < RADIOTHERAPY.brachy_fractions:
        deviations.append(
            Deviation(
                BRACHY_FRACTIONS_CODE,
                _(
                    "Radiotherapy marked complete with %(count)s of the %(planned)s planned brachytherapy fractions "
                    "(PROTOCOL §2)."
                )
                % {"count": len(summary.fractions), "planned": RADIOTHERAPY.brachy_fractions},
                summary.last_fraction_on,
            )
        )
    return deviations


def _gy_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def radiotherapy_panel_lines(participant: Participant) -> list[str]:
    """One to three short lines for the participant dashboard."""
    summary = radiotherapy_summary(participant)
    course = summary.course
    lines = []
    if course is None:
        lines.append(_("EBRT not recorded"))
    else:
        parts = [
            _("EBRT %(technique)s %(dose)s Gy / %(fractions)s fx, %(delivered)s delivered")
            % {
                "technique": course.technique,
                "dose": _gy_text(course.prescription_dose_gy),
                "fractions": course.prescribed_fractions,
                "delivered": course.fractions_delivered,
            }
        ]
        if course.completed:
            parts.append(_("radiotherapy complete"))
        if summary.ott_exceeded:
            parts.append(
                _("OTT %(days)s days (above %(limit)s)")
                % {"days": summary.overall_treatment_time_days, "limit": summary.ott_limit_days}
            )
        lines.append(pgettext("list separator", "; ").join(parts))
    if summary.fractions or course is not None:
        lines.append(
            _("Brachytherapy %(count)s of %(planned)s fractions")
            % {"count": len(summary.fractions), "planned": summary.expected_brachy_fractions}
        )
    if summary.fractions and summary.oar_checks:
        worst = max(summary.oar_checks, key=lambda c: c.value / c.limit)
        organ = next(row for row in summary.cumulative if row.code == worst.code)
        params = {"organ": organ.label, "value": f"{worst.value:.1f}", "limit": f"{worst.limit:g}"}
        if worst.exceeded:
            lines.append(_("%(organ)s %(value)s Gy EQD2 (limit %(limit)s) — exceeded") % params)
        else:
            lines.append(_("%(organ)s %(value)s Gy EQD2 (limit %(limit)s)") % params)
    return lines
