"""Login with throttling of failed attempts (django-axes) and session expiry after inactivity."""

import pytest
from django.conf import settings
from django.urls import reverse

from core.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_good_credentials_log_in_and_land_on_home(client, coordinator):
    response = _login(client, coordinator.username, TEST_PASSWORD)
    assert response.status_code == 302 and response.url == reverse("core:home")


def test_wrong_password_is_refused_with_a_message(client, coordinator):
    response = _login(client, coordinator.username, "wrong")
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_account_locks_after_the_failure_limit_even_with_the_right_password(client, coordinator):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, coordinator.username, "wrong")
    response = _login(client, coordinator.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert "temporarily locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_session_expires_after_the_idle_timeout_and_is_renewed_on_each_request(client, coordinator):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    client.force_login(coordinator)
    client.get(reverse("core:home"))
    assert client.session.get_expiry_age() == settings.SESSION_IDLE_MINUTES * 60


@pytest.mark.parametrize("password", ["short1", "password1234", "123456789012"])
def test_weak_passwords_are_refused(password, coordinator):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(password, user=coordinator)
