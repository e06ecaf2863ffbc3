"""Values every page shows: the trial's name and the inactivity timeout; and, on a record's page
opened from a data query (``?query=<id>``), the queried field to highlight."""

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
