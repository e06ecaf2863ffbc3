"""Height and weight, dose calculation and administration, and documented delays (PROTOCOL §2).

The rules decide (``dosing.rules.dose``, ``dosing.rules.schedule``); these functions gather what
the rules need from the database, check preconditions, save and audit.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.services import clinical_record_save
from enrollment.models import Participant
from toxicity.models import IraeAction, IraeDecisionStatus, IraeDoseDecision
from trialsite.protocol.treatment import CHEMO_MODIFICATION, DOSES, TORIPALIMAB

from ..models import (
    Anthropometrics,
    DifferenceReason,
    DoseAdministration,
    DoseDelay,
    DoseModification,
    DoseStatus,
    ModificationAction,
)
from ..rules.dose import (
    ImplausibleInputError,
    bsa,
    dose_exceeds_tolerance,
    dose_mg,
    weight_change_pct,
    weight_change_requires_recalculation,
)
from ..rules.schedule import (
    GivenDose,
    PlannedDose,
    Postponement,
    ScheduleInputError,
    agent_word,
    dose_window_deviation,
    phase_word,
    plan_doses,
)
from .common import check_treatment_date, mark_on_treatment, require_treatment_open

DoseKeyTuple = tuple[str, str, int, int]


# --- reads the services and pages share -----------------------------------------------------------


def given_doses(participant: Participant) -> list[GivenDose]:
    """The doses given so far as the schedule rules take them (uses prefetched doses)."""
    return [
        GivenDose(d.agent, d.phase, d.cycle, d.day, d.given_on)
        for d in participant.doses.all()
        if d.status == DoseStatus.GIVEN
    ]


def postponements(participant: Participant) -> list[Postponement]:
    return [Postponement(d.agent, d.phase, d.cycle, d.day, d.delayed_to) for d in participant.dose_delays.all()]


def participant_plan(
    participant: Participant,
    *,
    given: list[GivenDose] | None = None,
    delays: list[Postponement] | None = None,
    last_rt: datetime.date | None = None,
    last_rt_known: bool = False,
) -> list[PlannedDose]:
    """The participant's PROTOCOL §2 calendar from the actual dates recorded so far."""
    if not last_rt_known:
        from ..selectors.radiotherapy import last_rt_fraction

        last_rt = last_rt_fraction(participant)
    return plan_doses(
        participant.planned_treatment_start,
        last_rt_fraction=last_rt,
        given=given_doses(participant) if given is None else given,
        postponed=postponements(participant) if delays is None else delays,
    )


def planned_dose(participant: Participant, key: DoseKeyTuple) -> PlannedDose | None:
    return next((dose for dose in participant_plan(participant) if dose.key == key), None)


@dataclass(frozen=True)
class ChemoState:
    """Where chemotherapy stands after the investigator's decisions (PROTOCOL §3)."""

    level_pct: int  # the dose level in force (100, 80, 60)
    discontinued: bool
    held_by: DoseModification | None  # the decided hold in force, if any
    pending: DoseModification | None  # a recommendation awaiting the investigator
    last_decision: DoseModification | None


@dataclass(frozen=True)
class ToripalimabHold:
    """One active irAE dose decision (PROTOCOL §3 irAE table) as the calendar shows it."""

    decision: IraeDoseDecision
    action: str  # the effective action: the investigator's if decided, else the rule's
    label: str  # e.g. "discontinue — hepatitis grade 3"
    pending: bool  # awaiting the investigator's confirmation (the dose is held meanwhile)

    @property
    def holds(self) -> bool:
        return self.action in (IraeAction.INTERRUPT, IraeAction.DISCONTINUE)


@dataclass(frozen=True)
class ToripalimabState:
    """Where toripalimab stands after the irAE rules and the investigator's decisions.

    ``held``: an active decision interrupts it (the next dose is held until the irAE is back at
    grade 0-1); ``discontinued``: an active decision stops it for good. ``holds`` are the decisions
    that hold or stop it, ``notes`` those that only annotate the next dose (hormone replacement,
    slow infusion, or an investigator's override to continue).
    """

    held: bool
    discontinued: bool
    holds: tuple[ToripalimabHold, ...]
    notes: tuple[ToripalimabHold, ...]

    @property
    def blocked(self) -> bool:
        return self.held or self.discontinued

    @property
    def pending(self) -> tuple[ToripalimabHold, ...]:
        return tuple(h for h in self.holds + self.notes if h.pending)

    @property
    def summary(self) -> str:
        """The holds' labels, e.g. "discontinue — hepatitis grade 3 (awaiting investigator)"."""
        return pgettext("list separator", "; ").join(
            _("%(label)s (awaiting investigator)") % {"label": h.label} if h.pending else h.label for h in self.holds
        )

    def hold_started_on(self) -> datetime.date | None:
        """The earliest date a hold in force was assessed (doses given before it are not held)."""
        return min((h.decision.assessed_on for h in self.holds), default=None)


def toripalimab_state(participant: Participant, decisions=None) -> ToripalimabState:
    """Fold the participant's active irAE dose decisions (``toxicity.IraeDoseDecision``, written by
    ``toxicity.services.irae``) into toripalimab's state. ``decisions`` may be given prefetched
    (with their adverse event); inactive ones are ignored."""
    if decisions is None:
        decisions = IraeDoseDecision.objects.filter(participant=participant, active=True).select_related(
            "adverse_event__term"
        )
    holds, notes = [], []
    for decision in sorted((d for d in decisions if d.active), key=lambda d: (d.assessed_on, d.pk)):
        item = ToripalimabHold(
            decision=decision,
            action=decision.effective_action,
            label=decision.label,
            pending=decision.decision == IraeDecisionStatus.PENDING,
        )
        (holds if item.holds else notes).append(item)
    discontinued = any(h.action == IraeAction.DISCONTINUE for h in holds)
    held = any(h.action == IraeAction.INTERRUPT for h in holds)
    return ToripalimabState(held, discontinued, tuple(holds), tuple(notes))


def chemo_state(participant: Participant, modifications=None) -> ChemoState:
    """Fold the decided toxicity reviews, in date order, into the level in force.

    A decided action ``discontinue`` stops chemotherapy for good; ``hold`` holds it until a later
    review decides otherwise (the held level is then the level to resume at); every other decision
    sets the level. Reviews where no rule fired need no decision and change nothing.
    """
    level = CHEMO_MODIFICATION.dose_levels_pct[0]
    discontinued = False
    held_by = None
    pending = None
    last = None
    reviews = modifications if modifications is not None else participant.dose_modifications.all()
    for review in sorted(reviews, key=lambda r: (r.assessed_on, r.pk)):
        if review.decision == "pending":
            pending = review
            continue
        if review.decision == "not_required":
            # No rule fired (e.g. recovered after a hold): a hold in force is lifted.
            held_by = None
            continue
        last = review
        if review.decided_action == ModificationAction.DISCONTINUE:
            discontinued = True
            held_by = None
            continue
        if review.decided_level_pct is not None:
            level = review.decided_level_pct
        held_by = review if review.decided_action == ModificationAction.HOLD else None
    return ChemoState(level, discontinued, held_by, pending, last)


@dataclass(frozen=True)
class DoseCalculation:
    """The dose a planned dose should be given at, and how it was calculated."""

    planned_dose_mg: Decimal | None  # full dose (100 %), None without a BSA
    calculated_dose_mg: Decimal | None  # at the level in force
    dose_level_pct: int
    mg_per_m2: Decimal | None
    anthropometrics: Anthropometrics | None
    bsa_m2: Decimal | None
    problem: str  # why no dose can be calculated ("" when it can)
    recalculation: str  # weight changed >= 10 % from the weight used ("" otherwise)


def latest_anthropometrics(participant: Participant, on: datetime.date | None = None) -> Anthropometrics | None:
    records = [r for r in participant.anthropometrics.all() if on is None or r.measured_on <= on]
    return max(records, key=lambda r: (r.measured_on, r.pk), default=None)


def weight_used_last(participant: Participant) -> Decimal | None:
    """The weight the last BSA-based dose given was calculated from."""
    doses = [d for d in participant.doses.all() if d.status == DoseStatus.GIVEN and d.weight_kg_used is not None]
    dose = max(doses, key=lambda d: (d.given_on, d.pk), default=None)
    return dose.weight_kg_used if dose else None


def recalculation_note(weight_used_kg: Decimal | None, current_weight_kg: Decimal | None) -> str:
    """PROTOCOL §2 resolution: recalculate when weight changes by >= 10 % from the weight used."""
    if weight_used_kg is None or current_weight_kg is None:
        return ""
    if not weight_change_requires_recalculation(weight_used_kg, current_weight_kg):
        return ""
    change = weight_change_pct(weight_used_kg, current_weight_kg)
    return _(
        "Recalculate: weight %(current)s kg differs by %(change)s %% from the %(used)s kg the last dose used "
        "(PROTOCOL §2: >= %(threshold)s %%)."
    ) % {
        "current": current_weight_kg,
        "change": f"{change:.1f}",
        "used": weight_used_kg,
        "threshold": DOSES.weight_change_recalc_pct,
    }


def dose_calculation(
    participant: Participant,
    dose: PlannedDose,
    *,
    on: datetime.date | None = None,
    state: ChemoState | None = None,
    anthropometrics: Anthropometrics | None = None,
    weight_used_kg: Decimal | None = None,
) -> DoseCalculation:
    """The dose for ``dose``: toripalimab flat; chemotherapy from the latest BSA (measured on or
    before ``on``) at the level in force (PROTOCOL §2 doses, §3 reductions)."""
    if dose.flat_mg is not None:
        return DoseCalculation(dose.flat_mg, dose.flat_mg, 100, None, None, None, "", "")
    state = state or chemo_state(participant)
    level = state.level_pct
    record = anthropometrics or latest_anthropometrics(participant, on)
    if record is None:
        return DoseCalculation(
            None, None, level, dose.mg_per_m2, None, None,
            _("No height and weight recorded: record them to calculate the dose."), "",
        )
    full = dose_mg(dose.mg_per_m2, record.bsa_m2)
    calculated = dose_mg(dose.mg_per_m2, record.bsa_m2, reduction_pct=100 - level)
    used = weight_used_kg if weight_used_kg is not None else weight_used_last(participant)
    return DoseCalculation(
        full, calculated, level, dose.mg_per_m2, record, record.bsa_m2, "", recalculation_note(used, record.weight_kg)
    )


# --- height and weight ------------------------------------------------------------------------------


@transaction.atomic
def anthropometrics_record(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    measured_on: datetime.date,
    height_cm: Decimal,
    weight_kg: Decimal,
    instance: Anthropometrics | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> Anthropometrics:
    """Record (or correct) height and weight; the BSA is calculated by the protocol's formula."""
    locked = require_treatment_open(participant)
    errors = check_treatment_date(measured_on, "measured_on", locked)
    if measured_on and locked.screening_date and measured_on < locked.screening_date and "measured_on" not in errors:
        errors["measured_on"] = _("The measurement date is before screening.")
    try:
        area = bsa(height_cm, weight_kg, formula=DOSES.bsa_formula)
    except ImplausibleInputError as error:
        field = "height_cm" if error.field == "height_cm" else "weight_kg"
        errors[field] = error.detail
        area = None
    if errors:
        raise ValidationError(errors)
    record = instance or Anthropometrics(participant=locked, recorded_by=user)
    record.measured_on = measured_on
    record.height_cm = height_cm
    record.weight_kg = weight_kg
    record.bsa_formula = DOSES.bsa_formula
    record.bsa_m2 = area
    clinical_record_save(instance=record, user=user, reason=reason, expected_version=expected_version)
    return record


# --- administration ----------------------------------------------------------------------------------


def _dose_key_errors(participant: Participant, key: DoseKeyTuple) -> PlannedDose:
    try:
        dose = planned_dose(participant, key)
    except ScheduleInputError as error:
        raise ValidationError(str(error)) from error
    if dose is None:
        agent, phase, cycle, day = key
        raise ValidationError(
            _("There is no planned %(agent)s dose for %(phase)s cycle %(cycle)s day %(day)s in the calendar.")
            % {"agent": agent_word(agent), "phase": phase_word(phase), "cycle": cycle, "day": day}
        )
    return dose


def _toripalimab_hold_errors(state: ToripalimabState, given_on: datetime.date | None) -> dict[str, str]:
    """PROTOCOL §3 irAE table: no toripalimab while an irAE holds or discontinued it. A dose given
    before the hold was assessed (entered late) is a fact, not refused."""
    started = state.hold_started_on()
    if not state.blocked or (given_on is not None and started is not None and given_on < started):
        return {}
    if state.discontinued:
        return {"status": _("Toripalimab was discontinued (%(holds)s; PROTOCOL §3 irAE table): "
                            "record this dose as not given, with the reason.") % {"holds": state.summary}}  # fmt: skip
    return {"status": _("Toripalimab is on hold (%(holds)s) until the irAE is back to grade 0-1 "
                        "(PROTOCOL §3 irAE table): record this dose as not given, with the reason, or delay it.")
                      % {"holds": state.summary}}  # fmt: skip


@transaction.atomic
def dose_administer(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    key: DoseKeyTuple,
    values: Mapping[str, object],
    expected_version: int | None = None,
    reason: str = "",
) -> DoseAdministration:
    """Record a planned dose as given (or omitted), with the dose calculated for it.

    Refused, with the message next to the field: a date in the future or before enrolment; a
    given chemotherapy dose with no height and weight, while a dose modification awaits the
    investigator, while chemotherapy is held or after it was discontinued (PROTOCOL §3); a given
    toripalimab dose while an immune-related AE holds or discontinued it (PROTOCOL §3 irAE table;
    recording it as omitted stays possible); a dose
    more than 10 % above the calculated dose unless an investigator records it with a reason; a
    difference from the calculated dose, a dose outside its window or an omission without a
    reason; toripalimab without a lot number; an infusion that stops before it starts.
    """
    locked = require_treatment_open(participant)
    existing = DoseAdministration.objects.filter(
        participant=locked, agent=key[0], phase=key[1], cycle=key[2], day=key[3]
    ).first()
    if existing is not None and expected_version is None:
        raise ValidationError(_("This dose is already recorded: open it to correct it."))
    plan = _dose_key_errors(locked, key)
    status = values.get("status") or DoseStatus.GIVEN
    given_on = values.get("given_on")
    errors: dict[str, str] = {}
    difference_reason = values.get("difference_reason") or ""
    difference_note = (values.get("difference_note") or "").strip()
    agent = key[0]
    record = existing or DoseAdministration(
        participant=locked, agent=key[0], phase=key[1], cycle=key[2], day=key[3], recorded_by=user
    )

    state = chemo_state(locked)
    if status == DoseStatus.GIVEN:
        if given_on is None:
            errors["given_on"] = _("Enter the date the dose was given.")
        errors.update(check_treatment_date(given_on, "given_on", locked))
        if given_on and given_on < locked.planned_treatment_start:
            errors.setdefault(
                "given_on",
                _("%(date)s is before treatment start (%(start)s).")
                % {"date": f"{given_on:%Y-%m-%d}", "start": f"{locked.planned_treatment_start:%Y-%m-%d}"},
            )
    else:
        if not difference_note:
            errors["difference_note"] = _("Say why the dose was not given.")
        difference_reason = DifferenceReason.OMISSION

    calculation = dose_calculation(locked, plan, on=given_on, state=state)
    is_chemo = agent != TORIPALIMAB
    if status == DoseStatus.GIVEN and is_chemo and existing is None:
        if state.discontinued:
            errors.setdefault(
                "status",
                _("Chemotherapy was discontinued (%(reason)s); record it as not given.")
                % {"reason": state.last_decision.localized_rule_reason},
            )
        elif state.pending is not None:
            errors.setdefault(
                "status",
                _(
                    "A dose modification (%(action)s) awaits the investigator's decision: it must be confirmed or "
                    "overridden before chemotherapy is given."
                )
                % {"action": state.pending.get_recommended_action_display().lower()},
            )
        elif state.held_by is not None:
            errors.setdefault(
                "status",
                _(
                    "Chemotherapy is on hold until haematological toxicity is back to grade 0-1: record a toxicity "
                    "review showing recovery first."
                ),
            )
    newly_given = status == DoseStatus.GIVEN and (existing is None or existing.status != DoseStatus.GIVEN)
    if newly_given and agent == TORIPALIMAB:
        errors.update(_toripalimab_hold_errors(toripalimab_state(locked), given_on))
    if is_chemo and calculation.problem and status == DoseStatus.GIVEN:
        errors.setdefault("dose_given_mg", calculation.problem)

    dose_given = values.get("dose_given_mg")
    override_reason = (values.get("override_reason") or "").strip()
    if status == DoseStatus.GIVEN:
        if dose_given is None:
            errors.setdefault("dose_given_mg", _("Enter the dose given in mg."))
        elif dose_given < 0:
            errors.setdefault("dose_given_mg", _("A dose cannot be negative."))
        elif calculation.calculated_dose_mg is not None:
            if dose_exceeds_tolerance(dose_given, calculation.calculated_dose_mg):
                params = {
                    "dose": dose_given,
                    "limit": DOSES.dose_over_calculation_tolerance_pct,
                    "calculated": calculation.calculated_dose_mg,
                }
                if not user.has_perm("dosing.override_dose_limit"):
                    errors.setdefault(
                        "dose_given_mg",
                        _(
                            "%(dose)s mg is more than %(limit)s %% above the calculated dose of %(calculated)s mg: "
                            "only an investigator can record it, with a reason."
                        )
                        % params,
                    )
                elif not override_reason:
                    errors.setdefault(
                        "override_reason",
                        _(
                            "%(dose)s mg is more than %(limit)s %% above the calculated dose of %(calculated)s mg: "
                            "give the reason for the override."
                        )
                        % params,
                    )
            elif dose_given != calculation.calculated_dose_mg and not difference_reason:
                errors.setdefault(
                    "difference_reason",
                    _("The dose given differs from the calculated %(calculated)s mg: say why.")
                    % {"calculated": calculation.calculated_dose_mg},
                )
        if given_on is not None and "given_on" not in errors and not difference_reason:
            outside = dose_window_deviation(replace(plan, given_on=given_on))
            if outside is not None:
                errors.setdefault("difference_reason", _("%(finding)s Say why.") % {"finding": outside.message})
        if difference_reason == DifferenceReason.OTHER and not difference_note:
            errors.setdefault("difference_note", _("Describe the difference."))
        if agent == TORIPALIMAB and not (values.get("lot_number") or "").strip():
            errors.setdefault("lot_number", _("Enter the lot number of the toripalimab vial(s)."))
        start, stop = values.get("infusion_start"), values.get("infusion_stop")
        if start and stop and stop < start:
            errors.setdefault("infusion_stop", _("The infusion cannot stop before it starts."))
    if errors:
        raise ValidationError(errors)

    record.status = status
    record.due_on = plan.due
    record.given_on = given_on if status == DoseStatus.GIVEN else None
    record.given_time = values.get("given_time") if status == DoseStatus.GIVEN else None
    record.anthropometrics = calculation.anthropometrics
    record.bsa_m2 = calculation.bsa_m2
    record.weight_kg_used = calculation.anthropometrics.weight_kg if calculation.anthropometrics else None
    record.mg_per_m2 = calculation.mg_per_m2
    record.dose_level_pct = calculation.dose_level_pct
    record.planned_dose_mg = calculation.planned_dose_mg if calculation.planned_dose_mg is not None else Decimal(0)
    record.calculated_dose_mg = calculation.calculated_dose_mg if calculation.calculated_dose_mg is not None else Decimal(0)
    record.dose_given_mg = dose_given if status == DoseStatus.GIVEN else None
    record.difference_reason = difference_reason
    record.difference_note = difference_note
    record.infusion_start = values.get("infusion_start") if status == DoseStatus.GIVEN else None
    record.infusion_stop = values.get("infusion_stop") if status == DoseStatus.GIVEN else None
    record.lot_number = (values.get("lot_number") or "").strip() if agent == TORIPALIMAB else ""
    over = (
        status == DoseStatus.GIVEN
        and calculation.calculated_dose_mg is not None
        and dose_exceeds_tolerance(dose_given, calculation.calculated_dose_mg)
    )
    record.override_by = user if over else None
    record.override_reason = override_reason if over else ""
    clinical_record_save(instance=record, user=user, reason=reason, expected_version=expected_version)
    if status == DoseStatus.GIVEN:
        with translation.override("en"):  # the audit trail's reason is English
            what = str(record)
        mark_on_treatment(participant=locked, user=user, started_on=given_on, what=what)
    return record


# --- delays -------------------------------------------------------------------------------------------


@transaction.atomic
def dose_delay(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    key: DoseKeyTuple,
    delayed_to: datetime.date,
    reason: str,
    expected_version: int | None = None,
    change_reason: str = "",
) -> DoseDelay:
    """Document that a dose not yet given will be given later: its slot and every later date
    that follows from it move by the same amount (PROTOCOL §2: plans follow actual dates)."""
    locked = require_treatment_open(participant)
    reason = (reason or "").strip()
    existing = DoseDelay.objects.filter(
        participant=locked, agent=key[0], phase=key[1], cycle=key[2], day=key[3]
    ).first()
    # The date the dose would be due without this delay (other delays still apply).
    others = [p for p in postponements(locked) if p.key != key]
    try:
        plan = next((d for d in participant_plan(locked, delays=others) if d.key == key), None)
    except ScheduleInputError as error:
        raise ValidationError(str(error)) from error
    if plan is None:
        raise ValidationError(_("There is no such planned dose in the calendar."))
    if plan.given_on is not None or locked.doses.filter(
        agent=key[0], phase=key[1], cycle=key[2], day=key[3]
    ).exists():
        raise ValidationError(_("This dose is already recorded; a delay can only move a dose not yet given."))
    errors = {}
    if not reason:
        errors["reason"] = _("Give the reason for the delay (e.g. held for neutropenia).")
    if delayed_to is None:
        errors["delayed_to"] = _("Enter the new date.")
    elif delayed_to <= plan.due:
        errors["delayed_to"] = _("The new date must be after the date the dose is due (%(due)s).") % {
            "due": f"{plan.due:%Y-%m-%d}"
        }
    elif delayed_to > plan.due + datetime.timedelta(days=180):
        errors["delayed_to"] = _("A delay of more than 180 days is implausible: check the date.")
    if errors:
        raise ValidationError(errors)
    record = existing or DoseDelay(
        participant=locked, agent=key[0], phase=key[1], cycle=key[2], day=key[3], recorded_by=user
    )
    record.original_due = plan.due
    record.delayed_to = delayed_to
    record.reason = reason
    clinical_record_save(
        instance=record, user=user, reason=change_reason or (f"Delay: {reason}" if existing else ""),
        expected_version=expected_version,
    )
    return record
