"""The site wall on URLs (``core.site_access``): with sites configured, every URL that names another
site's participant or one of her records answers 404, for every kind of URL argument of the role/URL
matrix; iterating ids never reveals a record; pages about the whole study are all-sites only."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from core import site_access
from core.crf import crf_model_for, participant_id_of
from core.roles import COORDINATOR, MONITOR
from core.tests.test_url_access import (
    ACCESS,
    ALL_ROLES,
    DATA_MANAGEMENT_KINDS,
    DENIED,
    EFFICACY_KINDS,
    SAFETY_KINDS,
    _data_management_kwargs,
    _efficacy_kwargs,
    _safety_kwargs,
    _treatment_kwargs,
)
from enrollment import services
from enrollment.models import Participant
from enrollment.tests.factories import participant_registered

# Argument kinds of the role/URL matrix that name no participant.
STUDY_LEVEL_KINDS = (None, "safety_csv", "survival_csv", "export_job")
PARTICIPANT_URLS = sorted(name for name, (_method, kind, _expected) in ACCESS.items() if kind not in STUDY_LEVEL_KINDS)


def _first_allowed_role(name: str) -> str:
    """The first study role that gets past the permission check of URL ``name``."""
    expected = ACCESS[name][2]
    return next(role for role in ALL_ROLES if expected[role] != DENIED)


def build_kwargs(kind: str, coordinator, make_user) -> dict:
    """What ``test_url_access.test_access`` builds for an argument kind, registered by ``coordinator``
    (so at her site): a participant with consent and screening, and the records of the kind."""
    participant = participant_registered(user=coordinator)
    consent = services.consent_record(
        participant=participant, user=coordinator, icf_version="v1", consent_date=participant.screening_date
    )
    services.screening_save(participant=participant, user=coordinator, values={"ecog": 0})
    if kind == "pk":
        return {"pk": participant.pk}
    if kind == "consent":
        return {"pk": participant.pk, "consent_pk": consent.pk}
    if kind in SAFETY_KINDS:
        return _safety_kwargs(kind, coordinator, make_user)
    if kind in DATA_MANAGEMENT_KINDS:
        return _data_management_kwargs(kind, participant, consent, make_user)
    if kind in EFFICACY_KINDS:
        return _efficacy_kwargs(kind, coordinator, make_user)
    return _treatment_kwargs(kind, coordinator, make_user)


def _get(client, name: str, kwargs: dict):
    method = ACCESS[name][0]
    return getattr(client, method)(reverse(name, kwargs=kwargs))


@pytest.mark.django_db
@pytest.mark.parametrize("name", PARTICIPANT_URLS)
def test_another_sites_participant_url_answers_404_and_her_own_site_gets_in(
    client, make_user, member, site_a, site_b, name, settings, tmp_path
):
    settings.EXPORT_DIR = tmp_path
    role = _first_allowed_role(name)
    kwargs = build_kwargs(ACCESS[name][1], member(COORDINATOR, site_b), make_user)
    assert not Participant.objects.filter(site__isnull=True).exists()

    client.force_login(member(role, site_a))
    assert _get(client, name, kwargs).status_code == 404, name

    client.force_login(member(role, site_b))
    assert _get(client, name, kwargs).status_code == ACCESS[name][2][role], name


# --- iterating ids ----------------------------------------------------------------------------------------

# One URL per kind of argument naming a record; each of its integer arguments is iterated.
ITERATED = {
    "enrollment:participant_detail": "pk",
    "enrollment:consent_withdraw": "consent",
    "enrollment:visit_forms": "visit",
    "toxicity:lab_detail": "lab_panel",
    "toxicity:lab_result_dismiss": "lab_result",
    "toxicity:ae_detail": "ae",
    "toxicity:irae_decide": "irae_decision",
    "efficacy:assessment_detail": "follow_up_assessment",
    "efficacy:progression_update": "progression",
    "dosing:anthropometrics_update": "anthropometrics",
    "dosing:modification_decide": "review",
    "dosing:brachy_update": "brachy",
    "dm:query_detail": "query",
    "dm:record": "crf_record",
    "dm:participant_lock": "pk",
    "dm:lock_release": "lock",
}
SPREAD = 5


def _named_records(name: str, kwargs: dict) -> list[tuple[type | None, int]]:
    records = []
    for argument, value in kwargs.items():
        model = site_access.url_argument_model(name, argument)
        if model is not None:
            records.append((model, value))
    if "content_type_id" in kwargs:
        records.append((crf_model_for(kwargs["content_type_id"]), kwargs["object_id"]))
    return records


def _all_at(site, records) -> bool:
    """Whether every record exists and belongs to a participant of ``site`` (read with the audit
    trail's own lookup, independently of the middleware)."""
    for model, pk in records:
        instance = model.objects.filter(pk=pk).first() if model is not None else None
        participant_id = participant_id_of(instance) if instance is not None else None
        if participant_id is None or not Participant.objects.filter(pk=participant_id, site=site).exists():
            return False
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ITERATED))
def test_iterating_ids_as_the_other_sites_user_never_reveals_a_record(
    client, make_user, member, site_a, site_b, name
):
    kind = ITERATED[name]
    role = _first_allowed_role(name)
    # Records of both sites interleaved, so the ids around B's include A's.
    build_kwargs(kind, member(COORDINATOR, site_a), make_user)
    kwargs = build_kwargs(kind, member(COORDINATOR, site_b), make_user)
    build_kwargs(kind, member(COORDINATOR, site_a), make_user)
    hidden_numbers = [number for pair in Participant.objects.filter(site=site_b).values_list(
        "screening_number", "study_number") for number in pair if number]  # fmt: skip
    client.force_login(member(role, site_a))
    outcomes = set()
    integer_arguments = [argument for argument, value in kwargs.items() if isinstance(value, int)]
    for argument in integer_arguments:
        for value in range(kwargs[argument] - SPREAD, kwargs[argument] + SPREAD + 1):
            if value < 1:
                continue
            tried = {**kwargs, argument: value}
            response = _get(client, name, tried)
            if _all_at(site_a, _named_records(name, tried)):
                outcomes.add("own")
                continue
            assert response.status_code == 404, (name, tried, response.status_code)
            outcomes.add("hidden")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert not any(number.encode() in body for number in hidden_numbers), (name, tried)
    assert "hidden" in outcomes, name
    if len(integer_arguments) == 1 and name != "dm:record":
        assert "own" in outcomes, f"{name}: no id of site A was tried"


# --- declarations and cost ---------------------------------------------------------------------------------


def _url_arguments():
    def walk(patterns, namespace=""):
        from django.urls import URLPattern, URLResolver

        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}", list(pattern.pattern.converters)

    return [(name, arguments) for name, arguments in walk(get_resolver().url_patterns) if not name.startswith("admin:")]


def test_every_url_argument_of_the_project_is_declared_to_the_site_wall():
    undeclared = []
    for name, arguments in _url_arguments():
        for argument in arguments:
            try:
                site_access.url_argument_model(name, argument)
            except site_access.Undeclared:
                undeclared.append(f"{name}: {argument}")
    assert not undeclared, f"declare these in core.site_access: {undeclared}"


def test_every_declared_model_reaches_its_participant():
    from django.apps import apps

    labels = set(site_access.URL_OBJECTS.values()) | {
        label for overrides in site_access.URL_OBJECT_OVERRIDES.values() for label in overrides.values()
    }
    for label in labels:
        assert apps.get_model(label).audit_participant_lookup, label


@pytest.mark.django_db
def test_an_undeclared_url_argument_is_refused_for_site_staff(rf, member, site_a):
    request = rf.get("/anything/")
    request.user = member(COORDINATOR, site_a)
    request.resolver_match = type("Match", (), {"view_name": "app:new_page", "namespaces": ["app"]})()
    middleware = site_access.SiteAccessMiddleware(lambda request: None)
    with pytest.raises(site_access.Http404):
        middleware.process_view(request, None, (), {"thing_pk": 1})


def _wall_queries(url: str, user) -> int:
    """How many queries the middleware makes for ``url`` (with the user's permissions already loaded,
    as the view's permission check loads them anyway)."""
    from django.test import RequestFactory
    from django.urls import resolve

    request = RequestFactory().get(url)
    request.user = user
    request.resolver_match = match = resolve(url)
    user.has_perm("core.view_all_sites")
    with CaptureQueriesContext(connection) as captured:
        site_access.SiteAccessMiddleware(lambda request: None).process_view(request, match.func, (), match.kwargs)
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_the_wall_costs_one_query_without_sites_and_two_with_them(coordinator, make_user):
    from django.contrib.auth import get_user_model

    from core.models import Site

    kwargs = _safety_kwargs("ae", coordinator, make_user)  # two records named: the participant and her AE
    url = reverse("toxicity:ae_detail", kwargs=kwargs)
    assert _wall_queries(url, get_user_model().objects.get(pk=coordinator.pk)) == 1
    assert _wall_queries(reverse("toxicity:ctcae_terms"), coordinator) == 0

    site = Site.objects.create(code="A", name="Site A")
    coordinator.site_memberships.create(site=site)
    participant = Participant.objects.get(pk=kwargs["pk"])
    services.participant_update(
        participant=participant, user=make_user(None, is_superuser=True), expected_version=participant.version,
        reason="Multi-centre from now on", initials=participant.initials, date_of_birth=participant.date_of_birth,
        screening_date=participant.screening_date, diagnosis_date=participant.diagnosis_date, site=site,
    )  # fmt: skip
    assert _wall_queries(url, get_user_model().objects.get(pk=coordinator.pk)) == 2


# --- all-sites users and study-wide pages ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["permission", "staff", "superuser"])
def test_a_user_who_sees_every_site_reaches_every_sites_participants(client, make_user, member, site_a, site_b, how):

    kwargs = _safety_kwargs("ae", member(COORDINATOR, site_b), make_user)
    user = make_user(MONITOR, is_staff=how == "staff", is_superuser=how == "superuser")
    if how == "permission":
        user.user_permissions.add(Permission.objects.get(codename="view_all_sites", content_type__app_label="core"))
    client.force_login(user)
    assert client.get(reverse("toxicity:ae_detail", kwargs=kwargs)).status_code == 200


@pytest.mark.django_db
def test_a_participant_without_a_site_is_hidden_from_site_staff_once_sites_exist(client, coordinator, make_user):
    from core.models import Site

    legacy = participant_registered(user=coordinator)  # registered while the study had no sites
    site = Site.objects.create(code="A", name="Site A")
    staff = make_user(COORDINATOR)
    staff.site_memberships.create(site=site)
    url = reverse("enrollment:participant_detail", kwargs={"pk": legacy.pk})
    client.force_login(staff)
    assert client.get(url).status_code == 404
    everyone = make_user(MONITOR)
    everyone.user_permissions.add(Permission.objects.get(codename="view_all_sites"))
    client.force_login(everyone)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(site_access.ALL_SITES_ONLY))
def test_study_wide_pages_are_for_users_who_see_every_site(client, make_user, member, site_a, name, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path
    role = _first_allowed_role(name)
    kind = ACCESS[name][1]
    kwargs = {"survival_csv": {"table": "dataset"}}.get(kind)
    if kind == "export_job":
        kwargs = _data_management_kwargs(kind, None, None, make_user)
    url = reverse(name, kwargs=kwargs)
    client.force_login(member(role, site_a))
    assert client.get(url).status_code == 403
    everyone = make_user(role)
    everyone.user_permissions.add(Permission.objects.get(codename="view_all_sites"))
    client.force_login(everyone)
    assert client.get(url).status_code == ACCESS[name][2][role]


@pytest.mark.django_db
def test_without_sites_nobody_is_walled(client, coordinator, make_user):

    participant = participant_registered(user=coordinator)
    client.force_login(make_user(MONITOR))
    assert client.get(reverse("enrollment:participant_detail", kwargs={"pk": participant.pk})).status_code == 200
    assert client.get(reverse("efficacy:simon")).status_code == 200
