"""The access rules of ``core.sites``: who sees every site, what a site user's querysets keep."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from core import sites
from core.roles import COORDINATOR, DATA_MANAGER, INVESTIGATOR, MONITOR
from enrollment.models import Participant
from enrollment.tests.factories import participant_registered


@pytest.mark.django_db
@pytest.mark.parametrize("role", [COORDINATOR, INVESTIGATOR, DATA_MANAGER, MONITOR])
def test_without_sites_every_role_sees_every_participant_and_querysets_are_untouched(make_user, role, coordinator):
    participant_registered(user=coordinator)
    user = make_user(role)
    queryset = Participant.objects.all()
    assert sites.site_access(user) == sites.EVERY_SITE
    assert sites.restrict_to_user_sites(queryset, user, lookup="") is queryset
    assert sites.visible_participants(user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [COORDINATOR, INVESTIGATOR, DATA_MANAGER, MONITOR])
def test_no_study_role_sees_every_site_by_default(member, site_a, site_b, role):
    access = sites.site_access(member(role, site_a))
    assert not access.all_sites and access.site_ids == {site_a.pk}


@pytest.mark.django_db
def test_a_user_of_two_sites_sees_both_and_a_user_of_none_sees_nothing(member, site_a, site_b):
    both = member(COORDINATOR, site_a, site_b)
    alice = participant_registered(user=member(COORDINATOR, site_a))
    bella = participant_registered(user=member(COORDINATOR, site_b))
    assert set(sites.visible_participants(both)) == {alice, bella}
    assert not sites.visible_participants(member(COORDINATOR)).exists()
    assert list(sites.visible_participants(member(MONITOR, site_b))) == [bella]


@pytest.mark.django_db
def test_superusers_staff_and_the_permission_see_every_site(make_user, site_a):
    permitted = make_user(MONITOR)
    permitted.user_permissions.add(Permission.objects.get(codename="view_all_sites"))
    for user in (make_user(None, is_superuser=True), make_user(None, is_staff=True), permitted):
        assert sites.sees_all_sites(user)


@pytest.mark.django_db
def test_an_anonymous_visitor_sees_no_participant_once_sites_exist(site_a):
    assert not sites.sees_all_sites(AnonymousUser())


def test_a_system_caller_sees_the_whole_study():
    assert sites.site_access(None) == sites.EVERY_SITE


@pytest.mark.parametrize(
    "lookup, path",
    [("id", "site_id"), ("participant_id", "participant__site_id"),
     ("panel__participant_id", "panel__participant__site_id"), ("query__participant_id", "query__participant__site_id")],
)  # fmt: skip
def test_site_path_follows_the_audit_lookup_to_the_participants_site(lookup, path):
    assert sites.site_path(lookup) == path


@pytest.mark.django_db
def test_study_level_rows_are_kept_only_when_asked(member, site_a, make_user):
    from django.utils import timezone

    from core.models import DataLock, LockScope

    manager = member(DATA_MANAGER, site_a)
    study = DataLock.objects.create(scope=LockScope.STUDY, reason="Final analysis", locked_by=make_user(DATA_MANAGER),
                                    locked_at=timezone.now())  # fmt: skip
    assert not sites.restrict_to_user_sites(DataLock.objects.all(), manager).exists()
    assert list(sites.restrict_to_user_sites(DataLock.objects.all(), manager, keep_unowned=True)) == [study]


@pytest.mark.django_db
def test_a_users_sites_are_read_once_per_user_object(member, site_a, django_assert_num_queries):
    user = member(COORDINATOR, site_a)
    user.has_perm(sites.ALL_SITES_PERMISSION)  # the view's permission check loads these anyway
    with django_assert_num_queries(1):
        sites.site_access(user)
        sites.site_access(user)
        sites.restrict_to_user_sites(Participant.objects.all(), user, lookup="")
