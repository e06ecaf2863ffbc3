"""The study export job, run by a Celery worker (queued by ``services.export_job_request`` once the
request is committed)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3)
def run_export(job_id: int) -> str:
    """Write the export of job ``job_id``; returns its status. Idempotent: a done job is not redone;
    a job whose worker died (redelivered, acks_late) starts again cleanly."""
    from .services import export_job_run

    return export_job_run(job_id=job_id).status
