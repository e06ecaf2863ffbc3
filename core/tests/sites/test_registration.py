"""Registering a patient at a site, and giving or changing a participant's site (``core.sites``)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.roles import COORDINATOR, MONITOR
from core.sites import NO_SITE_MESSAGE
from enrollment import services
from enrollment.models import Participant

DOB = datetime.date(1975, 3, 14)


def _register(user, **kwargs):
    return services.participant_create(
        user=user, initials="WL", date_of_birth=DOB, screening_date=timezone.localdate(), **kwargs
    )


def _all_sites(make_user, role=MONITOR):
    user = make_user(role)
    user.user_permissions.add(Permission.objects.get(codename="view_all_sites"))
    return user


@pytest.mark.django_db
def test_without_sites_a_patient_is_registered_with_no_site(coordinator, site_a):
    site_a.delete()
    assert _register(coordinator).site is None


@pytest.mark.django_db
def test_without_sites_no_site_can_be_given(coordinator):
    from core.models import Site

    site = Site(pk=99, code="X", name="Unsaved")
    with pytest.raises(ValidationError) as refused:
        _register(coordinator, site=site)
    assert "site" in refused.value.error_dict


@pytest.mark.django_db
def test_a_coordinator_with_one_site_registers_at_it_by_default(member, site_a, site_b):
    assert _register(member(COORDINATOR, site_b)).site == site_b


@pytest.mark.django_db
def test_a_coordinator_with_two_sites_must_choose(member, site_a, site_b):
    coordinator = member(COORDINATOR, site_a, site_b)
    with pytest.raises(ValidationError) as refused:
        _register(coordinator)
    assert refused.value.error_dict["site"][0].message == "Choose the site the patient is registered at."
    assert _register(coordinator, site=site_a).site == site_a


@pytest.mark.django_db
def test_a_coordinator_cannot_register_at_another_site(member, site_a, site_b):
    with pytest.raises(ValidationError) as refused:
        _register(member(COORDINATOR, site_a), site=site_b)
    assert "own site" in refused.value.error_dict["site"][0].message
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_a_coordinator_without_a_site_cannot_register_once_sites_exist(coordinator, site_a):
    with pytest.raises(ValidationError) as refused:
        _register(coordinator)
    assert refused.value.error_dict["site"][0].message == NO_SITE_MESSAGE


@pytest.mark.django_db
def test_the_registration_page_fixes_a_single_site_and_saves_it(client, member, site_a, site_b):
    client.force_login(member(COORDINATOR, site_b))
    form = client.get(reverse("enrollment:participant_create")).context["form"]
    assert form.fields["site"].disabled and form.fields["site"].initial == site_b
    data = {"initials": "ZX", "date_of_birth": "1970-01-02", "screening_date": timezone.localdate().isoformat(),
            "site": site_a.pk}  # a tampered post: the fixed field keeps the coordinator's site  # fmt: skip
    response = client.post(reverse("enrollment:participant_create"), data)
    assert response.status_code == 302
    assert Participant.objects.get().site == site_b


@pytest.mark.django_db
def test_the_registration_page_offers_only_the_coordinators_sites(client, member, site_a, site_b):
    from core.models import Site

    site_c = Site.objects.create(code="C", name="Site C")
    client.force_login(member(COORDINATOR, site_a, site_c))
    page = client.get(reverse("enrollment:participant_create"))
    assert list(page.context["form"].fields["site"].queryset) == [site_a, site_c]
    assert b'for="id_site"' in page.content and b'<select name="site"' in page.content
    data = {"initials": "ZX", "date_of_birth": "1970-01-02", "screening_date": timezone.localdate().isoformat()}
    missing = client.post(reverse("enrollment:participant_create"), data)
    assert missing.status_code == 200 and missing.context["form"].errors["site"]
    other = client.post(reverse("enrollment:participant_create"), {**data, "site": site_b.pk})
    assert other.status_code == 200 and other.context["form"].errors["site"]
    assert client.post(reverse("enrollment:participant_create"), {**data, "site": site_c.pk}).status_code == 302
    assert Participant.objects.get().site == site_c


@pytest.mark.django_db
def test_the_registration_page_has_no_site_field_without_sites(client, coordinator):
    client.force_login(coordinator)
    assert "site" not in client.get(reverse("enrollment:participant_create")).context["form"].fields


@pytest.mark.django_db
def test_a_user_who_sees_every_site_gives_a_legacy_participant_a_site_with_a_reason(client, coordinator, make_user):
    from core.models import Site

    legacy = _register(coordinator)  # before the study had sites
    site = Site.objects.create(code="A", name="Site A")
    client.force_login(_all_sites(make_user, COORDINATOR))
    url = reverse("enrollment:participant_update", kwargs={"pk": legacy.pk})
    assert "site" in client.get(url).context["form"].fields
    data = {"initials": "WL", "date_of_birth": DOB.isoformat(), "screening_date": legacy.screening_date.isoformat(),
            "site": site.pk, "version": legacy.version, "reason_for_change": "Site A joined the study"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    legacy.refresh_from_db()
    assert legacy.site == site
    assert legacy.history.first().history_change_reason == "Site A joined the study"


@pytest.mark.django_db
def test_site_staff_cannot_move_a_participant_to_another_site(client, member, site_a, site_b):
    coordinator = member(COORDINATOR, site_a)
    participant = _register(coordinator)
    client.force_login(coordinator)
    url = reverse("enrollment:participant_update", kwargs={"pk": participant.pk})
    assert "site" not in client.get(url).context["form"].fields
    with pytest.raises(ValidationError):
        services.participant_update(
            participant=participant, user=coordinator, expected_version=participant.version, reason="Moved",
            initials="WL", date_of_birth=DOB, screening_date=participant.screening_date, diagnosis_date=None,
            site=site_b,
        )  # fmt: skip
    participant.refresh_from_db()
    assert participant.site == site_a
