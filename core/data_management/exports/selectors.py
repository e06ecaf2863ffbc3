"""Reads for the export pages: which export jobs a user sees and may download, and their progress."""

from dataclasses import dataclass

from django.db.models import QuerySet

from core.models import ExportJob, ExportStatus

from .services import export_job_file

LIST_LIMIT = 50


def can_see_export(user, job: ExportJob) -> bool:
    """The requester sees her own exports; data managers (``core.view_exportjob``) see every one."""
    return job.requested_by_id == user.pk or user.has_perm("core.view_exportjob")


def can_download_export(user, job: ExportJob) -> bool:
    """Who sees the export may download it, except an identified export: only with
    ``core.export_identified`` (checked again at each download, so a withdrawn permission counts)."""
    return can_see_export(user, job) and (not job.identified or user.has_perm("core.export_identified"))


def visible_export_jobs(user) -> QuerySet[ExportJob]:
    jobs = ExportJob.objects.select_related("requested_by").order_by("-requested_at", "-id")
    if user.has_perm("core.view_exportjob"):
        return jobs
    return jobs.filter(requested_by=user)


def progress_percent(job: ExportJob) -> int:
    if job.status == ExportStatus.DONE:
        return 100
    if not job.progress_total:
        return 0
    return min(100, job.progress_done * 100 // job.progress_total)


@dataclass(frozen=True)
class ExportJobRow:
    job: ExportJob
    percent: int
    in_progress: bool
    downloadable: bool
    kind: str


def export_job_rows(user) -> list[ExportJobRow]:
    """The latest exports the user sees, with what the page shows about each."""
    rows = []
    for job in visible_export_jobs(user)[:LIST_LIMIT]:
        rows.append(
            ExportJobRow(
                job=job,
                percent=progress_percent(job),
                in_progress=job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
                downloadable=can_download_export(user, job) and export_job_file(job) is not None,
                kind="Identified" if job.identified else "Pseudonymised",
            )
        )
    return rows


def export_job_status(job: ExportJob) -> dict:
    """The progress of one job, for the page's progress bar (JSON)."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "percent": progress_percent(job),
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "current_step": job.current_step,
        "rows_written": job.rows_written,
        "file_size": job.file_size,
        "error": job.error,
        "finished": job.status in (ExportStatus.DONE, ExportStatus.FAILED),
    }
