"""In Chromium: a coordinator enters ALT 6 x ULN in a lab panel, sees grade 3 as she types (before
saving), saves, and sees the proposed adverse event with "Record as adverse event"."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tests.browser import log_in
from dosing.tests.factories import participant_enrolled
from toxicity.models import AeProposal, LabResult

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_alt_six_times_uln_shows_grade_3_live_and_proposes_an_adverse_event(page, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")
    investigator = make_user("Investigator")
    start = timezone.localdate() - datetime.timedelta(days=20)
    participant = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)

    log_in(page, coordinator)
    page.goto(reverse("toxicity:lab_list", args=[participant.pk]))
    page.get_by_role("link", name="Record lab panel").click()
    page.get_by_role("heading", name="Record a lab panel").wait_for()

    page.get_by_label("Date collected").fill(timezone.localdate().isoformat())
    page.get_by_label("ALT ULN").fill("40")
    page.get_by_label("ALT value").fill("240")
    badge = page.get_by_test_id("grade-alt")
    badge.filter(has_text="Grade 3").wait_for()
    assert badge.inner_text().strip() == "Grade 3 — ALT >5.0 - 20.0 x ULN"
    assert not LabResult.objects.exists()  # graded before saving

    page.get_by_label("Haemoglobin value").fill("12.4")
    page.get_by_test_id("grade-hgb").filter(has_text="Grade 0").wait_for()

    page.get_by_role("button", name="Save lab panel").click()
    page.get_by_text("Lab panel saved and graded.").wait_for()
    row = page.get_by_test_id("result-alt")
    assert "Grade 3" in row.inner_text()
    assert "Adverse event proposed" in row.inner_text()
    link = row.get_by_role("link", name="Record as adverse event")
    alt = LabResult.objects.get(analyte="alt")
    assert link.get_attribute("href") == reverse("toxicity:ae_create", args=[participant.pk]) + f"?lab_result={alt.pk}"
    assert row.get_by_role("link", name="Dismiss").is_visible()
    assert alt.grade == 3 and alt.ae_proposal == AeProposal.PROPOSED
