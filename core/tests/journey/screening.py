"""Journey steps 1-4: registration, consent and screening of two patients (one screen failure, one
eligible), the investigator's signature from her worklist, and enrolment (PROTOCOL §1)."""

import datetime
import re

from playwright.sync_api import expect

from core.tests.browser import fill_screening
from core.tests.factories import TEST_PASSWORD
from enrollment.tests.factories import eligible_screening_values

from .helpers import Journey, flash, main_nav, open_participant, worklist_line


def _register(journey: Journey, *, initials: str, born: datetime.date, screened: datetime.date,
              diagnosed: datetime.date) -> str:  # fmt: skip
    """Register a patient from the menu; returns the screening number the page announces."""
    page = journey.page
    main_nav(page, "Register patient").click()
    page.get_by_label("Initials").fill(initials)
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_label("Screening date").fill(screened.isoformat())
    page.get_by_label("Diagnosis date").fill(diagnosed.isoformat())
    page.get_by_role("button", name="Save").click()
    flash(page, re.compile(r"Registered SCR-\d{4} for screening\."))
    number = page.get_by_role("heading", level=1).inner_text().split()[0]
    expect(page.get_by_test_id("participant-status")).to_contain_text("Screening since")
    return number


def _record_consent(journey: Journey, on: datetime.date) -> None:
    page = journey.page
    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Consent form version").fill("v2.0 2024-11-01")
    page.get_by_label("Consent date").fill(on.isoformat())
    page.get_by_role("button", name="Record consent").click()
    flash(page, "Consent recorded.")


def _criterion_status(page, criterion: str):
    return page.locator(f'tr[data-criterion="{criterion}"] .criterion-status')


def coordinator_screens_out_a_patient_with_stage_ivb_disease(journey: Journey) -> None:
    """SCR-0001: FIGO IVB with distant metastases fails I2 and E9; the coordinator records the screen failure."""
    page, start = journey.page, journey.start
    journey.as_user(journey.coordinator)
    expect(page.get_by_role("heading", name="Welcome, Chen Coordinator")).to_be_visible()
    journey.failure_number = _register(
        journey, initials="HM", born=datetime.date(1968, 9, 2), screened=start - datetime.timedelta(days=20),
        diagnosed=start - datetime.timedelta(days=35),
    )  # fmt: skip
    _record_consent(journey, start - datetime.timedelta(days=20))

    page.get_by_role("link", name="Start screening").click()
    values = eligible_screening_values(
        today=start - datetime.timedelta(days=15), figo_stage="IVB", distant_metastasis_or_recurrence=True
    )
    fill_screening(page, values)
    expect(page.get_by_test_id("overall")).to_have_text("Not eligible")
    expect(_criterion_status(page, "I2")).to_have_text("fail")
    expect(_criterion_status(page, "E9")).to_have_text("fail")
    expect(page.locator('tr[data-criterion="I2"] .criterion-reason')).to_contain_text("IVB")
    page.get_by_role("button", name="Save screening").click()
    flash(page, "Screening saved.")

    page.get_by_role("link", name="Record screen failure").click()
    page.get_by_label("Date of screen failure").fill((start - datetime.timedelta(days=15)).isoformat())
    page.get_by_role("button", name="Record screen failure").click()
    flash(page, re.compile(r"Screen failure recorded \(I2, E9\)"))
    expect(page.get_by_test_id("participant-status")).to_contain_text("Screen failure since")


def coordinator_screens_an_eligible_patient(journey: Journey) -> None:
    """SCR-0002: every one of the 27 criteria passes as the coordinator types; she saves the screening."""
    page, start = journey.page, journey.start
    enrolment = start - datetime.timedelta(days=3)
    values = eligible_screening_values(today=enrolment, figo_stage="IIIB")  # FIGO IIIB: no nodes at baseline
    journey.screening_number = _register(
        journey, initials="WL", born=datetime.date(1975, 3, 14), screened=start - datetime.timedelta(days=10),
        diagnosed=values["biopsy_date"],
    )  # fmt: skip
    _record_consent(journey, start - datetime.timedelta(days=10))

    page.get_by_role("link", name="Start screening").click()
    fill_screening(page, values)
    expect(page.get_by_test_id("overall")).to_have_text("Eligible")
    expect(page.locator("tr[data-criterion] .criterion-status")).to_have_text(["pass"] * 27)
    journey.shot("screening")
    page.get_by_role("button", name="Save screening").click()
    flash(page, "Screening saved.")
    expect(page.get_by_test_id("panel-eligibility")).to_contain_text("Eligible: all 27 criteria pass")


def investigator_signs_eligibility_from_her_worklist(journey: Journey) -> None:
    """The investigator's worklist asks for her signature; she reviews the criteria and signs with her password."""
    page = journey.page
    journey.as_user(journey.investigator)
    line = worklist_line(page, "investigator", "eligibility", journey.screening_number)
    expect(line).to_contain_text("Awaiting signature")
    line.get_by_role("link", name="Eligibility: all criteria pass").click()
    expect(page.get_by_role("heading", name="Investigator's eligibility signature")).to_be_visible()
    expect(page.get_by_text("All criteria pass", exact=True)).to_be_visible()
    journey.shot("eligibility-sign")
    page.get_by_label("I confirm this patient is eligible").check()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign").click()
    flash(page, "Eligibility signed.")
    expect(page.get_by_test_id("panel-eligibility")).to_contain_text("Signed by Li Investigator")


def coordinator_enrols_the_eligible_patient(journey: Journey) -> None:
    """Enrolment three days before treatment starts gives the first study number, TC-001."""
    page, start = journey.page, journey.start
    journey.as_user(journey.coordinator)
    open_participant(journey, journey.screening_number)
    page.get_by_role("link", name="Enrol", exact=True).click()
    page.get_by_label("Enrolment date").fill((start - datetime.timedelta(days=3)).isoformat())
    page.get_by_label("Planned treatment start").fill(start.isoformat())
    page.get_by_role("button", name="Enrol", exact=True).click()
    flash(page, "Enrolled as TC-001.")
    journey.study_number = "TC-001"
    expect(page.get_by_role("heading", level=1)).to_contain_text("TC-001")
    expect(page.get_by_test_id("participant-status")).to_contain_text(
        f"Enrolled since {start - datetime.timedelta(days=3):%Y-%m-%d}"
    )
