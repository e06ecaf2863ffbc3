"""Give the roles the visit permissions (core/roles.py): everyone reads visits, their forms and the
worklist flags; coordinators and investigators record visits; data managers read the task runs."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from core.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_task_runs"),
        ("enrollment", "0003_visits"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
