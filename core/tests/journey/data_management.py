"""Journey steps 17-21: the monitor raises a query, the nightly Celery tasks run, the coordinator's
worklist shows the day's work and she answers the query, the pages in Simplified Chinese, and the
data manager closes the query and downloads the study export, which is opened and read."""

import csv
import io
import re
import zipfile

from playwright.sync_api import expect

from core.tasks import refresh_worklist_snapshots
from enrollment.tasks import flag_visits_due

from .helpers import Journey, flash, main_nav, open_participant, participant_nav, worklist_line
from .safety import COLITIS_HOLD

M3_VISIT = "Follow-up 1 (month 3, major efficacy evaluation)"
QUERY_TEXT = "Source notes say the diarrhoea started on {date}: please check the onset date."


def monitor_raises_a_query_on_the_colitis_onset(journey: Journey) -> None:
    """On the participant's monitoring page the monitor opens the colitis record and queries its onset date."""
    page = journey.page
    journey.as_user(journey.monitor)
    open_participant(journey, journey.screening_number)
    participant_nav(page, "Monitoring").click()
    page.get_by_role("link", name=re.compile(r"^AE 2\b")).click()
    expect(page.get_by_test_id("record-fields")).to_contain_text("Colitis")
    raise_form = page.get_by_test_id("raise-query")
    raise_form.get_by_label("Field").select_option("onset_date")
    raise_form.get_by_label("Question").fill(QUERY_TEXT.format(date=f"{journey.day(48):%Y-%m-%d}"))
    raise_form.get_by_role("button", name="Raise the query").click()
    raised = re.compile(r"Query #(\d+) raised on ")
    flash(page, raised)
    # The query's number comes from the database's sequence (not 1 when other tests ran before).
    journey.query_label = f"Query #{raised.search(page.get_by_text(raised).first.inner_text()).group(1)}"
    expect(page.get_by_test_id("field-onset_date")).to_contain_text("Query")


def the_nightly_celery_tasks_run(journey: Journey) -> None:
    """What beat sends every night: the visit flags (06:00) and the worklist snapshots (after midnight).
    Run eagerly here, as every other test runs Celery."""
    counts = flag_visits_due.delay().get()
    assert counts["opened"] > 0, counts
    stored = refresh_worklist_snapshots.delay().get()
    assert stored > 0


def coordinator_works_through_her_worklist(journey: Journey) -> None:
    """The home page lists the overdue month 3 visit, the held toripalimab dose with its reason, the AEs
    awaiting sign-off and the query to answer; the participant's dashboard sums it up."""
    page = journey.page
    journey.as_user(journey.coordinator)
    visit = worklist_line(page, "coordinator", "visits_now", M3_VISIT)
    expect(visit).to_contain_text("Overdue")
    expect(visit).to_contain_text(journey.study_number)
    held = worklist_line(page, "coordinator", "doses_now", "Toripalimab Cycle 1, day 1 (consolidation)")
    expect(held).to_contain_text("Held")
    expect(held).to_contain_text(COLITIS_HOLD)
    signoff = page.get_by_test_id("coordinator-worklist").get_by_test_id("section-ae_signoff")
    expect(signoff.get_by_test_id("count")).to_have_text("2")
    expect(worklist_line(page, "coordinator", "queries", journey.query_label)).to_contain_text("Open")
    journey.shot("home-coordinator")

    open_participant(journey, journey.screening_number)
    expect(page.get_by_test_id("participant-status")).to_contain_text("On treatment")
    expect(page.get_by_test_id("panel-eligibility")).to_contain_text("Signed by Li Investigator")
    journey.shot("participant-dashboard")


def coordinator_answers_the_query(journey: Journey) -> None:
    """From the worklist she opens the query, looks at the highlighted field on the AE form, and answers."""
    page = journey.page
    main_nav(page, "Home").click()
    label = journey.query_label
    worklist_line(page, "coordinator", "queries", label).get_by_role("link", name=re.compile(rf"^{label}\b")).click()
    expect(page.get_by_test_id("query-text")).to_contain_text("please check the onset date")
    page.get_by_test_id("open-form").click()
    expect(page.get_by_test_id("query-highlight-message")).to_contain_text("please check the onset date")
    page.go_back()
    answer = page.get_by_test_id("step-answer")
    answer.get_by_label("Answer").fill(
        "Checked the source: mild loose stools from that date (grade 1); grade 2 diarrhoea with cramps "
        "from the recorded onset. The onset of the grade 2 colitis stays as recorded."
    )
    answer.get_by_role("button", name="Answer the query").click()
    flash(page, f"{journey.query_label} answered.")
    expect(page.locator('[data-testid="query-step"][data-action="answer"]')).to_contain_text("Chen Coordinator")
    journey.shot("query")


def coordinator_switches_to_simplified_chinese(journey: Journey) -> None:
    """The navbar's language switch: the calendar, the home page and the safety dashboard in 简体中文, then back."""
    page = journey.page
    open_participant(journey, journey.screening_number)
    participant_nav(page, "Treatment calendar").click()
    page.get_by_test_id("language-switch").get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="治疗日历")).to_be_visible()
    journey.shot("zh-treatment-calendar")
    page.get_by_role("link", name="eCRF", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chen Coordinator")
    journey.shot("zh-home-coordinator")
    page.locator('nav a[href="/safety/"]').click()
    expect(page.get_by_test_id("safety-population")).to_contain_text("N = 1")
    journey.shot("zh-toxicity-dashboard")
    page.get_by_test_id("language-switch").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Toxicity dashboard")).to_be_visible()


def data_manager_closes_the_query_and_downloads_the_export(journey: Journey) -> None:
    """The answered query awaits closure on her home page; then *Export*, *Start export*, *Download ZIP*:
    the ZIP opens and its SDTM AE domain lists both adverse events of TC-001."""
    page = journey.page
    journey.as_user(journey.data_manager)
    line = page.get_by_test_id("overview").get_by_test_id("section-queries_answered").get_by_test_id("worklist-line")
    expect(line).to_contain_text(journey.query_label)
    line.get_by_role("link", name=re.compile(rf"^{journey.query_label}\b")).click()
    close = page.get_by_test_id("step-close")
    close.get_by_label("Why it is closed").fill("Answer checked against the source notes: onset confirmed.")
    close.get_by_role("button", name="Close the query").click()
    flash(page, f"{journey.query_label} closed.")

    main_nav(page, "Export").click()
    expect(page.get_by_role("heading", name="Study export")).to_be_visible()
    page.get_by_role("button", name="Start export").click()
    flash(page, re.compile(r"Export #\d+ \(.*\) requested"))
    row = page.locator("tr[data-export-job]").first
    download_link = row.get_by_role("link", name="Download ZIP")
    expect(download_link).to_be_visible()
    expect(row.locator('[data-role="status"]')).to_have_text("Done")
    journey.shot("export")
    with page.expect_download() as download:
        download_link.click()
    saved = journey.downloads / "study-export.zip"
    download.value.save_as(saved)

    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
        assert "sdtm/AE.csv" in names and "forms/toxicity_adverseevent.csv" in names, names
        with archive.open("sdtm/AE.csv") as raw:
            rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig")))
    by_term = {row["AEDECOD"]: row for row in rows}
    assert set(by_term) == {"Neutrophil count decreased", "Colitis"}, rows
    colitis = by_term["Colitis"]
    assert colitis["USUBJID"] == "NCT05084677-TC-001"
    assert (colitis["AETOXGR"], colitis["AEIR"], colitis["AESTDTC"]) == ("2", "Y", f"{journey.day(50):%Y-%m-%d}")
    assert by_term["Neutrophil count decreased"]["AETOXGR"] == "4"
