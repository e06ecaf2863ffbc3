"""`manage.py seed_demo` on an empty database: deterministic for a seed, refusing real-study and
non-empty databases, attributing records to the demo users, topping AEs up for benchmarks."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from core.demo.seed import SYSTEM_USERNAME, SeedRefused, seed_demo
from dosing.models import DoseAdministration
from efficacy.models import TumourAssessment
from enrollment.models import Participant
from toxicity.models import AdverseEvent, AdverseEventSignature, LabResult

pytestmark = pytest.mark.django_db

SEED = 4


@pytest.fixture
def demo_mode(settings):
    settings.DEMO_MODE = True


def _seed(**options):
    return seed_demo(**{"participants": 6, "seed": SEED, **options})


def _treated():
    last_day = timezone.localdate() - datetime.timedelta(days=1)
    return Participant.objects.filter(enrolment_date__isnull=False, planned_treatment_start__lte=last_day)


def _fingerprint() -> tuple:
    participants = tuple(Participant.objects.order_by("screening_number").values_list(
        "screening_number", "study_number", "initials", "date_of_birth", "status", "status_date"))  # fmt: skip
    doses = tuple(DoseAdministration.objects.order_by("participant__screening_number", "agent", "phase", "cycle", "day")
                  .values_list("participant__screening_number", "agent", "phase", "cycle", "day", "given_on",
                               "dose_given_mg"))  # fmt: skip
    aes = tuple(AdverseEvent.objects.order_by("participant__screening_number", "number")
                .values_list("participant__screening_number", "number", "term__term", "grade", "onset_date"))  # fmt: skip
    labs = (LabResult.objects.count(), sum(LabResult.objects.values_list("value", flat=True), Decimal(0)))
    responses = tuple(TumourAssessment.objects.order_by("participant__screening_number", "assessment_date")
                      .values_list("assessment_date", "computed_response", "target_sum_mm"))  # fmt: skip
    return participants, doses, aes, labs, responses


class _Undo(Exception):
    pass


def _fingerprint_of(seed: int, today: datetime.date) -> tuple:
    try:
        with transaction.atomic():
            seed_demo(participants=6, seed=seed, today=today)
            found = _fingerprint()
            raise _Undo
    except _Undo:
        return found


def test_the_same_seed_gives_the_same_study_and_another_seed_another(demo_mode):
    today = timezone.localdate() - datetime.timedelta(days=3)
    first = _fingerprint_of(SEED, today)
    assert Participant.objects.count() == 0
    assert _fingerprint_of(SEED, today) == first
    other = _fingerprint_of(SEED + 1, today)
    assert other[0] != first[0] and other[2] != first[2]
    assert max(day for *_, day in first[2]) < today


def test_refuses_a_database_with_participants_unless_appending(demo_mode, participant):
    with pytest.raises(SeedRefused, match="already has 1 participants"):
        _seed(participants=3)
    assert _seed(participants=3, if_empty=True).skipped_reason == "the database already has 1 participants"
    assert Participant.objects.count() == 1

    _seed(participants=3, append=True)

    assert Participant.objects.count() == 4
    numbers = sorted(Participant.objects.values_list("screening_number", flat=True))
    assert numbers == ["SCR-0001", "SCR-0002", "SCR-0003", "SCR-0004"]


def test_command_refuses_outside_demo_mode_without_force(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="demo databases only"):
        call_command("seed_demo", "--participants", "2", stdout=io.StringIO())
    assert Participant.objects.count() == 0

    out = io.StringIO()
    call_command("seed_demo", "--participants", "2", "--force", stdout=out)
    assert "Seeded 2 participants" in out.getvalue() and "enrollment.Participant" in out.getvalue()


def test_the_command_leaves_todays_worklist_snapshots_so_the_first_home_page_reads_them(demo_mode):
    from django.conf import settings

    from core import worklist
    from core.models import WorklistSnapshot

    out = io.StringIO()
    call_command("seed_demo", "--participants", "6", "--seed", str(SEED), stdout=out)
    on_treatment = Participant.objects.filter(planned_treatment_start__isnull=False).count()
    today = timezone.localdate()
    assert on_treatment
    assert WorklistSnapshot.objects.filter(computed_on=today).count() == on_treatment * len(settings.LANGUAGES)
    assert f"Worklist snapshots for today: {on_treatment * len(settings.LANGUAGES)}" in out.getvalue()
    before = set(WorklistSnapshot.objects.values_list("pk", "version"))
    worklist.coordinator_worklist(today=today, now=timezone.now())
    assert set(WorklistSnapshot.objects.values_list("pk", "version")) == before  # read, not computed again


def test_records_are_attributed_to_the_demo_users_else_to_an_inactive_system_user(demo_mode, make_user):
    _seed(participants=3)
    system = AdverseEvent.history.model.objects.values_list("history_user__username", flat=True)
    assert set(Participant.history.values_list("history_user__username", flat=True)) == {SYSTEM_USERNAME}
    assert set(system) <= {SYSTEM_USERNAME}
    assert get_user_model().objects.get(username=SYSTEM_USERNAME).is_active is False

    make_user("Study coordinator", username="coordinator")
    make_user("Investigator", username="investigator")
    _seed(participants=6, append=True)
    signers = set(AdverseEventSignature.objects.values_list("signed_by__username", flat=True))
    assert "investigator" in signers
    latest = Participant.objects.order_by("-pk").first()
    assert latest.history.get().history_user.username == "coordinator"


def test_ae_per_participant_tops_every_treated_participant_up(demo_mode):
    _seed(participants=4, ae_per_participant=40)
    for participant in _treated():
        assert participant.adverse_events.count() >= 40
