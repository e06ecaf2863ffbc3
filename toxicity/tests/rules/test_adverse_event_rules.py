"""Consistency rules of one adverse event (CTCAE v5.0, PROTOCOL §3, ICH E2A): each check at its
boundary and just either side, asserted by code."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from toxicity.rules.adverse_event import (
    AdverseEventFacts,
    Problem,
    adverse_event_problems,
    grade_words,
    problems_by_field,
    sae_report_sent_problems,
    suggest_irae_category,
)

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ALL_GRADES = (1, 2, 3, 4, 5)
RASH_GRADES = (1, 2, 3)  # Rash maculo-papular: grades 4 and 5 are "-" in CTCAE v5.0

BASE = AdverseEventFacts(
    term="Diarrhea",
    grade=2,
    current_grade=2,
    onset_date=date(2026, 3, 1),
    ongoing=True,
    attribution_toripalimab="unlikely",
    attribution_cisplatin="possible",
    attribution_paclitaxel="unlikely",
    attribution_radiotherapy="probable",
    outcome="not_recovered",
)
FATAL = dataclasses.replace(
    BASE, grade=5, current_grade=5, outcome="fatal", death_date=date(2026, 3, 5), resolution_date=date(2026, 3, 5),
    ongoing=False, serious=True, sae_death=True, sae_awareness_at=datetime(2026, 3, 5, 8, 0, tzinfo=UTC),
)  # fmt: skip
RESOLVED = dataclasses.replace(BASE, current_grade=0, resolution_date=date(2026, 3, 8), ongoing=False,
                               outcome="recovered")  # fmt: skip


def codes(facts, *, grades=ALL_GRADES, today=TODAY, now=NOW, enrolment_date=None):
    return {
        p.code
        for p in adverse_event_problems(facts, available_grades=grades, today=today, now=now,
                                        enrolment_date=enrolment_date)  # fmt: skip
    }


def with_(facts=BASE, **changes):
    return dataclasses.replace(facts, **changes)


@pytest.mark.parametrize("facts", [BASE, FATAL, RESOLVED], ids=["ongoing", "fatal", "resolved"])
def test_consistent_events_have_no_problem(facts):
    assert codes(facts) == set()


# --- grades -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("grade", "expected"), [(3, set()), (4, {"ae.grade.not_in_term"}), (5, {"ae.grade.not_in_term"})])
def test_worst_grade_must_exist_for_the_term(grade, expected):
    facts = with_(term="Rash maculo-papular", grade=grade, current_grade=1)
    assert codes(facts, grades=RASH_GRADES) & {"ae.grade.not_in_term"} == expected


def test_grade_that_does_not_exist_names_the_terms_grades():
    problems = adverse_event_problems(with_(term="Rash maculo-papular", grade=4, current_grade=1),
                                      available_grades=RASH_GRADES, today=TODAY)  # fmt: skip
    message = next(p.message for p in problems if p.code == "ae.grade.not_in_term")
    assert "Grade 4 does not exist for Rash maculo-papular" in message and "1, 2, 3" in message


@pytest.mark.parametrize(("grade", "code"), [(None, "ae.grade.missing"), (0, "ae.grade.range"), (6, "ae.grade.range")])
def test_worst_grade_is_1_to_5(grade, code):
    assert code in codes(with_(grade=grade, current_grade=1))


def test_current_grade_must_exist_for_the_term_or_be_0():
    assert "ae.current_grade.not_in_term" in codes(with_(grade=3, current_grade=2), grades=(1, 3, 4, 5))
    assert "ae.current_grade.not_in_term" not in codes(with_(RESOLVED, grade=3), grades=(1, 3, 4, 5))


@pytest.mark.parametrize(("current", "expected"), [(1, False), (2, False), (3, True)])
def test_current_grade_is_at_most_the_worst_grade(current, expected):
    assert ("ae.current_grade.above_worst" in codes(with_(grade=2, current_grade=current))) is expected


def test_current_grade_missing_and_out_of_range():
    assert "ae.current_grade.missing" in codes(with_(current_grade=None))
    assert "ae.current_grade.range" in codes(with_(current_grade=6))


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("onset", "expected"), [(TODAY - DAY, False), (TODAY, False), (TODAY + DAY, True)])
def test_onset_not_in_the_future(onset, expected):
    assert ("ae.onset_date.future" in codes(with_(onset_date=onset))) is expected


def test_onset_is_required():
    assert "ae.onset_date.missing" in codes(with_(onset_date=None))


@pytest.mark.parametrize(("onset", "expected"), [(date(2026, 2, 28), True), (date(2026, 3, 1), False)])
def test_onset_not_before_enrolment(onset, expected):
    found = "ae.onset_date.before_enrolment" in codes(with_(onset_date=onset), enrolment_date=date(2026, 3, 1))
    assert found is expected


@pytest.mark.parametrize(
    ("resolved_on", "code", "expected"),
    [
        (date(2026, 2, 28), "ae.resolution_date.before_onset", True),
        (date(2026, 3, 1), "ae.resolution_date.before_onset", False),  # same day as the onset
        (TODAY, "ae.resolution_date.future", False),
        (TODAY + DAY, "ae.resolution_date.future", True),
    ],
)
def test_resolution_date_between_onset_and_today(resolved_on, code, expected):
    assert (code in codes(with_(RESOLVED, resolution_date=resolved_on))) is expected


@pytest.mark.parametrize(
    ("died_on", "code", "expected"),
    [
        (date(2026, 2, 28), "ae.death_date.before_onset", True),
        (date(2026, 3, 1), "ae.death_date.before_onset", False),
        (TODAY, "ae.death_date.future", False),
        (TODAY + DAY, "ae.death_date.future", True),
    ],
)
def test_death_date_between_onset_and_today(died_on, code, expected):
    assert (code in codes(with_(FATAL, death_date=died_on, resolution_date=died_on))) is expected


# --- ongoing, resolved, fatal -------------------------------------------------------------------------


def test_ongoing_exactly_when_there_is_no_resolution_date():
    assert "ae.ongoing.resolved" in codes(with_(RESOLVED, ongoing=True))
    assert "ae.ongoing.no_resolution_date" in codes(with_(ongoing=False))


def test_resolved_event_is_back_to_grade_0():
    assert "ae.current_grade.resolved" in codes(with_(RESOLVED, current_grade=1))
    assert "ae.current_grade.resolved" not in codes(RESOLVED)


def test_grade_0_without_resolution_date_is_refused():
    assert "ae.current_grade.zero_unresolved" in codes(with_(current_grade=0))


@pytest.mark.parametrize(("outcome", "ok"), [("recovered", True), ("sequelae", True), ("recovering", False),
                                             ("not_recovered", False), ("unknown", False)])  # fmt: skip
def test_outcome_of_a_resolved_event(outcome, ok):
    assert ("ae.outcome.resolved" not in codes(with_(RESOLVED, outcome=outcome))) is ok


@pytest.mark.parametrize(("outcome", "ok"), [("recovering", True), ("not_recovered", True), ("unknown", True),
                                             ("recovered", False), ("sequelae", False)])  # fmt: skip
def test_outcome_of_an_ongoing_event(outcome, ok):
    assert ("ae.outcome.unresolved" not in codes(with_(outcome=outcome))) is ok


def test_outcome_is_required():
    assert "ae.outcome.missing" in codes(with_(outcome=""))


def test_grade_5_needs_death_date_fatal_outcome_and_the_death_criterion():
    assert "ae.death_date.missing" in codes(with_(FATAL, death_date=None, resolution_date=None, ongoing=True))
    assert "ae.outcome.grade_5_not_fatal" in codes(with_(FATAL, outcome="not_recovered"))
    assert "ae.sae_death.missing" in codes(with_(FATAL, sae_death=False, sae_hospitalisation=True))


@pytest.mark.parametrize("grade", [3, 4])
def test_fatal_outcome_needs_grade_5(grade):
    found = codes(with_(FATAL, grade=grade, current_grade=grade))
    assert {"ae.outcome.fatal_needs_grade_5", "ae.death_date.not_grade_5", "ae.sae_death.not_grade_5"} <= found


def test_fatal_event_ends_on_the_date_of_death_at_grade_5():
    assert "ae.resolution_date.not_death_date" in codes(with_(FATAL, resolution_date=date(2026, 3, 4)))
    assert "ae.current_grade.fatal" in codes(with_(FATAL, current_grade=4))


# --- seriousness --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "criterion",
    ["sae_life_threatening", "sae_hospitalisation", "sae_disability", "sae_congenital_anomaly",
     "sae_important_medical_event"],
)  # fmt: skip
def test_serious_exactly_when_a_criterion_is_met(criterion):
    aware = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert codes(with_(serious=True, sae_awareness_at=aware, **{criterion: True})) == set()
    assert "ae.serious.criterion_not_serious" in codes(with_(**{criterion: True}))
    assert "ae.serious.no_criterion" in codes(with_(serious=True, sae_awareness_at=aware))


def test_serious_event_needs_the_awareness_time():
    assert "ae.sae_awareness_at.missing" in codes(with_(serious=True, sae_hospitalisation=True))


@pytest.mark.parametrize(
    ("aware", "code", "expected"),
    [
        (NOW, "ae.sae_awareness_at.future", False),
        (NOW + timedelta(seconds=1), "ae.sae_awareness_at.future", True),
        (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), "ae.sae_awareness_at.before_onset", False),  # onset day
        (datetime(2026, 2, 28, 23, 59, tzinfo=UTC), "ae.sae_awareness_at.before_onset", True),
    ],
)
def test_awareness_time_between_onset_and_now(aware, code, expected):
    facts = with_(serious=True, sae_hospitalisation=True, sae_awareness_at=aware)
    assert (code in codes(facts)) is expected


# --- attribution and irAE -----------------------------------------------------------------------------


def test_every_agent_needs_an_attribution():
    assert "ae.attribution_paclitaxel.missing" in codes(with_(attribution_paclitaxel=""))
    assert "ae.attribution_cisplatin.invalid" in codes(with_(attribution_cisplatin="maybe"))


@pytest.mark.parametrize(("attribution", "ok"), [("unrelated", False), ("unlikely", False), ("possible", True),
                                                 ("probable", True), ("definite", True)])  # fmt: skip
def test_immune_related_needs_toripalimab_possible_or_more(attribution, ok):
    facts = with_(immune_related=True, irae_category="colitis", attribution_toripalimab=attribution)
    assert (codes(facts) == set()) is ok
    assert ("ae.attribution_toripalimab.not_related" in codes(facts)) is not ok


def test_immune_related_needs_a_category_and_only_it_has_one():
    assert "ae.irae_category.missing" in codes(with_(immune_related=True, attribution_toripalimab="probable"))
    assert "ae.irae_category.not_immune_related" in codes(with_(irae_category="colitis"))


# --- corticosteroids ------------------------------------------------------------------------------

STEROIDS = with_(steroid_given=True, steroid_drug="Methylprednisolone", steroid_start_date=date(2026, 3, 2),
                 steroid_start_mg_per_day=Decimal("60"))  # fmt: skip


def test_steroids_given_need_drug_start_date_and_dose():
    assert codes(STEROIDS) == set()
    found = codes(with_(steroid_given=True))
    assert {"ae.steroid_drug.missing", "ae.steroid_start_date.missing", "ae.steroid_start_mg_per_day.missing"} <= found


@pytest.mark.parametrize(("dose", "expected"), [(Decimal("0"), True), (Decimal("0.1"), False)])
def test_starting_dose_is_above_0(dose, expected):
    assert ("ae.steroid_start_mg_per_day.not_positive" in codes(with_(STEROIDS, steroid_start_mg_per_day=dose))) is expected


@pytest.mark.parametrize(("dose", "expected"), [(Decimal("-0.1"), True), (Decimal("0"), False), (Decimal("80"), False)])
def test_current_dose_is_at_least_0_and_may_exceed_the_start(dose, expected):
    found = "ae.steroid_current_mg_per_day.negative" in codes(with_(STEROIDS, steroid_current_mg_per_day=dose))
    assert found is expected
    assert codes(with_(STEROIDS, steroid_current_mg_per_day=Decimal("80"))) == set()


@pytest.mark.parametrize(
    ("stop", "code", "expected"),
    [
        (date(2026, 3, 1), "ae.steroid_stop_date.before_start", True),
        (date(2026, 3, 2), "ae.steroid_stop_date.before_start", False),
        (TODAY, "ae.steroid_stop_date.future", False),
        (TODAY + DAY, "ae.steroid_stop_date.future", True),
    ],
)
def test_steroid_stop_date_between_start_and_today(stop, code, expected):
    assert (code in codes(with_(STEROIDS, steroid_stop_date=stop))) is expected


def test_steroid_start_not_in_the_future():
    assert "ae.steroid_start_date.future" in codes(with_(STEROIDS, steroid_start_date=TODAY + DAY))
    assert "ae.steroid_start_date.future" not in codes(with_(STEROIDS, steroid_start_date=TODAY))


def test_steroid_details_without_steroids_given_are_refused():
    assert "ae.steroid_given.missing" in codes(with_(steroid_drug="Prednisone"))
    assert "ae.steroid_given.missing" in codes(with_(steroid_current_mg_per_day=Decimal("0")))


# --- SAE report sent --------------------------------------------------------------------------------

AWARE = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sent", "codes_found"),
    [
        (AWARE - timedelta(seconds=1), ["ae.sae_report_sent_at.before_awareness"]),
        (AWARE, []),
        (NOW, []),
        (NOW + timedelta(seconds=1), ["ae.sae_report_sent_at.future"]),
        (None, ["ae.sae_report_sent_at.missing"]),
    ],
)
def test_report_sent_between_awareness_and_now(sent, codes_found):
    found = sae_report_sent_problems(serious=True, awareness_at=AWARE, sent_at=sent, now=NOW)
    assert [p.code for p in found] == codes_found


def test_report_sent_only_for_a_serious_event():
    found = sae_report_sent_problems(serious=False, awareness_at=None, sent_at=NOW, now=NOW)
    assert [p.code for p in found] == ["ae.sae_report_sent_at.not_serious"]


# --- helpers ----------------------------------------------------------------------------------------


def test_facts_from_values_ignore_other_keys_and_turn_none_text_blank():
    facts = AdverseEventFacts.from_values({"grade": 2, "irae_category": None, "participant": object()})
    assert facts.grade == 2 and facts.irae_category == ""


def test_problems_grouped_by_field():
    grouped = problems_by_field([Problem("a", "grade", "one"), Problem("b", "", "two"), Problem("c", "grade", "three")])
    assert grouped == {"grade": ["one", "three"], "": ["two"]}


@pytest.mark.parametrize(("term", "category"), [("Alanine aminotransferase increased", "hepatitis"),
                                                ("pneumonitis", "pneumonitis"), ("Nausea", "")])  # fmt: skip
def test_irae_category_suggested_from_the_term(term, category):
    assert suggest_irae_category(term) == category


@pytest.mark.parametrize(("grade", "words"), [(0, "Grade 0 (back to normal)"), (3, "Grade 3 (severe)"),
                                              (5, "Grade 5 (death)"), (None, "—")])  # fmt: skip
def test_grade_words(grade, words):
    assert grade_words(grade) == words
