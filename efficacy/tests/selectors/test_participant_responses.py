"""The per-participant response selector: confirmed and unconfirmed best responses, evaluability,
and a query count that does not grow with the number of participants."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from efficacy.selectors.response import participant_responses
from efficacy.tests import factories

START = datetime.date(2026, 1, 5)


def _day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


@pytest.fixture
def treated(coordinator, investigator):
    def make():
        participant = factories.treated_participant(
            coordinator=coordinator, investigator=investigator, treatment_start=START
        )
        factories.baseline(participant, on=_day(-10))
        return participant

    return make


@pytest.mark.django_db
def test_a_single_confirmed_pr_awaits_its_confirming_scan(treated, investigator):
    participant = treated()
    factories.follow_up(participant, on=_day(90), response="PR", confirmed_by=investigator)

    (row,) = participant_responses()

    assert row.best_response == "SD"  # PR not yet confirmed by a later scan; SD duration met
    assert row.best_unconfirmed == "PR"
    assert row.response_pending
    assert row.evaluable_on == _day(90)


@pytest.mark.django_db
def test_pr_confirmed_28_days_later_is_a_response(treated, investigator):
    participant = treated()
    factories.follow_up(participant, on=_day(90), response="PR", confirmed_by=investigator)
    factories.follow_up(participant, on=_day(118), response="PR", confirmed_by=investigator)

    (row,) = participant_responses()

    assert row.best_response == "PR"
    assert not row.response_pending


@pytest.mark.django_db
def test_unreviewed_assessments_do_not_count_and_do_not_make_her_evaluable(treated):
    participant = treated()
    factories.follow_up(participant, on=_day(90), response="PR")

    (row,) = participant_responses()

    assert row.awaiting_confirmation == 1
    assert row.best_response == "NE"
    assert row.evaluable_on is None


@pytest.mark.django_db
def test_progression_before_any_assessment_makes_her_an_evaluable_non_responder(treated):
    participant = treated()
    factories.progression(participant, on=_day(40))

    (row,) = participant_responses()

    assert row.evaluable_on == _day(40)
    assert row.best_response == "NE"


@pytest.mark.django_db
def test_query_count_does_not_grow_with_participants(treated, investigator):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            participant_responses()
        return len(queries)

    first = treated()
    factories.follow_up(first, on=_day(90), response="PR", confirmed_by=investigator)
    small = count()
    for _ in range(3):
        other = treated()
        factories.follow_up(other, on=_day(90), response="SD", confirmed_by=investigator)
        factories.progression(other, on=_day(120))
        factories.follow_up_status(other, last_known_alive_date=_day(200))

    assert count() == small
