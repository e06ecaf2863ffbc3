"""Who gets into every page: each URL pattern for each role and for an anonymous visitor.

Deny by default: every URL the project defines must be listed in ACCESS, so a new view that is not
added here fails `test_every_url_pattern_is_listed`.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core import roles

ANON, NO_ROLE = "anonymous", "no role"
COORD, INV, DM, MON = roles.COORDINATOR, roles.INVESTIGATOR, roles.DATA_MANAGER, roles.MONITOR
ALL_ROLES = (COORD, INV, DM, MON)
VISITORS = (ANON, NO_ROLE) + ALL_ROLES

OK, DENIED, TO_LOGIN, TO_ADMIN_LOGIN, REDIRECT = 200, 403, "login", "admin-login", 302


def only(*allowed, anonymous=TO_LOGIN):
    """Expected outcome per visitor: allowed roles 200, other logged-in users 403."""
    expected = {visitor: (OK if visitor in allowed else DENIED) for visitor in VISITORS}
    expected[ANON] = anonymous
    return expected


def everyone(outcome):
    return {visitor: outcome for visitor in VISITORS}


# name -> (method, needs a participant pk, expected outcome per visitor)
ACCESS = {
    "login": ("get", False, {**everyone(REDIRECT), ANON: OK}),
    "logout": ("post", False, everyone(REDIRECT)),
    "password_change": ("get", False, {**everyone(OK), ANON: TO_LOGIN}),
    "password_change_done": ("get", False, {**everyone(OK), ANON: TO_LOGIN}),
    "core:home": ("get", False, only(*ALL_ROLES)),
    "core:health": ("get", False, everyone(OK)),
    "enrollment:participant_list": ("get", False, only(*ALL_ROLES)),
    "enrollment:participant_create": ("get", False, only(COORD)),
    "enrollment:participant_detail": ("get", True, only(*ALL_ROLES)),
    "enrollment:participant_update": ("get", True, only(COORD)),
    "enrollment:participant_status_change": ("get", True, only(COORD, INV)),
    "enrollment:participant_audit": ("get", True, only(*ALL_ROLES)),
    # The admin site checks is_staff itself on every one of its pages; no study role is staff.
    "admin:index": ("get", False, everyone(TO_ADMIN_LOGIN)),
}


def _pattern_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _pattern_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed {pattern.pattern}>"


def test_every_url_pattern_is_listed():
    names = set(_pattern_names(get_resolver().url_patterns))
    unlisted = {name for name in names if name not in ACCESS and not name.startswith("admin:")}
    assert not unlisted, f"URL patterns missing from the access matrix: {sorted(unlisted)}"
    assert set(ACCESS) <= names, f"stale entries: {sorted(set(ACCESS) - names)}"


@pytest.mark.django_db
@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_access(client, make_user, participant, name, visitor):
    method, needs_pk, expected = ACCESS[name]
    if visitor != ANON:
        client.force_login(make_user(None if visitor == NO_ROLE else visitor))
    url = reverse(name, kwargs={"pk": participant.pk} if needs_pk else None)
    response = getattr(client, method)(url)
    outcome = expected[visitor]
    if outcome == TO_LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("login")), (name, visitor)
    elif outcome == TO_ADMIN_LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login")), (name, visitor)
    else:
        assert response.status_code == outcome, (name, visitor, response.status_code)
