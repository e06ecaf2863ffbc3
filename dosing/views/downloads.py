"""CSV downloads of the treatment list pages: a participant's treatment calendar and brachytherapy
fractions, the study-wide doses due and protocol deviations. Each streams what its page shows (same
filters), pseudonymised (study number, never initials), ISO dates, units in the column names.

The contents are English whatever the user's language (data for statisticians): each row is built
and written while the response streams, in English (``core.csv_stream``)."""


from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation

from core.csv_stream import csv_response
from enrollment.models import Participant

from ..selectors import calendar as calendar_selectors
from ..selectors import radiotherapy as rt_selectors
from .doses import _week_bounds


def _number(participant: Participant) -> str:
    return participant.study_number or participant.screening_number


def _stamp() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def _iso(day) -> str:
    return day.isoformat() if day is not None else ""


def _yes_no(value) -> str:
    return "yes" if value else "no"


def _calendar_notes(row) -> str:
    """The notes column of a calendar or doses-due row, as the page lists them."""
    notes = []
    if row.delay:
        notes.append(f"Delayed: {row.delay.reason}")
    if row.note:
        notes.append(row.note)
    record = row.record
    if record is not None and record.difference_reason:
        detail = f": {record.difference_note}" if record.difference_note else ""
        notes.append(f"{record.get_difference_reason_display()}{detail}")
    if record is not None and record.override_by_id:
        notes.append(f"Investigator override: {record.override_reason}")
    if row.recommendation:
        notes.append(f"{row.recommendation.get_recommended_action_display()}: {row.recommendation.rule_reason}")
    notes += [f"{hold.label}{' (awaiting investigator)' if hold.pending else ''}" for hold in row.irae_holds]
    notes += [f"{hold.label}{' (awaiting investigator)' if hold.pending else ''}" for hold in row.irae_notes]
    if row.window:
        notes.append(f"Deviation: {row.window.message}")
    if row.calculation and row.calculation.recalculation and row.dose.agent != "toripalimab":
        notes.append("Recalculate (weight change)")
    return "; ".join(notes)


CALENDAR_COLUMNS = [
    "study_number", "phase", "agent", "dose", "planned", "due_date", "provisional", "postponed_from", "given_on",
    "dose_given_mg", "calculated_dose_mg", "dose_level_pct", "status", "notes",
]  # fmt: skip


@permission_required("dosing.view_doseadministration", raise_exception=True)
def treatment_calendar_csv(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if participant.planned_treatment_start is None:
        raise Http404("The treatment calendar starts once the participant is enrolled with a treatment start date.")
    with translation.override("en"):
        calendar = calendar_selectors.treatment_calendar(participant, today=timezone.localdate())

    def rows():
        for block in calendar.phases:
            for row in block.rows:
                record, calculation = row.record, row.calculation
                calculated = record.calculated_dose_mg if record else (calculation.calculated_dose_mg if calculation else None)
                level = record.dose_level_pct if record else (calculation.dose_level_pct if calculation else None)
                yield [
                    _number(participant), block.title, row.agent_label, row.cycle_label, row.planned_text,
                    _iso(row.dose.due), _yes_no(row.dose.provisional), _iso(row.dose.postponed_from),
                    _iso(record.given_on if record else None), record.dose_given_mg if record else None, calculated,
                    level, row.state_label, _calendar_notes(row),
                ]  # fmt: skip

    return csv_response(f"treatment_calendar_{_number(participant)}_{_stamp()}.csv", CALENDAR_COLUMNS, rows())


DUE_COLUMNS = [
    "list", "study_number", "agent", "dose", "phase", "due_date", "provisional", "calculated_dose_mg",
    "dose_level_pct", "status", "notes",
]  # fmt: skip


@permission_required("dosing.view_doseadministration", raise_exception=True)
def doses_due_csv(request):
    start, end = _week_bounds(request.GET.get("week", ""))
    with translation.override("en"):
        this_week, overdue = calendar_selectors.doses_due(
            start=start, end=end, today=timezone.localdate(), user=request.user
        )

    def rows():
        for section, items in (("Overdue and not recorded", overdue), ("Due this week", this_week)):
            for item in items:
                row, calculation = item.row, item.row.calculation
                yield [
                    section, _number(item.participant), row.agent_label, row.cycle_label, row.phase_label,
                    _iso(row.dose.due), _yes_no(row.dose.provisional),
                    calculation.calculated_dose_mg if calculation else None,
                    calculation.dose_level_pct if calculation else None, row.state_label, _calendar_notes(row),
                ]  # fmt: skip

    return csv_response(f"doses_due_{start:%Y%m%d}_{end:%Y%m%d}.csv", DUE_COLUMNS, rows())


@permission_required("dosing.view_doseadministration", raise_exception=True)
def deviations_csv(request):
    with translation.override("en"):
        found = calendar_selectors.study_deviations(today=timezone.localdate(), user=request.user)

    def rows():
        for item in found:
            for deviation in item.deviations:
                yield [_number(item.participant), deviation.message, deviation.code]

    return csv_response(f"protocol_deviations_{_stamp()}.csv", ["study_number", "deviation", "code"], rows())


BRACHY_COLUMNS = [
    "study_number", "fraction", "date", "hrctv_d90_gy", "hrctv_d90_eqd2_gy", "bladder_d2cc_gy", "bladder_d2cc_eqd2_gy",
    "rectum_d2cc_gy", "rectum_d2cc_eqd2_gy", "sigmoid_d2cc_gy", "sigmoid_d2cc_eqd2_gy", "applicator",
    "interstitial_needles",
]  # fmt: skip


def _eqd2(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


@permission_required("dosing.view_radiotherapycourse", raise_exception=True)
def radiotherapy_csv(request, pk):
    """The brachytherapy fractions table of the radiotherapy page, with the EQD2 of each dose."""
    participant = get_object_or_404(Participant, pk=pk)
    with translation.override("en"):
        summary = rt_selectors.radiotherapy_summary(participant)

    def rows():
        for row in summary.fraction_rows:
            fraction = row.fraction
            yield [
                _number(participant), fraction.number, _iso(fraction.given_on),
                fraction.hrctv_d90_gy, _eqd2(row.hrctv_eqd2_gy), fraction.bladder_d2cc_gy, _eqd2(row.bladder_eqd2_gy),
                fraction.rectum_d2cc_gy, _eqd2(row.rectum_eqd2_gy), fraction.sigmoid_d2cc_gy,
                _eqd2(row.sigmoid_eqd2_gy), fraction.get_applicator_display(), _yes_no(fraction.interstitial_needles),
            ]  # fmt: skip

    return csv_response(f"brachytherapy_{_number(participant)}_{_stamp()}.csv", BRACHY_COLUMNS, rows())
