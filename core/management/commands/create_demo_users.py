"""Create one demo user per study role and print their passwords (demo mode only)."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from core import roles

DEMO_USERS = (
    ("coordinator", roles.COORDINATOR, "Demo", "Coordinator"),
    ("investigator", roles.INVESTIGATOR, "Demo", "Investigator"),
    ("datamanager", roles.DATA_MANAGER, "Demo", "Data Manager"),
    ("monitor", roles.MONITOR, "Demo", "Monitor"),
)


class Command(BaseCommand):
    help = "Create (or reset) one demo user per role with a fresh random password and print them. Demo mode only."

    def add_arguments(self, parser):
        parser.add_argument("--no-admin", action="store_true", help="Do not create the demo superuser 'admin'.")

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo users exist only in demo mode (DJANGO_DEBUG=1, TRIALSITE_DEMO_MODE=1).")
        User = get_user_model()
        rows = []
        for username, role, first, last in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.is_active = True
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            rows.append((role, username, password))
        if not options["no_admin"]:
            admin, _ = User.objects.get_or_create(username="admin", defaults={"first_name": "Demo", "last_name": "Admin"})
            password = secrets.token_urlsafe(12)
            admin.set_password(password)
            admin.is_staff = admin.is_superuser = True
            admin.save()
            rows.append(("Administrator (Django admin)", "admin", password))
        width = max(len(r[0]) for r in rows)
        self.stdout.write(self.style.SUCCESS("Demo users (passwords are new on every start):"))
        for role, username, password in rows:
            self.stdout.write(f"  {role:<{width}}  {username:<13} {password}")
