"""In Chromium: a data manager starts a study export, follows its progress bar until the download
link appears, and downloads the ZIP."""

import zipfile

import pytest
from django.utils import timezone

from core.data_management.exports import services
from core.tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


def test_data_manager_follows_the_progress_bar_and_downloads_the_export(page, data_manager, participant, tmp_path):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    queued = services.export_job_create(user=data_manager, identified=False, now=timezone.now())

    log_in(page, data_manager)
    page.get_by_role("link", name="Export").click()
    page.get_by_role("heading", name="Study export").wait_for()
    row = page.locator(f'tr[data-export-job="{queued.pk}"]')
    assert row.get_by_role("progressbar").get_attribute("aria-valuenow") == "0"
    assert "Queued" in row.inner_text()
    assert page.get_by_label("Identified export (with initials and dates of birth)").count() == 0

    services.export_job_run(job_id=queued.pk)  # the worker
    row.get_by_role("link", name="Download ZIP").wait_for()
    assert row.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
    assert "Done" in row.inner_text()
    with page.expect_download() as download:
        row.get_by_role("link", name="Download ZIP").click()
    saved = tmp_path / "downloaded.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "forms/enrollment_participant.csv" in archive.namelist()
    queued.refresh_from_db()
    assert queued.downloaded_at is not None

    page.get_by_role("button", name="Start export").click()
    page.get_by_text("requested: it is written in the background").wait_for()
    assert page.locator("tr[data-export-job]").count() == 2
    assert errors == []
