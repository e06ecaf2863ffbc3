"""Progression and follow-up consistency (PROTOCOL §5: OS from diagnosis to death; PFS from
diagnosis to progression at any site or death): every limit day allowed, the day beyond refused."""

import datetime

import pytest

from efficacy.rules import follow_up as rules

D = datetime.date
DIAGNOSIS = D(2026, 1, 10)
ENROLMENT = D(2026, 2, 1)
TODAY = D(2026, 9, 1)


def _codes(problems) -> set[str]:
    return {problem.code for problem in problems}


def _progression(day, **overrides):
    values = {
        "progression_date": day,
        "diagnosis_date": DIAGNOSIS,
        "enrolment_date": ENROLMENT,
        "death_date": None,
        "last_progression_free_date": None,
        "other_progression_dates": (),
        "today": TODAY,
    }
    values.update(overrides)
    return _codes(rules.progression_problems(**values))


# --- progressions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "overrides", "code", "refused"),
    [
        (TODAY, {}, "progression.date.future", False),
        (TODAY + datetime.timedelta(days=1), {}, "progression.date.future", True),
        (ENROLMENT, {}, "progression.date.before_enrolment", False),
        (ENROLMENT - datetime.timedelta(days=1), {}, "progression.date.before_enrolment", True),
        (DIAGNOSIS, {"enrolment_date": None}, "progression.date.before_diagnosis", False),
        (DIAGNOSIS - datetime.timedelta(days=1), {"enrolment_date": None}, "progression.date.before_diagnosis", True),
        (D(2026, 6, 1), {"death_date": D(2026, 6, 1)}, "progression.date.after_death", False),
        (D(2026, 6, 2), {"death_date": D(2026, 6, 1)}, "progression.date.after_death", True),
        (D(2026, 5, 1), {"last_progression_free_date": D(2026, 5, 1)}, "progression.date.before_progression_free", False),
        (D(2026, 4, 30), {"last_progression_free_date": D(2026, 5, 1)}, "progression.date.before_progression_free", True),
        (D(2026, 5, 2), {"other_progression_dates": (D(2026, 5, 1), D(2026, 5, 3))}, "progression.date.duplicate", False),
        (D(2026, 5, 3), {"other_progression_dates": (D(2026, 5, 1), D(2026, 5, 3))}, "progression.date.duplicate", True),
    ],
)
def test_progression_date_limits(day, overrides, code, refused):
    assert (code in _progression(day, **overrides)) is refused


def test_progression_within_every_limit_is_accepted():
    assert _progression(
        D(2026, 5, 1), death_date=D(2026, 8, 1), last_progression_free_date=D(2026, 4, 1),
        other_progression_dates=(D(2026, 7, 1),),
    ) == set()  # fmt: skip


def test_progression_before_diagnosis_is_also_before_enrolment():
    assert _progression(DIAGNOSIS - datetime.timedelta(days=1)) == {
        "progression.date.before_diagnosis", "progression.date.before_enrolment",
    }  # fmt: skip


def test_unknown_diagnosis_and_enrolment_dates_do_not_refuse():
    assert _progression(D(2020, 1, 1), diagnosis_date=None, enrolment_date=None) == set()


def test_progression_problems_name_the_date_field():
    problems = rules.progression_problems(
        progression_date=TODAY + datetime.timedelta(days=1), diagnosis_date=None, enrolment_date=None,
        death_date=None, last_progression_free_date=None, other_progression_dates=(), today=TODAY,
    )  # fmt: skip
    assert [(problem.field, problem.code) for problem in problems] == [("progression_date", "progression.date.future")]
    assert "in the future" in problems[0].message


@pytest.mark.parametrize(
    ("is_follow_up", "computed", "confirmed", "expected"),
    [
        (True, "PD", None, set()),
        (True, "SD", "PD", set()),
        (True, "PD", "SD", set()),  # either the computed or the confirmed response shows it
        (True, "SD", None, {"progression.assessment.not_pd"}),
        (True, "PR", "PR", {"progression.assessment.not_pd"}),
        (False, "", None, {"progression.assessment.not_follow_up"}),
    ],
)
def test_linked_assessment_must_be_a_follow_up_showing_pd(is_follow_up, computed, confirmed, expected):
    linked = rules.LinkedAssessment(D(2026, 5, 1), is_follow_up, computed, confirmed)
    assert _progression(D(2026, 5, 1), assessment=linked) == expected


# --- follow-up status ---------------------------------------------------------------------------


def _follow_up(**values) -> set[str]:
    facts = rules.FollowUpFacts(**{"enrolment_date": ENROLMENT, "diagnosis_date": DIAGNOSIS, **values})
    return _codes(rules.follow_up_problems(facts, today=TODAY))


def _day(offset: int, base: datetime.date) -> datetime.date:
    return base + datetime.timedelta(days=offset)


DEATH = {"death_cause": "disease"}


@pytest.mark.parametrize(
    ("values", "code", "refused"),
    [
        ({"last_known_alive_date": TODAY}, "follow_up.last_known_alive_date.future", False),
        ({"last_known_alive_date": _day(1, TODAY)}, "follow_up.last_known_alive_date.future", True),
        ({"last_known_alive_date": ENROLMENT}, "follow_up.last_known_alive_date.before_enrolment", False),
        ({"last_known_alive_date": _day(-1, ENROLMENT)}, "follow_up.last_known_alive_date.before_enrolment", True),
        ({"death_date": TODAY, **DEATH}, "follow_up.death_date.future", False),
        ({"death_date": _day(1, TODAY), **DEATH}, "follow_up.death_date.future", True),
        ({"death_date": ENROLMENT, **DEATH}, "follow_up.death_date.before_enrolment", False),
        ({"death_date": _day(-1, ENROLMENT), **DEATH}, "follow_up.death_date.before_enrolment", True),
        ({"death_date": D(2026, 6, 1), "progression_dates": (D(2026, 3, 1), D(2026, 6, 1)), **DEATH},
         "follow_up.death_date.before_progression", False),
        ({"death_date": D(2026, 5, 31), "progression_dates": (D(2026, 3, 1), D(2026, 6, 1)), **DEATH},
         "follow_up.death_date.before_progression", True),
        ({"last_progression_free_date": D(2026, 3, 1), "progression_dates": (D(2026, 3, 1), D(2026, 2, 10))},
         "follow_up.last_progression_free_date.after_progression", True),
        ({"last_progression_free_date": D(2026, 2, 10), "progression_dates": (D(2026, 3, 1), D(2026, 2, 10))},
         "follow_up.last_progression_free_date.after_progression", False),
        ({"last_progression_free_date": D(2026, 4, 1), "last_known_alive_date": D(2026, 4, 1)},
         "follow_up.last_progression_free_date.after_alive", False),
        ({"last_progression_free_date": D(2026, 4, 2), "last_known_alive_date": D(2026, 4, 1)},
         "follow_up.last_progression_free_date.after_alive", True),
        ({"last_progression_free_date": D(2026, 4, 2), "last_known_alive_date": D(2026, 8, 1),
          "death_date": D(2026, 4, 1), **DEATH}, "follow_up.last_progression_free_date.after_alive", True),
        ({"last_progression_free_date": TODAY}, "follow_up.last_progression_free_date.future", False),
        ({"last_progression_free_date": _day(1, TODAY)}, "follow_up.last_progression_free_date.future", True),
        ({"last_progression_free_date": DIAGNOSIS}, "follow_up.last_progression_free_date.before_diagnosis", False),
        ({"last_progression_free_date": _day(-1, DIAGNOSIS)}, "follow_up.last_progression_free_date.before_diagnosis",
         True),
        ({"off_study_date": TODAY, "off_study_reason": "lost"}, "follow_up.off_study_date.future", False),
        ({"off_study_date": _day(1, TODAY), "off_study_reason": "lost"}, "follow_up.off_study_date.future", True),
        ({"off_study_date": ENROLMENT, "off_study_reason": "lost"}, "follow_up.off_study_date.before_enrolment", False),
        ({"off_study_date": _day(-1, ENROLMENT), "off_study_reason": "lost"},
         "follow_up.off_study_date.before_enrolment", True),
        ({"off_study_date": D(2026, 6, 1), "off_study_reason": "lost", "death_date": D(2026, 6, 1), **DEATH},
         "follow_up.off_study_date.after_death", False),
        ({"off_study_date": D(2026, 6, 2), "off_study_reason": "lost", "death_date": D(2026, 6, 1), **DEATH},
         "follow_up.off_study_date.after_death", True),
    ],
)  # fmt: skip
def test_follow_up_date_limits(values, code, refused):
    assert (code in _follow_up(**values)) is refused


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"death_date": D(2026, 6, 1)}, {"follow_up.death_cause.missing"}),
        ({"death_date": D(2026, 6, 1), "death_cause": "unknown"}, set()),
        ({"death_date": D(2026, 6, 1), "death_cause": "other"}, {"follow_up.death_cause_detail.missing"}),
        ({"death_date": D(2026, 6, 1), "death_cause": "other", "death_cause_detail": "   "},
         {"follow_up.death_cause_detail.missing"}),
        ({"death_date": D(2026, 6, 1), "death_cause": "other", "death_cause_detail": "Road accident"}, set()),
        ({"death_cause": "disease"}, {"follow_up.death_date.missing"}),
        ({"death_cause_detail": "Sepsis"}, {"follow_up.death_date.missing"}),
    ],
)  # fmt: skip
def test_a_death_needs_its_date_and_its_cause(values, expected):
    assert _follow_up(**values) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"off_study_date": D(2026, 6, 1)}, {"follow_up.off_study_reason.missing"}),
        ({"off_study_reason": "lost"}, {"follow_up.off_study_date.missing"}),
        ({"off_study_date": D(2026, 6, 1), "off_study_reason": "lost"}, set()),
        ({"off_study_date": D(2026, 6, 1), "off_study_reason": "other"}, {"follow_up.off_study_detail.missing"}),
        ({"off_study_date": D(2026, 6, 1), "off_study_reason": "other", "off_study_detail": "Moved abroad"}, set()),
    ],
)  # fmt: skip
def test_off_study_date_and_reason_go_together(values, expected):
    assert _follow_up(**values) == expected


def test_last_known_alive_after_a_death_is_not_refused_because_it_becomes_the_date_of_death():
    assert _follow_up(last_known_alive_date=_day(30, TODAY), death_date=D(2026, 6, 1), death_cause="disease") == set()
    assert rules.last_known_alive(entered=D(2026, 8, 1), death_date=D(2026, 6, 1)) == D(2026, 6, 1)
    assert rules.last_known_alive(entered=D(2026, 8, 1), death_date=None) == D(2026, 8, 1)
    assert rules.last_known_alive(entered=None, death_date=None) is None


def test_follow_up_problems_carry_the_field_they_belong_to():
    facts = rules.FollowUpFacts(enrolment_date=ENROLMENT, death_date=D(2026, 6, 1), off_study_reason="lost")
    assert {(p.field, p.code) for p in rules.follow_up_problems(facts, today=TODAY)} == {
        ("death_cause", "follow_up.death_cause.missing"),
        ("off_study_date", "follow_up.off_study_date.missing"),
    }


# --- status steps -------------------------------------------------------------------------------


def _history(*entries):
    return [rules.StatusEntry(status, day) for status, day in entries]


ON_FOLLOW_UP = _history(("screening", D(2026, 1, 20)), ("enrolled", ENROLMENT), ("follow_up", D(2026, 5, 1)))


def test_death_and_off_study_move_the_status_off_study_first():
    steps, problems = rules.status_steps(
        current_status="follow_up", history=ON_FOLLOW_UP, off_study_date=D(2026, 6, 1), death_date=D(2026, 7, 1)
    )
    assert problems == []
    assert steps == [
        rules.StatusStep(rules.CHANGE, "off_study", D(2026, 6, 1)),
        rules.StatusStep(rules.CHANGE, "died", D(2026, 7, 1)),
    ]


def test_no_dates_change_nothing():
    assert rules.status_steps(
        current_status="follow_up", history=ON_FOLLOW_UP, off_study_date=None, death_date=None
    ) == ([], [])


def test_same_dates_as_the_history_change_nothing():
    history = ON_FOLLOW_UP + _history(("off_study", D(2026, 6, 1)), ("died", D(2026, 7, 1)))
    assert rules.status_steps(
        current_status="died", history=history, off_study_date=D(2026, 6, 1), death_date=D(2026, 7, 1)
    ) == ([], [])


def test_a_different_date_corrects_the_history():
    history = ON_FOLLOW_UP + _history(("off_study", D(2026, 6, 1)), ("died", D(2026, 7, 1)))
    steps, problems = rules.status_steps(
        current_status="died", history=history, off_study_date=D(2026, 6, 3), death_date=D(2026, 7, 2)
    )
    assert problems == []
    assert steps == [
        rules.StatusStep(rules.CORRECT, "off_study", D(2026, 6, 3)),
        rules.StatusStep(rules.CORRECT, "died", D(2026, 7, 2)),
    ]


def test_an_off_study_date_after_a_death_already_recorded_is_stored_without_status_change():
    history = ON_FOLLOW_UP + _history(("died", D(2026, 7, 1)))
    assert rules.status_steps(
        current_status="died", history=history, off_study_date=D(2026, 7, 1), death_date=D(2026, 7, 1)
    ) == ([], [])


@pytest.mark.parametrize(
    ("current", "history", "off", "death", "code"),
    [
        ("died", ON_FOLLOW_UP + _history(("died", D(2026, 7, 1))), None, None, "follow_up.death_date.status_died"),
        ("off_study", ON_FOLLOW_UP + _history(("off_study", D(2026, 6, 1))), None, None,
         "follow_up.off_study_date.status_off_study"),
        ("died", ON_FOLLOW_UP + _history(("off_study", D(2026, 6, 1)), ("died", D(2026, 7, 1))), None,
         D(2026, 7, 1), "follow_up.off_study_date.status_off_study"),
    ],
)  # fmt: skip
def test_a_death_or_off_study_in_the_history_cannot_be_removed(current, history, off, death, code):
    steps, problems = rules.status_steps(current_status=current, history=history, off_study_date=off, death_date=death)
    assert code in _codes(problems)


# --- warnings -----------------------------------------------------------------------------------


def _warnings(**values) -> set[str]:
    facts = rules.OutcomeFacts(
        **{"status": "follow_up", "status_date": D(2026, 5, 1), "diagnosis_date": DIAGNOSIS,
           "last_known_alive_date": D(2026, 8, 1), **values}
    )  # fmt: skip
    return {warning.code for warning in rules.outcome_warnings(facts)}


def test_complete_consistent_data_has_no_warning():
    assert _warnings(
        progressions=(rules.ProgressionLink(D(2026, 6, 1), D(2026, 6, 1), True),),
        pd_assessment_dates=(D(2026, 6, 1),),
    ) == set()


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"diagnosis_date": None}, "outcome.diagnosis_date.missing"),
        ({"status": "died"}, "outcome.status.died_without_death_date"),
        ({"status": "off_study"}, "outcome.status.off_study_without_date"),
        ({"last_known_alive_date": None}, "outcome.last_known_alive.missing"),
        ({"last_known_alive_date": D(2026, 5, 31), "progressions": (rules.ProgressionLink(D(2026, 6, 1)),)},
         "outcome.last_known_alive.before_progression"),
        ({"pd_assessment_dates": (D(2026, 6, 1),)}, "outcome.assessment.pd_without_progression"),
        ({"pd_assessment_dates": (D(2026, 5, 31),), "progressions": (rules.ProgressionLink(D(2026, 6, 1)),)},
         "outcome.assessment.pd_without_progression"),
        ({"progressions": (rules.ProgressionLink(D(2026, 6, 1), D(2026, 6, 1), False),)},
         "outcome.progression.assessment_not_pd"),
        ({"death_date": D(2026, 7, 1), "death_cause": "treatment",
          "fatal_adverse_events": (rules.FatalAdverseEvent(3, D(2026, 6, 30)),)}, "outcome.ae.death_date_differs"),
        ({"fatal_adverse_events": (rules.FatalAdverseEvent(3, D(2026, 6, 30)),)}, "outcome.ae.fatal_without_death"),
        ({"death_date": D(2026, 7, 1), "death_cause": "treatment"}, "outcome.ae.treatment_death_without_fatal_ae"),
    ],
)  # fmt: skip
def test_inconsistencies_are_warned_about(values, code):
    assert code in _warnings(**values)


@pytest.mark.parametrize(
    "values",
    [
        {"last_known_alive_date": D(2026, 6, 1), "progressions": (rules.ProgressionLink(D(2026, 6, 1)),)},
        {"pd_assessment_dates": (D(2026, 6, 1),), "progressions": (rules.ProgressionLink(D(2026, 6, 1)),)},
        {"death_date": D(2026, 7, 1), "death_cause": "treatment",
         "fatal_adverse_events": (rules.FatalAdverseEvent(3, D(2026, 7, 1)),)},
        {"death_date": D(2026, 7, 1), "death_cause": "disease", "last_known_alive_date": None},
        {"status": "died", "death_date": D(2026, 7, 1), "death_cause": "disease"},
    ],
)  # fmt: skip
def test_consistent_limits_are_not_warned_about(values):
    assert _warnings(**values) == set()


@pytest.mark.parametrize(
    ("computed", "confirmed", "expected"), [("PD", None, "PD"), ("PD", "SD", "SD"), ("SD", "PD", "PD"), ("", None, "")]
)
def test_the_confirmed_response_counts_over_the_computed_one(computed, confirmed, expected):
    assert rules.effective_response(computed, confirmed) == expected
