"""The Simon monitor's page data: who counts (and in which order), who is pending, why others are not
evaluable, the decisions with small boundaries, the ORR, the design panel, the notices, and a
query count that does not grow with the number of participants."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dosing.tests.factories import participant_enrolled
from efficacy.models import SimonDecisionNotice
from efficacy.rules.simon import clopper_pearson
from efficacy.selectors import simon as selectors
from efficacy.tests import factories
from trialsite.protocol.efficacy import SimonBoundaries, SimonParameters

START = datetime.date(2026, 1, 5)
# Need 2 of the first 3 evaluable to continue, 3 of 5 to call the regimen effective.
SMALL = SimonBoundaries(r1=1, n1=3, r=2, n=5)


def _day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


@pytest.fixture
def treated(coordinator, investigator):
    def make(**baseline_kwargs):
        participant = factories.treated_participant(
            coordinator=coordinator, investigator=investigator, treatment_start=START
        )
        factories.baseline(participant, on=_day(-10), **baseline_kwargs)
        return participant

    return make


@pytest.fixture
def responder(treated, investigator):
    """A PR confirmed by a second PR 28 days later; evaluable on the first (day ``first``)."""

    def make(first: int = 90):
        participant = treated()
        factories.follow_up(participant, on=_day(first), response="PR", confirmed_by=investigator)
        factories.follow_up(participant, on=_day(first + 28), response="PR", confirmed_by=investigator)
        return participant

    return make


@pytest.fixture
def non_responder(treated, investigator):
    """Stable disease, confirmed by the investigator (day ``first``)."""

    def make(first: int = 90):
        participant = treated()
        factories.follow_up(participant, on=_day(first), response="SD", confirmed_by=investigator)
        return participant

    return make


def _row(page, participant):
    return next(row for row in page.evaluable if row.study_number == participant.study_number)


@pytest.mark.django_db
def test_pr_confirmed_by_a_second_pr_28_days_later_is_a_responder(responder):
    participant = responder()

    page = selectors.simon_page_data()

    row = _row(page, participant)
    assert (row.best_response, row.responder, row.in_stage1, row.counted) == ("PR", True, True, True)
    assert row.evaluable_on == _day(90)
    assert row.evaluable_by == selectors.EVALUABLE_BY_ASSESSMENT
    assert (page.monitor.stage1.evaluable, page.monitor.stage1.responders) == (1, 1)
    assert page.responses_pending == 0


@pytest.mark.django_db
def test_a_single_pr_is_pending_and_not_a_responder(treated, investigator):
    participant = treated()
    factories.follow_up(participant, on=_day(90), response="PR", confirmed_by=investigator)

    page = selectors.simon_page_data()

    row = _row(page, participant)
    assert not row.responder and row.response_pending
    assert page.responses_pending == 1
    assert (page.monitor.stage1.evaluable, page.monitor.stage1.responders) == (1, 0)
    assert page.orr.responders == 0


@pytest.mark.django_db
def test_a_pr_confirmed_only_27_days_later_is_not_a_responder(treated, investigator):
    participant = treated()
    factories.follow_up(participant, on=_day(90), response="PR", confirmed_by=investigator)
    factories.follow_up(participant, on=_day(117), response="PR", confirmed_by=investigator)

    row = _row(selectors.simon_page_data(), participant)

    assert not row.responder and row.response_pending


@pytest.mark.django_db
def test_unconfirmed_follow_ups_are_awaiting_and_leave_her_not_yet_evaluable(treated):
    participant = treated()
    factories.follow_up(participant, on=_day(90), response="PR")
    factories.follow_up(participant, on=_day(120), response="PR")

    page = selectors.simon_page_data()

    assert page.evaluable == ()
    (row,) = page.not_evaluable
    assert row.study_number == participant.study_number
    assert row.reasons == (selectors.NO_CONFIRMED_FOLLOW_UP,)
    assert row.awaiting_confirmation == 2
    assert (page.follow_ups_awaiting, page.participants_awaiting) == (2, 1)
    assert page.orr is None


@pytest.mark.django_db
def test_not_evaluable_reasons_name_what_is_missing(coordinator, investigator, treated):
    no_baseline = factories.treated_participant(coordinator=coordinator, investigator=investigator, treatment_start=START)
    no_target = treated(targets=(), non_targets=2)
    untreated = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=START)
    factories.baseline(untreated, on=_day(-10))
    factories.follow_up(untreated, on=_day(90), response="SD", confirmed_by=investigator)
    factories.follow_up_status(untreated, off_study_date=_day(100), off_study_reason="consent_withdrawn")

    reasons = {row.study_number: row for row in selectors.simon_page_data().not_evaluable}

    assert reasons[no_baseline.study_number].reasons == (selectors.NO_BASELINE, selectors.NO_CONFIRMED_FOLLOW_UP)
    assert reasons[no_target.study_number].reasons == (selectors.NO_TARGET, selectors.NO_CONFIRMED_FOLLOW_UP)
    assert reasons[untreated.study_number].reasons == (selectors.NOT_TREATED,)
    assert reasons[untreated.study_number].off_study_date == _day(100)
    assert reasons[untreated.study_number].off_study_reason == "Withdrew consent"


@pytest.mark.django_db
def test_progression_before_any_assessment_makes_an_evaluable_non_responder(treated):
    participant = treated()
    factories.progression(participant, on=_day(40))

    row = _row(selectors.simon_page_data(), participant)

    assert (row.evaluable_on, row.evaluable_by, row.responder) == (_day(40), selectors.EVALUABLE_BY_PROGRESSION, False)


@pytest.mark.django_db
def test_stage1_is_determined_early_once_enough_respond(responder, non_responder):
    responder(first=80)
    responder(first=90)

    page = selectors.simon_page_data(boundaries=SMALL)

    stage1 = page.stage1.status
    assert (stage1.status, stage1.decided, stage1.determined_early) == ("continue", True, True)
    assert stage1.rule == "2 of the first 3 needed to continue"
    assert page.stage1.badge_text == "Decided: continue to stage 2"
    assert (page.stage1.evaluable_pct, page.stage1.responders_pct, page.stage1.needed_reached) == (67, 100, True)
    assert page.final.status.status == "open"


@pytest.mark.django_db
def test_stage1_is_determined_early_to_stop_when_enough_cannot_respond(non_responder):
    non_responder(first=80)
    non_responder(first=90)

    page = selectors.simon_page_data(boundaries=SMALL)

    assert (page.stage1.status.status, page.stage1.status.determined_early) == ("stop", True)
    assert page.final.status.status == "not effective"
    assert page.final.badge_text == "Decided: not effective"


@pytest.mark.django_db
def test_stage1_is_open_while_the_outcome_can_go_either_way(responder, non_responder):
    responder(first=80)
    non_responder(first=90)

    page = selectors.simon_page_data(boundaries=SMALL)

    assert (page.stage1.status.status, page.stage1.status.decided) == ("open", False)
    assert page.stage1.status.message == "1 responder among 2 evaluable: 1 more needed among the remaining 1 of the first 3."


@pytest.mark.django_db
def test_stage1_holds_the_first_n1_in_order_of_evaluability_and_later_ones_beyond_n_are_not_counted(
    responder, non_responder
):
    late_responder = responder(first=200)  # evaluable last: beyond n = 5
    early = [non_responder(first=day) for day in (60, 70)]
    middle = responder(first=80)  # third: still stage 1
    later = [non_responder(first=day) for day in (100, 110)]

    page = selectors.simon_page_data(boundaries=SMALL)

    order = [row.study_number for row in page.evaluable]
    assert order == [p.study_number for p in (*early, middle, *later, late_responder)]
    assert [row.in_stage1 for row in page.evaluable] == [True, True, True, False, False, False]
    assert [row.counted for row in page.evaluable] == [True] * 5 + [False]
    assert page.beyond_design == 1
    assert (page.monitor.final.evaluable, page.monitor.final.responders) == (5, 1)
    # The ORR covers every evaluable patient.
    assert (page.orr.responders, page.orr.evaluable) == (2, 6)


@pytest.mark.django_db
def test_orr_has_an_exact_clopper_pearson_interval(responder, non_responder):
    responder()
    non_responder()
    non_responder(first=95)

    orr = selectors.simon_page_data().orr

    low, high = clopper_pearson(1, 3)
    assert (orr.responders, orr.evaluable, orr.confidence_pct) == (1, 3, 95)
    assert orr.rate_pct == pytest.approx(100 / 3)
    assert (orr.ci_low_pct, orr.ci_high_pct) == (pytest.approx(100 * low), pytest.approx(100 * high))


@pytest.mark.django_db
def test_without_participants_the_page_data_is_empty_but_complete():
    page = selectors.simon_page_data()

    assert page.enrolled == 0 and page.evaluable == () and page.not_evaluable == () and page.orr is None
    assert page.stage1.status.message == "0 responders among 0 evaluable: 20 more needed among the remaining 27 of the first 27."
    assert page.stage1.status.rule == "20 of the first 27 needed to continue"
    assert page.final.status.rule == "65 of the 87 needed to call the regimen effective"
    assert (page.stage1.evaluable_pct, page.stage1.responders_pct) == (0, 0)


# --- design panel ---------------------------------------------------------------------------------


def test_configured_boundaries_are_the_computed_optimal_design_and_meet_alpha_and_power():
    panel = selectors.design_panel()

    assert panel.matches_computed
    assert panel.comparison == "The configured boundaries 19/27, 64/87 are the computed optimal design."
    assert (panel.optimal.r1, panel.optimal.n1, panel.optimal.r, panel.optimal.n) == (19, 27, 64, 87)
    assert (panel.minimax.r1, panel.minimax.n1, panel.minimax.r, panel.minimax.n) == (51, 68, 53, 71)
    assert panel.configured.alpha <= 0.025 and panel.alpha_met
    assert panel.configured.power >= 0.80 and panel.power_met
    assert panel.configured.en0 == pytest.approx(40.1, abs=0.01)


def test_the_papers_literal_boundaries_differ_from_the_optimal_design_and_break_alpha():
    panel = selectors.design_panel(SimonBoundaries(r1=18, n1=27, r=63, n=87))

    assert not panel.matches_computed
    assert panel.comparison == (
        "The configured boundaries 18/27, 63/87 differ from the computed optimal design 19/27, 64/87."
    )
    assert panel.configured.alpha == pytest.approx(0.047, abs=0.001)
    assert not panel.alpha_met


def test_the_design_search_is_cached():
    selectors.computed_design.cache_clear()
    selectors.design_panel()
    selectors.design_panel()

    info = selectors.computed_design.cache_info()
    assert (info.misses, info.hits) == (2, 2)


def test_parameters_without_a_design_in_the_search_say_so():
    panel = selectors.design_panel(parameters=SimonParameters(p0=0.50, p1=0.52, alpha=0.01, beta=0.01))

    assert panel.optimal is None and panel.minimax is None and not panel.matches_computed
    assert panel.comparison.startswith("No optimal design exists within the search")


# --- notices and recipients -----------------------------------------------------------------------


def _notice(stage, status, reached_at, **extra):
    return SimonDecisionNotice.objects.create(
        stage=stage, status=status, code=f"simon.{stage}.{status}", message="m", evaluable=3, responders=2,
        reached_at=reached_at, **extra,
    )


@pytest.mark.django_db
def test_notices_on_the_page_say_whether_they_are_still_current(responder):
    responder()
    now = timezone.now()
    _notice("stage1", "continue", now)  # data now: 1 responder among 1 of the first 3 -> open

    (row,) = selectors.simon_page_data(boundaries=SMALL).notices

    assert row.current is False
    assert (row.stage_label, row.status_label) == ("Stage 1", "Decided: continue to stage 2")


@pytest.mark.django_db
def test_open_notices_are_those_of_the_last_30_days_newest_first():
    now = timezone.now()
    _notice("stage1", "stop", now - datetime.timedelta(days=31))
    older = _notice("stage1", "continue", now - datetime.timedelta(days=29))
    newer = _notice("final", "effective", now - datetime.timedelta(days=1))

    rows = selectors.open_simon_notices(now=now)

    assert [row.pk for row in rows] == [newer.pk, older.pk]
    assert rows[0].stage_label == "Final analysis" and rows[0].current is None


@pytest.mark.django_db
def test_notice_recipients_are_active_investigators_and_data_managers_with_an_email(make_user):
    investigator = make_user("Investigator", email="inv@example.org")
    data_manager = make_user("Data manager", email="dm@example.org")
    make_user("Investigator", email="")  # no address
    make_user("Data manager", email="gone@example.org", is_active=False)
    make_user("Study coordinator", email="coord@example.org")
    make_user("Monitor", email="mon@example.org")

    assert set(selectors.simon_notice_recipients()) == {investigator, data_manager}


# --- CSV and query count --------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_rows_have_a_header_and_iso_dates(responder):
    participant = responder()

    header, line = list(selectors.evaluable_csv_rows(selectors.simon_page_data()))

    assert header == selectors.EVALUABLE_CSV_COLUMNS
    assert line == (1, participant.study_number, "2026-04-05", selectors.EVALUABLE_BY_ASSESSMENT, "PR",
                    "yes", "yes", "yes", "no")


@pytest.mark.django_db
def test_query_count_is_the_same_for_2_and_10_participants(responder, non_responder, treated):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            selectors.simon_page_data()
        return len(queries)

    responder()
    treated()
    _notice("stage1", "continue", timezone.now())
    small = count()
    for first in range(4):
        responder(first=60 + first)
        non_responder(first=70 + first)

    assert count() == small
