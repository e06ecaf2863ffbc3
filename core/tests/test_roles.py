"""The role groups hold exactly the permissions declared in core/roles.py."""

import pytest
from django.contrib.auth.models import Group

from core import roles

pytestmark = pytest.mark.django_db


def test_each_role_group_has_exactly_its_declared_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    for role, declared in roles.ROLE_PERMISSIONS.items():
        perms = Group.objects.get(name=role).permissions.select_related("content_type")
        assert {f"{p.content_type.app_label}.{p.codename}" for p in perms} == set(declared), role


def test_monitor_writes_no_clinical_data_only_queries_and_source_verification():
    writes = {p for p in roles.ROLE_PERMISSIONS[roles.MONITOR] if not p.split(".")[1].startswith("view_")}
    assert writes == {"core.raise_query", "core.verify_source"}


def test_create_demo_users_gives_one_user_per_role(settings, capsys):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.DEMO_MODE = True
    call_command("create_demo_users")
    out = capsys.readouterr().out
    for username, role, *_ in __import__("core.management.commands.create_demo_users", fromlist=["x"]).DEMO_USERS:
        user = get_user_model().objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert username in out


def test_create_demo_users_is_refused_outside_demo_mode(settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("create_demo_users")
