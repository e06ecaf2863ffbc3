"""Hostile query strings (property-based, hypothesis): the JSON endpoints the pages call as data is
typed answer 200 or 400 with a message — never a server error, never an HTML page, and they save
nothing; every page of the study survives hostile values in the query parameters it reads.
"""

import os

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import given

from core.tests.factories import TEST_PASSWORD

from . import support

EXAMPLES = int(os.environ.get("HARDENING_EXAMPLES", "25"))
FILTER_EXAMPLES = max(4, EXAMPLES // 3)

# Every view that answers JSON, and the page whose form its parameters come from (None: its own
# list below). `test_every_json_endpoint_is_listed` keeps this complete.
JSON_ENDPOINTS = {
    "core:health": ("get", None),
    "dm:export_status": ("get", None),
    "toxicity:ctcae_terms": ("get", None),
    "toxicity:lab_grade": ("get", None),
    "efficacy:assessment_preview": ("get", "efficacy:followup_create"),
    "enrollment:screening_evaluate": ("post", "enrollment:screening_edit"),
}
OWN_PARAMETERS = {
    "core:health": ("check",),
    "dm:export_status": ("format",),
    "toxicity:ctcae_terms": ("q",),
    "toxicity:lab_grade": ("analyte", "value", "lln", "uln", "participant", "collected_on", "panel"),
    "efficacy:assessment_preview": ("assessment",),
}
# The query parameters the study's views read besides their filter forms' fields (`query` is read
# on every page, by the query-highlight context processor).
READ_PARAMETERS = ("all", "assessment", "lab_result", "page", "participant", "q", "query", "sort", "status", "week")


def _role(name: str) -> str:
    return support.allowed_roles(name)[0]


def _json_base(name, kwargs, url, client, make_user):
    """The endpoint's form (its own parameters, or the fields of the page that calls it), filled
    in as that page would send it."""
    method, source = JSON_ENDPOINTS[name]
    form = support.PageForm(method=method, action=url)
    if source is not None:
        source_url = reverse(source, kwargs=kwargs)
        client.force_login(make_user(support.allowed_roles(source)[0]))
        response = client.get(source_url)
        assert response.status_code == 200, (source, response.status_code)
        form = support.own_post_forms(response.content.decode(), source_url)[0]
    form.fields += [support.Field(name=parameter, kind="text") for parameter in OWN_PARAMETERS.get(name, ())]
    return form


def _lab_grade_options(setup) -> dict[str, list[str]]:
    from toxicity.models import LabPanel
    from trialsite.protocol.labs import ANALYTE_BY_CODE

    panel = LabPanel.objects.order_by("pk").first()
    return {
        "analyte": list(ANALYTE_BY_CODE),
        "value": ["240", "0.5"], "lln": ["7"], "uln": ["40"],
        "participant": [str(setup.participant.pk)] + ([str(panel.participant_id)] if panel else []),
        "panel": [str(panel.pk)] if panel else [],
        "collected_on": [timezone.localdate().isoformat()],
    }  # fmt: skip


@pytest.mark.django_db
def test_every_json_endpoint_is_listed(client, make_user, coordinator, participant, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path
    setup = support.study_setup(coordinator=coordinator, participant=participant, make_user=make_user)
    answering_json = set()
    for name in support.study_page_names():
        if not support.allowed_roles(name):
            continue
        client.force_login(make_user(_role(name)))
        url = support.url_of(name, setup)
        method = JSON_ENDPOINTS.get(name, ("get", None))[0]
        response = getattr(client, method)(url)
        if "application/json" in response.get("Content-Type", ""):
            answering_json.add(name)
    assert answering_json == set(JSON_ENDPOINTS)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(JSON_ENDPOINTS))
def test_hostile_parameters_get_json_200_or_400_and_save_nothing(
    name, client, make_user, coordinator, participant, settings, tmp_path
):
    settings.EXPORT_DIR = tmp_path
    setup = support.study_setup(coordinator=coordinator, participant=participant, make_user=make_user)
    kwargs = support.url_kwargs(name, setup)
    url = reverse(name, kwargs=kwargs)
    form = _json_base(name, kwargs, url, client, make_user)
    if name == "toxicity:lab_grade":
        for parameter, options in _lab_grade_options(setup).items():
            form.fields += [support.Field(name=parameter, kind="select", options=options)]
    client.force_login(make_user(_role(name)))
    method = JSON_ENDPOINTS[name][0]
    base = form.filled_payload(today=timezone.localdate().isoformat(), password=TEST_PASSWORD)
    models = support.study_models()

    @support.hypothesis_settings(EXAMPLES)
    @given(changes=support.hostile_changes(form))
    def ask(changes):
        data = support.merged(base, changes)
        savepoint = transaction.savepoint()
        try:
            before = support.row_counts(models)
            response = support.drained(getattr(client, method)(url, data))
            assert response.status_code in (200, 400), (response.status_code, data)
            assert response["Content-Type"] == "application/json"
            if response.status_code == 400:
                assert response.json()["error"]
            assert not support.changed_counts(before, support.row_counts(models))
        finally:
            transaction.savepoint_rollback(savepoint)

    ask()


def _filter_pages() -> list[str]:
    """The pages with a filter form (a GET form): the dashboards, lists and reports."""
    return [
        "dm:lock_list", "dm:participant_queries", "dm:query_list", "efficacy:survival", "enrollment:missing_forms",
        "enrollment:participant_list", "toxicity:dashboard",
    ]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("name", _filter_pages())
def test_hostile_filters_never_error(name, client, make_user, coordinator, participant, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path
    setup = support.study_setup(coordinator=coordinator, participant=participant, make_user=make_user)
    url = support.url_of(name, setup)
    client.force_login(make_user(_role(name)))
    forms = [form for form in support.page_forms(client.get(url).content.decode()) if form.method == "get"]
    assert forms, f"{name} has no filter form any more: take it off this list"
    form = forms[0]
    form.fields += [support.Field(name=parameter, kind="text") for parameter in READ_PARAMETERS]
    base = form.payload()

    @support.hypothesis_settings(FILTER_EXAMPLES)
    @given(changes=support.hostile_changes(form))
    def ask(changes):
        response = support.drained(client.get(url, support.merged(base, changes)))
        assert response.status_code < 500

    ask()


# Every parameter a page reads at once, with one extreme value (a NUL is refused by PostgreSQL
# in any query, a date past 9999 by any date arithmetic, a 30-digit number by any integer column).
QUERY_EXTREMES = ("\x00", "9999-12-31", "0001-01-01", str(10**30))


@pytest.mark.django_db
@pytest.mark.parametrize("name", [name for name in support.study_page_names() if support.allowed_roles(name)])
def test_every_page_survives_extreme_query_parameters(name, client, make_user, coordinator, participant, settings,
                                                      tmp_path):  # fmt: skip
    settings.EXPORT_DIR = tmp_path
    setup = support.study_setup(coordinator=coordinator, participant=participant, make_user=make_user)
    url = support.url_of(name, setup)
    client.force_login(make_user(_role(name)))
    names = set(READ_PARAMETERS) | set(OWN_PARAMETERS.get(name, ()))
    for value in QUERY_EXTREMES:
        savepoint = transaction.savepoint()
        try:
            response = support.drained(client.get(url, {parameter: value for parameter in names}))
            assert response.status_code < 500, value
        finally:
            transaction.savepoint_rollback(savepoint)
