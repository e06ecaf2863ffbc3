"""Adverse events (CTCAE v5.0), their signatures and SAE reports, the lab values they come from, and
toripalimab's irAE dose decisions (PROTOCOL §3).

Rates per participant (a plausible picture for cisplatin chemoradiotherapy, paclitaxel/cisplatin
consolidation and an anti-PD-1 antibody, not data): nausea ~55 %, diarrhoea ~40 %, fatigue ~45 %,
cystitis, proctitis and radiation dermatitis 10-20 %, alopecia ~45 % and neuropathy ~30 % with
paclitaxel; immune-related hypothyroidism ~14 %, rash ~12 %, hyperthyroidism ~5 %, hepatitis ~4 %,
colitis ~2.5 %, pneumonitis ~2 %. Grades are mostly 1-2, some 3, few 4; grade 5 only for the rare
treatment-related death. Lab values of grade >= 2 (lymphocytes >= 3) start a lab-based AE (anaemia,
neutropenia, ...), which the first such value is linked to; other graded values are dismissed with a
reason, or still proposed when recent.

Each AE is checked by ``toxicity.rules.adverse_event.adverse_event_problems`` before it is queued,
and each immune-related AE's dose decision is the action of ``toxicity.rules.irae.toripalimab_action``.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from toxicity.models import (
    AdverseEvent,
    AdverseEventSignature,
    AeProposal,
    IraeDecisionStatus,
    IraeDoseDecision,
)
from toxicity.rules.adverse_event import AdverseEventFacts, adverse_event_problems
from toxicity.rules.irae import IraeDecision, toripalimab_action
from trialsite.protocol.toxicity import DISCONTINUE, HORMONE_REPLACEMENT, INTERRUPT, IRAE_ROWS, SLOW_INFUSION

from .context import SeedContext, days, q
from .enrolment import weighted
from .labs import LabEvent, PanelRecord

G12 = ((1, 60), (2, 33), (3, 7))
# term, probability, first and last study day of onset, grade weights, days to resolve (min, max)
CLINICAL = (
    ("Nausea", 0.55, 3, 45, G12, (5, 35)),
    ("Vomiting", 0.25, 3, 45, G12, (2, 14)),
    ("Diarrhea", 0.40, 10, 50, ((1, 55), (2, 36), (3, 9)), (7, 45)),
    ("Fatigue", 0.45, 7, 60, ((1, 60), (2, 36), (3, 4)), (14, 90)),
    ("Anorexia", 0.25, 7, 50, ((1, 65), (2, 31), (3, 4)), (7, 40)),
    ("Cystitis noninfective", 0.18, 14, 60, ((1, 65), (2, 31), (3, 4)), (7, 40)),
    ("Proctitis", 0.12, 20, 70, ((1, 55), (2, 38), (3, 7)), (14, 60)),
    ("Dermatitis radiation", 0.12, 20, 50, ((1, 60), (2, 35), (3, 5)), (10, 35)),
    ("Abdominal pain", 0.15, 7, 80, ((1, 60), (2, 36), (3, 4)), (3, 21)),
    ("Constipation", 0.12, 5, 60, ((1, 70), (2, 28), (3, 2)), (5, 30)),
    ("Urinary frequency", 0.15, 10, 60, ((1, 70), (2, 30)), (10, 60)),
    ("Vaginal inflammation", 0.08, 20, 80, ((1, 70), (2, 28), (3, 2)), (14, 60)),
    ("Weight loss", 0.12, 30, 120, ((1, 75), (2, 22), (3, 3)), (30, 120)),
    ("Tinnitus", 0.05, 20, 90, ((1, 80), (2, 20)), (30, 150)),
    ("Alopecia", 0.45, 95, 130, ((1, 40), (2, 60)), (90, 180)),
    ("Peripheral sensory neuropathy", 0.30, 110, 200, ((1, 70), (2, 26), (3, 4)), (30, 200)),
    ("Myalgia", 0.15, 90, 200, ((1, 75), (2, 22), (3, 3)), (2, 10)),
    ("Arthralgia", 0.15, 90, 200, ((1, 75), (2, 22), (3, 3)), (2, 14)),
    ("Urinary tract infection", 0.08, 10, 365, ((2, 70), (3, 28), (4, 2)), (5, 14)),
    ("Fever", 0.08, 10, 365, ((1, 70), (2, 25), (3, 5)), (1, 5)),
    ("Thromboembolic event", 0.02, 20, 365, ((2, 60), (3, 40)), (60, 180)),
    ("Pruritus", 0.08, 30, 365, ((1, 75), (2, 25)), (7, 40)),
)
# irAEs: term, irAE category, probability, grade weights, days to grade <= 1, days to resolve;
# resolve None: often lasting (hormone replacement).
IMMUNE = (
    ("Hypothyroidism", "hypothyroidism", 0.14, ((1, 35), (2, 60), (3, 5)), (14, 42), None),
    ("Hyperthyroidism", "hyperthyroidism", 0.05, ((1, 55), (2, 42), (3, 3)), (14, 28), (30, 70)),
    ("Rash maculo-papular", "rash", 0.12, ((1, 55), (2, 38), (3, 7)), (7, 21), (14, 40)),
    ("Alanine aminotransferase increased", "hepatitis", 0.04, ((2, 65), (3, 35)), (14, 28), (28, 56)),
    ("Colitis", "colitis", 0.025, ((2, 60), (3, 35), (4, 5)), (10, 28), (21, 50)),
    ("Pneumonitis", "pneumonitis", 0.02, ((2, 72), (3, 25), (4, 3)), (14, 35), (28, 70)),
    ("Infusion related reaction", "infusion_reaction", 0.03, ((1, 50), (2, 45), (3, 5)), (0, 1), (1, 2)),
    ("Adrenal insufficiency", "adrenal_insufficiency", 0.01, ((2, 70), (3, 30)), (14, 42), None),
    ("Hyperglycemia", "hyperglycemia", 0.01, ((2, 50), (3, 50)), (14, 42), None),
    ("Myocarditis", "myocarditis", 0.003, ((3, 60), (4, 40)), (21, 42), (42, 90)),
)
FILLER_TERMS = ("Fatigue", "Nausea", "Constipation", "Dyspepsia", "Headache", "Dizziness", "Dry skin", "Pruritus",
                "Cough", "Chills", "Malaise", "Myalgia", "Arthralgia", "Anorexia", "Dysgeusia")  # fmt: skip
# Lab-based AE terms and the grade a value must reach to start one (2 for the others).
LAB_AE_THRESHOLD = {"Lymphocyte count decreased": 3, "White blood cell decreased": 3}
# A new episode of a term within this many days of the last one's resolution reopens it (one AE
# for the consolidation cycles' repeated nadirs, not one per cycle).
LAB_AE_MERGE_DAYS = 35
LAB_AE_ANALYTES = ("hgb", "anc", "wbc", "plt", "lym", "creat", "k", "na", "mg", "ca", "alt", "ast", "tbil")
HAEMATOLOGICAL = {"Anemia", "Neutrophil count decreased", "White blood cell decreased", "Platelet count decreased",
                  "Lymphocyte count decreased", "Febrile neutropenia"}  # fmt: skip
DISMISS_REASONS = (
    "Grade 1, not clinically significant; no action",
    "Transient; normal on repeat",
    "Expected during chemoradiotherapy; monitored",
)
AGENTS = ("toripalimab", "cisplatin", "paclitaxel", "radiotherapy")


@dataclass
class AeEvent:
    """One adverse event as the generator plans it, before it becomes a record."""

    term: str
    grade: int
    onset: datetime.date
    resolved_on: datetime.date | None
    current_grade: int
    source: str  # clinical, immune, lab, fatal, filler
    category: str = ""  # irAE category
    improved_on: datetime.date | None = None  # irAE back to grade <= 1
    rule: IraeDecision | None = None
    serious: tuple[str, ...] = ()
    death_date: datetime.date | None = None
    lab_results: list = field(default_factory=list)  # (LabResult, linked?) of a lab-based AE
    record: AdverseEvent | None = None

    def holds_toripalimab(self, day: datetime.date) -> str:
        """"discontinue", "interrupt" or "" for a toripalimab dose on ``day``."""
        if self.rule is None or day < self.onset:
            return ""
        if self.rule.action == DISCONTINUE:
            return DISCONTINUE
        if self.rule.action == INTERRUPT and (self.improved_on is None or day < self.improved_on):
            return INTERRUPT
        return ""

    @property
    def label(self) -> str:
        row = IRAE_ROWS.get(self.category)
        return f"{row.label if row else self.term.lower()} grade {self.grade}"


def _grade(ctx: SeedContext, rng: random.Random, term: str, weights) -> int | None:
    available = ctx.grades(term)
    if not available:
        return None
    grade = weighted(rng, weights)
    return grade if grade in available else min(available, key=lambda g: abs(g - grade))


def _current(ctx: SeedContext, term: str, worst: int, wanted: int) -> int:
    """The grade now of an unresolved AE: ``wanted`` or the nearest grade the term has below it
    (never 0: that would be back to normal), at most ``worst``."""
    grades = [g for g in ctx.grades(term) if g <= worst] or [worst]
    return max((g for g in grades if g <= wanted), default=min(grades))


def _course(onset, span, rng, last_day) -> datetime.date | None:
    resolved = onset + days(rng.randint(*span))
    return resolved if resolved <= last_day else None


def plan_events(course) -> list[AeEvent]:
    """The clinical and immune-related AEs of one treated participant (before the doses: the
    irAE holds change toripalimab, the toxicities feed the chemotherapy reviews)."""
    ctx, rng = course.ctx, course.rng
    end = course.study_end
    events = []
    for term, chance, first, last, weights, span in CLINICAL:
        if rng.random() >= chance:
            continue
        onset = course.day(rng.randint(first, last))
        grade = _grade(ctx, rng, term, weights)
        if grade is None or onset > end:
            continue
        resolved = _course(onset, span, rng, end)
        current = 0 if resolved else _current(ctx, term, grade, grade - rng.randint(0, 1))
        serious = ()
        if grade >= 3 and (term in ("Urinary tract infection", "Thromboembolic event", "Diarrhea") or rng.random() < 0.3):
            serious = ("sae_hospitalisation",)
        if grade == 4:
            serious = ("sae_life_threatening", "sae_hospitalisation")
        events.append(AeEvent(term, grade, onset, resolved, current, "clinical", serious=serious))
    for term, category, chance, weights, improve, span in IMMUNE:
        if rng.random() >= chance:
            continue
        grade = _grade(ctx, rng, term, weights)
        if category == "infusion_reaction":
            onset = course.day(rng.choice((1, 22)))
        else:
            onset = course.day(rng.randint(35, 330))
        if grade is None or onset > end:
            continue
        improved = onset + days(rng.randint(*improve)) if grade >= 2 else onset
        if span is None:
            resolved = _course(onset, (120, 300), rng, end) if rng.random() < 0.35 else None
        else:
            resolved = _course(onset, span, rng, end)
        if resolved is not None:
            improved = min(improved, resolved)
        current = 0 if resolved else _current(ctx, term, grade, 1 if improved <= end else grade)
        serious = ("sae_hospitalisation",) if grade >= 3 and category in ("colitis", "pneumonitis", "myocarditis") else ()
        if grade == 4:
            serious = ("sae_life_threatening", "sae_hospitalisation")
        event = AeEvent(term, grade, onset, resolved, current, "immune", category=category, improved_on=improved,
                        serious=serious)  # fmt: skip
        event.rule = toripalimab_action(category, grade)
        events.append(event)
        if category == "hepatitis":
            course.profile.events.append(LabEvent("hepatitis", onset, grade, improved, resolved or end + days(1)))
        elif category in ("hypothyroidism", "hyperthyroidism"):
            course.profile.events.append(LabEvent(category, onset, grade, improved, resolved or end + days(30)))
    if course.fatal_event_day is not None:
        death = course.death
        onset = death - days(rng.randint(3, 12))
        if (onset - course.start).days > 40 and ctx.term("Pneumonitis") is not None:
            term, category = "Pneumonitis", "pneumonitis"
        else:
            term, category = "Febrile neutropenia", ""
        if ctx.term(term) is not None and 5 in ctx.grades(term):
            event = AeEvent(term, 5, max(onset, course.start), death, 5, "fatal", category=category,
                            serious=("sae_death", "sae_hospitalisation"), death_date=death)  # fmt: skip
            if category:
                event.rule = toripalimab_action(category, 5)
                event.improved_on = None
            events.append(event)
    return events


def monitoring_panels(events: list[AeEvent], course) -> dict[datetime.date, tuple[str, ...]]:
    """Extra panels an immune-related hepatitis or thyroiditis brings (weekly until it resolves)."""
    from .labs import CHEMISTRY, FULL

    wanted: dict[datetime.date, tuple[str, ...]] = {}
    for event in events:
        if event.category == "hepatitis":
            stop = min(event.resolved_on or course.study_end, course.study_end)
            day = event.onset
            while day <= stop:
                wanted[day] = CHEMISTRY
                day += days(7)
            if event.resolved_on is not None and event.resolved_on <= course.study_end:
                wanted[event.resolved_on] = CHEMISTRY
        elif event.category in ("hypothyroidism", "hyperthyroidism"):
            wanted[event.onset] = FULL
            if event.improved_on and event.improved_on <= course.study_end:
                wanted[event.improved_on] = FULL
    return wanted


# --- from lab values ---------------------------------------------------------------------------------


def lab_events(course, panels: list[PanelRecord], immune: list[AeEvent]) -> list[AeEvent]:
    """Lab-based AEs: after treatment start, a value of grade >= 2 (lymphocytes >= 3) opens an
    episode of its analyte's CTCAE term that lasts while the term stays at grade >= 1 (the first
    value at grade 0, or on the other side of a two-sided analyte, resolves it); the opening value
    is linked to the AE. The ALT/AST values of an immune-related hepatitis belong to that irAE."""
    hepatitis = next((e for e in immune if e.category == "hepatitis"), None)
    open_by_analyte: dict[str, AeEvent] = {}
    events: list[AeEvent] = []
    for record in sorted(panels, key=lambda p: p.day):
        for code in LAB_AE_ANALYTES:
            result = record.results.get(code)
            if result is None or result.grade is None:
                continue
            term, grade = result.ctcae_term, result.grade
            if hepatitis is not None and code in ("alt", "ast") and hepatitis.onset <= record.day:
                if grade >= 1 and (hepatitis.resolved_on is None or record.day < hepatitis.resolved_on):
                    first = code == "alt" and not any(linked for _, linked in hepatitis.lab_results)
                    hepatitis.lab_results.append((result, first))
                continue
            current = open_by_analyte.get(code)
            if current is not None:
                if grade >= 1 and term == current.term:
                    current.grade = max(current.grade, grade)
                    current.current_grade = grade
                    current.lab_results.append((result, False))
                    continue
                current.resolved_on, current.current_grade = record.day, 0
                del open_by_analyte[code]
            if record.day <= course.start or grade < LAB_AE_THRESHOLD.get(term, 2):
                continue
            if grade not in course.ctx.grades(term):
                continue
            previous = next((e for e in reversed(events) if e.term == term), None)
            if previous is not None and (record.day - previous.resolved_on).days <= LAB_AE_MERGE_DAYS:
                previous.resolved_on, previous.current_grade = None, grade
                previous.grade = max(previous.grade, grade)
                previous.lab_results.append((result, False))
                open_by_analyte[code] = previous
                continue
            event = AeEvent(term, grade, record.day, None, grade, "lab")
            event.lab_results.append((result, True))
            open_by_analyte[code] = event
            events.append(event)
    for event in events:
        event.grade = _existing_grade(course.ctx, event.term, event.grade)
        if event.resolved_on is None:
            event.current_grade = _current(course.ctx, event.term, event.grade, event.current_grade)
        if event.grade >= 4 and event.term == "Platelet count decreased":
            event.serious = ("sae_important_medical_event",)
    return events


def _existing_grade(ctx, term: str, grade: int) -> int:
    available = ctx.grades(term)
    return grade if grade in available else max((g for g in available if g <= grade), default=grade)


def settle_proposals(course, panels: list[PanelRecord], events: list[AeEvent]) -> None:
    """What became of each value's AE proposal: linked to its AE, dismissed (part of an AE, or
    with a reason), or still proposed when collected in the last days."""
    ctx, rng = course.ctx, course.rng
    in_event = {}
    for event in events:
        for result, linked in event.lab_results:
            in_event[id(result)] = (event, linked)
    for record in panels:
        for result in record.results.values():
            if (result.grade or 0) < 1:
                continue
            found = in_event.get(id(result))
            if found is not None:
                event, linked = found
                if linked:
                    result.ae_proposal, result.adverse_event = AeProposal.CONFIRMED, event.record
                else:
                    result.ae_proposal = AeProposal.DISMISSED
                    result.dismiss_reason = f"Part of AE {event.record.number} ({event.term}), already recorded"
            elif (ctx.last_day - record.day).days <= 10:
                result.ae_proposal = AeProposal.PROPOSED
            else:
                result.ae_proposal = AeProposal.DISMISSED
                result.dismiss_reason = (
                    "Present before treatment (medical history)" if record.day <= course.start
                    else rng.choice(DISMISS_REASONS)
                )  # fmt: skip


def filler_events(course, count: int) -> list[AeEvent]:
    """``count`` more low-grade, mostly resolved AEs spread over her time on study (benchmarks)."""
    ctx, rng = course.ctx, course.rng
    first, last = course.start, min(course.study_end, ctx.last_day)
    span = (last - first).days
    terms = [t for t in FILLER_TERMS if ctx.term(t) is not None]
    if span < 0 or not terms:
        return []
    events = []
    for _ in range(count):
        term = rng.choice(terms)
        onset = first + days(rng.randint(0, span))
        grade = _grade(ctx, rng, term, ((1, 80), (2, 20)))
        resolved = _course(onset, (1, 20), rng, last)
        events.append(AeEvent(term, grade, onset, resolved, 0 if resolved else grade, "filler"))
    return events


# --- records -------------------------------------------------------------------------------------------


def _phase(course, day: datetime.date) -> str:
    t = (day - course.start).days + 1
    if t <= 60:
        return "ccrt"
    if course.treatment_end is not None and day > course.treatment_end:
        return "after"
    return "consolidation" if t <= 210 else "maintenance"


def _attribution(course, event: AeEvent, rng: random.Random) -> dict[str, str]:
    phase = _phase(course, event.onset)
    if event.source in ("immune",) or event.category:
        return {"toripalimab": rng.choice(("probable", "probable", "definite")), "cisplatin": "unlikely",
                "paclitaxel": "unrelated" if phase == "ccrt" else "unlikely", "radiotherapy": "unrelated"}  # fmt: skip
    haem = event.term in HAEMATOLOGICAL
    if phase == "ccrt":
        return {"toripalimab": "unlikely", "cisplatin": "probable" if haem else "possible",
                "paclitaxel": "unrelated", "radiotherapy": "possible" if haem else "probable"}  # fmt: skip
    if phase == "consolidation":
        return {"toripalimab": "unlikely", "cisplatin": "probable", "paclitaxel": "probable",
                "radiotherapy": "unlikely"}  # fmt: skip
    if phase == "maintenance":
        return {"toripalimab": "possible", "cisplatin": "unlikely", "paclitaxel": "unlikely",
                "radiotherapy": "unlikely"}  # fmt: skip
    return {"toripalimab": "unlikely", "cisplatin": "unlikely", "paclitaxel": "unlikely", "radiotherapy": "unlikely"}


def _actions(course, event: AeEvent) -> dict[str, str]:
    phase = _phase(course, event.onset)
    actions = {agent: "none" for agent in AGENTS}
    if phase == "ccrt":
        actions["paclitaxel"] = "na"
    elif phase in ("maintenance", "after"):
        actions.update(cisplatin="na", paclitaxel="na", radiotherapy="na")
    else:
        actions["radiotherapy"] = "na"
    if phase == "after":
        actions["toripalimab"] = "na"
    if event.rule is not None:
        if event.rule.action == DISCONTINUE:
            actions["toripalimab"] = "discontinued"
        elif event.rule.action == INTERRUPT:
            actions["toripalimab"] = "interrupted"
    return actions


def build_adverse_events(course, events: list[AeEvent]) -> None:
    """Number the AEs by onset, and queue each with its signature and irAE dose decision."""
    ctx, rng = course.ctx, course.rng
    coordinator, investigator = ctx.users.coordinator, ctx.users.investigator
    for number, event in enumerate(sorted(events, key=lambda e: (e.onset, e.term, e.source)), start=1):
        term = ctx.term(event.term)
        resolved = event.resolved_on
        fatal = event.grade == 5
        if fatal:
            outcome = "fatal"
        elif resolved is not None:
            outcome = "sequelae" if event.term == "Peripheral sensory neuropathy" and rng.random() < 0.2 else "recovered"
        elif event.current_grade < event.grade:
            outcome = "recovering"
        else:
            outcome = "unknown" if course.study_end < ctx.last_day else "not_recovered"
        serious = bool(event.serious)
        entered = ctx.entered(rng, event.onset, lag_days=3)
        awareness = ctx.at(event.onset + days(rng.randint(0, 1)), rng.randint(8, 17), rng.randrange(0, 60, 5))
        attribution = _attribution(course, event, rng)
        actions = _actions(course, event)
        steroid = _steroids(course, event, rng)
        ae = AdverseEvent(
            participant=course.participant,
            number=number,
            term=term,
            description=event.term.lower() if event.source != "lab" else f"{event.term.lower()} on routine bloods",
            grade=event.grade,
            current_grade=5 if fatal else event.current_grade,
            onset_date=event.onset,
            resolution_date=resolved,
            ongoing=resolved is None,
            serious=serious,
            sae_awareness_at=awareness if serious else None,
            sae_report_sent_at=_sae_sent(ctx, rng, awareness) if serious else None,
            immune_related=bool(event.category),
            irae_category=event.category,
            outcome=outcome,
            death_date=event.death_date,
            recorded_by=coordinator,
            version=1,
            **{name: True for name in event.serious},
            **{f"attribution_{agent}": value for agent, value in attribution.items()},
            **{f"action_{agent}": value for agent, value in actions.items()},
            **steroid,
        )
        problems = adverse_event_problems(
            AdverseEventFacts.from_values({**ae.__dict__, "term": event.term}),
            available_grades=term.available_grades(), today=ctx.last_day, enrolment_date=course.person.enrolment_date,
        )  # fmt: skip
        if problems:
            raise AssertionError(f"Demo generator made an inconsistent AE ({event.term}): {problems}")
        event.record = ae
        ctx.writer.add(ae, user=coordinator, at=max(entered, awareness) if serious else entered)
        if (ctx.last_day - event.onset).days >= 7 and rng.random() < 0.93:
            signed_at = ctx.at(event.onset + days(rng.randint(3, 9)), rng.randint(9, 18), rng.randrange(0, 60, 5))
            signed_at = max(signed_at, entered + datetime.timedelta(hours=1))
            signature = AdverseEventSignature(adverse_event=ae, ae_version=1, signed_by=investigator,
                                              signer_name=ctx.users.name(investigator), signed_at=signed_at,
                                              version=1)  # fmt: skip
            ctx.writer.add(signature, user=investigator, at=signed_at)
        if event.rule is not None and event.rule.action != "continue":
            _dose_decision(course, event, ae)


def _sae_sent(ctx, rng, awareness: datetime.datetime) -> datetime.datetime | None:
    if (ctx.last_day - awareness.date()).days <= 1 and rng.random() < 0.5:
        return None  # the report is still to be sent
    hours = rng.randint(26, 60) if rng.random() < 0.05 else rng.randint(2, 22)
    return min(awareness + datetime.timedelta(hours=hours), ctx.at(ctx.last_day, 23, 55))


def _steroids(course, event: AeEvent, rng: random.Random) -> dict:
    if not event.category or event.grade < 2 or IRAE_ROWS[event.category].endocrine:
        return {}
    if event.category == "infusion_reaction":
        return {}
    per_kg = 2 if event.grade >= 3 and event.category in ("colitis", "pneumonitis", "myocarditis") else 1
    start_mg = q(float(course.weight_kg) * per_kg, "1")
    stop = None
    if event.resolved_on is not None:
        stop = event.resolved_on + days(rng.randint(7, 28))
        if stop > course.study_end:
            stop = None
    weeks_on = (course.study_end - event.onset).days / 7
    current = Decimal(0) if stop else q(max(5, float(start_mg) * max(0.1, 1 - weeks_on / 6)), "1")
    if not stop and weeks_on > 6:
        current = min(current, Decimal(10))
    return {
        "steroid_given": True,
        "steroid_drug": "Methylprednisolone" if per_kg == 2 else "Prednisone",
        "steroid_start_date": event.onset,
        "steroid_start_mg_per_day": start_mg,
        "steroid_current_mg_per_day": current,
        "steroid_taper_note": "Tapered over 4-6 weeks",
        "steroid_stop_date": stop,
    }


def _dose_decision(course, event: AeEvent, ae: AdverseEvent) -> None:
    """The irAE rule's decision for toripalimab at the AE's grade, confirmed by the investigator;
    a hold ends when the AE is back at grade 0-1, a discontinuation stays in force."""
    ctx, rng = course.ctx, course.rng
    investigator = ctx.users.investigator
    rule = event.rule
    target = course.records.get("toripalimab_targets", {}).get(id(event))
    holds = rule.action in (INTERRUPT, DISCONTINUE)
    decided_at = ctx.at(event.onset + days(1), rng.randint(9, 17), rng.randrange(0, 60, 5))
    active, ended_on, end_reason = True, None, ""
    back = event.resolved_on if rule.action in (HORMONE_REPLACEMENT, SLOW_INFUSION) else event.improved_on
    if rule.action != DISCONTINUE and back is not None and back <= course.study_end:
        active, ended_on = False, back
        end_reason = f"lifted: {event.term} back to grade {0 if back == event.resolved_on else 1} on {back:%Y-%m-%d}"
    decision = IraeDoseDecision(
        participant=course.participant,
        adverse_event=ae,
        assessed_on=event.onset,
        grade=event.grade,
        target_phase=target.phase if target else "",
        target_cycle=target.cycle if target else None,
        target_day=target.day if target else None,
        recommended_action=str(rule.action),
        rule_code=rule.code,
        rule_reason=rule.reason,
        decision=IraeDecisionStatus.CONFIRMED if holds else IraeDecisionStatus.NOT_REQUIRED,
        decided_action=str(rule.action) if holds else "",
        decided_by=investigator if holds else None,
        decided_at=decided_at if holds else None,
        active=active,
        ended_on=ended_on,
        end_reason=end_reason,
        version=1,
    )
    ctx.writer.add(decision, user=investigator if holds else ctx.users.coordinator, at=decided_at)
