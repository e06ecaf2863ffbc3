"""`manage.py export_study OUT.zip --user USERNAME [--identified]`: the same export, written
synchronously with its progress on stdout, recorded as an export of that user."""

import csv
import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command

from core.models import ExportJob, ExportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


def _run(*args) -> str:
    out = io.StringIO()
    call_command("export_study", *args, stdout=out)
    return out.getvalue()


def test_command_writes_the_zip_and_records_the_export(tmp_path, data_manager, participant, export_dir):
    target = tmp_path / "study.zip"
    output = _run(str(target), "--user", data_manager.username)
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert {"README.txt", "dictionary.csv", "audit_trail.csv", "query_log.csv"} <= set(names)
        with archive.open("forms/enrollment_participant.csv") as raw:
            rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
        assert [row["screening_number"] for row in rows] == [participant.screening_number]
        assert "initials" not in rows[0]
    assert "Form: Participant" in output and "Audit trail" in output and f"Wrote {target}" in output
    job = ExportJob.objects.get()
    assert (job.status, job.requested_by, job.identified) == (ExportStatus.DONE, data_manager, False)
    assert job.file_name == "" and job.file_size == target.stat().st_size
    assert job.history.earliest("history_date").history_user == data_manager
    assert not export_dir.exists() or not list(export_dir.iterdir())  # the site keeps no copy
    assert not list(tmp_path.glob("*.part"))


def test_identified_export_needs_the_permission(tmp_path, data_manager, participant):
    target = tmp_path / "study.zip"
    with pytest.raises(CommandError, match="identified"):
        _run(str(target), "--user", data_manager.username, "--identified")
    assert not target.exists() and not ExportJob.objects.exists()

    data_manager.user_permissions.add(Permission.objects.get(codename="export_identified"))
    _run(str(target), "--user", data_manager.username, "--identified")
    with zipfile.ZipFile(target) as archive:
        header = archive.read("forms/enrollment_participant.csv").decode().splitlines()[0]
    assert "initials" in header.split(",") and "date_of_birth" in header.split(",")
    assert ExportJob.objects.get().identified


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "No active user"),
        (["--user", "COORD"], "permission"),
    ],
)
def test_command_refuses_unknown_users_and_users_who_may_not_export(tmp_path, coordinator, args, message):
    args = [a.replace("COORD", coordinator.username) for a in args]
    with pytest.raises(CommandError, match=message):
        _run(str(tmp_path / "study.zip"), *args)
    assert not ExportJob.objects.exists()


def test_command_needs_a_user_and_a_zip_name(tmp_path, data_manager):
    with pytest.raises(CommandError):
        _run(str(tmp_path / "study.zip"))
    with pytest.raises(CommandError, match=r"\.zip"):
        _run(str(tmp_path / "study.csv"), "--user", data_manager.username)
