"""Security settings at work: every form carries its CSRF token and a post without it is refused;
every response carries the security headers, and no page holds inline code the Content-Security-
Policy would block; production settings are strict and pass ``check --deploy``; an idle session
ends; repeated failed logins lock the account from that address for the cool-off time.
"""

import datetime
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.security_headers import CONTENT_SECURITY_POLICY
from core.tests.factories import TEST_PASSWORD

from . import support

ROOT = Path(__file__).resolve().parents[3]
EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


class _InlineCode(HTMLParser):
    """Inline script, ``<style>`` blocks and ``on...=`` handler attributes: what the policy blocks."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        handlers = [name for name in attributes if name.startswith("on")]
        if handlers:
            self.found.append(f"<{tag} {handlers[0]}=...>")
        if tag == "style":
            self.found.append("<style> block")
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self._script = attributes

    def handle_data(self, data):
        if self._script is not None and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def _inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


@pytest.mark.django_db
@pytest.mark.parametrize("name", [name for name in support.study_page_names() if support.allowed_roles(name)])
def test_forms_carry_the_csrf_token_a_post_without_it_is_refused_and_no_code_is_inline(
    name, make_user, coordinator, participant, settings, tmp_path
):
    settings.EXPORT_DIR = tmp_path
    setup = support.study_setup(coordinator=coordinator, participant=participant, make_user=make_user)
    url = support.url_of(name, setup)
    client = Client(enforce_csrf_checks=True)
    found = {}
    for role in support.allowed_roles(name):
        client.force_login(make_user(role))
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        for form in support.page_forms(html):
            if form.method == "post":
                tokens = [item.value for item in form.fields if item.name == "csrfmiddlewaretoken"]
                assert tokens and tokens[0], (name, role, form.action)
        assert not _inline_code(html), (name, role, _inline_code(html))
        found[role] = support.own_post_forms(html, url)
    if name in support.POST_ONLY:
        found = support.forms_by_role(client, make_user, name, url, setup)
    writer, form = support.writer_form(name, url, found)
    if not found.get(writer):
        return  # no one records on this page
    client.force_login(make_user(writer))
    client.get(url)  # the CSRF cookie is set; the token is left out of the post
    models = support.study_models()
    before = support.row_counts(models)
    data = form.filled_payload(today=timezone.localdate().isoformat(), password=TEST_PASSWORD)
    response = client.post(url, data)
    assert response.status_code == 403 and "CSRF" in response.content.decode(), (name, response.status_code)
    assert not support.changed_counts(before, support.row_counts(models))


@pytest.mark.django_db
def test_a_post_with_the_csrf_token_goes_through(coordinator):
    """The counterpart of the refusals above: the token a page carries is accepted."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    url = reverse("enrollment:participant_create")
    [form] = support.own_post_forms(client.get(url).content.decode(), url)
    data = form.payload()
    data.update(initials=["AB"], date_of_birth=["1980-05-01"], screening_date=[timezone.localdate().isoformat()])
    data["csrfmiddlewaretoken"] = [item.value for item in form.fields if item.name == "csrfmiddlewaretoken"]
    response = client.post(url, data)
    assert response.status_code == 302


@pytest.mark.django_db
def test_every_kind_of_response_carries_the_security_headers(client, coordinator, participant):
    anonymous = Client()
    client.force_login(coordinator)
    responses = {
        "login page": anonymous.get(reverse("login")),
        "redirect to login": anonymous.get(reverse("core:home")),
        "health (JSON)": anonymous.get(reverse("core:health")),
        "page": client.get(reverse("enrollment:participant_detail", kwargs={"pk": participant.pk})),
        "CSV": client.get(reverse("enrollment:participant_list_csv")),
        "not found": client.get("/participants/999999/"),
        "forbidden": client.get(reverse("dm:export_list")),
        "JSON refusal": client.get(reverse("toxicity:lab_grade")),
    }
    for what, response in responses.items():
        for header, value in EXPECTED_HEADERS.items():
            assert response.get(header) == value, (what, header, response.get(header))
        assert "camera=()" in response["Permissions-Policy"], what
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "script-src 'self'" in CONTENT_SECURITY_POLICY


def test_production_settings_are_strict_and_pass_check_deploy():
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "from django.core.management import call_command; call_command('check', deploy=True, fail_level='WARNING'); "
        "print(json.dumps({'debug': s.DEBUG, 'ssl': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, "
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE, "
        "'session_httponly': s.SESSION_COOKIE_HTTPONLY, 'idle': s.SESSION_COOKIE_AGE, "
        "'every_request': s.SESSION_SAVE_EVERY_REQUEST, 'hosts': s.ALLOWED_HOSTS, 'middleware': s.MIDDLEWARE, "
        "'reporter_filter': s.DEFAULT_EXCEPTION_REPORTER_FILTER}))"
    )
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SECRET_KEY"))}
    environment.update(
        DJANGO_SETTINGS_MODULE="trialsite.settings.production", ALLOWED_HOSTS="ecrf.example.org",
        SECRET_KEY="hardening-check-" + "k3y-with-enough-entropy-0123456789abcdefghijklmnopqrstuvwxyz",
    )  # fmt: skip
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["debug"] is False and values["ssl"] is True and values["hsts"] >= 31536000
    assert values["session_secure"] and values["csrf_secure"] and values["session_httponly"]
    assert values["idle"] == django_settings.SESSION_IDLE_MINUTES * 60 and values["every_request"]
    assert values["hosts"] == ["ecrf.example.org"]
    assert "core.security_headers.SecurityHeadersMiddleware" in values["middleware"]
    assert "django.middleware.csrf.CsrfViewMiddleware" in values["middleware"]
    assert values["reporter_filter"] == "core.logging.IdentifyingDataReporterFilter"


# --- session expiry ----------------------------------------------------------------------------------


def _log_in(client, user, address="192.0.2.10", password=TEST_PASSWORD):
    return client.post(reverse("login"), {"username": user.username, "password": password}, REMOTE_ADDR=address)


def _clock_at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.mark.django_db
def test_an_idle_session_is_logged_out_after_the_idle_timeout(client, coordinator, monkeypatch):
    assert _log_in(client, coordinator).status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    idle = datetime.timedelta(minutes=django_settings.SESSION_IDLE_MINUTES)
    _clock_at(monkeypatch, timezone.now() + idle + datetime.timedelta(minutes=1))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_activity_within_the_timeout_keeps_the_session_alive(client, coordinator, monkeypatch):
    assert _log_in(client, coordinator).status_code == 302
    idle = datetime.timedelta(minutes=django_settings.SESSION_IDLE_MINUTES)
    moment = timezone.now()
    for _ in range(3):  # three times almost the timeout: longer in all than the timeout, never idle that long
        moment += idle - datetime.timedelta(minutes=1)
        _clock_at(monkeypatch, moment)
        assert client.get(reverse("core:home")).status_code == 200


# --- failed logins (django-axes) ----------------------------------------------------------------------


@pytest.mark.django_db
def test_failed_logins_lock_that_user_from_that_address_only_until_the_cool_off_ends(client, coordinator, make_user):
    from axes.models import AccessAttempt

    limit = django_settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        _log_in(client, coordinator, password="wrong")
    assert _log_in(Client(), coordinator).status_code == 302  # below the limit, and a success resets the count
    for _ in range(limit):
        _log_in(client, coordinator, password="wrong")
    locked = _log_in(Client(), coordinator)
    assert locked.status_code == 429 and "_auth_user_id" not in locked.client.session
    assert _log_in(Client(), coordinator, address="192.0.2.99").status_code == 302  # another address
    assert _log_in(Client(), make_user(support.COORD)).status_code == 302  # another user, same address
    past = timezone.now() - django_settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time = past
        attempt.save(update_fields=["attempt_time"])
    assert _log_in(Client(), coordinator).status_code == 302  # the cool-off is over


# --- the policy in a real browser -----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_pages_scripts_run_under_the_content_security_policy(page, make_user, coordinator):
    """Chromium enforces the policy: the pages with scripts (live screening and lab grading, the AE
    form, the RECIST preview, the charts, printing) load, run and fetch with no violation."""
    from core.tests.browser import log_in, log_out
    from core.tests.test_url_access import _efficacy_kwargs, _safety_kwargs
    from enrollment.tests.factories import participant_registered

    screening = participant_registered(user=coordinator)
    support.study_setup(coordinator=coordinator, participant=screening, make_user=make_user)
    safety = _safety_kwargs("ae", coordinator, make_user)
    efficacy = _efficacy_kwargs("with_baseline", coordinator, make_user)
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text
            else None)  # fmt: skip

    log_in(page, coordinator)
    page.goto(reverse("enrollment:screening_edit", kwargs={"pk": screening.pk}))
    with page.expect_response(lambda response: "/screening/evaluate/" in response.url) as evaluated:
        page.locator("#id_ecog").fill("1")
    assert evaluated.value.status == 200
    log_out(page)

    log_in(page, make_user(support.INV))
    page.goto(reverse("toxicity:lab_create", kwargs={"pk": safety["pk"]}))
    with page.expect_response(lambda response: "/labs/grade/" in response.url) as graded:
        page.locator("#id_alt_value").fill("240")
    assert graded.value.status == 200
    page.goto(reverse("toxicity:ae_update", kwargs=safety))
    page.goto(reverse("efficacy:followup_create", kwargs=efficacy))
    for name in ("toxicity:dashboard", "efficacy:survival"):
        page.goto(reverse(name))
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof Chart") == "function", name
    page.goto(reverse("dosing:treatment_calendar", kwargs={"pk": safety["pk"]}))
    page.wait_for_load_state("networkidle")
    assert not violations, violations
