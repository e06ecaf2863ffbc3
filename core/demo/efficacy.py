"""Efficacy (PROTOCOL §5): the RECIST 1.1 baseline with its lesions, a follow-up assessment at the
end of EBRT and at every follow-up visit until progression, the investigator's confirmations, the
progression record, and each participant's follow-up status (last known alive, death, off study).

Lesion sizes follow the participant's response class (``course``): a complete response loses the
cervical tumour by month 3 with nodes below 10 mm, a partial one shrinks by half or more, stable
disease by under 30 %; progression is regrowth of the primary (locoregional) and/or an unequivocal
new lesion (distant). Every computed column (sums, nadir, changes, target and overall response)
comes from ``efficacy.rules.recist``, in date order, as ``efficacy.services.assessments`` stores it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from efficacy.models import (
    AssessmentKind,
    BaselineNodes,
    FollowUpStatus,
    ImagingMethod,
    Lesion,
    LesionMeasurement,
    NewLesions,
    Progression,
    ProgressionConfirmation,
    ResponseConfirmation,
    TumourAssessment,
)
from efficacy.rules import recist
from efficacy.rules.follow_up import FollowUpFacts, follow_up_problems, progression_problems
from efficacy.services.assessments import MeasurementInput, measurements_text

from .context import days, q

DISTANT_SITES = ("lung", "para-aortic lymph nodes", "liver", "bone (L3 vertebra)", "supraclavicular lymph node")
ASSESSED_VISITS = ("eoebrt",)  # plus every follow-up visit (fu_*)


@dataclass
class PlannedLesion:
    kind: str
    label: str
    organ: str
    location: str
    lymph_node: bool
    diameter: Decimal | None
    record: Lesion | None = None


def _baseline_lesions(course) -> tuple[list[PlannedLesion], str]:
    rng, stage = course.rng, course.person.figo_stage
    lesions = [PlannedLesion("target", "T1", "cervix", "Primary cervical tumour", False,
                             q(rng.uniform(32, 72), "0.1"))]  # fmt: skip
    nodes = BaselineNodes.NONE
    non_targets = []
    if stage in ("IIIC1", "IIIC2"):
        nodes = BaselineNodes.PELVIC
        lesions.append(PlannedLesion("target", "T2", "lymph node", rng.choice(("Left external iliac node",
                                     "Right obturator node", "Right common iliac node")), True,
                                     q(rng.uniform(15, 26), "0.1")))  # fmt: skip
        if rng.random() < 0.5:
            non_targets.append(("lymph node", "Contralateral internal iliac node (12 mm short axis)", True))
    if stage == "IIIC2":
        nodes = BaselineNodes.PARA_AORTIC
        lesions.append(PlannedLesion("target", "T3", "lymph node", "Para-aortic node below the renal vein", True,
                                     q(rng.uniform(15, 22), "0.1")))  # fmt: skip
    if stage in ("IIIA", "IIIB"):
        non_targets.append(("vagina" if stage == "IIIA" else "parametrium",
                            "Extension to the lower third of the vagina" if stage == "IIIA"
                            else "Parametrial extension to the pelvic side wall", False))  # fmt: skip
    if stage == "IVA":
        non_targets.append(("bladder", "Bladder mucosa invasion (cystoscopy-proven)", False))
    for number, (organ, location, node) in enumerate(non_targets, start=1):
        lesions.append(PlannedLesion("non_target", f"NT{number}", organ, location, node, None))
    return lesions, nodes


def _sizes(course, lesion: PlannedLesion, t: int, progressed: bool) -> tuple[str, Decimal | None]:
    """(status, diameter) of a target lesion ``t`` days after treatment start."""
    rng, cls = course.rng, course.response_class
    base = float(lesion.diameter)
    early = t < 60
    if cls == "CR":
        shrink = rng.uniform(0.45, 0.62) if early else 1.0
    elif cls == "PR":
        shrink = rng.uniform(0.36, 0.5) if early else rng.uniform(0.52, 0.72)
    else:
        shrink = rng.uniform(0.04, 0.22)
    if lesion.lymph_node:
        if cls == "CR" and not early:
            return recist.MEASURED, q(rng.uniform(4, 9), "0.1")
        size = base * (1 - shrink * 0.85)
        if cls == "PR" and not early:
            size = min(size, rng.uniform(10, 14))
        return recist.MEASURED, q(size, "0.1")
    if progressed and course.progression_site in ("locoregional", "both"):
        return recist.MEASURED, q(max(base * 0.5, 22) if cls == "CR" else base * rng.uniform(0.95, 1.2), "0.1")
    if shrink >= 1.0:
        return recist.DISAPPEARED, None
    return recist.MEASURED, q(base * (1 - shrink), "0.1")


def build_efficacy(course) -> None:
    """Baseline, follow-up assessments and confirmations, the progression (when documented)."""
    ctx, rng, person = course.ctx, course.rng, course.person
    coordinator, investigator = ctx.users.coordinator, ctx.users.investigator
    screening_visit = next((day for visit, day, _ in course.visits if visit.code == "screening" and day), None)
    baseline_day = (screening_visit or person.screening_date) + days(rng.randint(0, 4))
    baseline_day = min(baseline_day, course.start - days(1))
    lesions, nodes = _baseline_lesions(course)
    targets = [lesion for lesion in lesions if lesion.kind == "target"]
    baseline_sum = recist.baseline_sum_mm(
        [recist.BaselineLesion(t.label, t.organ, t.diameter, t.lymph_node) for t in targets]
    )
    baseline = TumourAssessment(
        participant=course.participant, kind=AssessmentKind.BASELINE, assessment_date=baseline_day,
        imaging_method=ImagingMethod.MRI, visit_code="screening", baseline_nodes=nodes,
        target_sum_mm=baseline_sum, baseline_sum_mm=baseline_sum, recorded_by=coordinator, version=1,
    )  # fmt: skip
    ctx.writer.add(baseline, user=coordinator, at=ctx.entered(rng, baseline_day, lag_days=3))
    for lesion in lesions:
        lesion.record = Lesion(baseline=baseline, kind=lesion.kind, label=lesion.label, organ=lesion.organ,
                               location=lesion.location, is_lymph_node=lesion.lymph_node,
                               baseline_diameter_mm=lesion.diameter,
                               slice_thickness_mm=Decimal("5.0") if lesion.kind == "target" else None,
                               version=1)  # fmt: skip
        ctx.writer.add(lesion.record, user=coordinator, at=ctx.entered(rng, baseline_day, lag_days=3))
    has_non_targets = any(lesion.kind == "non_target" for lesion in lesions)
    series = SimpleNamespace(targets=[SimpleNamespace(pk=i, label=t.label) for i, t in enumerate(targets)])

    previous_sums: list[Decimal | None] = []
    course.records["assessments"] = []
    for visit, day, _note in sorted(course.visits, key=lambda v: v[1] or datetime.date.max):
        if day is None or not (visit.code in ASSESSED_VISITS or visit.code.startswith("fu_")):
            continue
        if course.progression_date is not None and day > course.progression_date:
            break
        progressed = course.progression_date == day
        t = (day - course.start).days
        measured = {}
        for index, lesion in enumerate(targets):
            status, diameter = _sizes(course, lesion, t, progressed)
            measured[index] = MeasurementInput(status, diameter)
        items = [recist.TargetMeasurement(t_.lymph_node, measured[i].status, measured[i].diameter_mm)
                 for i, t_ in enumerate(targets)]  # fmt: skip
        nadir = recist.nadir_sum(baseline_sum, previous_sums)
        new_lesion = progressed and course.progression_site in ("distant", "both")
        non_target = ""
        if has_non_targets:
            non_target = recist.CR if course.response_class == "CR" and t >= 60 else recist.NON_CR_NON_PD
        target = recist.assess_target_lesions(baseline_sum, nadir, items)
        overall = recist.overall_response(target.response, non_target or None, new_lesion)
        if progressed and overall != recist.PD:
            new_lesion, course.progression_site = True, "both" if course.progression_site != "distant" else "distant"
            overall = recist.overall_response(target.response, non_target or None, True)
        sites = rng.choice(DISTANT_SITES) if new_lesion else ""
        assessment = TumourAssessment(
            participant=course.participant, kind=AssessmentKind.FOLLOW_UP, assessment_date=day,
            imaging_method=ImagingMethod.MRI, visit_code=visit.code, non_target_response=non_target,
            new_lesions=NewLesions.UNEQUIVOCAL if new_lesion else NewLesions.NONE, new_lesion_sites=sites,
            target_sum_mm=target.sum_mm, baseline_sum_mm=baseline_sum, nadir_sum_mm=target.nadir_sum_mm,
            change_from_baseline_pct=target.change_from_baseline_pct, change_from_nadir_pct=target.change_from_nadir_pct,
            measurements_text=measurements_text(series, measured), target_response=target.response,
            computed_response=overall, recorded_by=coordinator, version=1,
        )  # fmt: skip
        entered = ctx.entered(rng, day, lag_days=3)
        ctx.writer.add(assessment, user=coordinator, at=entered)
        for index, lesion in enumerate(targets):
            ctx.writer.add(LesionMeasurement(assessment=assessment, lesion=lesion.record, status=measured[index].status,
                                             diameter_mm=measured[index].diameter_mm, version=1),
                           user=coordinator, at=entered)  # fmt: skip
        previous_sums.append(target.sum_mm)
        course.records["assessments"].append(assessment)
        if (ctx.last_day - day).days >= 14 and rng.random() < 0.95:
            confirmed_at = ctx.at(day + days(rng.randint(3, 10)), rng.randint(9, 18), rng.randrange(0, 60, 5))
            confirmed_at = max(confirmed_at, entered + datetime.timedelta(hours=1))
            confirmation = ResponseConfirmation(
                assessment=assessment, assessment_version=1, computed_response=overall, response=overall,
                confirmed_by=investigator, signer_name=ctx.users.name(investigator), confirmed_at=confirmed_at,
                version=1,
            )  # fmt: skip
            ctx.writer.add(confirmation, user=investigator, at=confirmed_at)
        if progressed:
            _progression(course, assessment, sites)


def _progression(course, assessment: TumourAssessment, sites: str) -> None:
    ctx, rng = course.ctx, course.rng
    day = assessment.assessment_date
    problems = progression_problems(
        progression_date=day, diagnosis_date=course.person.diagnosis_date, enrolment_date=course.person.enrolment_date,
        death_date=course.death, last_progression_free_date=None, other_progression_dates=(), today=ctx.last_day,
    )  # fmt: skip
    if problems:
        raise AssertionError(f"Demo generator made an inconsistent progression: {problems}")
    detail = ", ".join(part for part in ("cervix / pelvis" if course.progression_site != "distant" else "", sites) if part)
    record = Progression(
        participant=course.participant, progression_date=day, site=course.progression_site,
        confirmed_by_method=ProgressionConfirmation.IMAGING, assessment=assessment, sites_detail=detail,
        recorded_by=ctx.users.coordinator, version=1,
    )  # fmt: skip
    ctx.writer.add(record, user=ctx.users.coordinator, at=ctx.entered(rng, day, lag_days=3))


def build_follow_up_status(course) -> None:
    """Last known alive, last known free of progression, death, off study (checked by the rules)."""
    ctx, rng = course.ctx, course.rng
    if course.start > ctx.last_day:
        return
    assessments = course.records.get("assessments", [])
    free = [a.assessment_date for a in assessments if a.computed_response != recist.PD]
    last_free = max(free) if free else None
    death = course.death
    alive = death or course.last_contact
    off_date, off_reason, off_detail = None, "", ""
    if course.withdrawal is not None:
        off_date, off_reason = course.withdrawal, "consent_withdrawn"
    elif course.lost is not None:
        off_date, off_reason, off_detail = course.lost, "lost", ""
    cause_detail = ""
    if course.death_cause == "treatment":
        fatal = course.records.get("fatal_ae")
        cause_detail = f"AE {fatal.number}: {fatal.term.term} grade 5" if fatal is not None else ""
    elif course.death_cause == "other":
        cause_detail = rng.choice(("Cerebral haemorrhage", "Road traffic accident", "Myocardial infarction"))
    facts = FollowUpFacts(
        enrolment_date=course.person.enrolment_date, diagnosis_date=course.person.diagnosis_date,
        progression_dates=(course.progression_date,) if course.progression_date else (),
        last_known_alive_date=alive, last_progression_free_date=last_free, death_date=death,
        death_cause=course.death_cause, death_cause_detail=cause_detail, off_study_date=off_date,
        off_study_reason=off_reason, off_study_detail=off_detail,
    )  # fmt: skip
    problems = follow_up_problems(facts, today=ctx.last_day)
    if problems:
        raise AssertionError(f"Demo generator made an inconsistent follow-up status: {problems}")
    record = FollowUpStatus(
        participant=course.participant, last_known_alive_date=alive, last_progression_free_date=last_free,
        death_date=death, death_cause=course.death_cause, death_cause_detail=cause_detail, off_study_date=off_date,
        off_study_reason=off_reason, off_study_detail=off_detail, recorded_by=ctx.users.coordinator, version=1,
    )  # fmt: skip
    ctx.writer.add(record, user=ctx.users.coordinator, at=ctx.entered(rng, alive or course.start, lag_days=3))
