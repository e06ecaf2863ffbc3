"""The Celery app. Configuration comes from Django settings (``CELERY_*``): Redis when REDIS_URL is
set, Kombu's filesystem transport otherwise; periodic schedules live in the database
(django-celery-beat)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings.dev")

app = Celery("trialsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
