"""Object-level access: posting a form that would be accepted from the role that records on a page,
as every other role, changes nothing the role may not change.

- A role the role/URL matrix keeps out of a page (403 on GET) gets 403 on POST too, and no row of
  any study table changes (audit history included).
- A role that may read a page but does not record on it (no form for it there) changes nothing by
  posting to it either. For the monitor this means: a monitor writes nothing anywhere, except its
  own work — marking source data verified and raising or closing queries.
- An anonymous visitor is sent to the login page and changes nothing.
"""

import pytest
from django.test import Client
from django.urls import reverse

from . import support
from .support import ANONYMOUS

# The monitor's own work (core.roles: "Monitors verify source data and raise queries"), and where.
MONITOR_WORK = {
    "dm:participant_monitoring": {"core.SourceVerification", "core.HistoricalSourceVerification"},
    "dm:record": {"core.DataQuery", "core.HistoricalDataQuery", "core.QueryMessage", "core.HistoricalQueryMessage"},
    "dm:query_detail": {"core.DataQuery", "core.HistoricalDataQuery", "core.QueryMessage", "core.HistoricalQueryMessage"},
}


def _pages() -> list[str]:
    return [name for name in support.study_page_names() if support.allowed_roles(name)]


@pytest.mark.django_db
@pytest.mark.parametrize("name", _pages())
def test_posting_as_a_role_that_does_not_record_there_changes_nothing(
    name, client, make_user, coordinator, participant, settings, tmp_path
):
    from django.utils import timezone

    from core.tests.factories import TEST_PASSWORD

    settings.EXPORT_DIR = tmp_path
    setup = support.study_setup(coordinator=coordinator, participant=participant, make_user=make_user)
    url = support.url_of(name, setup)
    found = support.forms_by_role(client, make_user, name, url, setup)
    _writer, form = support.writer_form(name, url, found)
    data = form.filled_payload(today=timezone.localdate().isoformat(), password=TEST_PASSWORD)
    models = support.study_models()

    anonymous = Client()
    before = support.row_counts(models)
    response = anonymous.post(url, data)
    if support.ACCESS[name][2][ANONYMOUS] == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), name
    else:  # a public page (the health check) takes no post
        assert response.status_code == 405, name
    assert not support.changed_counts(before, support.row_counts(models)), "anonymous"

    for role in support.ALL_ROLES:
        denied = role in support.denied_roles(name)
        if not denied and found.get(role):
            continue  # the role records here: the hypothesis tests cover what it may post
        client.force_login(make_user(role))
        before = support.row_counts(models)
        response = support.drained(client.post(url, data))
        if denied:  # refused by the permission check (or, on a GET-only endpoint, by the method check)
            assert response.status_code in (403, 405), (name, role, response.status_code)
        else:
            assert response.status_code < 500, (name, role)
        changed = support.changed_counts(before, support.row_counts(models))
        assert not changed, f"{role} changed {changed} by posting to {name}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MONITOR_WORK))
def test_a_monitor_writes_only_its_own_work_where_it_records(
    name, client, make_user, coordinator, participant, settings, tmp_path
):
    """On the three pages where a monitor records (SDV, queries), a monitor's post changes the
    verification and query tables at most."""
    from django.utils import timezone

    settings.EXPORT_DIR = tmp_path
    setup = support.study_setup(coordinator=coordinator, participant=participant, make_user=make_user)
    url = support.url_of(name, setup)
    monitor = make_user(support.MON)
    client.force_login(monitor)
    forms = support.own_post_forms(client.get(url).content.decode(), url)
    assert forms, f"a monitor no longer records on {name}: take it off MONITOR_WORK"
    models = support.study_models()
    for form in forms:
        data = form.filled_payload(today=timezone.localdate().isoformat(), password="")
        ticked = [item for item in form.fields if item.kind == "checkbox"]
        if ticked:
            data[ticked[0].name] = [ticked[0].value or "on"]
        before = support.row_counts(models)
        response = client.post(url, data)
        assert response.status_code < 500
        changed = set(support.changed_counts(before, support.row_counts(models)))
        assert changed <= MONITOR_WORK[name], changed
