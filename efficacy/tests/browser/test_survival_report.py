"""In Chromium: a data manager opens the survival report at a cut-off, sees the PFS and OS
Kaplan-Meier curves drawn by Chart.js (served offline) with their tables, and compares by nodal
status."""

import pytest

from core.tests.browser import log_in
from efficacy.tests.selectors.test_survival import CUTOFF, build_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_data_manager_sees_the_curves_and_compares_by_nodal_status(page, coordinator, investigator, data_manager):
    build_cohort(coordinator=coordinator, investigator=investigator)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    log_in(page, data_manager)
    page.goto(f"/efficacy/survival/?cutoff={CUTOFF.isoformat()}")
    page.get_by_role("heading", name="Survival report").wait_for()
    for chart in ("chart-pfs", "chart-os"):
        page.wait_for_selector(f'[data-testid="{chart}"][data-rendered="true"]')
        box = page.get_by_test_id(chart).bounding_box()
        assert box["width"] > 100 and box["height"] > 100
    assert page.evaluate("typeof Chart") == "function"
    assert page.get_by_test_id("pfs-n").inner_text() == "7"

    page.get_by_label("Compare by").select_option("node_status")
    page.get_by_role("button", name="Show report").click()
    page.wait_for_selector('[data-testid="chart-os-groups"][data-rendered="true"]')
    assert "Pelvic nodes" in page.get_by_test_id("os-comparison").inner_text()
    assert "Log-rank p =" in page.get_by_test_id("os-logrank").inner_text()
    assert errors == []
