"""Give the roles the safety permissions (core/roles.py): reading the CTCAE dictionary, recording lab
panels and adverse events, signing AEs and deciding irAE dose holds (investigators)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from core.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_roles_dosing"),
        ("toxicity", "0003_adverse_events_labs"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
