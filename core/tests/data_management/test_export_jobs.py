"""Export jobs: who may request which export, the audit rows of requesting, writing and failing, the
Celery task queued on commit, idempotent and restartable."""

import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.data_management.exports import services
from core.data_management.exports.tasks import run_export
from core.models import ExportJob, ExportStatus

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


def with_identified_permission(user):
    user.user_permissions.add(Permission.objects.get(content_type__app_label="core", codename="export_identified"))
    return type(user).objects.get(pk=user.pk)  # a fresh copy: permissions are cached per instance


# --- who may export -----------------------------------------------------------------------------------


def test_data_manager_requests_a_pseudonymised_export_recorded_with_who_and_why(data_manager):
    job = services.export_job_create(user=data_manager, identified=False, now=NOW)
    assert (job.status, job.identified, job.requested_by, job.requested_at) == ("queued", False, data_manager, NOW)
    (row,) = job.history.all()
    assert row.history_user == data_manager
    assert row.history_change_reason == "Study export requested (pseudonymised)"


def test_data_manager_without_the_identified_permission_cannot_request_an_identified_export(data_manager):
    with pytest.raises(ValidationError) as refused:
        services.export_job_create(user=data_manager, identified=True, now=NOW)
    assert refused.value.error_dict["identified"][0].code == "export.identified.forbidden"
    assert not ExportJob.objects.exists()


def test_a_user_with_the_identified_permission_requests_an_identified_export(data_manager):
    job = services.export_job_create(user=with_identified_permission(data_manager), identified=True, now=NOW)
    assert job.identified
    assert job.history.get().history_change_reason == "Study export requested (identified)"


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor"])
def test_other_roles_cannot_export_at_all(request, role):
    with pytest.raises(PermissionDenied):
        services.export_job_create(user=request.getfixturevalue(role), identified=False, now=NOW)
    assert not ExportJob.objects.exists()


# --- running -----------------------------------------------------------------------------------------------


def test_request_queues_the_task_on_commit_and_the_worker_writes_the_zip(
    data_manager, participant, django_capture_on_commit_callbacks, export_dir
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.export_job_request(user=data_manager, identified=False, now=NOW)
        assert job.status == ExportStatus.QUEUED
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert job.progress_done == job.progress_total > 0
    assert job.rows_written > 0 and job.current_step == "Done"
    path = services.export_job_file(job)
    assert path.parent == export_dir and path.stat().st_size == job.file_size
    assert job.file_name.endswith("-pseudonymised.zip")
    with zipfile.ZipFile(path) as archive:
        assert "README.txt" in archive.namelist()
        assert "forms/enrollment_participant.csv" in archive.namelist()
    assert not list(export_dir.glob("*.part"))


def test_the_audit_keeps_requested_and_written_but_not_the_progress_updates(data_manager, participant):
    job = services.export_job_create(user=data_manager, identified=False, now=NOW)
    run_export(job.pk)
    reasons = list(job.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True))
    assert reasons[0] == "Study export requested (pseudonymised)"
    assert reasons[1].startswith("Study export written (pseudonymised): ")
    assert len(reasons) == 2
    assert {row.history_user for row in job.history.all()} == {data_manager}


def test_the_export_is_in_its_own_audit_trail_csv(data_manager, participant):
    job = services.export_job_create(user=data_manager, identified=False, now=NOW)
    run_export(job.pk)
    job.refresh_from_db()
    with zipfile.ZipFile(services.export_job_file(job)) as archive:
        trail = archive.read("audit_trail.csv").decode("utf-8")
    line = next(line for line in trail.splitlines() if ",core_exportjob," in line and ",identified," in line)
    assert data_manager.username in line and "Study export requested (pseudonymised)" in line


def test_a_done_job_is_not_redone(data_manager, participant):
    job = services.export_job_create(user=data_manager, identified=False, now=NOW)
    run_export(job.pk)
    job.refresh_from_db()
    path = services.export_job_file(job)
    written = (path.stat().st_mtime_ns, job.finished_at, job.history.count())
    assert run_export(job.pk) == ExportStatus.DONE
    job.refresh_from_db()
    assert (path.stat().st_mtime_ns, job.finished_at, job.history.count()) == written
    assert len(list(path.parent.iterdir())) == 1


def test_a_job_left_running_by_a_dead_worker_starts_again_cleanly(data_manager, participant, export_dir):
    job = services.export_job_create(user=data_manager, identified=False, now=NOW)
    job.status, job.progress_done, job.progress_total, job.current_step = "running", 40, 90, "Audit trail"
    job.save_without_historical_record()
    export_dir.mkdir(parents=True)
    leftover = export_dir / f"{services.export_file_name(job)}.part"
    leftover.write_bytes(b"half a zip")
    run_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert job.progress_done == job.progress_total != 90
    assert not leftover.exists()
    assert [path.name for path in export_dir.iterdir()] == [job.file_name]
    with zipfile.ZipFile(services.export_job_file(job)) as archive:
        assert archive.testzip() is None


def test_a_failure_is_recorded_on_the_job_and_leaves_no_partial_file(
    data_manager, participant, monkeypatch, export_dir
):
    def broken(*, path, **kwargs):
        path.write_bytes(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "study_export_write", broken)
    job = services.export_job_create(user=data_manager, identified=False, now=NOW)
    with pytest.raises(RuntimeError):
        services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.error == "RuntimeError: disk full"
    assert job.history.order_by("-history_date", "-history_id").first().history_change_reason == "Study export failed"
    assert not list(export_dir.iterdir())
    assert services.export_job_file(job) is None


def test_a_failed_job_can_be_run_again(data_manager, participant, monkeypatch):
    job = services.export_job_create(user=data_manager, identified=False, now=NOW)
    write = services.study_export_write
    monkeypatch.setattr(services, "study_export_write", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        services.export_job_run(job_id=job.pk)
    monkeypatch.setattr(services, "study_export_write", write)
    assert services.export_job_run(job_id=job.pk).status == ExportStatus.DONE


def test_downloading_is_recorded_with_who_and_when(data_manager, participant):
    job = services.export_job_create(user=data_manager, identified=False, now=NOW)
    run_export(job.pk)
    job.refresh_from_db()
    services.export_job_downloaded(job=job, user=data_manager, now=NOW)
    latest = job.history.order_by("-history_date", "-history_id").first()
    assert latest.downloaded_at == NOW and latest.history_user == data_manager
    assert latest.history_change_reason == f"Study export downloaded by {data_manager.username}"
