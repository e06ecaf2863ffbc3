"""Two study sites, A and B, with a user of each role at each (``core.sites``)."""

import pytest

from core.tests.test_url_access import COORD, DM, INV, MON


@pytest.fixture
def site_a(db):
    from core.models import Site

    return Site.objects.create(code="A", name="Site A hospital")


@pytest.fixture
def site_b(db):
    from core.models import Site

    return Site.objects.create(code="B", name="Site B hospital")


@pytest.fixture
def member(make_user):
    """``member(role, *sites)``: a user of ``role`` working at ``sites``."""
    from core.models import SiteMembership

    def make(role, *sites, **kwargs):
        user = make_user(role, **kwargs)
        for site in sites:
            SiteMembership.objects.create(user=user, site=site)
        return user

    return make


@pytest.fixture
def staff_a(member, site_a):
    """One user of each study role at site A."""
    return {role: member(role, site_a) for role in (COORD, INV, DM, MON)}


@pytest.fixture
def staff_b(member, site_b):
    """One user of each study role at site B."""
    return {role: member(role, site_b) for role in (COORD, INV, DM, MON)}
