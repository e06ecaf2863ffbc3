"""The export pages: requesting an export (identified only with the permission), the progress JSON
and the download (only the requester or a data manager; identified files only with the permission;
each download audited)."""

import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core.data_management.exports import services
from core.models import ExportJob, ExportStatus

pytestmark = pytest.mark.django_db

LIST_URL = reverse("dm:export_list")


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


def _grant(user, *codenames):
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="core", codename=codename))
    return type(user).objects.get(pk=user.pk)


def _done_job(user, *, identified=False):
    job = services.export_job_create(user=user, identified=identified, now=timezone.now())
    return services.export_job_run(job_id=job.pk)


def _status_url(job):
    return reverse("dm:export_status", kwargs={"job_pk": job.pk})


def _download_url(job):
    return reverse("dm:export_download", kwargs={"job_pk": job.pk})


# --- the page --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor"])
def test_only_data_managers_reach_the_export_pages(client, request, role, data_manager, participant):
    job = _done_job(data_manager)
    client.force_login(request.getfixturevalue(role))
    for url in (LIST_URL, _status_url(job), _download_url(job)):
        assert client.get(url).status_code == 403, url
    assert client.post(LIST_URL, {}).status_code == 403
    assert ExportJob.objects.count() == 1


def test_data_manager_sees_the_form_without_the_identified_choice_and_the_menu_link(client, data_manager):
    client.force_login(data_manager)
    page = client.get(LIST_URL).content.decode()
    assert 'name="identified"' not in page
    assert f'href="{LIST_URL}">Export</a>' in page
    assert "No exports yet." in page


def test_the_identified_choice_is_offered_with_the_permission(client, data_manager):
    client.force_login(_grant(data_manager, "export_identified"))
    assert 'name="identified"' in client.get(LIST_URL).content.decode()


def test_requesting_an_export_runs_it_and_the_page_offers_the_download(
    client, data_manager, participant, django_capture_on_commit_callbacks
):
    client.force_login(data_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST_URL, {})
    assert response.status_code == 302 and response.url == LIST_URL
    job = ExportJob.objects.get()
    assert (job.status, job.identified, job.requested_by) == (ExportStatus.DONE, False, data_manager)
    page = client.get(LIST_URL).content.decode()
    assert f"Export #{job.pk} (pseudonymised) requested" in page
    assert _download_url(job) in page
    assert 'aria-valuenow="100"' in page


def test_an_identified_request_without_the_permission_makes_a_pseudonymised_export(
    client, data_manager, participant, django_capture_on_commit_callbacks
):
    client.force_login(data_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LIST_URL, {"identified": "on"})
    assert list(ExportJob.objects.values_list("identified", flat=True)) == [False]


def test_an_identified_request_with_the_permission_makes_an_identified_export(
    client, data_manager, participant, django_capture_on_commit_callbacks
):
    client.force_login(_grant(data_manager, "export_identified"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LIST_URL, {"identified": "on"})
    job = ExportJob.objects.get()
    assert job.identified and job.status == ExportStatus.DONE
    with zipfile.ZipFile(services.export_job_file(job)) as archive:
        assert "initials" in archive.read("forms/enrollment_participant.csv").decode().splitlines()[0]


def test_a_queued_export_shows_a_progress_bar_polled_by_the_script(client, data_manager):
    job = services.export_job_create(user=data_manager, identified=False, now=timezone.now())
    client.force_login(data_manager)
    page = client.get(LIST_URL).content.decode()
    assert f'data-status-url="{_status_url(job)}"' in page
    assert "export_progress.js" in page
    assert "Waiting for a worker" in page and 'aria-valuenow="0"' in page


# --- progress JSON ----------------------------------------------------------------------------------------


def test_progress_json_of_a_running_and_of_a_done_export(client, data_manager, participant):
    job = services.export_job_create(user=data_manager, identified=False, now=timezone.now())
    job.status, job.progress_done, job.progress_total, job.current_step = "running", 30, 120, "Audit trail"
    job.save_without_historical_record()
    client.force_login(data_manager)
    running = client.get(_status_url(job)).json()
    assert running["status"] == "running" and running["status_label"] == "Running"
    assert (running["percent"], running["current_step"], running["finished"]) == (25, "Audit trail", False)
    assert running["download_url"] is None

    services.export_job_run(job_id=job.pk)
    done = client.get(_status_url(job)).json()
    assert (done["status"], done["percent"], done["finished"]) == ("done", 100, True)
    assert done["download_url"] == _download_url(job)
    assert done["rows_written"] > 0


# --- download ---------------------------------------------------------------------------------------------


def test_download_returns_the_zip_and_is_recorded(client, data_manager, participant):
    job = _done_job(data_manager)
    client.force_login(data_manager)
    response = client.get(_download_url(job))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment") and job.file_name in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"
    job.refresh_from_db()
    assert job.downloaded_at is not None
    latest = job.history.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == f"Study export downloaded by {data_manager.username}"
    assert latest.history_user == data_manager


def test_another_data_manager_may_download_a_pseudonymised_export(client, data_manager, make_user, participant):
    job = _done_job(data_manager)
    client.force_login(make_user("Data manager"))
    assert client.get(_download_url(job)).status_code == 200


def test_a_user_who_may_export_sees_only_her_own_exports(client, data_manager, make_user, participant):
    job = _done_job(data_manager)
    other = _grant(make_user(), "export_study")  # may export, but is no data manager
    client.force_login(other)
    assert client.get(_status_url(job)).status_code == 403
    assert client.get(_download_url(job)).status_code == 403
    assert _download_url(job) not in client.get(LIST_URL).content.decode()


def test_an_identified_export_is_downloaded_only_with_the_permission(client, data_manager, make_user, participant):
    allowed = _grant(data_manager, "export_identified")
    job = _done_job(allowed, identified=True)
    colleague = make_user("Data manager")
    client.force_login(colleague)
    assert client.get(_download_url(job)).status_code == 403
    assert _download_url(job) not in client.get(LIST_URL).content.decode()
    assert client.get(_status_url(job)).json()["download_url"] is None
    job.refresh_from_db()
    assert job.downloaded_at is None

    # The requester whose permission was withdrawn since cannot download it either.
    allowed.user_permissions.clear()
    client.force_login(allowed)
    assert client.get(_download_url(job)).status_code == 403


def test_an_export_not_finished_or_without_a_file_is_not_found(client, data_manager, participant, export_dir):
    queued = services.export_job_create(user=data_manager, identified=False, now=timezone.now())
    client.force_login(data_manager)
    assert client.get(_download_url(queued)).status_code == 404
    done = _done_job(data_manager)
    (export_dir / done.file_name).unlink()
    assert client.get(_download_url(done)).status_code == 404
    assert client.get(reverse("dm:export_download", kwargs={"job_pk": 9999})).status_code == 404
