"""After any change to response data (a confirmed response, a progression, a death), the Simon
decision check runs in the background once the transaction commits (PROTOCOL §5: investigators
and data managers are told when a decision point is reached)."""

from django.db import transaction


def _enqueue_simon_check() -> None:
    from core.faults import enqueue
    from efficacy.tasks import check_simon_decision

    enqueue(check_simon_decision)  # never raises when the broker is down: sent again once it is back


def efficacy_data_changed() -> None:
    """Call inside the service's transaction; the check is queued only if it commits."""
    transaction.on_commit(_enqueue_simon_check)
