"""Home page and the health endpoint."""

from django.contrib.auth.decorators import login_not_required, permission_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from enrollment.selectors import participant_list

from .sites import sees_all_sites


@permission_required("enrollment.view_participant", raise_exception=True)
def home(request):
    """The worklist: an investigator's signatures and decisions first, then (for whoever records
    visits, doses and safety data) the coordinator's worklist; read-only roles get counts. Everyone
    sees the recently screened participants."""
    from django.utils import timezone

    from . import worklist

    today, now = timezone.localdate(), timezone.now()
    user = request.user
    is_investigator = user.has_perm("toxicity.sign_adverseevent") or user.has_perm("enrollment.sign_eligibility")
    records_data = user.has_perm("enrollment.add_visit")
    shared: dict = {}  # the sections both worklists show, read once
    context = {
        "recent_participants": participant_list(user=user)[:10],
        "today": today,
        "investigator_worklist": worklist.investigator_worklist(today=today, now=now, user=user, shared=shared)
        if is_investigator else None,
        "coordinator_worklist": worklist.coordinator_worklist(today=today, now=now, user=user, shared=shared)
        if records_data else None,
        "overview": None if (is_investigator or records_data) else worklist.overview(now=now, user=user),
        "simon_notices": _simon_notices(user, now),
    }
    return render(request, "core/home.html", context)


def _simon_notices(user, now):
    """Decision points of the Simon design reached in the last 30 days, for those who see the monitor
    (which is for users who see every site, ``core.site_access.ALL_SITES_ONLY``)."""
    if not user.has_perm("efficacy.view_efficacy_report") or not sees_all_sites(user):
        return []
    from efficacy.selectors.simon import open_simon_notices

    return open_simon_notices(now=now)


@login_not_required
@never_cache
@require_GET
def health(request):
    """Liveness and database reachability, for load balancers and container health checks.

    Only the database makes the web unhealthy (503). A broker that does not answer adds
    ``"broker": "down"`` with a 200: pages and saves still work, background jobs catch up once it is
    back (``core.faults``; this check, probed every few seconds, is also what starts that catch-up)."""
    from .faults import background_jobs

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure makes the process unhealthy  # noqa: BLE001
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    payload = {"status": "ok", "database": "ok"}
    if not background_jobs(max_age_seconds=0).reachable:
        payload["broker"] = "down"
    return JsonResponse(payload)


@permission_required("core.view_taskrun", raise_exception=True)
@never_cache
@require_GET
def task_health(request):
    """Data managers' health page: each periodic task's schedule and last runs (red when a daily task
    has not succeeded for more than TASK_STALE_HOURS), and whether the Celery broker is reachable
    (asked now; since when it is down; a reachable broker catches up what an outage left unsent)."""
    from django.conf import settings
    from django.utils import timezone

    from .faults import background_jobs
    from .task_monitor import task_health as task_health_rows

    jobs = background_jobs(max_age_seconds=0)
    rows = task_health_rows(now=timezone.now())
    return render(
        request,
        "core/task_health.html",
        {
            "rows": rows,
            "stale_count": sum(1 for row in rows if row.stale),
            "stale_hours": settings.TASK_STALE_HOURS,
            "broker_reachable": jobs.reachable,
            "broker_down_since": jobs.down_since,
        },
    )


TASK_HEALTH_COLUMNS = [
    "name", "task", "schedule", "enabled", "stale", "last_succeeded_at", "last_failed_at", "last_error", "successes",
    "failures",
]  # fmt: skip


@permission_required("core.view_taskrun", raise_exception=True)
@never_cache
@require_GET
def task_health_csv(request):
    """The task health table as CSV (the broker check stays on the page)."""
    from django.utils import timezone, translation

    from .csv_stream import CSV_LANGUAGE, csv_response
    from .task_monitor import task_health as task_health_rows

    def when(moment):
        return timezone.localtime(moment).isoformat(timespec="seconds") if moment is not None else ""

    with translation.override(CSV_LANGUAGE):  # the schedules are described in English in the CSV
        health = task_health_rows(now=timezone.now())
    rows = (
        [row.name, row.task, row.schedule, "yes" if row.enabled else "no", "yes" if row.stale else "no",
         when(row.last_succeeded_at), when(row.last_failed_at), row.last_error, row.successes, row.failures]
        for row in health
    )  # fmt: skip
    return csv_response(f"task_health_{timezone.localdate():%Y%m%d}.csv", TASK_HEALTH_COLUMNS, rows)
