"""Steps the Chromium tests share: logging in and out through the real login page, and typing the
screening form."""

import datetime

from core.tests.factories import TEST_PASSWORD


def log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Welcome").wait_for()


def log_out(page):
    """Open the user menu and log out. The menu opens only once Bootstrap's script has run: wait for
    the page's load event, and click the toggle again if the menu did not open (a click that landed
    before the script bound it)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_load_state("load")
    button = page.get_by_role("button", name="Log out")
    for _attempt in range(3):
        page.locator("#user-menu").click()
        try:
            button.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    button.click()
    page.get_by_role("heading", name="Log in").wait_for()


def fill_screening(page, values: dict) -> None:
    """Type the screening form as a coordinator would, field by field (the criteria table beside it
    updates as she types): yes/no and the FIGO stage are chosen, dates typed in ISO form."""
    for name, value in values.items():
        field = page.locator(f'[name="{name}"]')
        if isinstance(value, bool):
            field.select_option("true" if value else "false")
        elif name == "figo_stage":
            field.select_option(value)
        elif isinstance(value, datetime.date):
            field.fill(value.isoformat())
        else:
            field.fill(str(value))
