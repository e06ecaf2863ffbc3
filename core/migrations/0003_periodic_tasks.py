"""Nightly housekeeping schedule, kept in the database (django-celery-beat; editable in the admin)."""

from django.conf import settings
from django.db import migrations

TASKS = (
    # name, task, hour, minute (local time)
    ("Clear expired sessions", "core.tasks.clear_expired_sessions", "3", "0"),
)


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, hour, minute in TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
        )
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "crontab": crontab, "enabled": True})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_roles"),
        ("django_celery_beat", "__latest__"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
