"""The study export: a ZIP of CSVs written straight to disk (one CSV per CRF form, the data
dictionary, the audit trail, the query log, the SDTM domains when ``sdtm.py`` is present, and a
README.txt), and the export jobs that run it in a Celery worker with their progress.

- Streaming: every CSV is written row by row into its ZIP member (``ZipFile.open(name, "w")``
  through a text wrapper) from querysets read in chunks, so memory stays flat as the data grows.
- Pseudonymised by default: study numbers, no initials, age instead of date of birth
  (``columns.withheld_fields``). An identified export needs ``core.export_identified`` besides
  ``core.export_study``.
- Audit: requesting an export, its result (written or failed) and every download are history rows of
  the ``ExportJob`` (who, when, why); progress updates are saved without history so the audit trail
  keeps only those steps.
- English: the files are data for statisticians, the same whatever the language of the person who
  asked (``study_export_write`` runs in English). The job's progress steps are stored in English
  too; the export page shows them in the reader's language (``selectors.step_label``).
"""

import csv
import datetime
import importlib
import importlib.util
import io
import os
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.models import ExportJob, ExportStatus

from . import audit
from .columns import IDENTIFYING_FIELDS, Column, cell
from .dictionary import DICTIONARY_FILE, DICTIONARY_HEADER, dictionary_rows
from .forms import AGE_COLUMN, form_tables

SDTM_MODULE = "core.data_management.exports.sdtm"
README_FILE = "README.txt"
REPORT_EVERY = 1000  # progress is saved at most once per this many rows read (and at each file)

IDENTIFIED_REFUSED = gettext_lazy(
    "Identified exports (with initials and dates of birth) need the permission to export identified data."
)

# The progress steps a job shows (stored in English; ``selectors.step_label`` translates them).
STEP_WAITING = gettext_noop("Waiting for a worker")
STEP_STARTING = gettext_noop("Starting")
STEP_DONE = gettext_noop("Done")
STEP_DICTIONARY = gettext_noop("Data dictionary")
STEP_AUDIT_TRAIL = gettext_noop("Audit trail")
STEP_QUERY_LOG = gettext_noop("Query log")
STEP_README = "README"
STEP_FORM_PREFIX = "Form: "
STEP_SDTM_PREFIX = "SDTM domain "
STEP_COMMAND_PREFIX = "Written by the export_study command to "


def export_kind(identified: bool) -> str:
    return "identified" if identified else "pseudonymised"


# --- the writer ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportProgress:
    step: str
    done: int
    total: int
    rows_written: int


@dataclass(frozen=True)
class ExportedFile:
    name: str
    rows: int


@dataclass(frozen=True)
class ExportSummary:
    files: tuple[ExportedFile, ...]

    @property
    def rows_written(self) -> int:
        return sum(file.rows for file in self.files)


@dataclass(frozen=True)
class _Part:
    """One CSV of the export: its rows are produced on demand and ``tick`` is called per unit of
    progress (a record or history row read)."""

    file_name: str
    step: str
    units: int
    header: list[str]
    rows: Callable[[Callable[[], None]], Iterable[list]]
    # A form's table writes itself (``FormTable.write_csv``: PostgreSQL's COPY where it can).
    table: object | None = None


class _Progress:
    def __init__(self, total: int, on_progress: Callable[[ExportProgress], None] | None):
        self.total = total
        self.done = 0
        self.rows_written = 0
        self.step = ""
        self._part_end = 0
        self._on_progress = on_progress

    def report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(ExportProgress(self.step, self.done, self.total, self.rows_written))

    def begin(self, step: str, units: int) -> None:
        self.step = step
        self._part_end = self.done + units
        self.report()

    def tick(self) -> None:
        if self.done < self._part_end:
            self.done += 1
            if self.done % REPORT_EVERY == 0:
                self.report()

    def row_written(self) -> None:
        self.rows_written += 1

    def advance(self, rows: int) -> None:
        """``rows`` records read and written at once (a form written by ``FormTable.write_csv``)."""
        before = self.done
        self.done = min(self.done + rows, self._part_end)
        self.rows_written += rows
        if self.done // REPORT_EVERY != before // REPORT_EVERY:
            self.report()

    def end(self) -> None:
        self.done = self._part_end


def _write_csv(
    archive: zipfile.ZipFile, name: str, header: list[str], rows: Iterable[list], progress: _Progress
) -> int:
    """Stream ``rows`` into the archive member ``name``; the number of rows written."""
    count = 0
    with (
        archive.open(name, "w", force_zip64=True) as member,
        io.TextIOWrapper(member, encoding="utf-8", newline="") as text,
    ):
        writer = csv.writer(text)
        writer.writerow(header)
        for row in rows:
            writer.writerow([cell(value) for value in row])
            count += 1
            progress.row_written()
    return count


def _sdtm_domains(*, identified: bool) -> list:
    """The SDTM domains (``sdtm.sdtm_domains``) when that module is installed, else none."""
    if importlib.util.find_spec(SDTM_MODULE) is None:
        return []
    return list(importlib.import_module(SDTM_MODULE).sdtm_domains(identified=identified))


def _sdtm_part(domain) -> _Part:
    def rows(tick):
        yield from domain.rows()
        tick()

    return _Part(f"sdtm/{domain.name}.csv", f"{STEP_SDTM_PREFIX}{domain.name}", 1, list(domain.header), rows)


def _parts(*, identified: bool) -> list[_Part]:
    tables = form_tables(identified=identified)
    domains = _sdtm_domains(identified=identified)
    query_columns = audit.query_log_columns(identified=identified)
    described = [
        *((table.file_name, table.form, table.columns) for table in tables),
        (audit.AUDIT_TRAIL_FILE, "Audit trail", audit.AUDIT_TRAIL_COLUMNS),
        (audit.QUERY_LOG_FILE, "Query log", query_columns),
        *(
            (
                f"sdtm/{domain.name}.csv",
                f"SDTM {domain.name} ({getattr(domain, 'label', domain.name)})",
                [Column(name, "SDTM variable (see the SDTM implementation guide)", "text") for name in domain.header],
            )
            for domain in domains
        ),
    ]

    def form_rows(table):
        def rows(tick):
            for row in table.rows():
                tick()
                yield row

        return rows

    return [
        *(_Part(t.file_name, f"{STEP_FORM_PREFIX}{t.form}", t.count(), t.header, form_rows(t), table=t) for t in tables),
        _Part(DICTIONARY_FILE, STEP_DICTIONARY, 1, DICTIONARY_HEADER, lambda tick: dictionary_rows(described)),
        _Part(
            audit.AUDIT_TRAIL_FILE,
            STEP_AUDIT_TRAIL,
            audit.audit_history_count(),
            [column.name for column in audit.AUDIT_TRAIL_COLUMNS],
            lambda tick: audit.audit_trail_rows(identified=identified, tick=tick),
        ),
        _Part(
            audit.QUERY_LOG_FILE,
            STEP_QUERY_LOG,
            audit.query_message_count(),
            [column.name for column in query_columns],
            lambda tick: audit.query_log_rows(identified=identified, tick=tick),
        ),
        *(_sdtm_part(domain) for domain in domains),
    ]


def software_version() -> str:
    """The software version (``trialsite.__version__``), or "unknown" when it is not declared."""
    import trialsite

    return str(getattr(trialsite, "__version__", "") or "unknown")


def readme_text(*, now: datetime.datetime, identified: bool, requested_by: str, job_id: int | None,
                files: Iterable[ExportedFile]) -> str:  # fmt: skip
    """The export's README.txt: when, which software, what kind, the files and the conventions."""
    withheld = ", ".join(sorted(name for names in IDENTIFYING_FIELDS.values() for name in names))
    lines = [
        f"Study export - {settings.TRIAL_NAME}",
        "",
        f"Exported at: {cell(now)} (ISO 8601, site time zone {settings.TIME_ZONE})",
        f"Software version: {software_version()}",
        f"Export: {export_kind(identified)}",
        f"Requested by: {requested_by}" + (f" (export #{job_id}, recorded in the audit trail)" if job_id else ""),
        "",
        "Files (rows, the header line not counted):",
        *(f"  {file.name}: {file.rows}" for file in files),
        f"  {README_FILE}: this file",
        "",
    ]
    if identified:
        lines += [
            "Identified export: participants' initials and dates of birth are included. Keep this file",
            "under the access rules of the study's personal data.",
        ]
    else:
        lines += [
            "Pseudonymised export:",
            "- participants are identified by their study number (their screening number while not",
            "  enrolled), in the study_number column of every form CSV, the audit trail and the query log;",
            f"- withheld everywhere, including the audit trail: {withheld}, and record names that",
            "  contain the initials (the query log's record label);",
            f"- {AGE_COLUMN.name} (completed years at the screening date) replaces the date of birth;",
            "- free text (notes, reasons, query messages) is exported as entered: read it before",
            "  passing the export on.",
        ]
    lines += [
        "",
        "Conventions:",
        "- one CSV per form in forms/, one row per record; dictionary.csv describes every column of",
        "  every CSV (label, type, unit, allowed values as code=label|code=label);",
        "- coded values come with their labels in <column>_label;",
        "- dates and times are ISO 8601, date-times with their UTC offset; yes/no is 1/0; an empty cell",
        "  is a value not recorded;",
        "- units are in column names (weight_kg, alt_u_per_l) and in the dictionary's unit column;",
        "- links to users are usernames, links to other records their id (the id column of the linked",
        "  form's CSV);",
        "- audit_trail.csv has one row per changed field (old and new value, who, when, reason);",
        "  query_log.csv one row per step of each data query.",
    ]
    if any(file.name.startswith("sdtm/") for file in files):
        lines.append("- sdtm/ holds the SDTM domains derived from the forms.")
    return "\n".join(lines) + "\n"


def study_export_write(
    *,
    path: Path,
    identified: bool,
    now: datetime.datetime,
    requested_by: str,
    job_id: int | None = None,
    on_progress: Callable[[ExportProgress], None] | None = None,
) -> ExportSummary:
    """Write the study export to ``path`` (a ZIP file), streaming each CSV from the database, in
    English whatever the active language. ``on_progress`` is called at each file and every
    ``REPORT_EVERY`` rows read."""
    with translation.override("en"):
        return _write_export(path=path, identified=identified, now=now, requested_by=requested_by, job_id=job_id,
                             on_progress=on_progress)  # fmt: skip


def _write_export(*, path, identified, now, requested_by, job_id, on_progress) -> ExportSummary:
    parts = _parts(identified=identified)
    progress = _Progress(sum(part.units for part in parts) + 1, on_progress)
    files: list[ExportedFile] = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            progress.begin(part.step, part.units)
            if part.table is not None:
                with archive.open(part.file_name, "w", force_zip64=True) as member:
                    rows = part.table.write_csv(member, on_rows=progress.advance)
            else:
                rows = _write_csv(archive, part.file_name, part.header, part.rows(progress.tick), progress)
            files.append(ExportedFile(part.file_name, rows))
            progress.end()
        progress.begin(STEP_README, 1)
        archive.writestr(
            README_FILE,
            readme_text(now=now, identified=identified, requested_by=requested_by, job_id=job_id, files=files),
        )
        progress.end()
    progress.step = STEP_DONE
    progress.report()
    return ExportSummary(tuple(files))


# --- jobs ---------------------------------------------------------------------------------------------


def export_dir() -> Path:
    return Path(settings.EXPORT_DIR)


def _username(user) -> str:
    return user.get_username() if user is not None else "the system"


@transaction.atomic
def export_job_create(*, user: AbstractBaseUser, identified: bool, now: datetime.datetime) -> ExportJob:
    """Record a study export request (not yet run). Needs ``core.export_study``; an identified
    export needs ``core.export_identified`` too. The history row says who asked for what, when."""
    if not user.has_perm("core.export_study"):
        raise PermissionDenied(_("Exporting the study needs the permission to export study data."))
    if identified and not user.has_perm("core.export_identified"):
        raise ValidationError({"identified": ValidationError(IDENTIFIED_REFUSED, code="export.identified.forbidden")})
    job = ExportJob(
        requested_by=user,
        requested_at=now,
        identified=identified,
        status=ExportStatus.QUEUED,
        current_step=STEP_WAITING,
    )
    job.full_clean()
    job._history_user = user
    job._change_reason = f"Study export requested ({export_kind(identified)})"
    job.save()
    return job


@transaction.atomic
def export_job_request(*, user: AbstractBaseUser, identified: bool, now: datetime.datetime) -> ExportJob:
    """Record an export request and queue its Celery job once the request is committed."""
    from core.faults import enqueue_export

    job = export_job_create(user=user, identified=identified, now=now)
    # Broker down: the job stays queued, says so, and is sent once the broker is back (core.faults).
    transaction.on_commit(lambda: enqueue_export(job.pk))
    return job


_PROGRESS_FIELDS = ["progress_done", "progress_total", "current_step", "rows_written"]


def _save_without_history(job: ExportJob, fields: list[str]) -> None:
    job.save_without_historical_record(update_fields=fields)


def export_file_name(job: ExportJob) -> str:
    """The job's file in ``EXPORT_DIR``: the same for every run of the job, so a run that starts again
    overwrites what a dead one left."""
    return (
        f"study-export-{job.pk}-{timezone.localtime(job.requested_at):%Y%m%dT%H%M%S}-{export_kind(job.identified)}.zip"
    )


def export_job_run(
    *,
    job_id: int,
    clock: Callable[[], datetime.datetime] = timezone.now,
    destination: Path | None = None,
    on_progress: Callable[[ExportProgress], None] | None = None,
) -> ExportJob:
    """Run an export job: write its ZIP (in ``EXPORT_DIR``, or at ``destination`` for the management
    command, when the site does not keep the file) and record the result.

    Idempotent: a done job is returned as it is. A job found running (its worker died) or failed
    starts again from nothing: its partial file is overwritten. Progress is saved as it goes, without
    history rows; the result (written or failed) is a history row. A failure is recorded and raised.
    """
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("requested_by").get(pk=job_id)
        if job.status == ExportStatus.DONE:
            return job
        job.status = ExportStatus.RUNNING
        job.started_at = clock()
        job.finished_at = None
        job.progress_done = job.progress_total = job.rows_written = 0
        job.current_step = STEP_STARTING
        job.error = ""
        job.file_name = ""
        job.file_size = None
        _save_without_history(
            job, ["status", "started_at", "finished_at", "error", "file_name", "file_size", *_PROGRESS_FIELDS]
        )

    target = destination if destination is not None else export_dir() / export_file_name(job)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")

    def save_progress(progress: ExportProgress) -> None:
        job.progress_done, job.progress_total = progress.done, progress.total
        job.current_step, job.rows_written = progress.step[:200], progress.rows_written
        _save_without_history(job, _PROGRESS_FIELDS)
        if on_progress is not None:
            on_progress(progress)

    try:
        summary = study_export_write(
            path=partial,
            identified=job.identified,
            now=job.started_at,
            requested_by=_username(job.requested_by),
            job_id=job.pk,
            on_progress=save_progress,
        )
        os.replace(partial, target)
    except Exception as error:  # any failure is recorded on the job, then raised for the worker's log
        partial.unlink(missing_ok=True)
        job.status = ExportStatus.FAILED
        job.finished_at = clock()
        job.error = f"{type(error).__name__}: {error}"
        job._history_user = job.requested_by
        job._change_reason = "Study export failed"
        with transaction.atomic():
            job.save(update_fields=["status", "finished_at", "error"])
        raise

    job.status = ExportStatus.DONE
    job.finished_at = clock()
    job.file_name = target.name if destination is None else ""
    job.file_size = target.stat().st_size
    job.rows_written = summary.rows_written
    job.progress_done = job.progress_total
    job.current_step = STEP_DONE if destination is None else f"{STEP_COMMAND_PREFIX}{target.name}"[:200]
    job._history_user = job.requested_by
    job._change_reason = f"Study export written ({export_kind(job.identified)}): {summary.rows_written} rows in {len(summary.files)} files"
    with transaction.atomic():
        job.save(update_fields=["status", "finished_at", "file_name", "file_size", *_PROGRESS_FIELDS])
    return job


def export_job_file(job: ExportJob) -> Path | None:
    """The job's ZIP in ``EXPORT_DIR``, or None when there is none to download (not done, written
    elsewhere by the command, or removed)."""
    if job.status != ExportStatus.DONE or not job.file_name:
        return None
    path = export_dir() / job.file_name
    return path if path.is_file() else None


@transaction.atomic
def export_job_downloaded(*, job: ExportJob, user: AbstractBaseUser, now: datetime.datetime) -> ExportJob:
    """Record a download of the export (a history row: downloaded by whom, when)."""
    job.downloaded_at = now
    job._history_user = user
    job._change_reason = f"Study export downloaded by {_username(user)}"
    job.save(update_fields=["downloaded_at"])
    return job
