"""An enrolled participant's course: what happens to her (response, progression, death, withdrawal,
loss to follow-up), her radiotherapy and her visits (PROTOCOL §2, §4, §5).

Rates, chosen to look like a phase II cohort of this regimen (not data): best response CR ~62 %,
PR ~22 %, SD ~8 %, primary PD ~5 %; progression by two years ~12 % after a CR, ~30 % after a PR,
~60 % with SD; death a median ~11 months after progression, otherwise ~1 % a year; treatment-
related death ~0.5 %; consent withdrawal ~2.5 % and loss to follow-up ~1.5 %.
"""

import dataclasses
import datetime
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from dosing.models import BrachytherapyFraction, RadiotherapyCourse
from dosing.rules.schedule import expected_last_ebrt_fraction
from enrollment.models import UNSCHEDULED, Visit, VisitForm, VisitFormState, VisitOutcome
from enrollment.rules.visits import ScheduledVisit, visit_schedule, window_deviation
from trialsite.protocol import visits as visit_protocol
from trialsite.protocol.treatment import CALENDAR, RADIOTHERAPY

from .context import SeedContext, days, q
from .enrolment import Person, weighted
from .labs import LabProfile

RESPONSE_CLASSES = (("CR", 62), ("PR", 22), ("SD", 8), ("PD", 5))
# Monthly hazard of progression by best response (P(progression by 24 months) ~12/30/60 %).
PROGRESSION_HAZARD = {"CR": -math.log(0.88) / 24, "PR": -math.log(0.70) / 24, "SD": -math.log(0.40) / 24}
MONTH = 30.4375

MISSED_REASONS = (
    "Patient unwell, could not travel",
    "Patient did not attend; not reachable by phone",
    "Patient travelling (family matter)",
    "Hospitalised elsewhere on the visit date",
)
WINDOW_NOTES = (
    "Visit rescheduled at the patient's request (public holiday).",
    "Imaging slot not available in the window.",
    "Patient could not travel earlier.",
)
NOT_DONE_REASONS = {
    visit_protocol.HPV_TEST: "HPV test kit out of stock",
    visit_protocol.SCC_ANTIGEN: "Sample haemolysed; not repeated",
    visit_protocol.IMAGE_GUIDANCE: "CBCT not archived for this week",
    visit_protocol.STAGING_IMAGING: "Imaging postponed to the next visit",
}


@dataclass
class Course:
    """Everything the generator knows about one enrolled participant's time on study."""

    person: Person
    ctx: SeedContext
    rng: random.Random
    response_class: str
    progression_true: datetime.date | None = None
    progression_site: str = ""
    death: datetime.date | None = None
    death_cause: str = ""
    withdrawal: datetime.date | None = None
    lost: datetime.date | None = None
    fatal_event_day: int | None = None  # treatment-related death, days after start
    height_cm: Decimal = Decimal("158.0")
    weight_kg: Decimal = Decimal("56.0")
    profile: LabProfile | None = None
    # filled as the course is built
    ebrt_end: datetime.date | None = None
    last_rt: datetime.date | None = None
    rt_completed: bool = False
    visits: list[tuple[ScheduledVisit, datetime.date | None, str]] = field(default_factory=list)
    progression_date: datetime.date | None = None
    treatment_stop: datetime.date | None = None
    treatment_stop_reason: str = ""
    treatment_end: datetime.date | None = None  # treatment completed or stopped (status follow-up)
    last_contact: datetime.date | None = None
    records: dict = field(default_factory=dict)

    @property
    def start(self) -> datetime.date:
        return self.person.start

    @property
    def participant(self):
        return self.person.participant

    @property
    def study_end(self) -> datetime.date:
        """The last day trial data can exist for her."""
        ends = [self.ctx.last_day] + [d for d in (self.death, self.withdrawal, self.lost) if d is not None]
        return min(ends)

    def day(self, n: int) -> datetime.date:
        """Study day ``n`` (day 1 = treatment start)."""
        return self.start + days(n - 1)

    def touch(self, day: datetime.date) -> None:
        """Record a contact (she was alive and seen on ``day``)."""
        if day <= self.study_end and (self.last_contact is None or day > self.last_contact):
            self.last_contact = day


def _within(day: datetime.date | None, ctx: SeedContext) -> datetime.date | None:
    return day if day is not None and day <= ctx.last_day else None


def plan_course(person: Person, ctx: SeedContext) -> Course:
    """Draw what will happen to an enrolled participant (dates after the last day are dropped)."""
    rng = person.rng
    response = weighted(rng, RESPONSE_CLASSES)
    course = Course(person=person, ctx=ctx, rng=rng, response_class=response)
    course.height_cm = q(min(175, max(145, rng.gauss(157, 5.5))), "0.1")
    course.weight_kg = q(min(88, max(40, rng.gauss(57, 8))), "0.1")
    course.profile = LabProfile.draw(rng)
    start = person.start
    if response == "PD":
        course.progression_true = start + days(rng.randint(60, 85))
    else:
        months = rng.expovariate(PROGRESSION_HAZARD[response])
        course.progression_true = start + days(max(100, round(months * MONTH)))
    course.progression_true = _within(course.progression_true, ctx)
    course.progression_site = weighted(rng, (("locoregional", 45), ("distant", 40), ("both", 15)))
    roll = rng.random()
    if roll < 0.025:
        course.withdrawal = _within(start + days(rng.randint(10, 200)), ctx)
    elif roll < 0.04:
        course.lost = _within(start + days(rng.randint(250, 700)), ctx)
    elif roll < 0.045:
        course.fatal_event_day = rng.randint(20, 200)
        death = _within(start + days(course.fatal_event_day), ctx)
        if death is not None:
            course.death, course.death_cause = death, "treatment"
        else:
            course.fatal_event_day = None
    if course.death is None and rng.random() < 0.03:
        course.death = _within(start + days(rng.randint(60, 1000)), ctx)
        course.death_cause = rng.choice(("other", "unknown")) if course.death else ""
    if course.death is not None:
        ended = min((d for d in (course.withdrawal, course.lost) if d is not None), default=None)
        if ended is not None and ended < course.death:
            course.death, course.death_cause, course.fatal_event_day = None, "", None  # no news after that
        else:
            course.withdrawal = course.lost = None
    return course


def death_after_progression(course: Course) -> None:
    """Once a progression is documented, she may die of the disease (median ~11 months later)."""
    if course.progression_date is None or course.death is not None:
        return
    months = max(1.0, course.rng.expovariate(1 / 15.5))
    death = _within(course.progression_date + days(round(months * MONTH)), course.ctx)
    if death is None or any(d is not None and d <= death for d in (course.withdrawal, course.lost)):
        return  # alive at the last day, or no news after her withdrawal / loss to follow-up
    course.death, course.death_cause = death, "disease"
    course.withdrawal = course.lost = None


# --- radiotherapy -------------------------------------------------------------------------------------


def build_radiotherapy(course: Course) -> None:
    """The EBRT course (25 or 28 fractions of 1.8 Gy, 5 a week, a SIB to involved nodes) and four
    weekly HDR brachytherapy fractions of ~7 Gy, as far as they happened by the study end."""
    ctx, rng, person = course.ctx, course.rng, course.person
    if course.start > ctx.last_day:
        return
    fractions = rng.choice((25, 28, 28))
    per_fraction = Decimal("1.80")
    node_positive = person.figo_stage in ("IIIC1", "IIIC2")
    interruption = rng.randint(2, 5) if rng.random() < 0.1 else 0
    calendar = dataclasses.replace(CALENDAR, expected_ebrt_fractions=fractions)
    planned_end = expected_last_ebrt_fraction(course.start, calendar=calendar) + days(interruption)
    stop = course.study_end
    ebrt_end = planned_end if planned_end <= stop else None
    delivered = fractions if ebrt_end else _fractions_by(course.start, min(stop, ctx.last_day), fractions)
    course.ebrt_end = ebrt_end
    brachy_days = []
    if ebrt_end is not None:
        # HDR fractions twice a week from the days after EBRT (a quarter weekly, which may take the
        # overall treatment time past 56 days).
        day = ebrt_end + days(rng.randint(1, 4))
        weekly = rng.random() < 0.25
        for _ in range(RADIOTHERAPY.brachy_fractions):
            brachy_days.append(day)
            day += days(7 if weekly else rng.choice((3, 4)))
        brachy_days = [d for d in brachy_days if d <= stop]
    completed = len(brachy_days) == RADIOTHERAPY.brachy_fractions
    course.rt_completed = completed
    course.last_rt = brachy_days[-1] if completed else None
    coordinator = ctx.users.coordinator
    rt = RadiotherapyCourse(
        participant=course.participant,
        technique=rng.choice(("IMRT", "IMRT", "VMAT", "TOMO")),
        prescription_dose_gy=q(fractions * per_fraction, "0.01"),
        prescribed_fractions=fractions,
        dose_per_fraction_gy=per_fraction,
        sib_dose_gy=q(fractions * Decimal("2.14"), "0.01") if node_positive else None,
        sib_dose_per_fraction_gy=Decimal("2.14") if node_positive else None,
        start_date=course.start,
        end_date=ebrt_end,
        fractions_delivered=delivered,
        interruption_days=interruption,
        interruption_reason=rng.choice(("Linear accelerator maintenance", "Grade 3 diarrhoea, RT paused"))
        if interruption else "",
        femoral_head_left_v50_pct=q(rng.uniform(0, 6.0) if rng.random() < 0.05 else rng.uniform(0, 3.5), "0.01"),
        femoral_head_right_v50_pct=q(rng.uniform(0, 3.5), "0.01"),
        completed=completed,
        recorded_by=coordinator,
        version=1,
    )
    ctx.writer.add(rt, user=coordinator, at=ctx.entered(rng, ebrt_end or course.start))
    course.records["rt"] = rt
    applicator = rng.choice(("tandem_ring", "tandem_ring", "tandem_ovoids", "interstitial"))
    bladder, rectum = rng.uniform(3.6, 5.4), rng.uniform(3.0, 4.4)
    for number, day in enumerate(brachy_days, start=1):
        fraction = BrachytherapyFraction(
            participant=course.participant,
            number=number,
            given_on=day,
            hrctv_d90_gy=q(rng.uniform(6.6, 8.2), "0.01"),
            bladder_d2cc_gy=q(bladder * rng.uniform(0.9, 1.1), "0.01"),
            rectum_d2cc_gy=q(rectum * rng.uniform(0.9, 1.1), "0.01"),
            sigmoid_d2cc_gy=q(rng.uniform(2.5, 4.2), "0.01"),
            applicator=applicator,
            interstitial_needles=applicator == "interstitial",
            recorded_by=coordinator,
            version=1,
        )
        ctx.writer.add(fraction, user=coordinator, at=ctx.entered(rng, day, lag_days=1))
        course.touch(day)


def _fractions_by(start: datetime.date, day: datetime.date, fractions: int) -> int:
    """EBRT fractions delivered from ``start`` to ``day`` at 5 a week (days 1-5 of every 7)."""
    if day < start:
        return 0
    elapsed = (day - start).days + 1
    return min(fractions, (elapsed // 7) * 5 + min(5, elapsed % 7))


# --- visits ----------------------------------------------------------------------------------------------


def plan_visits(course: Course) -> None:
    """Each protocol visit done on a date (a few outside their window, with a note), missed with a
    reason, or not yet due. Visits stop at the study end; a visit is recorded once its date is past."""
    rng, person = course.rng, course.person
    end = course.study_end
    for visit in visit_schedule(course.start, horizon_years=5):
        if visit.window_start > end:
            break
        code = visit.code
        note = ""
        if code == "screening":
            day = person.screening_date
        elif code == "rt_planning":
            day = max(person.screening_date, course.start - days(rng.randint(5, 12)))
        elif code == "ccrt_w0":
            day = course.start - days(rng.randint(0, 2))
        elif visit.kind == visit_protocol.VisitKind.CCRT_WEEKLY:
            day = visit.target_date + days(rng.choice((-1, 0, 0, 0, 0, 1)))
        elif code == "eoebrt":
            day = min(max(course.ebrt_end or visit.target_date, visit.window_start), visit.window_end)
        else:
            spread = (visit.window_end - visit.target_date).days // 2
            day = visit.target_date + days(rng.randint(-spread, spread))
            if rng.random() < 0.03:
                day = visit.window_end + days(rng.randint(1, 10))
                note = rng.choice(WINDOW_NOTES)
        missable = visit.kind in (visit_protocol.VisitKind.FOLLOW_UP, visit_protocol.VisitKind.CCRT_WEEKLY)
        if missable and visit.window_end < end and rng.random() < (0.04 if visit.kind == "follow_up" else 0.01):
            course.visits.append((visit, None, rng.choice(MISSED_REASONS)))
            continue
        if day > end:
            continue
        deviation = window_deviation(visit, day)
        if deviation is not None and not note:
            note = "Scheduled around the treatment dates."
        course.visits.append((visit, day, note if deviation is not None else ""))
        course.touch(day)


def done_visits(course: Course) -> list[tuple[ScheduledVisit, datetime.date]]:
    return [(visit, day) for visit, day, _ in course.visits if day is not None]


def build_visits(course: Course, auto_found: dict[str, set[str]], not_done: dict[str, dict[str, str]]) -> None:
    """The visit records and the state of each expected form the system does not find itself
    (``auto_found``: visit code -> forms held as data; ``not_done``: visit code -> form -> reason)."""
    ctx, rng = course.ctx, course.rng
    coordinator = ctx.users.coordinator
    for visit, day, text in course.visits:
        if day is None:
            record = Visit(participant=course.participant, visit_code=visit.code, outcome=VisitOutcome.MISSED,
                           missed_reason=text, recorded_by=coordinator, version=1)  # fmt: skip
            ctx.writer.add(record, user=coordinator, at=ctx.entered(rng, min(visit.window_end, ctx.last_day)))
            continue
        record = Visit(participant=course.participant, visit_code=visit.code, outcome=VisitOutcome.DONE,
                       visit_date=day, window_note=text, recorded_by=coordinator, version=1)  # fmt: skip
        entered = ctx.entered(rng, day)
        ctx.writer.add(record, user=coordinator, at=entered)
        found = auto_found.get(visit.code, set())
        reasons = not_done.get(visit.code, {})
        recent = (ctx.last_day - day).days < 10
        for form in visit.expected_forms:
            if form in found:
                continue
            if form in reasons:
                state, reason = VisitFormState.NOT_DONE, reasons[form]
            elif form in NOT_DONE_REASONS and rng.random() < 0.02:
                state, reason = VisitFormState.NOT_DONE, NOT_DONE_REASONS[form]
            elif recent and rng.random() < 0.3:
                continue  # not entered yet: shows as missing
            else:
                state, reason = VisitFormState.ENTERED, ""
            ctx.writer.add(
                VisitForm(visit=record, form=form, state=state, reason=reason, recorded_by=coordinator, version=1),
                user=coordinator, at=entered,
            )  # fmt: skip


def build_unscheduled_visit(course: Course, day: datetime.date, reason: str) -> None:
    ctx, coordinator = course.ctx, course.ctx.users.coordinator
    record = Visit(participant=course.participant, visit_code=UNSCHEDULED, outcome=VisitOutcome.DONE, visit_date=day,
                   unscheduled_reason=reason, recorded_by=coordinator, version=1)  # fmt: skip
    ctx.writer.add(record, user=coordinator, at=ctx.entered(course.rng, day))
