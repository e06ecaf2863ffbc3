"""Treatment (PROTOCOL §2-§3): height and weight, every dose of the calendar given, omitted or
delayed, the pre-cycle toxicity reviews, and the lab panels taken along the way.

The calendar is the real one: after every slot the next doses come from
``dosing.rules.schedule.plan_doses`` on the doses given so far and the documented delays, so
dates follow actual dates exactly as the treatment calendar page computes them. Doses are
calculated by ``dosing.rules.dose`` (Mosteller BSA, half-up to whole mg) at the level in force;
each consolidation cycle is preceded by a toxicity review whose recommendation is
``dosing.rules.modification.chemo_modification``'s (reductions, holds and discontinuations
confirmed by the investigator). Weekly cisplatin is omitted after a grade >= 3 neutrophil or
platelet count; toripalimab is held or stopped by the irAE decisions (``safety``); a progression
stops treatment (the doses due after it are recorded as not given).
"""

import datetime
from decimal import Decimal

from dosing.models import Anthropometrics, DifferenceReason, DoseAdministration, DoseDelay, DoseModification, DoseStatus
from dosing.rules.dose import bsa, dose_mg
from dosing.rules.modification import DISCONTINUE, HOLD, REDUCE, chemo_modification
from dosing.rules.schedule import GivenDose, Postponement, dose_window_days, plan_doses
from trialsite.protocol.treatment import (
    CCRT,
    CONSOLIDATION,
    DOSES,
    FEBRILE_NEUTROPENIA,
    MAINTENANCE,
    TORIPALIMAB,
)

from .context import days, q
from .labs import BLOOD, CHEMISTRY, FOLLOW_UP, FULL, PanelRecord, build_panel, values_on
from .safety import AeEvent

NEEDS_DECISION = {REDUCE, HOLD, DISCONTINUE}
HAEM_REVIEW = (("anc", "Neutrophil count decreased"), ("plt", "Platelet count decreased"),
               ("wbc", "White blood cell decreased"), ("hgb", "Anemia"), ("lym", "Lymphocyte count decreased"))  # fmt: skip
AGENT_LABELS = {"cisplatin": "Cisplatin", "paclitaxel": "Paclitaxel", "toripalimab": "Toripalimab"}
INFUSION_MINUTES = {"cisplatin": 120, "paclitaxel": 180, "toripalimab": 45}


class TreatmentSimulation:
    """Walks one participant's calendar slot by slot up to the last day with data."""

    def __init__(self, course, events: list[AeEvent], panel_requests: dict[datetime.date, tuple[str, ...]]):
        self.course = course
        self.ctx = course.ctx
        self.rng = course.rng
        self.events = events
        self.requests = dict(panel_requests)
        self.panels: list[PanelRecord] = []
        self.baselines: dict[str, Decimal] = {}
        self.given: list[GivenDose] = []
        self.delays: list[Postponement] = []
        self.recorded: set[tuple] = set()
        self.skipped: set[tuple] = set()
        self.cycle_starts: list[datetime.date] = []
        self.level = 100
        self.chemo_discontinued = False
        self.last_chemo: datetime.date | None = None
        self.anthropometrics: list[Anthropometrics] = []
        self.febrile_days: list[datetime.date] = []
        self.records: list[DoseAdministration] = []
        self._reviewed: set[int] = set()

    # --- lab panels -------------------------------------------------------------------------------

    def request(self, day: datetime.date, sections: tuple[str, ...]) -> None:
        if day <= self.course.study_end and day >= self.course.person.enrolment_date:
            merged = tuple(dict.fromkeys(self.requests.get(day, ()) + sections))
            self.requests[day] = merged

    def flush_panels(self, before: datetime.date | None = None, *, recovered_on: datetime.date | None = None) -> None:
        """Take the requested panels dated before ``before`` (all when None), in date order."""
        for day in sorted(d for d in self.requests if before is None or d < before):
            sections = self.requests.pop(day)
            values = values_on(self.course.profile, self.rng, day, start=self.course.start,
                               cycle_starts=self.cycle_starts, sections=sections,
                               recovered=day == recovered_on)  # fmt: skip
            record = build_panel(self.ctx, self.rng, self.course.participant, day, values, self.baselines)
            if day <= self.course.start:
                for code, value in values.items():
                    self.baselines.setdefault(code, value)
            self.panels.append(record)
            self.course.touch(day)
            self._febrile_check(record)

    def _febrile_check(self, record: PanelRecord) -> None:
        """A deep neutrophil nadir sometimes comes with fever (febrile neutropenia, an SAE)."""
        if record.grade_of("anc") >= 3 and record.day > self.course.start and self.rng.random() < 0.1:
            if self.ctx.term(FEBRILE_NEUTROPENIA) is not None:
                self.febrile_days.append(record.day)
                resolved = record.day + days(self.rng.randint(4, 9))
                resolved = resolved if resolved <= self.course.study_end else None
                self.events.append(AeEvent(FEBRILE_NEUTROPENIA, 3, record.day, resolved, 0 if resolved else 3,
                                           "clinical", serious=("sae_hospitalisation",)))  # fmt: skip

    # --- height and weight ------------------------------------------------------------------------

    def measure(self, day: datetime.date, weight_kg: Decimal) -> None:
        coordinator = self.ctx.users.coordinator
        record = Anthropometrics(
            participant=self.course.participant, measured_on=day, height_cm=self.course.height_cm,
            weight_kg=weight_kg, bsa_formula=DOSES.bsa_formula,
            bsa_m2=bsa(self.course.height_cm, weight_kg, formula=DOSES.bsa_formula),
            recorded_by=coordinator, version=1,
        )  # fmt: skip
        self.ctx.writer.add(record, user=coordinator, at=self.ctx.entered(self.rng, day, lag_days=0))
        self.anthropometrics.append(record)

    def anthropometrics_on(self, day: datetime.date) -> Anthropometrics:
        return max((a for a in self.anthropometrics if a.measured_on <= day), key=lambda a: a.measured_on)

    # --- the walk ---------------------------------------------------------------------------------

    def run(self) -> None:
        course, ctx = self.course, self.ctx
        person = course.person
        self.measure(max(person.screening_date, person.enrolment_date - days(self.rng.randint(0, 3))), course.weight_kg)
        if course.start > ctx.last_day:
            self.flush_panels()
            return
        while True:
            plan = plan_doses(course.start, last_rt_fraction=course.last_rt, given=self.given, postponed=self.delays)
            pending = [d for d in plan if d.key not in self.recorded and d.key not in self.skipped]
            if not pending:
                break
            due = min(d.due for d in pending)
            slot = [d for d in pending if d.due == due]
            if due > ctx.last_day or due > course.study_end:
                break
            first = slot[0]
            if first.phase == CONSOLIDATION and first.day == 1 and first.cycle not in self._reviewed:
                if self._pre_cycle(slot, due):
                    continue
            if self._occasional_delay(slot, due):
                continue
            if first.phase == MAINTENANCE:
                self.request(due - days(1), FULL)
            self.flush_panels(before=due + days(1))
            self._give_slot(slot, due)
        self.flush_panels()

    def _occasional_delay(self, slot, due: datetime.date) -> bool:
        """About 3 % of cycle and maintenance days move a few days for the patient's reasons."""
        keys = {d.key for d in slot}
        if slot[0].phase == CCRT or slot[0].day != 1 or any(p.key in keys for p in self.delays):
            return False
        if self.rng.random() >= 0.03:
            return False
        reason = self.rng.choice(("Patient request (family event)", "Public holiday: day unit closed",
                                  "Grade 2 fatigue; patient asked for a week's rest"))  # fmt: skip
        self._delay(slot, due, due + days(self.rng.randint(2, 7)), reason)
        return True

    # --- one slot ---------------------------------------------------------------------------------

    def _give_slot(self, slot, due: datetime.date) -> None:
        course, rng = self.course, self.rng
        stopped = course.treatment_stop is not None and due >= course.treatment_stop
        jitter = 0
        if slot[0].day == 1 and not (slot[0].phase == CCRT and slot[0].cycle == 1):
            jitter = rng.choice((0, 0, 0, 0, 0, 0, 0, 0, -1, 1, 2))
            if rng.random() < 0.004:
                jitter = rng.randint(4, 6)
        given_on = min(due + days(jitter), self.ctx.last_day, course.study_end)
        given_on = max(given_on, course.start)
        for dose in slot:
            reason = ""
            if stopped:
                chemo_off = dose.agent != TORIPALIMAB and self.chemo_discontinued
                if chemo_off or (dose.agent == TORIPALIMAB and self._irae_hold(due) == "discontinue"):
                    self.skipped.add(dose.key)
                    continue
                reason = course.treatment_stop_reason
            elif dose.agent == TORIPALIMAB:
                hold = self._irae_hold(given_on)
                if hold == "discontinue":
                    self.skipped.add(dose.key)
                    continue
                if hold:
                    reason = f"Not given: toripalimab held for {hold} until back to grade 0-1 (PROTOCOL §3 irAE table)"
            else:
                if self.chemo_discontinued:
                    self.skipped.add(dose.key)
                    continue
                reason = self._chemo_omission(dose, due)
            self._record(dose, due, None if reason else given_on, reason)
        if slot[0].phase == CONSOLIDATION and slot[0].day == 1:
            actual = min((g.given_on for g in self.given if g.phase == CONSOLIDATION and g.cycle == slot[0].cycle
                          and g.day == 1), default=due)  # fmt: skip
            self.cycle_starts.append(actual)
            if rng.random() < 0.4:
                self.request(actual + days(rng.randint(8, 11)), BLOOD)

    def _irae_hold(self, day: datetime.date) -> str:
        for event in self.events:
            hold = event.holds_toripalimab(day)
            if hold == "discontinue":
                return hold
        for event in self.events:
            if event.holds_toripalimab(day) == "interrupt":
                return event.label
        return ""

    def _chemo_omission(self, dose, due: datetime.date) -> str:
        if dose.phase != CCRT:
            return ""
        recent = [p for p in self.panels if due - days(3) <= p.day <= due]
        if recent:
            panel = recent[-1]
            for code, label in (("anc", "neutrophils"), ("plt", "platelets"), ("creat", "creatinine")):
                limit = 2 if code == "creat" else 3
                if panel.grade_of(code) >= limit:
                    return f"Not given: {label} grade {panel.grade_of(code)} on {panel.day:%Y-%m-%d} (PROTOCOL §3)"
        if dose.cycle >= 5 and self.rng.random() < 0.05:
            return "Not given: patient declined (grade 2 nausea)"
        return ""

    def _record(self, dose, due: datetime.date, given_on: datetime.date | None, reason: str) -> None:
        ctx, rng = self.ctx, self.rng
        coordinator = ctx.users.coordinator
        when = given_on or due
        flat = dose.flat_mg is not None
        anthro = None if flat else self.anthropometrics_on(when)
        if flat:
            planned = calculated = dose.flat_mg
        else:
            planned = dose_mg(dose.mg_per_m2, anthro.bsa_m2)
            calculated = dose_mg(dose.mg_per_m2, anthro.bsa_m2, reduction_pct=100 - self.level)
        record = DoseAdministration(
            participant=self.course.participant, agent=dose.agent, phase=dose.phase, cycle=dose.cycle, day=dose.day,
            due_on=dose.due, anthropometrics=anthro, bsa_m2=anthro.bsa_m2 if anthro else None,
            weight_kg_used=anthro.weight_kg if anthro else None,
            mg_per_m2=q(dose.mg_per_m2, "0.01") if dose.mg_per_m2 is not None else None,
            dose_level_pct=100 if flat else self.level, planned_dose_mg=q(planned, "0.1"),
            calculated_dose_mg=q(calculated, "0.1"), recorded_by=coordinator, version=1,
        )  # fmt: skip
        if given_on is None:
            record.status = DoseStatus.OMITTED
            record.difference_reason = DifferenceReason.OMISSION
            record.difference_note = reason
        else:
            record.status = DoseStatus.GIVEN
            record.given_on = given_on
            start_minutes = rng.randrange(8 * 60 + 30, 11 * 60, 5)
            stop_minutes = start_minutes + INFUSION_MINUTES[dose.agent] + rng.randrange(0, 30, 5)
            record.given_time = datetime.time(start_minutes // 60, start_minutes % 60)
            record.infusion_start = record.given_time
            record.infusion_stop = datetime.time(min(23, stop_minutes // 60), stop_minutes % 60)
            record.dose_given_mg = q(calculated, "0.1")
            if not flat and rng.random() < 0.02:
                record.dose_given_mg = q(calculated * Decimal("0.85"), "1")
                record.difference_reason = DifferenceReason.INFUSION_INTERRUPTED
                record.difference_note = "Infusion stopped early: vein irritation"
            if abs((given_on - dose.due).days) > dose_window_days(dose.phase) and not record.difference_reason:
                record.difference_reason = DifferenceReason.DELAY
                record.difference_note = "Given late: patient unwell on the due date"
            if dose.agent == TORIPALIMAB:
                record.lot_number = f"TRP{given_on:%y%m}{'AB'[given_on.day % 2]}"
            self.given.append(GivenDose(dose.agent, dose.phase, dose.cycle, dose.day, given_on))
            if dose.agent != TORIPALIMAB:
                self.last_chemo = max(self.last_chemo or given_on, given_on)
            self.course.touch(given_on)
        self.recorded.add(dose.key)
        self.records.append(record)
        ctx.writer.add(record, user=coordinator, at=ctx.entered(rng, when, lag_days=1))

    # --- consolidation: weight, review, holds ------------------------------------------------------

    def _pre_cycle(self, slot, due: datetime.date) -> bool:
        """The toxicity review before a consolidation cycle. True when the slot moved (a hold or a
        delay): the caller re-plans."""
        cycle = slot[0].cycle
        self._reviewed.add(cycle)
        if self.chemo_discontinued or not any(d.agent != TORIPALIMAB for d in slot):
            return False
        if self.course.treatment_stop is not None and due >= self.course.treatment_stop:
            return False
        review_day = due - days(1)
        if cycle in (1, 4):
            drift = Decimal(str(self.rng.uniform(-0.05, 0.01)))
            self.measure(review_day, q(self.course.weight_kg * (1 + drift), "0.1"))
        self.request(review_day, FULL)
        self.flush_panels(before=review_day + days(1))
        toxicities, febrile, recovered = self._worst_since_last_chemo(review_day)
        decision = self._review(review_day, slot, toxicities, febrile, recovered)
        if decision.action == HOLD:
            new_day = due + days(7)
            self._delay(slot, due, new_day, "Held: haematological toxicity not back to grade 0-1 (PROTOCOL §3)")
            check_day = new_day - days(1)
            self.request(check_day, BLOOD)
            self.flush_panels(before=check_day + days(1), recovered_on=check_day)
            panel = self.panels[-1]
            current = [(term, panel.grade_of(code)) for code, term in HAEM_REVIEW[:3]]
            self._review(check_day, slot, current, False, True)
            return True
        return False

    def _worst_since_last_chemo(self, review_day: datetime.date):
        since = self.last_chemo or self.course.start
        window = [p for p in self.panels if since < p.day <= review_day]
        worst = {term: max((p.grade_of(code) for p in window), default=0) for code, term in HAEM_REVIEW}
        toxicities = [(term, grade) for term, grade in worst.items() if grade > 0]
        febrile = any(since < d <= review_day for d in self.febrile_days)
        if febrile:
            toxicities.append((FEBRILE_NEUTROPENIA, 3))
        others = sorted(
            (e for e in self.events if e.source == "clinical" and since < e.onset <= review_day and e.term != FEBRILE_NEUTROPENIA),
            key=lambda e: -e.grade,
        )[:3]  # fmt: skip
        toxicities += [(e.term, e.grade) for e in others]
        latest = window[-1] if window else None
        recovered = latest is not None and all(latest.grade_of(code) <= 1 for code, _ in HAEM_REVIEW[:3])
        return toxicities, febrile, recovered

    def _review(self, day: datetime.date, slot, toxicities, febrile: bool, recovered: bool):
        ctx, rng = self.ctx, self.rng
        coordinator, investigator = ctx.users.coordinator, ctx.users.investigator
        target = min((d for d in slot if d.agent != TORIPALIMAB), key=lambda d: (d.due, d.day))
        decision = chemo_modification(toxicities, current_level_pct=self.level, haematological_recovered=recovered,
                                      febrile=febrile)  # fmt: skip
        needs = decision.action in NEEDS_DECISION
        decided_at = ctx.at(day, rng.randint(14, 18), rng.randrange(0, 60, 5))
        review = DoseModification(
            participant=self.course.participant, assessed_on=day, target_agent=target.agent,
            target_phase=target.phase, target_cycle=target.cycle, target_day=target.day,
            toxicities=[{"term": term, "grade": grade} for term, grade in toxicities], febrile=febrile,
            haematological_recovered=recovered, current_level_pct=self.level,
            recommended_action=decision.action, recommended_level_pct=decision.dose_level_pct,
            rule_code=decision.code, rule_reason=decision.reason,
            decision="confirmed" if needs else "not_required",
            decided_action=decision.action if needs else "", decided_level_pct=decision.dose_level_pct if needs else None,
            decided_by=investigator if needs else None, decided_at=decided_at if needs else None,
            recorded_by=coordinator, version=1,
        )  # fmt: skip
        ctx.writer.add(review, user=investigator if needs else coordinator,
                       at=decided_at if needs else ctx.entered(rng, day, lag_days=0))  # fmt: skip
        if needs:
            if decision.action == DISCONTINUE:
                self.chemo_discontinued = True
            elif decision.dose_level_pct is not None:
                self.level = decision.dose_level_pct
        return decision

    def _delay(self, slot, due: datetime.date, new_day: datetime.date, reason: str) -> None:
        coordinator = self.ctx.users.coordinator
        target = min(slot, key=lambda d: (d.agent == TORIPALIMAB, d.day))
        self.delays.append(Postponement(target.agent, target.phase, target.cycle, target.day, new_day))
        record = DoseDelay(participant=self.course.participant, agent=target.agent, phase=target.phase,
                           cycle=target.cycle, day=target.day, original_due=due, delayed_to=new_day, reason=reason,
                           recorded_by=coordinator, version=1)  # fmt: skip
        self.ctx.writer.add(record, user=coordinator, at=self.ctx.entered(self.rng, min(due, self.ctx.last_day), lag_days=0))


def visit_panel_requests(course, visits) -> dict[datetime.date, tuple[str, ...]]:
    """A panel at every done visit from week 0 on: the weekly CCRT panel, and blood, liver and kidney
    at the end of EBRT and the follow-ups."""
    requests: dict[datetime.date, tuple[str, ...]] = {}
    for visit, day in visits:
        if visit.code in ("screening", "rt_planning") or day < course.person.enrolment_date:
            continue
        sections = FULL if visit.code == "ccrt_w0" else CHEMISTRY if visit.code.startswith("ccrt") else FOLLOW_UP
        requests[day] = tuple(dict.fromkeys(requests.get(day, ()) + sections))
    return requests
