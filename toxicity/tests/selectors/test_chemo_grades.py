"""The worst grade per CTCAE term over a window, from lab values and adverse events (what the
chemotherapy toxicity review is pre-filled with)."""

import datetime

import pytest

from toxicity.selectors.chemo_grades import febrile_neutropenia_in_window, worst_grades_since
from toxicity.services.labs import lab_panel_record
from toxicity.tests.labs_fixtures import adverse_event, lab_values

pytestmark = pytest.mark.django_db

ANC = "Neutrophil count decreased"
PLT = "Platelet count decreased"


@pytest.fixture
def window(treatment_start):
    """[day 22, day 42] of treatment."""
    return treatment_start + datetime.timedelta(days=21), treatment_start + datetime.timedelta(days=41)


def panel(participant, user, on, **entries):
    return lab_panel_record(participant=participant, user=user, collected_on=on, values=lab_values(**entries))


def grades(participant, window):
    since, until = window
    return worst_grades_since(participant, since=since, until=until)


def test_lab_values_in_the_window_give_the_worst_grade_per_term(enrolled, coordinator, window):
    since, until = window
    panel(enrolled, coordinator, since, anc=(1.2, 1.8, 6.3), plt=(100, 125, 350), hgb=(12, 11.5, 15))  # ANC 2, PLT 1
    panel(enrolled, coordinator, until, anc=(0.4, 1.8, 6.3), plt=(130, 125, 350), tsh=(9, 0.27, 4.2))  # ANC 4, PLT 0
    assert grades(enrolled, window) == {ANC: 4, PLT: 1, "Anemia": 0}


def test_lab_values_outside_the_window_are_left_out(enrolled, coordinator, window):
    since, until = window
    panel(enrolled, coordinator, since - datetime.timedelta(days=1), anc=(0.3, 1.8, 6.3))
    panel(enrolled, coordinator, until + datetime.timedelta(days=1), plt=(10, 125, 350))
    assert grades(enrolled, window) == {}


def test_adverse_events_overlapping_the_window_count_with_their_worst_grade(enrolled, coordinator, window):
    since, until = window
    adverse_event(enrolled, coordinator, term="Diarrhea", grade=3, onset=since - datetime.timedelta(days=10))  # ongoing
    adverse_event(enrolled, coordinator, term="Nausea", grade=2, onset=since - datetime.timedelta(days=10),
                  resolved=since)  # resolved on the first day of the window
    adverse_event(enrolled, coordinator, term="Fatigue", grade=1, onset=until)  # starts on the last day
    assert grades(enrolled, window) == {"Diarrhea": 3, "Nausea": 2, "Fatigue": 1}


def test_adverse_events_outside_the_window_are_left_out(enrolled, coordinator, window):
    since, until = window
    adverse_event(enrolled, coordinator, term="Nausea", grade=3, onset=since - datetime.timedelta(days=10),
                  resolved=since - datetime.timedelta(days=1))
    adverse_event(enrolled, coordinator, term="Diarrhea", grade=4, onset=until + datetime.timedelta(days=1))
    assert grades(enrolled, window) == {}


def test_the_worse_of_lab_value_and_adverse_event_wins(enrolled, coordinator, window):
    since, until = window
    panel(enrolled, coordinator, since, anc=(0.8, 1.8, 6.3), plt=(20, 125, 350))  # ANC 3, PLT 4
    adverse_event(enrolled, coordinator, term=ANC, grade=4, onset=since)
    adverse_event(enrolled, coordinator, term=PLT, grade=2, onset=since)
    assert grades(enrolled, window) == {ANC: 4, PLT: 4}


def test_another_participants_data_is_left_out(enrolled, coordinator, investigator, window, treatment_start):
    from dosing.tests.factories import participant_enrolled

    other = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=treatment_start)
    panel(other, coordinator, window[0], anc=(0.3, 1.8, 6.3))
    adverse_event(other, coordinator, term="Febrile neutropenia", grade=3, onset=window[0])
    assert grades(enrolled, window) == {}
    assert not febrile_neutropenia_in_window(enrolled, since=window[0], until=window[1])


def test_febrile_neutropenia_in_the_window(enrolled, coordinator, window):
    since, until = window
    assert not febrile_neutropenia_in_window(enrolled, since=since, until=until)
    adverse_event(enrolled, coordinator, term="Febrile neutropenia", grade=3, onset=since - datetime.timedelta(days=3),
                  resolved=since - datetime.timedelta(days=1))
    assert not febrile_neutropenia_in_window(enrolled, since=since, until=until)
    adverse_event(enrolled, coordinator, term="Febrile neutropenia", grade=3, onset=until)
    assert febrile_neutropenia_in_window(enrolled, since=since, until=until)
    assert grades(enrolled, window) == {"Febrile neutropenia": 3}
