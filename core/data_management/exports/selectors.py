"""Reads for the export pages: which export jobs a user sees and may download, and their progress."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from core.crf import crf_models, form_label
from core.models import ExportJob, ExportStatus

from . import services
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
    step: str  # the progress step in the reader's language


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
                kind=_("Identified") if job.identified else _("Pseudonymised"),
                step=step_label(job.current_step),
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
        "current_step": step_label(job.current_step),
        "rows_written": job.rows_written,
        "file_size": job.file_size,
        "error": job.error,
        "finished": job.status in (ExportStatus.DONE, ExportStatus.FAILED),
    }


def export_kind_label(identified: bool) -> str:
    """The kind of export in a sentence, in the active language ("identified", "pseudonymised")."""
    return _("identified") if identified else _("pseudonymised")


def _form_names() -> dict[str, str]:
    """Each CRF form's name in English (as the progress steps store it) -> in the active language."""
    with translation.override("en"):
        english = [(form_label(model), model) for model in crf_models()]
    return {name: form_label(model) for name, model in english}


def step_label(step: str) -> str:
    """A job's progress step (stored in English by the export writer) in the active language."""
    from core.faults import EXPORT_SENT_AGAIN_STEP, EXPORT_WAITING_STEP

    fixed = {services.STEP_WAITING, services.STEP_STARTING, services.STEP_DONE, services.STEP_DICTIONARY,
             services.STEP_AUDIT_TRAIL, services.STEP_QUERY_LOG, EXPORT_WAITING_STEP, EXPORT_SENT_AGAIN_STEP}  # fmt: skip
    if step in fixed:
        return _(step)
    if step.startswith(services.STEP_FORM_PREFIX):
        form = step.removeprefix(services.STEP_FORM_PREFIX)
        return _("Form: %(form)s") % {"form": _form_names().get(form, form)}
    if step.startswith(services.STEP_SDTM_PREFIX):
        return _("SDTM domain %(name)s") % {"name": step.removeprefix(services.STEP_SDTM_PREFIX)}
    if step.startswith(services.STEP_COMMAND_PREFIX):
        return _("Written by the export_study command to %(file)s") % {
            "file": step.removeprefix(services.STEP_COMMAND_PREFIX)
        }
    return step
