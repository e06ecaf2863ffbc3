"""Give the roles the screening, consent, signature and enrolment permissions (core/roles.py)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from core.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_periodic_tasks"),
        ("enrollment", "0002_screening_consent_signature"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
