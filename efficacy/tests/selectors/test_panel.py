"""The dashboard's tumour-response panel says what is recorded, in words."""

import datetime

import pytest

from efficacy.selectors.panel import response_panel_lines
from efficacy.tests import factories

START = datetime.date(2026, 1, 5)


@pytest.mark.django_db
def test_panel_lines_for_a_pr_awaiting_its_confirming_scan(coordinator, investigator):
    participant = factories.treated_participant(coordinator=coordinator, investigator=investigator, treatment_start=START)
    factories.baseline(participant, on=START - datetime.timedelta(days=7), non_targets=1)
    factories.follow_up(participant, on=START + datetime.timedelta(days=90), response="PR", confirmed_by=investigator)

    lines = response_panel_lines(participant)

    assert lines[0] == "Baseline 2025-12-29: 1 target and 1 non-target lesion(s)"
    assert lines[1] == "Last assessment 2026-04-05: PR (confirmed PR by the investigator)"
    assert lines[2].startswith("Best overall response so far: SD (stable disease); PR awaits a confirming scan")


@pytest.mark.django_db
def test_a_pd_without_its_progression_form_is_pointed_out(coordinator, investigator):
    participant = factories.treated_participant(coordinator=coordinator, investigator=investigator, treatment_start=START)
    factories.baseline(participant, on=START - datetime.timedelta(days=7))
    factories.follow_up(participant, on=START + datetime.timedelta(days=90), response="PD", confirmed_by=investigator)

    assert "PD on 2026-04-05: record the progression on the follow-up page" in response_panel_lines(participant)


@pytest.mark.django_db
def test_nothing_recorded_gives_no_lines(participant):
    assert response_panel_lines(participant) == []
