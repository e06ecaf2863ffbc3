"""Chemotherapy toxicity reviews and the investigator's decision (PROTOCOL §3).

A review records the toxicities graded since the last cycle; the rule
(``dosing.rules.modification.chemo_modification``) recommends full dose / reduce / hold /
discontinue for the next chemotherapy dose with the rule that fired. A recommendation that
changes the treatment waits for an investigator, who confirms it or overrides it with a reason;
both are audited.
"""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.services import clinical_record_save
from enrollment.models import Participant
from trialsite.protocol.treatment import CHEMO_MODIFICATION, CISPLATIN, PACLITAXEL

from ..models import Decision, DoseModification, ModificationAction
from ..rules.modification import DISCONTINUE, HOLD, REDUCE, ToxicityInputError, chemo_modification
from ..rules.schedule import PlannedDose
from .common import check_treatment_date, require_treatment_open
from .doses import chemo_state, participant_plan

NEEDS_DECISION = {REDUCE, HOLD, DISCONTINUE}


def next_chemotherapy_dose(participant: Participant, plan: list[PlannedDose] | None = None) -> PlannedDose | None:
    """The first chemotherapy dose of the calendar that is not recorded yet (given or omitted)."""
    plan = participant_plan(participant) if plan is None else plan
    recorded = {d.key for d in participant.doses.all()}
    candidates = [d for d in plan if d.agent in (CISPLATIN, PACLITAXEL) and d.key not in recorded]
    return min(candidates, key=lambda d: d.due) if candidates else None


@transaction.atomic
def dose_modification_review(
    *,
    participant: Participant,
    user: AbstractBaseUser,
    assessed_on: datetime.date,
    toxicities: Iterable[tuple[str, int]],
    febrile: bool,
    haematological_recovered: bool | None,
) -> DoseModification:
    """Record a pre-cycle toxicity review and the PROTOCOL §3 recommendation for the next
    chemotherapy dose. Recommendations to reduce, hold or discontinue await an investigator."""
    locked = require_treatment_open(participant)
    errors = check_treatment_date(assessed_on, "assessed_on", locked)
    if errors:
        raise ValidationError(errors)
    state = chemo_state(locked)
    if state.discontinued:
        raise ValidationError(_("Chemotherapy was discontinued: there is no next dose to review."))
    if state.pending is not None:
        raise ValidationError(
            _("The review of %(date)s still awaits the investigator's decision.")
            % {"date": f"{state.pending.assessed_on:%Y-%m-%d}"}
        )
    target = next_chemotherapy_dose(locked)
    if target is None:
        raise ValidationError(
            _("Every chemotherapy dose of the calendar is recorded: there is no next dose to review.")
        )
    graded = [(term, int(grade)) for term, grade in toxicities if grade is not None]
    try:
        # The reason is stored in English; pages show it in the reader's language
        # (``DoseModification.localized_rule_reason``).
        with translation.override("en"):
            decision = chemo_modification(
                graded,
                current_level_pct=state.level_pct,
                haematological_recovered=haematological_recovered,
                febrile=febrile,
            )
    except ToxicityInputError as error:
        raise ValidationError(str(error)) from error
    review = DoseModification(
        participant=locked,
        assessed_on=assessed_on,
        target_agent=target.agent,
        target_phase=target.phase,
        target_cycle=target.cycle,
        target_day=target.day,
        toxicities=[{"term": term, "grade": grade} for term, grade in graded],
        febrile=febrile,
        haematological_recovered=haematological_recovered,
        current_level_pct=state.level_pct,
        recommended_action=decision.action,
        recommended_level_pct=decision.dose_level_pct,
        rule_code=decision.code,
        rule_reason=decision.reason,
        decision=Decision.PENDING if decision.action in NEEDS_DECISION else Decision.NOT_REQUIRED,
        recorded_by=user,
    )
    clinical_record_save(instance=review, user=user, reason=f"Toxicity review: {decision.code}")
    return review


@transaction.atomic
def dose_modification_decide(
    *,
    modification: DoseModification,
    user: AbstractBaseUser,
    confirm: bool,
    expected_version: int,
    action: str = "",
    level_pct: int | None = None,
    reason: str = "",
) -> DoseModification:
    """The investigator confirms the recommendation, or overrides it with an action, a level and a
    reason. Only a pending recommendation can be decided; the decision is audited."""
    if not user.has_perm("dosing.decide_dose_modification"):
        raise ValidationError(_("Only an investigator can confirm or override a dose modification."))
    require_treatment_open(modification.participant)
    modification = DoseModification.objects.select_for_update().get(pk=modification.pk)
    if modification.decision != Decision.PENDING:
        raise ValidationError(
            _("This recommendation was already decided (%(decision)s).")
            % {"decision": modification.get_decision_display().lower()}
        )
    reason = (reason or "").strip()
    levels = CHEMO_MODIFICATION.dose_levels_pct
    if confirm:
        modification.decision = Decision.CONFIRMED
        modification.decided_action = modification.recommended_action
        modification.decided_level_pct = modification.recommended_level_pct
        audit = f"Investigator confirmed: {modification.rule_reason}"
        if reason:
            audit += f" ({reason})"
    else:
        errors = {}
        if action not in ModificationAction.values:
            errors["action"] = _("Choose the action to take instead.")
        if action != ModificationAction.DISCONTINUE and level_pct not in levels:
            errors["level_pct"] = _("Choose the dose level: %(levels)s.") % {
                "levels": ", ".join(f"{level} %" for level in levels)
            }
        if not reason:
            errors["reason"] = _("Give the reason for overriding the protocol's recommendation.")
        if errors:
            raise ValidationError(errors)
        modification.decision = Decision.OVERRIDDEN
        modification.decided_action = action
        modification.decided_level_pct = None if action == ModificationAction.DISCONTINUE else level_pct
        audit = f"Investigator override of {modification.rule_code}: {reason}"
    modification.decision_reason = reason
    modification.decided_by = user
    modification.decided_at = timezone.now()
    clinical_record_save(instance=modification, user=user, reason=audit, expected_version=expected_version)
    return modification
