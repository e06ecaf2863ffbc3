"""``manage.py export_study OUT.zip --user USERNAME [--identified]``: the study export, written
synchronously to OUT.zip with its progress on standard output.

The same writer as the data managers' export page. The export is recorded as an export job of the
named user (who needs the permission to export the study, and for ``--identified`` the permission to
export identified data), so the audit trail says who exported what and when. The file is not kept
on the site for download.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.data_management.exports.services import ExportProgress, export_job_create, export_job_run, export_kind


class Command(BaseCommand):
    help = "Export the study (ZIP of CSVs: forms, data dictionary, audit trail, query log, README)."

    def add_arguments(self, parser):
        parser.add_argument("out", help="The ZIP file to write, e.g. study.zip")
        parser.add_argument(
            "--user",
            required=True,
            help="Username the export is recorded under in the audit trail (needs the export permission).",
        )
        parser.add_argument(
            "--identified",
            action="store_true",
            help="Include initials and dates of birth (the user needs the permission to export identified data).",
        )

    def handle(self, *args, out, user, identified, **options):
        destination = Path(out).resolve()
        if destination.suffix.lower() != ".zip":
            raise CommandError(f"{out}: the export is a ZIP file; give a name ending in .zip.")
        if not destination.parent.is_dir():
            raise CommandError(f"{destination.parent} is not a directory.")
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active user named {user!r}.")
        try:
            job = export_job_create(user=account, identified=identified, now=timezone.now())
        except PermissionDenied as error:
            raise CommandError(f"{user}: {error}") from error
        except ValidationError as error:
            raise CommandError(f"{user}: {' '.join(error.messages)}") from error

        last_step = None

        def report(progress: ExportProgress) -> None:
            nonlocal last_step
            if progress.step != last_step:
                last_step = progress.step
                percent = progress.done * 100 // progress.total if progress.total else 0
                self.stdout.write(f"[{percent:3d}%] {progress.step} ({progress.rows_written} rows written)")

        try:
            job = export_job_run(job_id=job.pk, destination=destination, on_progress=report)
        except Exception as error:  # recorded on the job (failed) by the service; say it plainly here
            raise CommandError(f"Export #{job.pk} failed: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {destination} ({export_kind(identified)}, {job.rows_written} rows, {job.file_size} bytes); "
                f"recorded as export #{job.pk} by {user}."
            )
        )
