"""The database connection lost in the middle of a request: the user gets a clear 503 page (never a
500 traceback) and nothing is half-saved.

The save is a lab panel (the panel, then one graded result per value, each with its history row);
the connection goes away after the panel and two results are written. The first tests raise the
error Django raises for a lost connection; the last one really terminates the PostgreSQL backend of
the request from another connection (CI)."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.middleware import database_error_response
from dosing.tests.conftest import enrolled, treatment_start  # noqa: F401  (fixtures)
from toxicity.models import LabPanel, LabResult
from toxicity.selectors import labs as lab_selectors
from toxicity.services import labs as lab_services
from toxicity.tests.labs_fixtures import form_data

from .conftest import require_postgresql

LOST = "The database connection was lost"
NOT_SAVED = "What you submitted was not saved"


def create_url(participant) -> str:
    return reverse("toxicity:lab_create", args=[participant.pk])


def panel_post() -> dict:
    return form_data(timezone.localdate(), alt=(240, 7, 40), hgb=(12.1, 11.5, 15), tsh=(3.1, 0.27, 4.2))


def nothing_saved() -> bool:
    return not (
        LabPanel.objects.exists() or LabResult.objects.exists()
        or LabPanel.history.exists() or LabResult.history.exists()
    )  # fmt: skip


def lose_connection_at_the_third_value(monkeypatch, lose) -> list[int]:
    """Call ``lose()`` when the service grades its third value (panel and two results written, in
    its transaction); returns the rows seen there (panels, results)."""
    seen = []
    calls = []
    grade = lab_services._grade_result

    def grade_then_lose(result, **kwargs):
        calls.append(result.analyte)
        if len(calls) == 3:
            seen.extend([LabPanel.objects.count(), LabResult.objects.count()])
            lose()
        return grade(result, **kwargs)

    monkeypatch.setattr(lab_services, "_grade_result", grade_then_lose)
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ],
    ids=["operational", "interface"],
)
def test_a_connection_lost_during_a_save_answers_503_and_nothing_is_saved(
    client, coordinator, enrolled, monkeypatch, error  # noqa: F811
):
    def lose():
        raise error

    seen = lose_connection_at_the_third_value(monkeypatch, lose)
    client.force_login(coordinator)

    response = client.post(create_url(enrolled), panel_post())

    assert seen == [1, 2]  # the save was half-way through
    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = response.content.decode()
    assert LOST in page and NOT_SAVED in page and "nothing was half-saved" in page
    assert "Traceback" not in page
    assert nothing_saved()


@pytest.mark.django_db
def test_a_connection_lost_while_a_page_loads_answers_503_without_speaking_of_a_save(
    client, coordinator, enrolled, monkeypatch  # noqa: F811
):
    def lost(participant):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(lab_selectors, "lab_table", lost)
    client.force_login(coordinator)

    response = client.get(reverse("toxicity:lab_list", args=[enrolled.pk]))

    assert response.status_code == 503
    page = response.content.decode()
    assert LOST in page and "The page could not be loaded" in page and NOT_SAVED not in page


@pytest.mark.django_db
def test_a_connection_lost_outside_the_view_answers_503_too(client, coordinator, monkeypatch):
    def lost(self, must_create=False):
        raise OperationalError("server closed the connection unexpectedly")

    client.force_login(coordinator)
    monkeypatch.setattr(SessionStore, "save", lost)  # saved after every response (SESSION_SAVE_EVERY_REQUEST)
    client.raise_request_exception = False

    response = client.get(reverse("core:home"))

    assert response.status_code == 503 and LOST in response.content.decode()


@pytest.mark.django_db
def test_other_database_errors_are_left_to_the_500_page(client, coordinator, enrolled, monkeypatch):  # noqa: F811
    def bug():
        raise IntegrityError("duplicate key value violates unique constraint")

    lose_connection_at_the_third_value(monkeypatch, bug)
    client.force_login(coordinator)
    client.raise_request_exception = False

    response = client.post(create_url(enrolled), panel_post())

    assert response.status_code == 500 and LOST not in response.content.decode()
    assert nothing_saved()


@pytest.mark.django_db
def test_the_503_page_itself_needs_no_database(django_assert_num_queries):
    request = RequestFactory().post("/anything/")
    with django_assert_num_queries(0):
        response = database_error_response(request)
    assert response.status_code == 503 and NOT_SAVED in response.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_postgresql_backend_terminated_mid_save_saves_nothing_and_the_retry_saves_once(
    client, coordinator, enrolled, monkeypatch  # noqa: F811
):
    require_postgresql()
    import psycopg

    db = connection.settings_dict

    def terminate_own_backend():
        pid = connection.connection.info.backend_pid
        with psycopg.connect(
            host=db["HOST"] or "localhost", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
            dbname=db["NAME"], autocommit=True,
        ) as admin:  # fmt: skip
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(100):  # until the backend is gone, so the next query surely fails
                if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                    break
                admin.execute("SELECT pg_sleep(0.02)")

    seen = lose_connection_at_the_third_value(monkeypatch, terminate_own_backend)
    client.force_login(coordinator)

    response = client.post(create_url(enrolled), panel_post())

    assert seen == [1, 2]
    assert response.status_code == 503 and NOT_SAVED in response.content.decode()
    assert nothing_saved()  # PostgreSQL rolled the whole transaction back with the connection

    monkeypatch.undo()
    retry = client.post(create_url(enrolled), panel_post())
    assert retry.status_code == 302
    assert LabPanel.objects.count() == 1 and LabResult.objects.count() == 3
