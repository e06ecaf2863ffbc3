"""Values every page shows: the trial's name and the inactivity timeout."""

from django.conf import settings


def site(request):
    return {
        "trial_name": settings.TRIAL_NAME,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
        "demo_mode": settings.DEMO_MODE,
    }
