"""Background job of the data queries: the edit checks. The task takes nothing, calls one service and
handles only retries; the service is idempotent (running it twice opens nothing the second time).

Scheduled daily by django-celery-beat (core migration 0013) and queued by the data managers' "Run
edit checks now" button."""

from dataclasses import asdict

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

# Transient database failures are retried; an integrity or data error would fail the same way again.
RETRIED_ERRORS = (OperationalError, InterfaceError)


@shared_task(acks_late=True, autoretry_for=RETRIED_ERRORS, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def run_edit_checks() -> dict[str, int]:
    """Open, keep and close the automatic queries of the edit checks. One transaction: a worker killed
    mid-run leaves the queries as they were. Returns the counts (findings, opened, kept, closed)."""
    from .edit_checks import edit_checks_run

    return asdict(edit_checks_run(now=timezone.now()))
