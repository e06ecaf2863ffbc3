"""Background jobs of the platform itself. Tasks take ids or nothing, call one function, and are
idempotent."""

from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from .digest import send_worklist_digests


@shared_task
def ping() -> dict:
    """Round trip through the broker: proves a worker is consuming and can reach the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        database_ok = cursor.fetchone()[0] == 1
    return {"pong": True, "database": connection.vendor if database_ok else "unreachable"}


@shared_task(acks_late=True)
def clear_expired_sessions() -> None:
    """Delete expired login sessions (scheduled nightly by django-celery-beat)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
def send_worklist_digest() -> int:
    """Email each coordinator today's worklist (``core.digest``), when ``WORKLIST_DIGEST_ENABLED``
    is set; otherwise do nothing. Returns the number of emails sent. Not scheduled here: add a
    django-celery-beat periodic task (e.g. daily at 07:00, after ``flag_visits_due``) to use it."""
    if not settings.WORKLIST_DIGEST_ENABLED:
        return 0
    return send_worklist_digests(today=timezone.localdate(), now=timezone.now())


# Tasks of the data-management package, registered with the worker through this module (Celery's
# autodiscovery looks only at each app's ``tasks`` module).
from .data_management.exports.tasks import run_export  # noqa: E402, F401
from .data_management.queries.tasks import run_edit_checks  # noqa: E402, F401


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
def refresh_worklist_snapshots() -> int:
    """Compute every participant's worklist snapshot for today in each language (``core.work_snapshots``;
    scheduled just after midnight), so the first worklist of the day reads them instead of computing
    the whole study. Idempotent: a second run stores the same rows. Returns the number stored."""
    from enrollment.models import Participant

    from . import work_snapshots
    from .worklist import compute_participant_work

    return work_snapshots.refresh_all(
        Participant.objects.filter(planned_treatment_start__isnull=False),
        today=timezone.localdate(),
        compute=compute_participant_work,
    )
