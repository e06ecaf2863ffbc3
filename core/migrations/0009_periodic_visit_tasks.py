"""Issue 6 schedules, kept in the database (django-celery-beat; editable in the admin): the daily visit
flags before the coordinators arrive, the optional worklist email digest after them, and the nightly irAE sweep (the 12-week rules depend on the
date; the task also runs after each AE save)."""

from django.conf import settings
from django.db import migrations

TASKS = (
    # name, task, hour, minute (local time, settings.TIME_ZONE)
    ("Flag visits due", "enrollment.tasks.flag_visits_due", "6", "0"),
    ("Apply irAE dose rules (nightly sweep)", "toxicity.tasks.apply_irae_dose_rules", "1", "30"),
    # After the flags; it sends nothing unless WORKLIST_DIGEST_ENABLED is set.
    ("Send worklist digest", "core.tasks.send_worklist_digest", "7", "0"),
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
        ("core", "0008_roles_visits"),
        ("django_celery_beat", "__latest__"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
