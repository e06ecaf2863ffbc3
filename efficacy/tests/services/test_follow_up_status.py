"""The follow-up status: last known alive, death (moves the status to "died"), off study (to "off
study"), corrections with a reason, refusals that save nothing, and the page's warnings."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import StaleRecordError
from efficacy.models import FollowUpStatus
from efficacy.selectors import follow_up as selectors
from efficacy.services import follow_up as services
from efficacy.services.notify import _enqueue_simon_check
from efficacy.tests import factories
from enrollment.models import Participant, ParticipantStatus
from enrollment.services import participant_change_status
from toxicity.tests.factories import adverse_event_recorded

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=200)
DIAGNOSIS = START - datetime.timedelta(days=30)
DAY = datetime.timedelta(days=1)

EMPTY = {
    "last_known_alive_date": None, "last_progression_free_date": None, "death_date": None, "death_cause": "",
    "death_cause_detail": "", "off_study_date": None, "off_study_reason": "", "off_study_detail": "",
}  # fmt: skip


@pytest.fixture
def treated(coordinator, investigator):
    return factories.treated_participant(
        coordinator=coordinator, investigator=investigator, treatment_start=START, diagnosis_date=DIAGNOSIS
    )


def _save(participant, user, *, version=None, reason="", **values):
    return services.follow_up_status_save(
        participant=participant, user=user, expected_version=version, reason=reason, **{**EMPTY, **values}
    )


def _codes(refused: pytest.ExceptionInfo, field: str) -> set[str]:
    return {error.code for error in refused.value.error_dict[field]}


def _fresh(participant) -> Participant:
    return Participant.objects.get(pk=participant.pk)


def test_first_record_of_last_known_alive_changes_no_status(treated, coordinator):
    alive = TODAY - 10 * DAY
    saved = _save(treated, coordinator, last_known_alive_date=alive, last_progression_free_date=alive)
    stored = FollowUpStatus.objects.get(participant=treated)
    assert (saved.changed, stored.last_known_alive_date, stored.version, stored.recorded_by) == (True, alive, 1, coordinator)
    assert stored.history.get().history_type == "+"
    assert _fresh(treated).status == ParticipantStatus.ENROLLED


def test_a_death_moves_the_status_to_died_and_sets_last_known_alive(
    treated, coordinator, django_capture_on_commit_callbacks
):
    death = TODAY - 5 * DAY
    with django_capture_on_commit_callbacks() as callbacks:
        saved = _save(treated, coordinator, last_known_alive_date=TODAY - 20 * DAY, death_date=death,
                      death_cause="disease")  # fmt: skip
    stored = FollowUpStatus.objects.get(participant=treated)
    assert (stored.death_date, stored.last_known_alive_date) == (death, death)
    assert f"Last known alive set to the date of death ({death:%Y-%m-%d})." in saved.notes
    participant = _fresh(treated)
    assert (participant.status, participant.status_date) == (ParticipantStatus.DIED, death)
    change = participant.status_changes.get(to_status=ParticipantStatus.DIED)
    assert change.effective_date == death
    assert "Cervical cancer" in change.reason and change.recorded_by == coordinator
    assert _enqueue_simon_check in callbacks


def test_a_death_without_cause_is_refused_and_nothing_is_saved(treated, coordinator):
    with pytest.raises(ValidationError) as refused:
        _save(treated, coordinator, death_date=TODAY - 5 * DAY)
    assert _codes(refused, "death_cause") == {"follow_up.death_cause.missing"}
    assert not FollowUpStatus.objects.exists()
    assert _fresh(treated).status == ParticipantStatus.ENROLLED


def test_a_death_before_the_last_progression_is_refused(treated, coordinator):
    factories.progression(treated, on=TODAY - 10 * DAY)
    with pytest.raises(ValidationError) as refused:
        _save(treated, coordinator, death_date=TODAY - 11 * DAY, death_cause="disease")
    assert _codes(refused, "death_date") == {"follow_up.death_date.before_progression"}
    _save(treated, coordinator, death_date=TODAY - 10 * DAY, death_cause="disease")
    assert _fresh(treated).status == ParticipantStatus.DIED


def test_an_off_study_date_needs_its_reason(treated, coordinator):
    with pytest.raises(ValidationError) as refused:
        _save(treated, coordinator, off_study_date=TODAY - 3 * DAY)
    assert _codes(refused, "off_study_reason") == {"follow_up.off_study_reason.missing"}
    with pytest.raises(ValidationError) as refused:
        _save(treated, coordinator, off_study_reason="lost")
    assert _codes(refused, "off_study_date") == {"follow_up.off_study_date.missing"}
    assert not FollowUpStatus.objects.exists()


def test_an_off_study_date_with_its_reason_moves_the_status_to_off_study(treated, coordinator):
    off = TODAY - 3 * DAY
    _save(treated, coordinator, off_study_date=off, off_study_reason="other", off_study_detail="Moved abroad")
    participant = _fresh(treated)
    assert (participant.status, participant.status_date) == (ParticipantStatus.OFF_STUDY, off)
    assert "Moved abroad" in participant.status_changes.get(to_status=ParticipantStatus.OFF_STUDY).reason


def test_off_study_then_death_on_one_form_moves_through_both_statuses(treated, coordinator):
    off, death = TODAY - 30 * DAY, TODAY - 2 * DAY
    saved = _save(treated, coordinator, off_study_date=off, off_study_reason="progression", death_date=death,
                  death_cause="unknown")  # fmt: skip
    participant = _fresh(treated)
    assert [c.to_status for c in participant.status_changes.order_by("id")][-2:] == ["off_study", "died"]
    assert (participant.status, participant.status_date) == (ParticipantStatus.DIED, death)
    assert len([note for note in saved.notes if note.startswith("Study status changed")]) == 2


def test_a_status_change_the_lifecycle_refuses_saves_nothing(treated, coordinator):
    on_follow_up = TODAY - 20 * DAY
    participant_change_status(participant=treated, user=coordinator, expected_version=treated.version,
                              new_status="on_treatment", effective_date=on_follow_up, reason="Started")  # fmt: skip
    treated.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        _save(treated, coordinator, last_known_alive_date=TODAY, death_date=on_follow_up - DAY, death_cause="disease")
    message = refused.value.message_dict["death_date"][0]
    assert "Her study status cannot change" in message and f"{on_follow_up:%Y-%m-%d}" in message
    assert refused.value.error_dict["death_date"][0].code == "follow_up.status.refused"
    assert not FollowUpStatus.objects.exists()
    assert _fresh(treated).status == ParticipantStatus.ON_TREATMENT


def test_a_correction_needs_a_reason_and_the_audit_row_keeps_it(treated, coordinator):
    _save(treated, coordinator, last_known_alive_date=TODAY - 10 * DAY)
    with pytest.raises(ValidationError) as refused:
        _save(treated, coordinator, version=1, last_known_alive_date=TODAY - 5 * DAY)
    assert "reason_for_change" in refused.value.message_dict
    _save(treated, coordinator, version=1, reason="Phone call with the patient", last_known_alive_date=TODAY - 5 * DAY)
    latest = FollowUpStatus.objects.get(participant=treated).history.order_by("-history_id").first()
    assert (latest.last_known_alive_date, latest.history_change_reason) == (TODAY - 5 * DAY, "Phone call with the patient")


def test_an_unchanged_form_saves_nothing(treated, coordinator):
    _save(treated, coordinator, last_known_alive_date=TODAY - 10 * DAY)
    assert _save(treated, coordinator, version=1, last_known_alive_date=TODAY - 10 * DAY).changed is False


def test_a_stale_version_or_a_form_loaded_before_the_first_record_is_refused(treated, coordinator, make_user):
    colleague = make_user("Investigator", first_name="Wang", last_name="Fang")
    _save(treated, colleague, last_known_alive_date=TODAY - 10 * DAY)
    with pytest.raises(StaleRecordError) as stale:
        _save(treated, coordinator, last_known_alive_date=TODAY - 9 * DAY)
    assert "Wang Fang" in str(stale.value)
    _save(treated, colleague, version=1, reason="Later contact", last_known_alive_date=TODAY - 8 * DAY)
    with pytest.raises(StaleRecordError):
        _save(treated, coordinator, version=1, reason="x", last_known_alive_date=TODAY - 7 * DAY)
    assert FollowUpStatus.objects.get(participant=treated).last_known_alive_date == TODAY - 8 * DAY


def test_a_corrected_date_of_death_corrects_the_status_history(treated, coordinator):
    _save(treated, coordinator, death_date=TODAY - 5 * DAY, death_cause="disease")
    _save(treated, coordinator, version=1, reason="Death certificate", death_date=TODAY - 6 * DAY, death_cause="disease")
    participant = _fresh(treated)
    assert participant.status_date == TODAY - 6 * DAY
    change = participant.status_changes.get(to_status=ParticipantStatus.DIED)
    assert change.effective_date == TODAY - 6 * DAY
    assert change.history.order_by("-history_id").first().history_change_reason == "Death certificate"


def test_a_recorded_death_cannot_be_removed(treated, coordinator):
    _save(treated, coordinator, death_date=TODAY - 5 * DAY, death_cause="disease")
    with pytest.raises(ValidationError) as refused:
        _save(treated, coordinator, version=1, reason="Wrong patient", last_known_alive_date=TODAY)
    assert _codes(refused, "death_date") == {"follow_up.death_date.status_died"}
    assert FollowUpStatus.objects.get(participant=treated).death_date == TODAY - 5 * DAY


def test_last_known_free_of_progression_after_the_first_progression_is_refused(treated, coordinator):
    factories.progression(treated, on=TODAY - 10 * DAY)
    with pytest.raises(ValidationError) as refused:
        _save(treated, coordinator, last_known_alive_date=TODAY, last_progression_free_date=TODAY - 9 * DAY)
    assert _codes(refused, "last_progression_free_date") == {"follow_up.last_progression_free_date.after_progression"}
    _save(treated, coordinator, last_known_alive_date=TODAY, last_progression_free_date=TODAY - 10 * DAY)


def test_a_participant_who_is_not_enrolled_has_no_follow_up(participant, coordinator):
    with pytest.raises(ValidationError):
        _save(participant, coordinator, last_known_alive_date=TODAY)
    assert not FollowUpStatus.objects.exists()


def test_the_form_starts_from_the_status_history_before_a_record_exists(treated, coordinator):
    off = TODAY - 4 * DAY
    participant_change_status(participant=treated, user=coordinator, expected_version=treated.version,
                              new_status="off_study", effective_date=off, reason="Moved away")  # fmt: skip
    assert selectors.follow_up_status_initial(_fresh(treated), None) == {"off_study_date": off}


# --- the page's warnings ------------------------------------------------------------------------


def _warning_codes(participant) -> set[str]:
    return {warning.code for warning in selectors.follow_up_overview(_fresh(participant)).warnings}


def _fatal_ae(participant, user, death):
    return adverse_event_recorded(
        participant=participant, user=user, term="Febrile neutropenia", grade=5, current_grade=5, onset_date=death - 3 * DAY,
        ongoing=False, resolution_date=death, outcome="fatal", death_date=death, serious=True, sae_death=True,
        attribution_cisplatin="possible",
    )  # fmt: skip


def test_a_fatal_adverse_event_on_another_date_is_warned_about_not_refused(treated, coordinator):
    _fatal_ae(treated, coordinator, TODAY - 6 * DAY)
    assert "outcome.ae.fatal_without_death" in _warning_codes(treated)
    _save(treated, coordinator, death_date=TODAY - 5 * DAY, death_cause="treatment")
    assert "outcome.ae.death_date_differs" in _warning_codes(treated)


def test_a_treatment_death_without_a_fatal_adverse_event_is_warned_about(treated, coordinator):
    _save(treated, coordinator, death_date=TODAY - 5 * DAY, death_cause="treatment")
    codes = _warning_codes(treated)
    assert "outcome.ae.treatment_death_without_fatal_ae" in codes
    assert "outcome.ae.death_date_differs" not in codes


def test_a_pd_assessment_without_progression_and_a_missing_diagnosis_are_warned_about(treated, coordinator):
    factories.follow_up(treated, on=TODAY - 30 * DAY, response="PD")
    Participant.objects.filter(pk=treated.pk).update(diagnosis_date=None)
    overview = selectors.follow_up_overview(_fresh(treated))
    assert overview.diagnosis_warning is not None
    assert "outcome.assessment.pd_without_progression" in {warning.code for warning in overview.other_warnings}
