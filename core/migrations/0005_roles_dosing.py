"""Give the roles the treatment permissions (core/roles.py): recording doses and radiotherapy,
deciding dose modifications, authorising a dose above the calculated one."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from core.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_roles_screening"),
        ("dosing", "0001_treatment_records"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
