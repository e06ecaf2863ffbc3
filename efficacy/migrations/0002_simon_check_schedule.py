"""Issue 7 schedule, kept in the database (django-celery-beat; editable in the admin): the daily Simon
decision check (PROTOCOL §5) before the team arrives. The check also runs after every change to
response data; the daily run catches anything a lost task missed and retries unsent e-mails."""

from django.conf import settings
from django.db import migrations

NAME = "Check Simon decision points"
TASK = "efficacy.tasks.check_simon_decision"
HOUR, MINUTE = "6", "30"  # local time, settings.TIME_ZONE


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
        ("efficacy", "0001_initial"),
        ("django_celery_beat", "__latest__"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
