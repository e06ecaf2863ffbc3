"""Home page and the health endpoint."""

from django.contrib.auth.decorators import login_not_required, permission_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from enrollment.selectors import participant_list


@permission_required("enrollment.view_participant", raise_exception=True)
def home(request):
    recent = participant_list()[:10]
    return render(request, "core/home.html", {"recent_participants": recent})


@login_not_required
@never_cache
@require_GET
def health(request):
    """Liveness and database reachability, for load balancers and container health checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure makes the process unhealthy  # noqa: BLE001
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
