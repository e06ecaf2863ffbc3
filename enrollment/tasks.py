"""Background jobs of the enrollment app. Tasks take ids or nothing, call one service and handle only
retries; the services are idempotent, so running a task twice changes nothing the second time."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .services.visit_flags import flag_visits_due as flag_visits_due_service

# Transient database failures (lost connection, deadlock, serialisation failure, lock timeout) are
# retried; an integrity or data error would fail the same way again, so it is not.
RETRIED_ERRORS = (OperationalError, InterfaceError)


@shared_task(acks_late=True, autoretry_for=RETRIED_ERRORS, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def flag_visits_due() -> dict[str, int]:
    """Open, keep and close the worklist's visit flags for today (local date). Scheduled daily at 06:00
    by django-celery-beat (core migration 0009). The work is one transaction: a worker killed
    mid-run leaves the flags as they were. Returns the counts opened / kept / closed."""
    return flag_visits_due_service(today=timezone.localdate()).as_dict()
