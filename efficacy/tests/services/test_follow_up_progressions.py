"""Recording and correcting progressions (PROTOCOL §5: the first progression ends PFS)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import StaleRecordError
from efficacy.models import Progression
from efficacy.selectors import follow_up as selectors
from efficacy.services import follow_up as services
from efficacy.services.notify import _enqueue_simon_check
from efficacy.tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=200)
DIAGNOSIS = START - datetime.timedelta(days=30)


@pytest.fixture
def treated(coordinator, investigator):
    return factories.treated_participant(
        coordinator=coordinator, investigator=investigator, treatment_start=START, diagnosis_date=DIAGNOSIS
    )


def _record(participant, user, day, **changes):
    values = {"progression_date": day, "site": "distant", "confirmed_by_method": "imaging"}
    values.update(changes)
    return services.progression_record(participant=participant, user=user, **values)


def _codes(refused: pytest.ExceptionInfo, field: str) -> set[str]:
    return {error.code for error in refused.value.error_dict[field]}


def test_a_progression_is_recorded_with_its_recorder_and_audit_row_and_queues_the_simon_check(
    treated, coordinator, django_capture_on_commit_callbacks
):
    day = START + datetime.timedelta(days=90)
    with django_capture_on_commit_callbacks() as callbacks:
        progression = _record(treated, coordinator, day, site="both", sites_detail=" lung, para-aortic nodes ")
    stored = Progression.objects.get(pk=progression.pk)
    assert (stored.progression_date, stored.site, stored.sites_detail) == (day, "both", "lung, para-aortic nodes")
    assert (stored.recorded_by, stored.version) == (coordinator, 1)
    created = stored.history.get()
    assert (created.history_type, created.history_user) == ("+", coordinator)
    assert _enqueue_simon_check in callbacks


def test_a_participant_who_is_not_enrolled_has_no_progression(participant, coordinator):
    with pytest.raises(ValidationError) as refused:
        _record(participant, coordinator, TODAY)
    assert refused.value.error_list[0].code == "follow_up.participant.not_enrolled"
    assert not Progression.objects.exists()


@pytest.mark.parametrize(("offset", "allowed"), [(0, True), (-1, False)])
def test_a_progression_on_the_enrolment_day_is_accepted_and_the_day_before_refused(treated, coordinator, offset, allowed):
    day = treated.enrolment_date + datetime.timedelta(days=offset)
    if allowed:
        _record(treated, coordinator, day)
    else:
        with pytest.raises(ValidationError) as refused:
            _record(treated, coordinator, day)
        assert "progression.date.before_enrolment" in _codes(refused, "progression_date")
    assert Progression.objects.filter(participant=treated).exists() is allowed


def test_a_progression_tomorrow_is_refused(treated, coordinator):
    with pytest.raises(ValidationError) as refused:
        _record(treated, coordinator, TODAY + datetime.timedelta(days=1))
    assert _codes(refused, "progression_date") == {"progression.date.future"}


def test_a_second_progression_on_the_same_day_is_refused_another_day_is_accepted(treated, coordinator):
    day = START + datetime.timedelta(days=90)
    _record(treated, coordinator, day)
    with pytest.raises(ValidationError) as refused:
        _record(treated, coordinator, day, site="locoregional")
    assert _codes(refused, "progression_date") == {"progression.date.duplicate"}
    _record(treated, coordinator, day + datetime.timedelta(days=1), site="locoregional")
    assert Progression.objects.filter(participant=treated).count() == 2


def test_a_progression_after_the_recorded_death_is_refused(treated, coordinator):
    death = START + datetime.timedelta(days=100)
    factories.follow_up_status(treated, death_date=death, death_cause="disease", last_known_alive_date=death)
    _record(treated, coordinator, death)
    with pytest.raises(ValidationError) as refused:
        _record(treated, coordinator, death + datetime.timedelta(days=1))
    assert _codes(refused, "progression_date") == {"progression.date.after_death"}


def test_a_progression_before_the_last_day_known_free_of_progression_is_refused(treated, coordinator):
    free = START + datetime.timedelta(days=60)
    factories.follow_up_status(treated, last_progression_free_date=free)
    with pytest.raises(ValidationError) as refused:
        _record(treated, coordinator, free - datetime.timedelta(days=1))
    assert _codes(refused, "progression_date") == {"progression.date.before_progression_free"}


def test_a_progression_links_a_follow_up_assessment_showing_pd(treated, coordinator, investigator):
    factories.baseline(treated, on=START - datetime.timedelta(days=7))
    computed_pd = factories.follow_up(treated, on=START + datetime.timedelta(days=60), response="PD")
    confirmed_pd = factories.follow_up(treated, on=START + datetime.timedelta(days=120), response="SD",
                                       confirmed_by=investigator, confirmed_response="PD")  # fmt: skip
    stable = factories.follow_up(treated, on=START + datetime.timedelta(days=150), response="SD")

    choices = [choice.assessment for choice in selectors.progression_assessment_choices(treated)]
    assert choices == [computed_pd, confirmed_pd]
    _record(treated, coordinator, computed_pd.assessment_date, assessment=computed_pd)
    _record(treated, coordinator, confirmed_pd.assessment_date, assessment=confirmed_pd)
    with pytest.raises(ValidationError) as refused:
        _record(treated, coordinator, stable.assessment_date, assessment=stable)
    assert _codes(refused, "assessment") == {"progression.assessment.not_pd"}


def test_another_participants_assessment_cannot_be_linked(treated, coordinator, investigator):
    other = factories.treated_participant(coordinator=coordinator, investigator=investigator, treatment_start=START)
    foreign = factories.follow_up(other, on=START + datetime.timedelta(days=60), response="PD")
    with pytest.raises(ValidationError) as refused:
        _record(treated, coordinator, foreign.assessment_date, assessment=foreign)
    assert _codes(refused, "assessment") == {"progression.assessment.other_participant"}
    assert not Progression.objects.filter(participant=treated).exists()


# --- corrections --------------------------------------------------------------------------------


def _update(progression, user, *, version=None, reason="Date mistyped", **changes):
    values = {
        "progression_date": progression.progression_date, "site": progression.site,
        "confirmed_by_method": progression.confirmed_by_method, "assessment": progression.assessment,
        "sites_detail": progression.sites_detail, "note": progression.note,
    }  # fmt: skip
    values.update(changes)
    return services.progression_update(
        progression=progression, user=user, reason=reason,
        expected_version=progression.version if version is None else version, **values,
    )  # fmt: skip


def test_a_correction_is_saved_with_its_reason_and_queues_the_simon_check(
    treated, coordinator, django_capture_on_commit_callbacks
):
    progression = _record(treated, coordinator, START + datetime.timedelta(days=90))
    with django_capture_on_commit_callbacks() as callbacks:
        assert _update(progression, coordinator, site="locoregional", reason="Pelvic only on review") is True
    latest = Progression.objects.get(pk=progression.pk).history.order_by("-history_id").first()
    assert (latest.site, latest.history_change_reason, latest.version) == ("locoregional", "Pelvic only on review", 2)
    assert _enqueue_simon_check in callbacks


def test_a_correction_without_reason_is_refused(treated, coordinator):
    progression = _record(treated, coordinator, START + datetime.timedelta(days=90))
    with pytest.raises(ValidationError) as refused:
        _update(progression, coordinator, site="both", reason=" ")
    assert "reason_for_change" in refused.value.message_dict
    assert Progression.objects.get(pk=progression.pk).site == "distant"


def test_a_correction_from_a_stale_version_is_refused(treated, coordinator):
    progression = _record(treated, coordinator, START + datetime.timedelta(days=90))
    _update(Progression.objects.get(pk=progression.pk), coordinator, site="both")
    with pytest.raises(StaleRecordError):
        _update(progression, coordinator, site="locoregional", version=1)
    assert Progression.objects.get(pk=progression.pk).site == "both"


def test_a_correction_that_changes_nothing_saves_nothing(treated, coordinator):
    progression = _record(treated, coordinator, START + datetime.timedelta(days=90))
    assert _update(progression, coordinator) is False
    assert progression.history.count() == 1


def test_a_corrected_date_is_checked_against_the_other_progressions_not_itself(treated, coordinator):
    first = _record(treated, coordinator, START + datetime.timedelta(days=90))
    second = _record(treated, coordinator, START + datetime.timedelta(days=120))
    assert _update(first, coordinator, note="Seen on MRI") is True
    with pytest.raises(ValidationError) as refused:
        _update(Progression.objects.get(pk=first.pk), coordinator, progression_date=second.progression_date)
    assert _codes(refused, "progression_date") == {"progression.date.duplicate"}


def test_a_kept_link_to_an_assessment_no_longer_pd_does_not_block_a_correction(treated, coordinator):
    assessment = factories.follow_up(treated, on=START + datetime.timedelta(days=60), response="PD")
    progression = _record(treated, coordinator, assessment.assessment_date, assessment=assessment)
    type(assessment).objects.filter(pk=assessment.pk).update(computed_response="SD")
    assert _update(Progression.objects.get(pk=progression.pk), coordinator, note="Reviewed") is True
