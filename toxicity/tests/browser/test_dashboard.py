"""In Chromium: an investigator opens the toxicity dashboard, sees the safety table with the
cohort's numbers and both charts drawn by Chart.js (served offline), filters by attribution, and
opens a participant's AE timeline."""

import pytest
from django.utils import timezone

from core.tests.browser import log_in
from toxicity.tests.dashboard_fixtures import build_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_investigator_sees_the_safety_table_and_the_charts(page, coordinator, investigator, treatment_start):
    cohort = build_cohort(coordinator=coordinator, investigator=investigator, start=treatment_start, now=timezone.now())
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    log_in(page, investigator)
    page.goto("/safety/")
    page.get_by_role("heading", name="Toxicity dashboard").wait_for()

    diarrhea = page.get_by_test_id("safety-table-term-diarrhea")
    assert "2 (50.0 %)" in diarrhea.locator('[data-col="any"]').inner_text()
    assert "1 (25.0 %)" in diarrhea.locator('[data-col="g3"]').inner_text()
    assert "N = 4" in page.get_by_test_id("safety-population").inner_text()
    assert "discontinue — hepatitis grade 3" in page.get_by_test_id("hold-list").inner_text()

    for chart in ("chart-soc-grade", "chart-irae-onset"):
        canvas = page.get_by_test_id(chart)
        page.wait_for_selector(f'[data-testid="{chart}"][data-rendered="true"]')
        box = canvas.bounding_box()
        assert box["width"] > 100 and box["height"] > 100
    assert page.evaluate("typeof Chart") == "function"
    assert errors == []

    page.get_by_label("Attribution").select_option("toripalimab")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_text("AEs related to toripalimab").first.wait_for()
    assert "1 (25.0 %)" in page.get_by_test_id("safety-table-term-diarrhea").locator('[data-col="any"]').inner_text()

    b = cohort.participants["B"]
    page.get_by_test_id(f"sae-{cohort.aes['B_alt_3'].pk}").get_by_role("link", name=b.study_number).click()
    page.get_by_role("heading", name="Adverse events and doses").wait_for()
    assert page.get_by_test_id("timeline-svg").is_visible()
    assert "irAE" in page.get_by_test_id("ae-bar-2").inner_html()
