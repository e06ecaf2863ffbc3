"""`manage.py seed_demo`: a synthetic cohort that is consistent by the apps' own rules, audited (one
history row per record), numbered in date order, and that the main pages can show. (Determinism and
the safety checks: ``test_seed_demo_safety``.)"""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.demo.bulk import CHANGE_REASON, MODEL_ORDER
from core.demo.seed import seed_demo
from core.models import NumberSequence
from dosing.models import DoseDelay, DoseStatus, RadiotherapyCourse
from dosing.rules.schedule import GivenDose, Postponement, plan_doses
from dosing.selectors.radiotherapy import last_rt_fraction
from efficacy.models import AssessmentKind, FollowUpStatus, TumourAssessment
from efficacy.rules.follow_up import FollowUpFacts, follow_up_problems
from enrollment.models import Participant, ParticipantStatus, Screening, Visit
from toxicity.models import AdverseEvent, LabPanel, LabResult
from toxicity.rules.adverse_event import AdverseEventFacts, adverse_event_problems

pytestmark = pytest.mark.django_db

N = 20
SEED = 4


@pytest.fixture(scope="module")
def cohort(django_db_setup, django_db_blocker):
    """One seeded cohort shared by the tests that only read it, rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        summary = seed_demo(participants=N, seed=SEED, force=True)
        yield summary
        transaction.set_rollback(True)


def _treated():
    last_day = timezone.localdate() - datetime.timedelta(days=1)
    return Participant.objects.filter(enrolment_date__isnull=False, planned_treatment_start__lte=last_day)


def test_every_treated_participant_has_doses_labs_visits_radiotherapy_and_a_baseline(cohort):
    assert Participant.objects.count() == N == cohort.participants
    treated = list(_treated())
    assert len(treated) >= N // 2
    for participant in treated:
        assert participant.doses.filter(status=DoseStatus.GIVEN).exists(), participant
        assert LabPanel.objects.filter(participant=participant).count() >= 2
        assert Visit.objects.filter(participant=participant, outcome="done").count() >= 3
        assert RadiotherapyCourse.objects.filter(participant=participant).exists()
        assert TumourAssessment.objects.filter(participant=participant, kind=AssessmentKind.BASELINE).exists()
        assert FollowUpStatus.objects.filter(participant=participant).exists()
        assert participant.status_changes.filter(to_status=ParticipantStatus.ON_TREATMENT).exists()
    assert AdverseEvent.objects.count() > N
    assert cohort.counts["toxicity.LabResult"] == LabResult.objects.count()


def test_screening_outcomes_and_numbers_follow_the_screening_and_enrolment_dates(cohort):
    assert Participant.objects.filter(status=ParticipantStatus.SCREEN_FAILURE).exists()
    for screening in Screening.objects.select_related("participant"):
        participant = screening.participant
        if participant.status == ParticipantStatus.SCREEN_FAILURE:
            assert screening.eligible is False and screening.failed_criteria
            reason = participant.status_changes.get(to_status=ParticipantStatus.SCREEN_FAILURE).reason
            assert all(criterion in reason for criterion in screening.failed_criteria)
        elif participant.enrolment_date is not None:
            assert screening.eligible is True and participant.eligibility_signatures.count() == 1
    by_screening = list(Participant.objects.order_by("screening_number").values_list("screening_date", flat=True))
    assert by_screening == sorted(by_screening)
    enrolled = Participant.objects.exclude(study_number=None).order_by("study_number")
    assert list(enrolled.values_list("enrolment_date", flat=True)) == sorted(enrolled.values_list("enrolment_date", flat=True))
    assert NumberSequence.objects.get(name="screening_number").last_value == N
    assert NumberSequence.objects.get(name="study_number").last_value == enrolled.count()


def test_records_pass_the_apps_own_rules(cohort):
    """AEs by the AE consistency rules, the follow-up status by the follow-up rules, and every
    recorded dose is a dose of the calendar computed from the recorded dates."""
    last_day = timezone.localdate()
    for ae in AdverseEvent.objects.select_related("term", "participant"):
        values = {name: getattr(ae, name) for name in AdverseEventFacts.__dataclass_fields__ if name != "term"}
        problems = adverse_event_problems(AdverseEventFacts.from_values({**values, "term": ae.term.term}),
                                          available_grades=ae.term.available_grades(), today=last_day,
                                          enrolment_date=ae.participant.enrolment_date)  # fmt: skip
        assert problems == [], ae
    for status in FollowUpStatus.objects.select_related("participant"):
        facts = FollowUpFacts(
            enrolment_date=status.participant.enrolment_date, diagnosis_date=status.participant.diagnosis_date,
            progression_dates=tuple(status.participant.progressions.values_list("progression_date", flat=True)),
            last_known_alive_date=status.last_known_alive_date,
            last_progression_free_date=status.last_progression_free_date, death_date=status.death_date,
            death_cause=status.death_cause, death_cause_detail=status.death_cause_detail,
            off_study_date=status.off_study_date, off_study_reason=status.off_study_reason,
        )  # fmt: skip
        assert follow_up_problems(facts, today=last_day) == []
    for participant in _treated().prefetch_related("doses", "dose_delays", "brachytherapy_fractions"):
        given = [GivenDose(d.agent, d.phase, d.cycle, d.day, d.given_on)
                 for d in participant.doses.all() if d.status == DoseStatus.GIVEN]  # fmt: skip
        delays = [Postponement(d.agent, d.phase, d.cycle, d.day, d.delayed_to) for d in DoseDelay.objects.filter(participant=participant)]
        plan = {dose.key for dose in plan_doses(participant.planned_treatment_start, given=given, postponed=delays,
                                                 last_rt_fraction=last_rt_fraction(participant))}  # fmt: skip
        assert {d.key for d in participant.doses.all()} <= plan


def test_every_record_has_one_created_history_row_with_the_reason_and_entry_time(cohort):
    for model in MODEL_ORDER:
        records = model.objects.count()
        history = model.history.all()
        assert history.count() == records, model
        if not records:
            continue
        assert set(history.values_list("history_type", flat=True)) == {"+"}
        assert set(history.values_list("history_change_reason", flat=True)) == {CHANGE_REASON}
        assert not history.filter(history_user=None).exists()
    ae = AdverseEvent.objects.order_by("pk").first()
    row = ae.history.get()
    assert (row.grade, row.term_id, row.onset_date, row.history_date) == (ae.grade, ae.term_id, ae.onset_date, ae.created_at)


def test_main_pages_render_for_a_seeded_participant(cohort, client, investigator):
    participant = (
        _treated().filter(adverse_events__isnull=False, tumour_assessments__kind=AssessmentKind.FOLLOW_UP)
        .distinct().order_by("pk").first()
    )  # fmt: skip
    assert participant is not None
    client.force_login(investigator)
    for name in ("enrollment:participant_detail", "dosing:treatment_calendar", "toxicity:ae_list",
                 "efficacy:assessment_list"):  # fmt: skip
        assert client.get(reverse(name, args=[participant.pk])).status_code == 200, name
    for name in ("efficacy:simon", "efficacy:survival", "toxicity:dashboard"):
        assert client.get(reverse(name)).status_code == 200, name
