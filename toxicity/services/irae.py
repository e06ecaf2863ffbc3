"""Toripalimab dose decisions from immune-related adverse events (PROTOCOL §3, irAE table).

``irae_dose_rules_apply`` is called after an immune-related AE is saved (and nightly by
``irae_dose_rules_sweep``, because the 12-week rules depend on the date). For each irAE of the
participant it asks ``toxicity.rules.irae.toripalimab_action`` what happens to toripalimab and keeps
at most one active ``IraeDoseDecision`` per AE:

- interrupt / discontinue: the next toripalimab dose not yet recorded is held at once and the
  decision waits for the investigator (``PENDING``), who confirms or overrides it
  (``irae_dose_decide``);
- hormone replacement / slow infusion: recorded as a note for the next dose (``NOT_REQUIRED``),
  not a hold;
- continue: nothing is created.

A changed rule code supersedes the active decision. A hold lifts (the decision ends) when the AE is
back at grade 0-1 or resolved; it stays while the AE is at a grade above 1 even if that grade's own
row says "continue" (the table interrupts "until back to grade 0-1"). A discontinue never lifts: it
is permanent once in force, whatever the AE's later grade; only the investigator's override of a
pending discontinue changes it. A decision whose basis is gone (the AE is no longer recorded as
immune-related, or was moved to another irAE category) ends, discontinue included: that is a
correction of the data the rule read, not a recovery.

Overriding to "continue" keeps the decision active with the effective action "continue": the hold
is lifted while the investigator's decision stays on the record and in force for that AE at that
grade (a later change of grade supersedes it as usual).
"""

import datetime
import logging
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import RecordLockedError
from core.services import clinical_record_save
from dosing.models import DoseStatus
from dosing.rules.schedule import PlannedDose, ScheduleInputError
from dosing.services.doses import participant_plan
from enrollment.models import Participant
from trialsite.protocol.toxicity import IRAE, IRAE_ROWS
from trialsite.protocol.treatment import TORIPALIMAB

from ..models import AdverseEvent, IraeAction, IraeDecisionStatus, IraeDoseDecision
from ..rules.irae import IraeDecision, IraeRuleError, steroid_taper_has_failed, toripalimab_action, weeks_since

logger = logging.getLogger(__name__)

# Actions that stop the next toripalimab dose and need the investigator's confirmation.
HOLDING_ACTIONS = (IraeAction.INTERRUPT, IraeAction.DISCONTINUE)

__all__ = [
    "HOLDING_ACTIONS",
    "irae_dose_decide",
    "irae_dose_rules_apply",
    "irae_dose_rules_sweep",
    "last_toripalimab_dose_on",
    "next_toripalimab_dose",
]


# --- reads the rule needs -----------------------------------------------------------------------------


def last_toripalimab_dose_on(participant: Participant, *, today: datetime.date) -> datetime.date | None:
    """The date of the last toripalimab dose given on or before ``today`` (None: none given yet)."""
    dates = [
        d.given_on for d in participant.doses.all()
        if d.agent == TORIPALIMAB and d.status == DoseStatus.GIVEN and d.given_on and d.given_on <= today
    ]  # fmt: skip
    return max(dates, default=None)


def next_toripalimab_dose(participant: Participant, plan: list[PlannedDose] | None = None) -> PlannedDose | None:
    """The first toripalimab dose of the participant's calendar not yet recorded (given or omitted);
    None when every one is recorded or the calendar cannot be placed."""
    if participant.planned_treatment_start is None:
        return None
    if plan is None:
        try:
            plan = participant_plan(participant)
        except ScheduleInputError:
            return None
    recorded = {d.key for d in participant.doses.all()}
    candidates = [d for d in plan if d.agent == TORIPALIMAB and d.key not in recorded]
    return min(candidates, key=lambda d: (d.due, d.phase, d.cycle), default=None)


def _is_resolved(ae: AdverseEvent) -> bool:
    return ae.resolution_date is not None or not ae.ongoing or ae.current_grade == 0


def _is_recurrent(ae: AdverseEvent, others: list[AdverseEvent]) -> bool:
    """An earlier immune-related AE of the same irAE category for this participant."""
    return any(
        other.pk != ae.pk and other.immune_related and other.irae_category == ae.irae_category
        and (other.onset_date, other.number) < (ae.onset_date, ae.number)
        for other in others
    )  # fmt: skip


def _rule(ae: AdverseEvent, others: list[AdverseEvent], *, last_dose: datetime.date | None,
          today: datetime.date) -> IraeDecision | None:  # fmt: skip
    """PROTOCOL §3's action for the AE at its current grade; None when it is back to normal."""
    if _is_resolved(ae):
        return None
    grade = ae.current_grade
    weeks_since_dose = weeks_since(last_dose, today=today) if last_dose else Decimal(0)
    weeks_unresolved = weeks_since_dose if grade in IRAE.persistent_grades else Decimal(0)
    taper_failed = False
    if ae.steroid_given and ae.steroid_stop_date is None and ae.steroid_current_mg_per_day is not None:
        taper_failed = steroid_taper_has_failed(
            prednisone_equivalent_mg_per_day=ae.steroid_current_mg_per_day, weeks_since_last_dose=weeks_since_dose
        )
    try:
        return toripalimab_action(
            ae.irae_category, grade, recurrent=_is_recurrent(ae, others), weeks_unresolved=weeks_unresolved,
            steroid_taper_failed=taper_failed,
        )  # fmt: skip
    except IraeRuleError as error:
        raise ValidationError(
            _("AE %(number)s (%(term)s): %(error)s") % {"number": ae.number, "term": ae.term, "error": error}
        ) from error


def _category_of(code: str) -> str:
    """``irae.hepatitis.g3.recurrent`` -> ``hepatitis``."""
    parts = code.split(".")
    return parts[1] if len(parts) > 2 else ""


# --- writes --------------------------------------------------------------------------------------------


def _end(decision: IraeDoseDecision, *, user, ae: AdverseEvent, on: datetime.date, why: str) -> IraeDoseDecision:
    decision.active = False
    decision.ended_on = on
    decision.end_reason = why
    clinical_record_save(
        instance=decision, user=user, reason=f"irAE rule, AE {ae.number} ({ae.term}), {decision.rule_code}: {why}"
    )
    return decision


def _create(participant: Participant, ae: AdverseEvent, rule: IraeDecision, *, user, today: datetime.date,
            target: PlannedDose | None) -> IraeDoseDecision:  # fmt: skip
    decision = IraeDoseDecision(
        participant=participant,
        adverse_event=ae,
        assessed_on=today,
        grade=rule.grade,
        target_phase=target.phase if target else "",
        target_cycle=target.cycle if target else None,
        target_day=target.day if target else None,
        recommended_action=str(rule.action),
        rule_code=rule.code,
        rule_reason=rule.reason,
        decision=IraeDecisionStatus.PENDING if rule.action in HOLDING_ACTIONS else IraeDecisionStatus.NOT_REQUIRED,
        active=True,
    )
    clinical_record_save(
        instance=decision, user=user, reason=f"irAE rule, AE {ae.number} ({ae.term}): {rule.code} -> {rule.action}"
    )
    return decision


@transaction.atomic
def irae_dose_rules_apply(*, participant: Participant, user: AbstractBaseUser | None,
                          today: datetime.date) -> list[IraeDoseDecision]:  # fmt: skip
    """Apply PROTOCOL §3's irAE table to every immune-related AE of ``participant`` on ``today``.

    Returns the decisions created or changed (ended, superseded); a second call with nothing
    changed returns [] and writes nothing. ``user`` is None for the nightly sweep (the system).
    """
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    aes = list(AdverseEvent.objects.filter(participant=locked).select_related("term").order_by("onset_date", "number"))
    actives: dict[int, list[IraeDoseDecision]] = {}
    for decision in IraeDoseDecision.objects.select_for_update().filter(participant=locked, active=True).order_by("id"):
        actives.setdefault(decision.adverse_event_id, []).append(decision)
    last_dose = last_toripalimab_dose_on(locked, today=today)
    target_cache: list[PlannedDose | None] = []

    def target() -> PlannedDose | None:
        if not target_cache:
            target_cache.append(next_toripalimab_dose(locked))
        return target_cache[0]

    changed: list[IraeDoseDecision] = []
    for ae in aes:
        current = actives.get(ae.pk, [])
        # At most one active decision per AE: any extra (older) one is superseded by the newest.
        while len(current) > 1:
            extra = current.pop(0)
            changed.append(_end(extra, user=user, ae=ae, on=today, why=f"superseded by {current[-1].rule_code}"))
        active = current[0] if current else None

        if not (ae.immune_related and ae.irae_category):
            if active is not None:
                changed.append(_end(active, user=user, ae=ae, on=today,
                                    why=f"AE {ae.number} is no longer recorded as immune-related"))  # fmt: skip
            continue
        if active is not None and _category_of(active.rule_code) != ae.irae_category:
            # Stored with the decision: the protocol's English name of the category, whatever the user's language.
            category = IRAE_ROWS[ae.irae_category].label if ae.irae_category in IRAE_ROWS else ae.irae_category
            changed.append(_end(active, user=user, ae=ae, on=today,
                                why=f"AE {ae.number} re-categorised as {category}"))  # fmt: skip
            active = None

        if active is not None and active.effective_action == IraeAction.DISCONTINUE:
            continue  # permanent: only an investigator's override of a pending discontinue changes it

        rule = _rule(ae, aes, last_dose=last_dose, today=today)
        back_to_normal = rule is None or ae.current_grade <= IRAE.resume_at_or_below_grade
        if rule is None or rule.action == IraeAction.CONTINUE:
            if active is None:
                continue
            if back_to_normal:
                on = ae.resolution_date or today
                changed.append(_end(active, user=user, ae=ae, on=today,
                                    why=f"lifted: {ae.term} back to grade {ae.current_grade} on {on:%Y-%m-%d}"))  # fmt: skip
            elif active.effective_action != IraeAction.INTERRUPT:
                # A note (hormone replacement, slow infusion) or an override to continue that no
                # longer matches the grade; an interrupt stays until grade 0-1.
                changed.append(_end(active, user=user, ae=ae, on=today,
                                    why=f"superseded by {rule.code} (continue)"))  # fmt: skip
            continue

        if active is not None:
            if active.rule_code == rule.code:
                continue
            changed.append(_end(active, user=user, ae=ae, on=today, why=f"superseded by {rule.code}"))
        changed.append(_create(locked, ae, rule, user=user, today=today, target=target()))
    return changed


def irae_dose_rules_sweep(*, today: datetime.date) -> int:
    """Apply the rules to every participant with an immune-related AE or an active decision (the
    12-week rules depend on the date). Each participant is its own transaction. Returns the number
    of decisions created or changed.

    Locked data (a study, participant or record lock, ``core.models.DataLock``) cannot be written:
    a participant whose decisions the lock refuses is skipped, with nothing of hers saved, and the
    sweep carries on with the others; she is caught up by the first sweep after the unlock."""
    with_irae = AdverseEvent.objects.filter(immune_related=True).values_list("participant_id", flat=True)
    with_active = IraeDoseDecision.objects.filter(active=True).values_list("participant_id", flat=True)
    ids = sorted(set(with_irae) | set(with_active))
    count = 0
    for participant in Participant.objects.filter(pk__in=ids).order_by("pk"):
        try:
            count += len(irae_dose_rules_apply(participant=participant, user=None, today=today))
        except RecordLockedError as locked:
            logger.info("irAE sweep: participant %s skipped, data locked (lock #%s)", participant.pk, locked.lock.pk)
    return count


@transaction.atomic
def irae_dose_decide(
    *,
    decision: IraeDoseDecision,
    user: AbstractBaseUser,
    confirm: bool,
    expected_version: int,
    action: str = "",
    reason: str = "",
) -> IraeDoseDecision:
    """The investigator confirms the rule's action for toripalimab, or overrides it with another
    action and a reason. Only a pending decision still in force can be decided; audited.

    Overriding to "continue" lifts the hold: the decision stays active with the effective action
    "continue" (so the record of the investigator's choice stays in force for this AE at this grade).
    """
    if not user.has_perm("toxicity.decide_irae_dose"):
        raise ValidationError(_("Only an investigator can confirm or override an irAE dose decision."))
    decision = IraeDoseDecision.objects.select_for_update().select_related("adverse_event__term").get(pk=decision.pk)
    if decision.decision != IraeDecisionStatus.PENDING:
        raise ValidationError(
            _("This decision was already decided (%(decision)s).") % {"decision": decision.get_decision_display().lower()}
        )
    if not decision.active:
        raise ValidationError(
            _("This decision is no longer in force (%(reason)s): nothing to decide.") % {"reason": decision.end_reason}
        )
    reason = (reason or "").strip()
    if confirm:
        decision.decision = IraeDecisionStatus.CONFIRMED
        decision.decided_action = decision.recommended_action
        audit = f"Investigator confirmed {decision.rule_code}: {decision.rule_reason}"
        if reason:
            audit += f" ({reason})"
    else:
        errors = {}
        if action not in IraeAction.values:
            errors["action"] = _("Choose the action to take instead.")
        elif action == decision.recommended_action:
            errors["action"] = _("That is the rule's action: confirm it instead of overriding it.")
        if not reason:
            errors["reason"] = _("Give the reason for overriding the protocol's action.")
        if errors:
            raise ValidationError(errors)
        decision.decision = IraeDecisionStatus.OVERRIDDEN
        decision.decided_action = action
        audit = f"Investigator override of {decision.rule_code} to {action}: {reason}"
    decision.decision_reason = reason
    decision.decided_by = user
    decision.decided_at = timezone.now()
    clinical_record_save(instance=decision, user=user, reason=audit, expected_version=expected_version)
    return decision
