"""Who gets into every page: each URL pattern for each role and for an anonymous visitor.

Deny by default: every URL the project defines must be listed in ACCESS, so a new view that is not
added here fails `test_every_url_pattern_is_listed`.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core import roles
from enrollment import services

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


# name -> (method, URL arguments, expected outcome per visitor); arguments: None, "pk" (a participant
# with a screening and consent) or "consent" (that participant and their consent).
ACCESS = {
    "login": ("get", None, {**everyone(REDIRECT), ANON: OK}),
    "logout": ("post", None, everyone(REDIRECT)),
    "password_change": ("get", None, {**everyone(OK), ANON: TO_LOGIN}),
    "password_change_done": ("get", None, {**everyone(OK), ANON: TO_LOGIN}),
    "core:home": ("get", None, only(*ALL_ROLES)),
    "core:health": ("get", None, everyone(OK)),
    "enrollment:participant_list": ("get", None, only(*ALL_ROLES)),
    "enrollment:participant_create": ("get", None, only(COORD)),
    "enrollment:participant_detail": ("get", "pk", only(*ALL_ROLES)),
    "enrollment:participant_update": ("get", "pk", only(COORD)),
    "enrollment:participant_status_change": ("get", "pk", only(COORD, INV)),
    "enrollment:participant_audit": ("get", "pk", only(*ALL_ROLES)),
    "enrollment:screening_log": ("get", None, only(*ALL_ROLES)),
    "enrollment:screening_log_csv": ("get", None, only(*ALL_ROLES)),
    "enrollment:screening_edit": ("get", "pk", only(*ALL_ROLES)),
    "enrollment:screening_evaluate": ("post", "pk", only(COORD)),
    "enrollment:screening_fail": ("get", "pk", only(COORD, INV)),
    "enrollment:consent_create": ("get", "pk", only(COORD)),
    "enrollment:consent_withdraw": ("get", "consent", only(COORD)),
    "enrollment:eligibility_sign": ("get", "pk", only(INV)),
    "enrollment:participant_enrol": ("get", "pk", only(COORD)),
    # The admin site checks is_staff itself on every one of its pages; no study role is staff.
    "admin:index": ("get", None, everyone(TO_ADMIN_LOGIN)),
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
def test_access(client, make_user, coordinator, participant, name, visitor):
    method, arguments, expected = ACCESS[name]
    consent = services.consent_record(
        participant=participant, user=coordinator, icf_version="v1", consent_date=participant.screening_date
    )
    services.screening_save(participant=participant, user=coordinator, values={"ecog": 0})
    if visitor != ANON:
        client.force_login(make_user(None if visitor == NO_ROLE else visitor))
    kwargs = {None: None, "pk": {"pk": participant.pk}, "consent": {"pk": participant.pk, "consent_pk": consent.pk}}
    url = reverse(name, kwargs=kwargs[arguments])
    response = getattr(client, method)(url)
    outcome = expected[visitor]
    if outcome == TO_LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("login")), (name, visitor)
    elif outcome == TO_ADMIN_LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login")), (name, visitor)
    else:
        assert response.status_code == outcome, (name, visitor, response.status_code)
