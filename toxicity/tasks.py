"""Background jobs of the toxicity app. Tasks take ids or nothing, call one service and handle only
retries; the services are idempotent, so running a task twice changes nothing the second time."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from enrollment.models import Participant

from .services.irae import irae_dose_rules_apply, irae_dose_rules_sweep

# Transient database failures (lost connection, deadlock, serialisation failure) are retried;
# an integrity or data error would fail the same way again, so it is not.
RETRIED_ERRORS = (OperationalError, InterfaceError)


@shared_task(acks_late=True, autoretry_for=RETRIED_ERRORS, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def apply_irae_dose_rules(participant_id: int | None = None) -> int:
    """Apply PROTOCOL §3's irAE table to toripalimab for one participant, or for every participant
    with an immune-related AE when ``participant_id`` is None (the 12-week rules depend on the date).
    Returns the number of decisions created or changed. Not scheduled here (a later issue adds the
    beat schedule)."""
    today = timezone.localdate()
    if participant_id is None:
        return irae_dose_rules_sweep(today=today)
    participant = Participant.objects.filter(pk=participant_id).first()
    if participant is None:
        return 0
    return len(irae_dose_rules_apply(participant=participant, user=None, today=today))
