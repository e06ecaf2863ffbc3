"""Journey steps 13-15: RECIST 1.1 baseline and two follow-ups four weeks apart (a 35 % then 40 %
shrinkage: PR), the investigator's confirmations, the Simon monitor and the survival report
(PROTOCOL §5)."""

import datetime

from playwright.sync_api import expect

from core.tests.factories import TEST_PASSWORD
from efficacy.models import ResponseConfirmation

from .helpers import Journey, flash, main_nav, participant_nav

# Imaging days of the two follow-ups: the end of chemoradiotherapy, then the month 3 evaluation,
# at least 4 weeks later as RECIST 1.1 asks to confirm a PR in a single-arm trial.
FOLLOW_UPS = ((63, "32.5", "-35.0%"), (92, "30", "-40.0%"))


def _follow_up_row(page, on: datetime.date):
    return page.get_by_test_id(f"follow-up-{on:%Y-%m-%d}")


def coordinator_records_the_recist_assessments(journey: Journey) -> None:
    """Baseline MRI before treatment (cervix 50 mm), then follow-ups at 32.5 mm and 30 mm: PR as she types."""
    page = journey.page
    participant_nav(page, "Tumour assessments").click()
    page.get_by_role("link", name="Record baseline").click()
    expect(page.get_by_role("heading", name="Record the baseline tumour assessment")).to_be_visible()
    page.get_by_label("Imaging date").fill((journey.start - datetime.timedelta(days=8)).isoformat())
    page.get_by_label("Imaging method").select_option("mri")
    page.get_by_label("Nodal status at baseline").select_option("none")
    page.get_by_label("Target lesion 1: Organ", exact=True).fill("cervix")
    page.get_by_label("Target lesion 1: Diameter (mm)", exact=True).fill("50")
    page.get_by_role("button", name="Save baseline").click()
    flash(page, "saved.")
    expect(page.get_by_test_id("baseline-sum")).to_have_text("50.0 mm")

    for day, diameter, change in FOLLOW_UPS:
        on = journey.day(day)
        page.get_by_role("link", name="Record follow-up").click()
        expect(page.get_by_role("heading", name="Record a follow-up tumour assessment")).to_be_visible()
        page.get_by_label("Imaging date").fill(on.isoformat())
        page.get_by_label("Imaging method").select_option("mri")
        page.get_by_label("T1 diameter (mm)").fill(diameter)
        expect(page.get_by_test_id("computed-change-baseline")).to_have_text(change)  # before saving
        expect(page.get_by_test_id("computed-overall")).to_contain_text("PR")
        page.get_by_role("button", name="Save follow-up").click()
        flash(page, "overall response PR (computed)")
        expect(_follow_up_row(page, on)).to_contain_text("Awaiting investigator confirmation")


def investigator_confirms_the_partial_response(journey: Journey) -> None:
    """She confirms both PRs with her password; the best overall response is a confirmed PR."""
    page = journey.page
    participant_nav(page, "Tumour assessments").click()
    for day, _diameter, change in FOLLOW_UPS:
        row = _follow_up_row(page, journey.day(day))
        expect(row).to_contain_text(change)
        row.get_by_role("link", name="Confirm the response").click()
        expect(page.get_by_role("heading", name="Confirm the overall response")).to_be_visible()
        expect(page.get_by_label("PR (partial response)")).to_be_checked()
        page.get_by_label(ResponseConfirmation.MEANING).check()
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Confirm response").click()
        flash(page, "PR confirmed for the assessment")
        confirmation = _follow_up_row(page, journey.day(day)).get_by_test_id("confirmation")
        expect(confirmation).to_contain_text("PR confirmed")
        expect(confirmation).to_contain_text("Li Investigator")
    best = page.get_by_test_id("best-response")
    expect(best).to_contain_text("PR")
    expect(best.get_by_test_id("response-pending")).to_have_count(0)  # the second scan confirmed it
    journey.shot("tumour-assessment")


def investigator_reads_the_simon_monitor(journey: Journey) -> None:
    """Stage 1 is open: 1 responder among 1 evaluable of the first 27 (20 needed to continue)."""
    page = journey.page
    main_nav(page, "Simon monitor").click()
    stage1 = page.get_by_test_id("decision-stage1")
    expect(stage1).to_contain_text("20 of the first 27 needed to continue")
    expect(stage1.get_by_test_id("decision-message")).to_contain_text("1 responder among 1 evaluable")
    expect(page.get_by_test_id("orr")).to_contain_text("ORR 1/1 = 100.0%")
    expect(page.get_by_test_id(f"evaluable-{journey.study_number}").get_by_test_id("responder")).to_have_text("Yes")
    expect(page.get_by_test_id("responses-pending")).to_contain_text("0 participants")
    journey.shot("simon")


def investigator_reads_the_survival_report(journey: Journey) -> None:
    """PFS and OS count from the diagnosis date; the confirmed PR is in the outcomes table."""
    page = journey.page
    main_nav(page, "Survival").click()
    expect(page.get_by_role("heading", name="Survival report")).to_be_visible()
    expect(page.get_by_test_id("report-summary")).to_contain_text(f"Data cut-off {journey.today:%Y-%m-%d}.")
    expect(page.get_by_test_id("response-table")).to_contain_text("PR")
    journey.shot("survival")
