"""In Chromium at tablet sizes (768x1024 portrait, 1024x768 landscape), as coordinators use the eCRF
at the bedside: no page scrolls sideways (wide tables scroll inside .table-responsive), the main
menu folds into a toggler that opens with the keyboard, and buttons are at least 40 px tall (a
finger's tap target)."""

import pytest

from core.tests.browser import log_in

from .a11y import Findings, layout_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TABLETS = ({"width": 768, "height": 1024}, {"width": 1024, "height": 768})


def _menu_opens_with_the_keyboard(page) -> list[str]:
    toggler = page.get_by_role("button", name="Toggle navigation")
    if not toggler.is_visible():
        return ["the main menu does not fold into a toggler"]
    link = page.locator("#main-nav a.nav-link").first  # the menu's first link
    if link.is_visible():
        return ["the menu's links show while the menu is folded"]
    for _ in range(5):  # from the top of the page: the skip link, the brand, the toggler
        page.keyboard.press("Tab")
        if toggler.evaluate("(el) => el === document.activeElement"):
            break
    else:
        return ["Tab does not reach the menu's toggler"]
    page.keyboard.press("Enter")
    link.wait_for(state="visible")
    problems = []
    if toggler.get_attribute("aria-expanded") != "true":
        problems.append('the toggler does not say it is open (aria-expanded="true")')
    page.keyboard.press("Tab")  # into the opened menu
    if not link.evaluate("(el) => el === document.activeElement"):
        problems.append("Tab after opening the menu does not go to its first link")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")  # and closes again
    link.wait_for(state="hidden")
    return problems


def test_main_pages_fit_a_tablet_and_the_menu_opens_with_the_keyboard(calm_page, cohort, investigator):
    page, findings = calm_page, Findings()
    log_in(page, investigator)
    for size in TABLETS:
        page.set_viewport_size(size)
        where = f"{size['width']}x{size['height']}"
        for name, url in cohort.pages.items():
            page.goto(url)
            findings.add(f"{name} at {where}", layout_problems(page))
        findings.add(f"menu at {where}", _menu_opens_with_the_keyboard(page))
    assert not findings.problems, findings.report()
