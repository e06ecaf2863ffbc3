"""Give the roles the efficacy permissions (core/roles.py): everyone reads tumour assessments,
progressions and follow-up; coordinators and investigators record them; only investigators
confirm responses; investigators, data managers and monitors see the Simon monitor and survival
report."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from core.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_periodic_visit_tasks"),
        ("efficacy", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
