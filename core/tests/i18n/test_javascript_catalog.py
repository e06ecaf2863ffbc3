"""The apps' JavaScript is translated through Django's JavaScript catalog (``/jsi18n/``): every page
loads it as a script of the site itself (allowed by the Content-Security-Policy, which forbids
inline code), before the apps' scripts, so that they can call ``gettext()``."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from .po import read_po

CATALOG = reverse("javascript_catalog")


@pytest.mark.django_db
def test_every_page_loads_the_catalog_as_an_external_script_before_the_others(coordinator):
    client = Client()
    for html in (client.get(reverse("login")).content.decode(), _logged_in_home(client, coordinator)):
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert scripts[0] == CATALOG, scripts


def _logged_in_home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("password_change")).content.decode()


@pytest.mark.django_db
def test_the_catalog_is_public_javascript_allowed_by_the_content_security_policy(client):
    response = client.get(CATALOG)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    body = response.content.decode()
    assert "django.gettext = function" in body and "eval(" not in body


def _first_javascript_translation() -> tuple[str, str]:
    """A message of the apps' JavaScript and its Chinese, from the first djangojs catalog in
    LOCALE_PATHS (the one that wins if two catalogs translate the same message)."""
    for folder in settings.LOCALE_PATHS:
        catalog = Path(folder) / "zh_Hans" / "LC_MESSAGES" / "djangojs.po"
        if catalog.exists():
            _header, entries = read_po(catalog)
            entry = next(entry for entry in entries if entry.msgid_plural is None and entry.translated)
            return entry.msgid, entry.msgstr[0]
    pytest.fail("no app has a djangojs catalog")


@pytest.mark.django_db
def test_the_catalog_holds_the_apps_javascript_messages_in_the_active_language(client):
    msgid, chinese = _first_javascript_translation()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    in_chinese = client.get(CATALOG).content.decode()
    assert f"{json.dumps(msgid)}: {json.dumps(chinese)}" in in_chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert json.dumps(chinese) not in client.get(CATALOG).content.decode()
