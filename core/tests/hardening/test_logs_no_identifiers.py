"""No identifying data (initials, date of birth) in logs or error reports: registering, correcting,
searching and exporting participants, and a server error while a participant form is posted, leave
the initials and the date of birth in no log line and in no part of the error report e-mailed to the
administrators (core.logging)."""

import datetime
import logging

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string

from core.logging import IdentifyingDataFilter

pytestmark = pytest.mark.django_db

INITIALS = "QZX"
BORN = datetime.date(1969, 7, 21)
# The ways a date of birth can be written in a log line or a report.
BORN_TEXTS = (BORN.isoformat(), "21/07/1969", "07/21/1969", "July 21, 1969", "21 July 1969", "1969, 7, 21")


def _identifying_text_in(text: str) -> list[str]:
    found = [INITIALS] if INITIALS in text else []
    return found + [written for written in BORN_TEXTS if written in text]


def _rendered(records) -> str:
    """Every captured record as the console handler writes it (its filter applied first)."""
    handler = logging.StreamHandler()
    handler.addFilter(IdentifyingDataFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    lines = []
    for record in records:
        if handler.filter(record):
            lines.append(handler.format(record))
    return "\n".join(lines)


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def _register(client) -> int:
    response = client.post(reverse("enrollment:participant_create"), {
        "initials": INITIALS, "date_of_birth": BORN.isoformat(), "screening_date": datetime.date.today().isoformat(),
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    from enrollment.models import Participant

    return Participant.objects.get(initials=INITIALS).pk


def test_registering_correcting_searching_and_exporting_log_no_initials_or_birth_date(client, coordinator, all_logs):
    client.force_login(coordinator)
    pk = _register(client)
    client.post(reverse("enrollment:participant_create"), {"initials": INITIALS, "date_of_birth": "1969-02-30"})
    client.post(reverse("enrollment:participant_update", kwargs={"pk": pk}), {
        "version": 1, "initials": INITIALS, "date_of_birth": "1969-07-22", "screening_date": datetime.date.today(),
        "reason_for_change": "Date of birth mistyped",
    })  # fmt: skip
    client.get(reverse("enrollment:participant_list"), {"q": INITIALS})
    b"".join(client.get(reverse("enrollment:participant_list_csv"), {"q": INITIALS}).streaming_content)
    client.get(reverse("enrollment:participant_audit", kwargs={"pk": pk}))
    client.get(reverse("enrollment:participant_detail", kwargs={"pk": pk + 1000}))  # a 404 is logged
    assert all_logs.records, "nothing was logged: the capture is not working"
    assert not _identifying_text_in(_rendered(all_logs.records))


def test_a_server_error_on_the_participant_form_reports_no_identifying_data(
    coordinator, all_logs, settings, monkeypatch
):
    from enrollment import services

    settings.ADMINS = [("Administrator", "admin@example.org")]

    def broken(**kwargs):
        raise RuntimeError("the service failed")

    monkeypatch.setattr(services, "participant_create", broken)
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    response = client.post(f"{reverse('enrollment:participant_create')}?q={INITIALS}", {
        "initials": INITIALS, "date_of_birth": BORN.isoformat(), "screening_date": datetime.date.today().isoformat(),
    })  # fmt: skip
    assert response.status_code == 500
    [report] = mail.outbox
    assert "the service failed" in report.body  # the report is there, and says what went wrong
    assert "initials" in report.body  # the field is listed, its value masked
    assert not _identifying_text_in(report.subject + report.body)
    errors = [record for record in all_logs.records if record.levelno >= logging.ERROR]
    assert errors and not _identifying_text_in(_rendered(errors))


def test_the_html_error_report_masks_identifying_variables_and_participants(coordinator, rf, settings):
    """The HTML report (ADMINS e-mails can include it; the debug page is it) lists each frame's
    variables: a participant there shows by key, an identifying variable is masked."""
    from enrollment.tests.factories import participant_registered

    participant = participant_registered(user=coordinator, initials=INITIALS, date_of_birth=BORN)
    request = rf.post("/participants/new/?q=" + INITIALS, {"initials": INITIALS, "date_of_birth": BORN.isoformat()})
    request.user = coordinator

    def failing(participant, initials, date_of_birth, values):
        raise RuntimeError("a failure deep in a service")

    reporter_class = import_string(settings.DEFAULT_EXCEPTION_REPORTER)
    try:
        failing(participant, INITIALS, BORN, {"initials": INITIALS, "date_of_birth": BORN})
    except RuntimeError as error:
        report = reporter_class(request, type(error), error, error.__traceback__)
        html, text = report.get_traceback_html(), report.get_traceback_text()
    assert "a failure deep in a service" in text
    assert f"&lt;Participant #{participant.pk}&gt;" in html
    assert not _identifying_text_in(html) and not _identifying_text_in(text)


def test_the_log_filter_shows_participants_by_key_and_masks_identifying_pairs(coordinator):
    from enrollment.tests.factories import participant_registered

    participant = participant_registered(user=coordinator, initials=INITIALS, date_of_birth=BORN)
    assert INITIALS in str(participant)  # what an unfiltered log line would show
    records = [
        logging.LogRecord("core", logging.INFO, __file__, 1, "Saved %s", (participant,), None),
        logging.LogRecord("core", logging.INFO, __file__, 1, participant, None, None),
        logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                          (f"GET /participants/?q={INITIALS}&status=enrolled HTTP/1.1", 200, 512), None),
        logging.LogRecord("core", logging.WARNING, __file__, 1, "Refused %(initials)s born %(date_of_birth)s",
                          {"initials": INITIALS, "date_of_birth": BORN}, None),
        logging.LogRecord("core", logging.INFO, __file__, 1, "values %s", ({"initials": INITIALS, "date_of_birth": BORN},), None),
    ]  # fmt: skip
    rendered = _rendered(records)
    assert f"Saved <Participant #{participant.pk}>" in rendered
    assert "status=enrolled" in rendered  # only the identifying parameter is masked
    assert not _identifying_text_in(rendered)


def test_every_configured_handler_masks_identifying_data():
    """The filter is on every handler settings.LOGGING defines, Django's own included."""
    from django.conf import settings

    for name, handler in settings.LOGGING["handlers"].items():
        assert "no_identifying_data" in handler.get("filters", ()), name
    for logger_name in ("", "django", "django.request", "django.server", "core"):
        logger = logging.getLogger(logger_name)
        while logger is not None:
            for handler in logger.handlers:
                if type(handler).__module__.startswith("_pytest"):
                    continue
                assert any(isinstance(f, IdentifyingDataFilter) for f in handler.filters), (logger_name, handler)
            logger = logger.parent if logger.propagate else None
