"""Values every page shows: the trial's name and the inactivity timeout; on a record's page opened
from a data query (``?query=<id>``), the queried field to highlight; and, while the Celery broker is
down, the background-jobs banner."""

from django.conf import settings


def site(request):
    return {
        "trial_name": settings.TRIAL_NAME,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
        "demo_mode": settings.DEMO_MODE,
    }


def query_highlight(request):
    """``query_highlight`` (see ``core.data_management.queries.selectors.query_highlight``) when the
    page was opened with ``?query=<id>`` by someone who may see queries; nothing otherwise (and no
    database query). ``templates/base.html`` then loads ``core/query_highlight.js``, which marks the
    input of the queried field on whatever form the page shows."""
    raw = request.GET.get("query", "") if request is not None else ""
    if not raw.isdigit():
        return {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("core.view_dataquery"):
        return {}
    from .data_management.queries.selectors import query_highlight as highlight_for

    highlight = highlight_for(int(raw), path=request.path)
    return {"query_highlight": highlight} if highlight is not None else {}


def background_jobs(request):
    """``background_jobs_down`` (a ``core.faults.BackgroundJobs``) for logged-in users while the
    Celery broker is unreachable, shown as a banner by ``core/templates/core/_background_banner.html``;
    nothing otherwise. The broker is asked at most every 30 seconds per process, with a short timeout."""
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not user.is_authenticated:
        return {}
    from .faults import background_jobs as broker_state

    state = broker_state()
    return {} if state.reachable else {"background_jobs_down": state}
