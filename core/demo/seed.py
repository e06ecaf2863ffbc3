"""``seed_demo``: a synthetic study of N screened patients, written in bulk with its audit trail.

Safety: synthetic data never belongs in a real study database, so the seed runs only in demo mode
(``settings.DEMO_MODE``: debug with demo mode on) unless forced, and only into a database without
participants unless appending. Everything is written in one transaction: a failure leaves nothing.

Numbers: screening numbers follow the screening dates and study numbers the enrolment dates, both
continuing the counters (``core.models.NumberSequence``), which are set to the last number used at
the end, so the next patient registered in the browser gets the next number.
"""

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.models import NumberSequence
from dosing.rules.schedule import plan_doses
from efficacy.models import DeathCause
from efficacy.services.notify import efficacy_data_changed
from enrollment.models import Consent, Participant, ParticipantStatus
from enrollment.services.participants import SCREENING_SEQUENCE
from enrollment.services.screening import STUDY_SEQUENCE
from toxicity.models import CtcaeTerm
from trialsite.protocol.treatment import TORIPALIMAB
from trialsite.protocol.visits import (
    BLOOD_ROUTINE,
    CONSENT,
    DEMOGRAPHICS,
    LIVER_KIDNEY_FUNCTION,
    TUMOUR_ASSESSMENT,
)

from .bulk import HistoryWriter
from .context import SeedContext, Users, participant_rng
from .course import (
    build_radiotherapy,
    build_unscheduled_visit,
    build_visits,
    death_after_progression,
    done_visits,
    plan_course,
    plan_visits,
)
from .efficacy import build_efficacy, build_follow_up_status
from .enrolment import ENROLLED, Person, build_screening, change_status, plan_person
from .safety import build_adverse_events, filler_events, lab_events, monitoring_panels, plan_events, settle_proposals
from .treatment import TreatmentSimulation, visit_panel_requests

SYSTEM_USERNAME = "demo.system"
DEMO_USERNAMES = ("coordinator", "investigator")
CHUNK = 100


class SeedRefused(Exception):
    """The seed would write where it must not (a real study, a database with participants)."""


@dataclass
class SeedSummary:
    participants: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    skipped_reason: str = ""

    @property
    def records(self) -> int:
        return sum(self.counts.values())


def _users() -> Users:
    User = get_user_model()
    found = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES, is_active=True)}
    if all(name in found for name in DEMO_USERNAMES):
        return Users(coordinator=found["coordinator"], investigator=found["investigator"])
    system, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "Demo", "last_name": "System", "is_active": False}
    )
    if created:
        system.set_unusable_password()
        system.save(update_fields=["password"])
    return Users(coordinator=system, investigator=system)


def _sequence(name: str) -> NumberSequence:
    NumberSequence.objects.get_or_create(name=name)
    return NumberSequence.objects.select_for_update().get(name=name)


def seed_demo(
    *,
    participants: int,
    seed: int = 1,
    today: datetime.date | None = None,
    append: bool = False,
    if_empty: bool = False,
    force: bool = False,
    ae_per_participant: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> SeedSummary:
    """Seed ``participants`` synthetic screened patients (deterministic for ``seed`` and ``today``).

    ``progress(done, total)`` is called after each participant is built.

    Refuses (``SeedRefused``) outside demo mode unless ``force``, a reference date in the future,
    and a database that already has participants unless ``append``; with ``if_empty`` such a
    database is left alone and the summary says why.
    """
    started = time.perf_counter()
    if participants < 1:
        raise SeedRefused("Give a number of participants of at least 1.")
    if not settings.DEMO_MODE and not force:
        raise SeedRefused(
            "Synthetic data is for demo databases only: this is not demo mode (DJANGO_DEBUG=1 with "
            "TRIALSITE_DEMO_MODE on). Use --force only if you are sure this database is not a real study's."
        )
    today = today or timezone.localdate()
    if today > timezone.localdate():
        raise SeedRefused(f"The reference date {today:%Y-%m-%d} is in the future.")
    existing = Participant.objects.count()
    if existing and if_empty:
        return SeedSummary(0, time.perf_counter() - started, skipped_reason=f"the database already has {existing} participants")
    if existing and not append:
        raise SeedRefused(f"The database already has {existing} participants: use --append to add more, or --if-empty.")

    with transaction.atomic():
        writer = HistoryWriter()
        ctx = SeedContext(
            seed=seed, today=today, users=_users(), terms={t.term: t for t in CtcaeTerm.objects.all()},
            writer=writer, ae_per_participant=ae_per_participant,
        )  # fmt: skip
        screening_seq, study_seq = _sequence(SCREENING_SEQUENCE), _sequence(STUDY_SEQUENCE)
        first = screening_seq.last_value
        people = [plan_person(first + i, participant_rng(seed, first + i), ctx) for i in range(participants)]
        people.sort(key=lambda p: (p.screening_date, p.index))
        screening_numbers = {p.index: screening_seq.last_value + n for n, p in enumerate(people, start=1)}
        enrolled = sorted((p for p in people if p.kind == ENROLLED), key=lambda p: (p.enrolment_date, p.index))
        study_numbers = {p.index: study_seq.last_value + n for n, p in enumerate(enrolled, start=1)}
        for done, person in enumerate(people, start=1):
            build_person(person, ctx, screening_numbers[person.index], study_numbers.get(person.index))
            if done % CHUNK == 0 or done == len(people):
                writer.flush()
            if progress is not None:
                progress(done, len(people))
        screening_seq.last_value += len(people)
        screening_seq.save(update_fields=["last_value"])
        study_seq.last_value += len(enrolled)
        study_seq.save(update_fields=["last_value"])
        efficacy_data_changed()
    return SeedSummary(participants, time.perf_counter() - started, counts=dict(writer.counts))


def build_person(person: Person, ctx: SeedContext, screening_number: int, study_number: int | None) -> None:
    build_screening(
        person, ctx,
        screening_number=settings.SCREENING_NUMBER_FORMAT.format(number=screening_number),
        study_number=settings.STUDY_NUMBER_FORMAT.format(number=study_number) if study_number else None,
    )  # fmt: skip
    if person.kind == ENROLLED:
        build_course(person, ctx)


def build_course(person: Person, ctx: SeedContext) -> None:
    """Everything after enrolment, in the order the facts depend on each other."""
    course = plan_course(person, ctx)
    build_radiotherapy(course)
    plan_visits(course)
    _detect_progression(course)
    death_after_progression(course)
    _prune_visits(course)
    events = plan_events(course) if course.start <= ctx.last_day else []
    requests = visit_panel_requests(course, done_visits(course))
    for day, sections in monitoring_panels(events, course).items():
        requests[day] = tuple(dict.fromkeys(requests.get(day, ()) + sections))
    simulation = TreatmentSimulation(course, events, requests)
    simulation.run()
    _treatment_end(course, simulation)
    immune = [e for e in events if e.category]
    events = events + lab_events(course, simulation.panels, immune)
    if ctx.ae_per_participant and course.start <= ctx.last_day and len(events) < ctx.ae_per_participant:
        events += filler_events(course, ctx.ae_per_participant - len(events))
    course.records["toripalimab_targets"] = _toripalimab_targets(course, simulation, events)
    build_adverse_events(course, events)
    course.records["fatal_ae"] = next((e.record for e in events if e.grade == 5), None)
    settle_proposals(course, simulation.panels, events)
    build_efficacy(course)
    _statuses(course, simulation)
    build_follow_up_status(course)
    build_visits(course, *_visit_forms(course))
    for event in events:
        if "sae_hospitalisation" in event.serious and event.onset <= course.study_end:
            build_unscheduled_visit(course, event.onset, f"Admitted: {event.term} grade {event.grade}")


def _detect_progression(course) -> None:
    """A progression is documented at the first tumour assessment (end of EBRT, follow-ups) on or
    after it happened; none is documented without one."""
    if course.progression_true is None:
        return
    candidates = [
        day for visit, day, _ in course.visits
        if day is not None and (visit.code == "eoebrt" or visit.code.startswith("fu_")) and day >= course.progression_true
    ]  # fmt: skip
    if candidates:
        course.progression_date = min(candidates)
        course.treatment_stop = course.progression_date
        course.treatment_stop_reason = (
            f"Not given: treatment stopped after disease progression on {course.progression_date:%Y-%m-%d}"
        )


def _prune_visits(course) -> None:
    end = course.study_end
    course.visits = [
        (visit, day, text) for visit, day, text in course.visits
        if (day is not None and day <= end) or (day is None and visit.window_end < end)
    ]  # fmt: skip
    course.last_contact = None
    for _visit, day, _ in course.visits:
        if day is not None:
            course.touch(day)


def _treatment_end(course, simulation: TreatmentSimulation) -> None:
    if course.start > course.ctx.last_day:
        return
    if course.progression_date is not None:
        course.treatment_end = course.progression_date
        return
    plan = plan_doses(course.start, last_rt_fraction=course.last_rt, given=simulation.given,
                      postponed=simulation.delays)  # fmt: skip
    left = [d for d in plan if d.key not in simulation.recorded and d.key not in simulation.skipped]
    if left or not simulation.given or not course.rt_completed:
        return
    course.treatment_end = max(max(g.given_on for g in simulation.given), course.last_rt)


def _toripalimab_targets(course, simulation: TreatmentSimulation, events) -> dict:
    if course.start > course.ctx.last_day:
        return {}
    plan = plan_doses(course.start, last_rt_fraction=course.last_rt, given=simulation.given,
                      postponed=simulation.delays)  # fmt: skip
    toripalimab = sorted((d for d in plan if d.agent == TORIPALIMAB), key=lambda d: d.due)
    targets = {}
    for event in events:
        if event.rule is not None:
            targets[id(event)] = next((d for d in toripalimab if d.due >= event.onset), None)
    return targets


def _statuses(course, simulation: TreatmentSimulation) -> None:
    """The study status path after enrolment: on treatment, follow-up, then died or off study."""
    ctx = course.ctx
    person = course.person
    end = course.study_end
    first = next((r for r in sorted(simulation.records, key=lambda r: (r.given_on or r.due_on)) if r.given_on), None)
    if course.start <= ctx.last_day and course.start <= end and first is not None:
        change_status(person, ctx, ParticipantStatus.ON_TREATMENT, course.start, f"Treatment started: {first}")
    if course.treatment_end is not None and course.treatment_end <= end and person.participant.status == "on_treatment":
        why = "Treatment stopped: disease progression" if course.progression_date else "Treatment completed"
        change_status(person, ctx, ParticipantStatus.FOLLOW_UP, course.treatment_end, why)
    if course.withdrawal is not None:
        reason = "Patient no longer wishes to take part"
        consent = next(c for c in ctx.writer.pending(Consent) if c.participant is person.participant)
        consent.withdrawn_on, consent.withdrawal_reason = course.withdrawal, reason
        change_status(person, ctx, ParticipantStatus.OFF_STUDY, course.withdrawal, f"Consent withdrawn: {reason}")
    elif course.lost is not None:
        change_status(person, ctx, ParticipantStatus.OFF_STUDY, course.lost,
                      f"Off study from {course.lost:%Y-%m-%d}: Lost to follow-up (recorded on the follow-up)")  # fmt: skip
    if course.death is not None:
        change_status(person, ctx, ParticipantStatus.DIED, course.death,
                      f"Died on {course.death:%Y-%m-%d}: {DeathCause(course.death_cause).label} (recorded on the follow-up)")  # fmt: skip


def _visit_forms(course) -> tuple[dict[str, set[str]], dict[str, dict[str, str]]]:
    """Which forms the system finds itself at each visit, and which are marked not done."""
    assessed = {a.visit_code for a in course.records.get("assessments", [])}
    found: dict[str, set[str]] = {}
    not_done: dict[str, dict[str, str]] = {}
    for visit, day, _ in course.visits:
        if day is None:
            continue
        forms = set()
        if visit.code == "screening":
            forms |= {CONSENT, DEMOGRAPHICS, TUMOUR_ASSESSMENT}
        elif visit.code != "rt_planning" and day >= course.person.enrolment_date:
            forms |= {BLOOD_ROUTINE, LIVER_KIDNEY_FUNCTION}
        if visit.code in assessed:
            forms.add(TUMOUR_ASSESSMENT)
        elif TUMOUR_ASSESSMENT in visit.expected_forms and visit.code != "screening":
            if course.progression_date is not None and day > course.progression_date:
                not_done.setdefault(visit.code, {})[TUMOUR_ASSESSMENT] = (
                    "Progressive disease: RECIST follow-up ended at progression"
                )
        found[visit.code] = forms
    return found, not_done


__all__ = ["SeedRefused", "SeedSummary", "seed_demo"]
