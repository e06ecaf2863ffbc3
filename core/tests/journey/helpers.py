"""What every step of the journey shares: the Chromium page, one user per role, the trial calendar's
dates (relative to today), switching users through the real login page, the step names that label
a failure, and the screenshots (saved only when ``SCREENSHOTS_DIR`` is set, by ``make screenshots``).
"""

import contextlib
import datetime
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, expect

from core.tests.browser import log_in, log_out

# The live server shares a 2-CPU machine with other work: every auto-waiting assertion gets time.
expect.set_options(timeout=20_000)

DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}
# A full-page PNG above this size is replaced by the top of the page, as tall as fits (the gallery
# is committed to the repository).
MAX_SCREENSHOT_BYTES = 400_000
CLIP_HEIGHTS = (2400, 1800, 1350, 900)

# Day 1 of the trial calendar (the first EBRT fraction) is this many days before today: long enough
# for chemoradiotherapy, brachytherapy and two tumour assessments four weeks apart to have happened,
# and short enough that the colitis (onset day 50) is still within 12 weeks of the last toripalimab
# dose (day 29); beyond that PROTOCOL §3 discontinues toripalimab instead of holding it.
TREATMENT_START_DAYS_AGO = 100


@dataclass
class Journey:
    page: Page
    coordinator: object
    investigator: object
    data_manager: object
    monitor: object
    downloads: Path
    today: datetime.date
    screenshots: Path | None
    current_user: object = None
    # Filled in as the journey goes.
    failure_number: str = ""  # the screen failure's screening number
    screening_number: str = ""  # the enrolled participant's screening number
    study_number: str = ""
    query_label: str = ""  # "Query #<id>" of the query the monitor raises
    timings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def start(self) -> datetime.date:
        """Day 1 of the trial calendar: the first EBRT fraction (PROTOCOL §2)."""
        return self.today - datetime.timedelta(days=TREATMENT_START_DAYS_AGO)

    def day(self, n: int) -> datetime.date:
        """Study day ``n`` >= 1 (day 1 = treatment start)."""
        return self.start + datetime.timedelta(days=n - 1)

    def as_user(self, user) -> None:
        """Log out whoever is logged in and log ``user`` in, through the login page."""
        if self.current_user is user:
            return
        if self.current_user is not None:
            log_out(self.page)
        log_in(self.page, user)
        self.current_user = user

    def shot(self, name: str) -> None:
        """Save ``<name>.png`` of the page as it is now, when screenshots are wanted: the viewport's
        width and the page's whole height, cut to the top of the page when the PNG would be too large."""
        if self.screenshots is None:
            return
        self.page.evaluate("() => window.scrollTo(0, 0)")  # sticky panels (the criteria table) at the top
        width = self.page.viewport_size["width"]
        page_height = self.page.evaluate("() => document.documentElement.scrollHeight")
        for height in (page_height, *(h for h in CLIP_HEIGHTS if h < page_height)):
            data = self.page.screenshot(
                clip={"x": 0, "y": 0, "width": width, "height": height}, full_page=True,
                animations="disabled", caret="hide",
            )  # fmt: skip
            if len(data) <= MAX_SCREENSHOT_BYTES:
                break
        (self.screenshots / f"{name}.png").write_bytes(data)

    def tablet_shot(self, name: str) -> None:
        """Save ``<name>.png`` of the page at a tablet's size (768x1024), then go back to the desktop."""
        if self.screenshots is None:
            return
        self.page.set_viewport_size(TABLET)
        try:
            self.shot(name)
        finally:
            self.page.set_viewport_size(DESKTOP)


def screenshots_dir() -> Path | None:
    """``SCREENSHOTS_DIR`` (relative to the working directory), created; None when unset."""
    value = os.environ.get("SCREENSHOTS_DIR", "").strip()
    if not value:
        return None
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def journey_step(journey: Journey, run: Callable[[Journey], None]):
    """Run one step; a failure names the step (``add_note``) so the report says where the journey broke."""
    name = run.__name__.replace("_", " ")
    started = time.monotonic()
    print(f"journey: {name}", flush=True)
    try:
        yield
    except BaseException as error:
        error.add_note(f"The journey failed at the step: {name}")
        raise
    finally:
        journey.timings.append((name, time.monotonic() - started))


# --- small UI helpers the steps share -------------------------------------------------------------


def flash(page: Page, text: str | re.Pattern) -> None:
    """The success/info message at the top of the page after a save."""
    expect(page.get_by_text(text).first).to_be_visible()


def participant_nav(page: Page, name: str):
    """A link of the participant header (Dashboard, Treatment calendar, Labs, ...)."""
    return page.get_by_role("navigation", name="Participant").get_by_role("link", name=name, exact=True)


def main_nav(page: Page, name: str):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def open_participant(journey: Journey, screening_number: str) -> None:
    """From the menu: Participants, then the participant's screening number."""
    page = journey.page
    main_nav(page, "Participants").click()
    page.get_by_role("link", name=screening_number, exact=True).click()
    expect(page.get_by_test_id("participant-status")).to_be_visible()


def worklist_line(page: Page, worklist: str, section: str, text: str):
    """A line of a home-page worklist section (``worklist``: "coordinator" or "investigator")."""
    return (
        page.get_by_test_id(f"{worklist}-worklist")
        .get_by_test_id(f"section-{section}")
        .get_by_test_id("worklist-line")
        .filter(has_text=text)
    )
