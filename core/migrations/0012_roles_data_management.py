"""Give the roles the data-management permissions (core/roles.py): everyone reads queries,
verifications and locks; monitors and data managers raise and close queries; coordinators and
investigators answer them; monitors verify source data; data managers lock data and export the study."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from core.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_data_management"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
