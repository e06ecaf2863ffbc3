"""Journey steps 5-10: the treatment calendar, weekly cisplatin and toripalimab, a lab panel whose
grade 4 neutropenia delays week 3 and, through the toxicity review and the investigator's decision,
reduces the next chemotherapy dose to 80 %, and radiotherapy with brachytherapy and its EQD2
(PROTOCOL §2, §3)."""

import datetime
import re

from playwright.sync_api import expect

from .helpers import Journey, flash, open_participant, participant_nav, worklist_line

# Keys of the calendar rows: agent-phase-cycle-day.
CIS = "cisplatin-ccrt-{}-1"
TORI_CCRT = "toripalimab-ccrt-{}-1"


def _row(page, key: str):
    return page.get_by_test_id(f"dose-{key}")


def _open_calendar(journey: Journey) -> None:
    page = journey.page
    participant_nav(page, "Treatment calendar").click()
    expect(page.get_by_role("heading", name="Treatment calendar", exact=True)).to_be_visible()


def _record_dose(journey: Journey, key: str, *, calculated: str | re.Pattern, lot: str = "", shot: str = "") -> None:
    """*Record* on the calendar row; the date given and the dose are pre-filled with the due date and
    the calculated dose, which the nurse gave."""
    page = journey.page
    _row(page, key).get_by_role("link", name="Record").click()
    expect(page.get_by_test_id("calculated-dose")).to_have_text(calculated)
    if lot:
        page.get_by_label("Lot number").fill(lot)
    if shot:
        journey.shot(shot)
        journey.tablet_shot(f"{shot}-tablet")
    page.get_by_role("button", name="Save dose").click()
    flash(page, "Dose recorded.")
    expect(_row(page, key).locator(".state-badge")).to_have_text("Given")


def _record_lab_panel(journey: Journey, *, on: datetime.date, values: dict[str, str], grades: dict[str, str],
                      shot: str = "") -> None:  # fmt: skip
    """*Labs* → *Record lab panel*: each value's CTCAE grade appears as it is typed, before saving."""
    page = journey.page
    participant_nav(page, "Labs").click()
    page.get_by_role("link", name="Record lab panel").click()
    expect(page.get_by_role("heading", name="Record a lab panel")).to_be_visible()
    page.get_by_label("Date collected").fill(on.isoformat())
    for label, value in values.items():
        page.get_by_label(f"{label} value", exact=True).fill(value)
    for code, grade in grades.items():
        expect(page.get_by_test_id(f"grade-{code}")).to_contain_text(grade)
    if shot:
        journey.shot(shot)
    page.get_by_role("button", name="Save lab panel").click()
    flash(page, "Lab panel saved and graded.")


def coordinator_starts_treatment_on_the_calendar(journey: Journey) -> None:
    """Height and weight give the BSA; day 1 cisplatin 40 mg/m² (68 mg) and toripalimab 240 mg, day 8 cisplatin."""
    page, start = journey.page, journey.start
    _open_calendar(journey)
    expect(page.get_by_text(f"Day 1 = first fraction of external beam radiotherapy = {start:%Y-%m-%d}")).to_be_visible()
    expect(_row(page, CIS.format(1)).get_by_test_id("due")).to_contain_text(start.isoformat())
    expect(_row(page, CIS.format(6)).get_by_test_id("due")).to_contain_text(journey.day(36).isoformat())

    page.get_by_role("link", name="Record height and weight").click()
    page.get_by_label("Date measured").fill(start.isoformat())
    page.get_by_label("Height").fill("160")
    page.get_by_label("Weight").fill("64")
    page.get_by_role("button", name="Save").click()
    flash(page, "Height and weight saved.")
    expect(page.get_by_test_id("bsa")).to_have_text("BSA 1.69 m²")

    _record_dose(journey, CIS.format(1), calculated="68 mg", shot="dose-form")
    _record_dose(journey, TORI_CCRT.format(1), calculated=re.compile(r"^240(\.0)? mg$"), lot="TRP2411A")
    _record_dose(journey, CIS.format(2), calculated="68 mg")
    expect(page.get_by_test_id("participant-status")).to_contain_text(f"On treatment since {start:%Y-%m-%d}")


def coordinator_records_grade_4_neutropenia_and_its_adverse_event(journey: Journey) -> None:
    """Day 14 blood count: neutrophils 0.4 x10^9/L is graded 4 as she types and proposes an adverse event,
    which she records."""
    page = journey.page
    _record_lab_panel(
        journey, on=journey.day(14),
        values={"Haemoglobin": "11.8", "Neutrophils (absolute)": "0.4", "Platelets": "162"},
        grades={"anc": "Grade 4", "hgb": "Grade 0", "plt": "Grade 0"}, shot="lab-panel",
    )  # fmt: skip
    result = page.get_by_test_id("result-anc")
    expect(result).to_contain_text("Grade 4")
    expect(result).to_contain_text("Adverse event proposed")

    result.get_by_role("link", name="Record as adverse event").click()
    expect(page.get_by_role("heading", name="Record an adverse event")).to_be_visible()
    expect(page.get_by_role("combobox", name="CTCAE term")).to_have_value("Neutrophil count decreased")
    expect(page.locator('input[name="grade"][value="4"]')).to_be_checked()
    page.get_by_label("Grade now").select_option("4")
    page.locator('input[name="immune_related"][value="no"]').check()
    for agent, attribution in (("Toripalimab", "unlikely"), ("Cisplatin", "probable"), ("Paclitaxel", "unrelated"),
                               ("Radiotherapy", "possible")):  # fmt: skip
        page.get_by_label(f"Attribution to {agent}").select_option(attribution)
    page.get_by_label("Action taken with Cisplatin").select_option("interrupted")
    page.get_by_role("button", name="Save adverse event").click()
    flash(page, "Adverse event 1 recorded.")
    expect(page.get_by_test_id("worst-grade")).to_contain_text("Grade 4")


def coordinator_delays_week_3_for_the_neutropenia(journey: Journey) -> None:
    """Cisplatin week 3 moves from day 15 to day 22, and every later dose follows by a week."""
    page = journey.page
    _open_calendar(journey)
    _row(page, CIS.format(3)).get_by_role("link", name="Delay").click()
    page.get_by_label("New date").fill(journey.day(22).isoformat())
    page.get_by_label("Reason for the delay").fill("Grade 4 neutropenia on day 14 (ANC 0.4): held one week")
    page.get_by_role("button", name="Delay the dose").click()
    flash(page, "Delay recorded: later dates moved.")
    week3 = _row(page, CIS.format(3)).get_by_test_id("due")
    expect(week3).to_contain_text(journey.day(22).isoformat())
    expect(week3).to_contain_text(f"moved from {journey.day(15):%Y-%m-%d}")
    expect(_row(page, CIS.format(4)).get_by_test_id("due")).to_contain_text(journey.day(29).isoformat())
    expect(_row(page, TORI_CCRT.format(2)).get_by_test_id("due")).to_contain_text(journey.day(29).isoformat())
    expect(_row(page, CIS.format(3))).to_contain_text("Delayed: Grade 4 neutropenia on day 14")


def coordinator_asks_for_the_toxicity_review_before_week_3(journey: Journey) -> None:
    """The day 21 count has recovered; the review, pre-filled with grade 4 neutropenia, recommends 80 %
    and the next dose waits for the investigator."""
    page = journey.page
    _record_lab_panel(
        journey, on=journey.day(21),
        values={"Haemoglobin": "11.4", "Neutrophils (absolute)": "2.1", "Platelets": "171"},
        grades={"anc": "Grade 0"},
    )  # fmt: skip
    _open_calendar(journey)
    page.get_by_role("link", name="Toxicity review before the next cycle").click()
    expect(page.get_by_role("heading", name="Chemotherapy toxicity review")).to_be_visible()
    expect(page.get_by_test_id("review-prefill")).to_contain_text("Grades pre-filled")
    expect(page.get_by_label("Neutrophil count decreased")).to_have_value("4")
    page.get_by_label("Date assessed").fill(journey.day(21).isoformat())
    page.get_by_label("Haematological toxicity back to grade 0-1").select_option("yes")
    page.get_by_role("button", name="Save and recommend").click()
    flash(page, re.compile(r"Recommendation: Next cycle reduced from 100 % to 80 %"))
    expect(page.get_by_test_id("pending-recommendation")).to_contain_text("chemo.haem.reduce")
    expect(_row(page, CIS.format(3)).locator(".state-badge")).to_have_text("Awaiting investigator")


def investigator_confirms_the_reduction_to_80_percent(journey: Journey) -> None:
    """From her worklist the investigator confirms the recommendation; week 3 is now 54 mg (80 %)."""
    page = journey.page
    journey.as_user(journey.investigator)
    line = worklist_line(page, "investigator", "modifications", journey.study_number)
    expect(line).to_contain_text("Decision pending")
    line.get_by_role("link", name=re.compile(r"^Chemotherapy: .* to 80 %")).click()
    expect(page.get_by_label("Confirm the recommendation")).to_be_checked()
    page.get_by_role("button", name="Record decision").click()
    flash(page, "Decision recorded.")
    expect(page.get_by_test_id("chemo-state")).to_contain_text("Level in force: 80 %")
    week3 = _row(page, CIS.format(3))
    expect(week3.get_by_test_id("dose-mg")).to_contain_text("54")
    expect(week3.get_by_test_id("recommendation")).to_contain_text("confirmed")


def coordinator_gives_the_reduced_doses_and_finishes_chemoradiotherapy(journey: Journey) -> None:
    """Weeks 3-6 of cisplatin at 54 mg and the second toripalimab dose, on their (moved) dates."""
    page = journey.page
    journey.as_user(journey.coordinator)
    open_participant(journey, journey.screening_number)
    _open_calendar(journey)
    _record_dose(journey, CIS.format(3), calculated="54 mg")
    expect(_row(page, CIS.format(3)).get_by_test_id("dose-mg")).to_contain_text("54 given")
    _record_dose(journey, CIS.format(4), calculated="54 mg")
    _record_dose(journey, TORI_CCRT.format(2), calculated=re.compile(r"^240(\.0)? mg$"), lot="TRP2411A")
    _record_dose(journey, CIS.format(5), calculated="54 mg")
    _record_dose(journey, CIS.format(6), calculated="54 mg")
    expect(_row(page, CIS.format(6)).get_by_test_id("due")).to_contain_text(journey.day(43).isoformat())


def coordinator_records_radiotherapy_and_sees_the_eqd2(journey: Journey) -> None:
    """EBRT 45 Gy in 25 fractions, four 7 Gy brachytherapy fractions: HR-CTV 83.92 Gy EQD2, organs within limits."""
    page = journey.page
    participant_nav(page, "Radiotherapy").click()
    page.get_by_test_id("course-button").click()
    page.get_by_label("Technique").select_option("IMRT")
    page.locator('[name="prescription_dose_gy"]').fill("45")
    page.locator('[name="prescribed_fractions"]').fill("25")
    page.locator('[name="dose_per_fraction_gy"]').fill("1.8")
    expect(page.get_by_label("First EBRT fraction")).to_have_value(journey.start.isoformat())
    page.get_by_label("Last EBRT fraction").fill(journey.day(33).isoformat())
    page.locator('[name="fractions_delivered"]').fill("25")
    page.get_by_role("button", name="Save").click()
    flash(page, "EBRT course saved.")
    expect(page.get_by_test_id("ebrt-delivered")).to_have_text("25 of 25")

    for number, on in enumerate((36, 43, 50, 57), start=1):
        page.get_by_test_id("brachy-button").click()
        expect(page.locator('[name="number"]')).to_have_value(str(number))
        page.get_by_label("Date").fill(journey.day(on).isoformat())
        page.get_by_label("HR-CTV D90").fill("7")
        page.get_by_label("Bladder D2cc").fill("5")
        page.get_by_label("Rectum D2cc").fill("4")
        page.get_by_label("Sigmoid D2cc").fill("3.8")
        page.get_by_label("Applicator").select_option("tandem_ring")
        page.get_by_role("button", name="Save").click()
        flash(page, f"Brachytherapy fraction {number} saved.")

    eqd2 = page.get_by_test_id("eqd2-table")
    expect(eqd2).to_contain_text("83.92 Gy")  # HR-CTV: 44.25 (EBRT) + 39.67 (brachytherapy), alpha/beta 10
    expect(eqd2).to_contain_text("75.20 Gy")  # bladder: 43.20 + 32.00, alpha/beta 3, limit 85
    expect(eqd2).not_to_contain_text("Exceeded")

    page.get_by_test_id("course-button").click()
    page.get_by_label("All radiotherapy (EBRT and brachytherapy) is complete").check()
    page.get_by_label("Reason for change").fill("Brachytherapy finished on day 57: radiotherapy complete")
    page.get_by_role("button", name="Save").click()
    flash(page, "EBRT course saved.")
    expect(page.get_by_test_id("rt-completed")).to_have_text("Yes")
    journey.shot("radiotherapy")
