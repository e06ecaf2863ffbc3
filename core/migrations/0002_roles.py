"""Create the four study roles with their permissions (core/roles.py)."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from core.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("enrollment", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
