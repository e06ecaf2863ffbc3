"""In Chromium, every main form page, with the keyboard only: each field has a label tied to it; Tab
reaches every field in document order and then the submit button, each with a visible focus
indicator, Shift+Tab walks back and nothing traps the focus; Enter (or Space) on the submit button
sends invalid data typed on the way, and each error then shows next to its field and tied to it
(aria-describedby), the field is aria-invalid and the errors are announced (the focus is on the
first invalid field, or a summary has role="alert").

The pages are walked in three tests (one per role, so that the study is built three times, not
twenty), each reporting every problem of every page at once."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from core.models import ExportJob
from core.tests.factories import TEST_PASSWORD
from efficacy.tests.factories import baseline

from .a11y import Findings, error_problems, keyboard_walk, unnamed_fields

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MAIN_FORM = "main form[method=post]"


@dataclass(frozen=True)
class FormPage:
    """A form page: where it is, its form and submit button, and what to type on the way (with the
    keyboard) so that the submission is invalid; with nothing typed, the form is sent empty."""

    name: str
    url: str
    submit: str
    form: str = MAIN_FORM
    typing: dict = field(default_factory=dict)
    submit_key: str = "Enter"


def _future_date() -> str:
    """The keys of a date a year ahead, typed into a date field (Chromium, en-US: month day year)."""
    return f"{timezone.localdate() + datetime.timedelta(days=365):%m%d%Y}"


def _check(page, findings: Findings, form_page: FormPage) -> None:
    page.goto(form_page.url)
    findings.add(form_page.name, unnamed_fields(page))
    walk = keyboard_walk(page, form_page.form, form_page.submit, typing=form_page.typing)
    findings.add(form_page.name, walk)
    if any("is not reached" in problem for problem in walk):
        return
    try:
        with page.expect_navigation(timeout=5_000):
            page.keyboard.press(form_page.submit_key)
    except PlaywrightTimeoutError:
        findings.add(form_page.name, [f"{form_page.submit_key} on the submit button sends nothing"])
        return
    page.wait_for_load_state("load")
    problems, shown = error_problems(page)
    if not shown:
        problems.append("no error is shown next to a field after the invalid submission")
    findings.add(f"{form_page.name} (after submitting)", problems + unnamed_fields(page))


def _check_labels_and_errors(page, findings: Findings, name: str, url: str) -> None:
    """A form page outside the main list, checked faster: its labels, and, after it is sent
    empty, its errors (tied to their fields and announced), if it shows any."""
    page.goto(url)
    findings.add(name, unnamed_fields(page))
    form = page.locator(MAIN_FORM).first
    if not form.count():
        return
    with page.expect_navigation():
        form.evaluate("(form) => form.requestSubmit()")
    if page.url.endswith(url):  # shown again: with errors
        problems, _shown = error_problems(page)
        findings.add(f"{name} (after submitting)", problems + unnamed_fields(page))


def _log_in_with_keyboard(page, user) -> None:
    page.goto("/accounts/login/")
    assert page.evaluate("document.activeElement.name") == "username"  # autofocus
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Welcome").wait_for()


def test_coordinator_forms_work_with_the_keyboard_and_show_errors_at_their_fields(calm_page, study, coordinator):
    page, findings = calm_page, Findings()
    enrolled, registered = study.enrolled, study.registered
    _log_in_with_keyboard(page, coordinator)
    dose = reverse("dosing:dose_record", args=[enrolled.pk, "cisplatin", "ccrt", 1, 1])
    for form_page in (
        FormPage("consent", reverse("enrollment:consent_create", args=[registered.pk]), "Record consent",
                 typing={"consent_date": _future_date()}),
        FormPage("screening", reverse("enrollment:screening_edit", args=[registered.pk]), "Save screening",
                 typing={"ecog": "7", "hemoglobin_g_dl": "95"}, submit_key="Space"),
        FormPage("visit record", reverse("enrollment:visit_record", args=[enrolled.pk, "ccrt_w0"]), "Save",
                 typing={"visit_date": _future_date()}),
        FormPage("visit forms", reverse("enrollment:visit_forms", args=[enrolled.pk, study.done_visit.pk]), "Save",
                 typing={"state_history": ("ArrowRight", "ArrowRight")}),  # "not done", with no reason
        FormPage("dose record", dose, "Save dose", typing={"given_on": _future_date()}),
        FormPage("dose delay", dose + "delay/", "Delay the dose"),
        FormPage("lab panel", reverse("toxicity:lab_create", args=[enrolled.pk]), "Save lab panel",
                 typing={"alt_value": "-5"}),
        FormPage("adverse event", reverse("toxicity:ae_create", args=[enrolled.pk]), "Save adverse event",
                 submit_key="Space"),
        FormPage("query answer", reverse("dm:query_detail", args=[study.query_pk]), "Answer the query",
                 form='main form[data-testid="step-answer"]'),
    ):  # fmt: skip
        _check(page, findings, form_page)
    for name, url in (
        ("register patient", reverse("enrollment:participant_create")),
        ("participant list filters", reverse("enrollment:participant_list")),
        ("unscheduled visit", reverse("enrollment:visit_unscheduled", args=[enrolled.pk])),
        ("height and weight", reverse("dosing:anthropometrics_create", args=[enrolled.pk])),
        ("toxicity review", reverse("dosing:modification_create", args=[enrolled.pk])),
        ("radiotherapy course", reverse("dosing:radiotherapy_course", args=[enrolled.pk])),
        ("brachytherapy fraction", reverse("dosing:brachy_create", args=[enrolled.pk])),
        ("progression", reverse("efficacy:progression_create", args=[enrolled.pk])),
        ("follow-up status", reverse("efficacy:follow_up_status", args=[enrolled.pk])),
        ("query list filters", reverse("dm:query_list")),
        ("missing forms filters", reverse("enrollment:missing_forms")),
        ("toxicity dashboard filters", reverse("toxicity:dashboard")),
    ):
        _check_labels_and_errors(page, findings, name, url)
    assert not findings.problems, findings.report()


def test_investigator_forms_work_with_the_keyboard_and_show_errors_at_their_fields(calm_page, study, investigator):
    page, findings = calm_page, Findings()
    enrolled = study.enrolled
    _log_in_with_keyboard(page, investigator)
    for form_page in (
        FormPage("eligibility signature", reverse("enrollment:eligibility_sign", args=[study.eligible.pk]), "Sign"),
        FormPage("irAE decision", reverse("toxicity:irae_decide", args=[enrolled.pk, study.irae_decision.pk]),
                 "Record decision", typing={"decision": ("ArrowDown",)}),  # "Override it", with no reason
        FormPage("tumour assessment baseline", reverse("efficacy:baseline_create", args=[enrolled.pk]),
                 "Save baseline", typing={"targets-0-diameter_mm": "3"}),
    ):  # fmt: skip
        _check(page, findings, form_page)
    baseline(enrolled, on=study.start - datetime.timedelta(days=10))
    _check(page, findings, FormPage("tumour assessment follow-up", reverse("efficacy:followup_create", args=[enrolled.pk]),
                                    "Save follow-up", typing={"assessment_date": _future_date()}))  # fmt: skip
    assert not findings.problems, findings.report()


def test_login_language_and_data_manager_forms_work_with_the_keyboard(calm_page, study, data_manager):
    page, findings = calm_page, Findings()
    _check(page, findings, FormPage("login", "/accounts/login/", "Log in"))
    _log_in_with_keyboard(page, data_manager)
    for form_page in (
        FormPage("query raise", study.record_url(study.adverse_event), "Raise the query",
                 form='main form[data-testid="raise-query"]'),
        FormPage("participant lock", reverse("dm:participant_lock", args=[study.enrolled.pk]),
                 "Lock the participant's data"),
        FormPage("study lock", reverse("dm:study_lock"), "Lock the study", submit_key="Space"),
    ):  # fmt: skip
        _check(page, findings, form_page)

    # The export request has no field to get wrong: the keyboard starts an export.
    page.goto(reverse("dm:export_list"))
    findings.add("export request", unnamed_fields(page) + keyboard_walk(page, MAIN_FORM, "Start export"))
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="requested").wait_for()
    job = ExportJob.objects.get()
    bar = page.locator(f'tr[data-export-job="{job.pk}"]').get_by_role("progressbar", name=f"Progress of export {job.pk}")
    assert (bar.get_attribute("aria-valuemin"), bar.get_attribute("aria-valuemax")) == ("0", "100")
    assert bar.inner_text().strip() == f"{bar.get_attribute('aria-valuenow')}%"

    # The language switch: buttons in the menu, reached with Tab, pressed with Enter or Space.
    switch = "form[data-testid=language-switch]"
    findings.add("language switch", keyboard_walk(page, switch, "简体中文"))
    page.keyboard.press("Enter")
    page.locator("html[lang='zh-hans']").wait_for(state="attached")
    findings.add("language switch (Chinese)", keyboard_walk(page, switch, "English"))
    page.keyboard.press("Space")
    page.locator("html[lang='en']").wait_for(state="attached")
    assert not findings.problems, findings.report()
