"""In Chromium: a coordinator filters the participant list and downloads its CSV, which holds the
filtered participants, pseudonymised."""

import csv
import io

import pytest

from core.tests.browser import log_in
from enrollment.tests.factories import participant_registered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_downloaded_participant_csv_holds_the_filtered_list(page, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")
    wanted = participant_registered(user=coordinator, initials="AB")
    participant_registered(user=coordinator, initials="CD")
    log_in(page, coordinator)

    page.goto("/participants/")
    page.get_by_label("Number or initials").fill(wanted.screening_number)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("cell", name=wanted.screening_number).wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("participants_")
    with open(download.path(), encoding="utf-8") as handle:
        header, *rows = list(csv.reader(io.StringIO(handle.read())))
    assert [row[header.index("screening_number")] for row in rows] == [wanted.screening_number]
    assert "initials" not in header and "date_of_birth" not in header
