"""In Chromium: on the main pages, colour is never the only signal. Every badge, and every element
coloured by a contextual class (text-bg-*, bg-*, text-danger..., table-danger... rows, borders),
carries words: its own text, visually hidden text or an aria-label (a grade badge says "Grade 3",
a state badge "Overdue"), never a colour or a symbol alone."""

import pytest

from core.tests.browser import log_in, log_out

from .a11y import Findings, colour_only

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_every_badge_and_coloured_element_on_the_main_pages_carries_words(page, cohort, coordinator, investigator):
    findings = Findings()
    log_in(page, coordinator)  # the coordinator's worklist: Overdue, Due now, Held...
    page.goto(cohort.pages["home"])
    findings.add("home (coordinator)", colour_only(page))
    log_out(page)

    log_in(page, investigator)
    checked = 0
    for name, url in cohort.pages.items():
        page.goto(url)
        findings.add(name, colour_only(page))
        checked += page.locator("main .badge").count()
    assert not findings.problems, findings.report()
    assert checked > 20  # the cohort puts badges on these pages: the check saw them
