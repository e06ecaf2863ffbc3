"""Switching the language (core.language): per user, remembered on every device, ahead of the cookie
and the browser; on the login page through the language cookie; refused for an unknown code."""

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from core.language import saved_language, user_language
from core.models import UserLanguage

pytestmark = pytest.mark.django_db

SWITCH = reverse("core:set_language")
PASSWORD_PAGE = reverse("password_change")
COOKIE = settings.LANGUAGE_COOKIE_NAME


def _logged_in(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def _page(client, url=PASSWORD_PAGE) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_users_choice_is_saved_and_sets_the_cookie(coordinator):
    client = _logged_in(coordinator)
    response = client.post(SWITCH, {"language": "zh-hans", "next": PASSWORD_PAGE})
    assert response.status_code == 302 and response.url == PASSWORD_PAGE
    assert UserLanguage.objects.get(user=coordinator).language == "zh-hans"
    cookie = response.cookies[COOKIE]
    assert (cookie.value, cookie["max-age"], cookie["samesite"], cookie["httponly"]) == ("zh-hans", 31536000, "Lax", True)
    html = _page(client)
    assert '<html lang="zh-hans">' in html and "修改密码" in html


def test_the_saved_choice_applies_on_another_device_without_the_cookie(coordinator):
    _logged_in(coordinator).post(SWITCH, {"language": "zh-hans", "next": "/"})
    other_device = _logged_in(coordinator, HTTP_ACCEPT_LANGUAGE="en")
    assert COOKIE not in other_device.cookies
    response = other_device.get(PASSWORD_PAGE)
    assert response.wsgi_request.LANGUAGE_CODE == "zh-hans"
    assert response["Content-Language"] == "zh-hans"
    assert "旧密码" in response.content.decode()


def test_the_saved_choice_comes_before_a_cookie_of_another_language(coordinator):
    UserLanguage.objects.create(user=coordinator, language="zh-hans")
    client = _logged_in(coordinator)
    client.cookies[COOKIE] = "en"
    assert "退出登录" in _page(client)


def test_without_a_saved_choice_the_cookie_then_the_browser_decide(coordinator):
    browser_in_chinese = _logged_in(coordinator, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert "修改密码" in _page(browser_in_chinese)
    browser_in_chinese.cookies[COOKIE] = "en"
    assert "Change password" in _page(browser_in_chinese)


def test_switching_back_replaces_the_choice(coordinator):
    client = _logged_in(coordinator)
    client.post(SWITCH, {"language": "zh-hans", "next": "/"})
    client.post(SWITCH, {"language": "en", "next": "/"})
    assert list(UserLanguage.objects.filter(user=coordinator).values_list("language", flat=True)) == ["en"]
    assert "Change password" in _page(_logged_in(coordinator, HTTP_ACCEPT_LANGUAGE="zh-hans"))


@pytest.mark.parametrize("code", ["fr", "zh", "", "zh-hans; DROP TABLE"])
def test_an_unknown_code_is_refused_with_a_message_and_changes_nothing(coordinator, code):
    client = _logged_in(coordinator)
    response = client.post(SWITCH, {"language": code, "next": PASSWORD_PAGE})
    assert response.status_code == 302 and response.url == PASSWORD_PAGE
    assert COOKIE not in response.cookies
    assert not UserLanguage.objects.filter(user=coordinator).exists()
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    refusal = f"Select a valid choice. {code} is not one of the available choices." if code else "This field is required."
    assert shown == [refusal]


def test_the_refusal_is_shown_in_the_users_language(coordinator):
    UserLanguage.objects.create(user=coordinator, language="zh-hans")
    client = _logged_in(coordinator)
    response = client.post(SWITCH, {"language": "fr", "next": PASSWORD_PAGE}, follow=True)
    assert "选择一个有效的选项" in response.content.decode()


def test_the_login_page_switch_works_for_an_anonymous_visitor_with_the_cookie_only(client):
    login = reverse("login")
    html = _page(client, login)
    assert '<html lang="en">' in html and 'data-testid="language-switch"' in html
    response = client.post(SWITCH, {"language": "zh-hans", "next": login})
    assert response.status_code == 302 and response.url == login
    assert response.cookies[COOKIE].value == "zh-hans"
    assert not UserLanguage.objects.exists()
    html = _page(client, login)
    assert '<html lang="zh-hans">' in html
    assert "登录" in html and "用户名" in html  # the page's own text and Django's form label


def test_pages_render_in_chinese_for_a_zh_hans_user(coordinator):
    UserLanguage.objects.create(user=coordinator, language="zh-hans")
    html = _page(_logged_in(coordinator))
    for text in ("旧密码", "新密码", "修改密码", "退出登录", "受试者", "跳到正文", 'aria-label="主导航"', "分钟后将自动退出登录"):
        assert text in html, text
    for english in ("Old password", "Log out", "Skip to content", "minutes without activity"):
        assert english not in html, english
    # The switch shows each language in its own name and marks the active one.
    assert 'lang="zh-hans"' in html and 'aria-pressed="true">简体中文</button>' in html
    assert 'aria-pressed="false">English</button>' in html


def test_the_error_pages_are_translated(coordinator):
    UserLanguage.objects.create(user=coordinator, language="zh-hans")
    response = _logged_in(coordinator).get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


@pytest.mark.parametrize("unsafe", ["https://evil.example.org/", "//evil.example.org/x", "javascript:alert(1)"])
def test_next_must_be_a_page_of_this_site(coordinator, unsafe):
    response = _logged_in(coordinator).post(SWITCH, {"language": "en", "next": unsafe})
    assert response.status_code == 302 and response.url == reverse("core:home")


def test_without_next_it_goes_back_to_the_referring_page(client):
    referer = "http://testserver" + reverse("login") + "?next=/participants/"
    response = client.post(SWITCH, {"language": "en"}, HTTP_REFERER=referer)
    assert response.url == referer
    assert client.post(SWITCH, {"language": "en"}).url == reverse("login")


def test_the_switch_takes_only_a_post_with_the_csrf_token(coordinator):
    client = _logged_in(coordinator, enforce_csrf_checks=True)
    assert client.get(SWITCH).status_code == 405
    assert client.post(SWITCH, {"language": "zh-hans", "next": "/"}).status_code == 403
    assert not UserLanguage.objects.exists()


def test_a_saved_language_the_site_no_longer_offers_is_ignored(coordinator):
    UserLanguage.objects.create(user=coordinator, language="fr")  # bypasses the choices, as an old row would
    html = _page(_logged_in(coordinator, HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en">' in html


def test_user_language_gives_the_saved_choice_or_the_site_default(coordinator, investigator):
    UserLanguage.objects.create(user=coordinator, language="zh-hans")
    assert user_language(coordinator) == "zh-hans"
    assert user_language(investigator) == settings.LANGUAGE_CODE == "en"
    assert saved_language(investigator) is None


def test_the_middleware_reads_the_choice_once_per_request(coordinator, django_assert_num_queries):
    UserLanguage.objects.create(user=coordinator, language="zh-hans")
    assert saved_language(coordinator) == "zh-hans"
    with django_assert_num_queries(0):
        assert saved_language(coordinator) == "zh-hans"
