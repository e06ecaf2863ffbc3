"""In Chromium: a coordinator switches to Chinese on the login page, logs in with the Chinese form,
switches back to English from the menu with the keyboard, and finds English again on a second
device, where no cookie was ever set."""

import pytest

from core.models import UserLanguage
from core.tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _language(page) -> str:
    return page.locator("html").get_attribute("lang")


def test_switch_on_the_login_page_then_from_the_menu_and_the_choice_follows_the_user(page, live_server, make_user):
    coordinator = make_user("Study coordinator", first_name="Chen", last_name="Coordinator")

    page.goto("/accounts/login/")
    switch = page.get_by_role("group", name="Language")
    assert switch.get_by_role("button", name="English").get_attribute("aria-pressed") == "true"
    switch.get_by_role("button", name="简体中文").click()
    page.get_by_role("heading", name="登录").wait_for()
    assert _language(page) == "zh-hans"

    page.get_by_label("用户名").fill(coordinator.username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("navigation", name="主导航").wait_for()
    assert not UserLanguage.objects.exists()  # chosen before logging in: the cookie only

    page.get_by_role("group", name="语言").get_by_role("button", name="简体中文").focus()
    page.keyboard.press("Shift+Tab")  # to the switch's first button, English
    page.keyboard.press("Enter")
    page.get_by_role("navigation", name="Main").wait_for()
    assert _language(page) == "en"
    assert UserLanguage.objects.get(user=coordinator).language == "en"

    other_device = page.context.browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        second = other_device.new_page()
        second.goto("/accounts/login/")
        assert _language(second) == "zh-hans"  # the browser asks for Chinese; no one is logged in
        second.get_by_label("用户名").fill(coordinator.username)
        second.get_by_label("密码").fill(TEST_PASSWORD)
        second.get_by_role("button", name="登录").click()
        second.get_by_role("navigation", name="Main").wait_for()
        assert _language(second) == "en"  # the saved choice comes before the browser's language
    finally:
        other_device.close()
