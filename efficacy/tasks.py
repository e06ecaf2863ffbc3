"""Background work of the efficacy app. Tasks take ids (or nothing), call one service, and only
handle retries; they are idempotent."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
def check_simon_decision(self) -> int:
    """Record (and notify) any Simon decision point newly reached; returns how many were new.
    Retried only on transient database errors (a lost connection, a lock timeout)."""
    from efficacy.services.simon import simon_decision_check

    return len(simon_decision_check(now=timezone.now()))
