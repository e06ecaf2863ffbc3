"""Issue 8 schedule, kept in the database (django-celery-beat; editable in the admin): the edit checks
that raise and close the automatic data queries, daily before the coordinators arrive (after the
nightly irAE sweep, before the visit flags)."""

from django.conf import settings
from django.db import migrations

NAME = "Run edit checks (automatic data queries)"
TASK = "core.data_management.queries.tasks.run_edit_checks"
HOUR, MINUTE = "5", "30"  # local time, settings.TIME_ZONE


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=MINUTE, hour=HOUR, day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.update_or_create(name=NAME, defaults={"task": TASK, "crontab": crontab, "enabled": True})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0012_roles_data_management"),
        ("django_celery_beat", "__latest__"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
