"""Background jobs of the platform itself. Tasks take ids or nothing, call one function, and are
idempotent."""

from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.db import connection


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
