"""Fixtures shared by every app's tests: a user per study role, and participants."""

import pytest


@pytest.fixture
def make_user(db):
    from core.tests.factories import UserFactory

    def make(role: str | None = None, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def coordinator(make_user):
    return make_user("Study coordinator", first_name="Chen", last_name="Coordinator")


@pytest.fixture
def investigator(make_user):
    return make_user("Investigator", first_name="Li", last_name="Investigator")


@pytest.fixture
def data_manager(make_user):
    return make_user("Data manager")


@pytest.fixture
def monitor(make_user):
    return make_user("Monitor")


@pytest.fixture
def participant(coordinator):
    from enrollment.tests.factories import participant_registered

    return participant_registered(user=coordinator)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture
def page(live_server, monkeypatch):
    """A Playwright page in Debian's Chromium. Skipped only on a machine without Chromium outside CI;
    in CI (CI=true) a missing browser fails the test."""
    import os
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs the chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop in this thread; the test still talks to the
    # database synchronously (fixtures), which Django allows only when told so.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture(autouse=True)
def _fresh_background_job_monitor(monkeypatch):
    """Each test starts with no remembered broker state (core.faults caches it for 30 s per process),
    so a test that saw the broker down does not leave the banner on for the next ones."""
    from core import faults

    monkeypatch.setattr(faults, "_monitor", faults._Monitor())


@pytest.fixture(autouse=True)
def _fresh_study_cache():
    """Each test starts with no cached study-wide report (core.study_cache): test databases are
    rolled back, so two tests can reach the same data fingerprint with different data."""
    from core import study_cache

    study_cache.clear()
    yield
    study_cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts and ends in the default language: a test-client request in Chinese leaves
    Chinese active in the test's thread (LocaleMiddleware activates it and nothing resets it)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def pytest_collection_modifyitems(config, items):
    """``make test`` runs the suite on two processes (pytest-xdist, ``--dist loadgroup``): the tests
    with a real broker and worker share the Redis server, so they all go to one process, in turn."""
    for item in items:
        if item.get_closest_marker("integration"):
            item.add_marker(pytest.mark.xdist_group("broker"))
