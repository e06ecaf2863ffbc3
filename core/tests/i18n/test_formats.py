"""Dates and numbers per language (issue 10): a weekday or month name follows the language, a date
left to Django's format takes the language's format, ISO dates stay ISO, and no number is ever
grouped in thousands, in either language."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from core.models import UserLanguage

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "zh-hans": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_home_page_names_the_weekday_in_the_users_language_and_keeps_the_iso_date(coordinator, language):
    UserLanguage.objects.create(user=coordinator, language=language)
    client = Client()
    client.force_login(coordinator)
    today = timezone.localdate()
    html = client.get(reverse("core:home")).content.decode()
    assert f"{WEEKDAYS[language][today.weekday()]} {today:%Y-%m-%d}" in html
    other = "zh-hans" if language == "en" else "en"
    assert f"{WEEKDAYS[other][today.weekday()]} {today:%Y-%m-%d}" not in html


SAMPLE = Template(
    "{{ day }}|{{ day|date:'Y-m-d' }}|{{ day|date:'D' }}|{{ dose }}|{{ dose|floatformat:1 }}|{{ count }}|{{ ratio }}"
)
VALUES = {"day": datetime.date(2026, 3, 9), "dose": Decimal("12345.60"), "count": 1234567, "ratio": 0.5}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "March 9, 2026|2026-03-09|Mon|12345.60|12345.6|1234567|0.5"),
        ("zh-hans", "2026年3月9日|2026-03-09|星期一|12345.60|12345.6|1234567|0.5"),
    ],
)
def test_dates_follow_the_language_and_numbers_are_never_grouped(language, expected, settings):
    assert settings.USE_THOUSAND_SEPARATOR is False
    with translation.override(language):
        assert SAMPLE.render(Context(VALUES)) == expected
