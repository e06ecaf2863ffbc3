"""Settings come from the environment; production refuses to start without its secrets and passes
`check --deploy`. Each case runs in a fresh interpreter because settings are read at import."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "db = s.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'host': db.get('HOST'), "
    "'tz': s.TIME_ZONE, 'hosts': s.ALLOWED_HOSTS, 'debug': s.DEBUG, 'broker': s.CELERY_BROKER_URL, "
    "'cache': s.CACHES['default']['BACKEND'], 'idle': s.SESSION_COOKIE_AGE, 'email_host': s.EMAIL_HOST, "
    "'secret': s.SECRET_KEY}))"
)
OWN_VARIABLES = (
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "TIME_ZONE", "DJANGO_DEBUG",
    "SESSION_IDLE_MINUTES", "EMAIL_HOST", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _run(settings_module, code=PROBE, args=None, **env):
    clean = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE=settings_module)
    command = args or [sys.executable, "-c", code]
    return subprocess.run(command, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def _settings(settings_module, **env):
    result = _run(settings_module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_are_sqlite_embedded_broker_and_the_site_time_zone():
    values = _settings("trialsite.settings.dev")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].startswith(str(ROOT))
    assert values["broker"] == "filesystem://"
    assert values["tz"] == "Asia/Shanghai"
    assert values["debug"] is True
    assert values["idle"] == 30 * 60


def test_environment_overrides_database_redis_hosts_zone_and_email():
    values = _settings(
        "trialsite.settings.dev",
        DATABASE_URL="postgres://ecrf:pw@db.internal:5432/ecrf",
        REDIS_URL="redis://cache.internal:6379/2",
        ALLOWED_HOSTS="ecrf.hospital.cn, localhost",
        TIME_ZONE="UTC",
        SESSION_IDLE_MINUTES="15",
        EMAIL_HOST="smtp.hospital.cn",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["name"], values["host"]) == ("ecrf", "db.internal")
    assert values["broker"] == "redis://cache.internal:6379/2"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["hosts"] == ["ecrf.hospital.cn", "localhost"]
    assert values["tz"] == "UTC"
    assert values["idle"] == 15 * 60
    assert values["email_host"] == "smtp.hospital.cn"


def test_secret_key_is_required_outside_debug_mode():
    result = _run("trialsite.settings.production", ALLOWED_HOSTS="ecrf.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_secret_key_is_read_from_the_environment():
    values = _settings("trialsite.settings.production", SECRET_KEY="k" * 20 + "from-the-environment-" + "x" * 30,
                       ALLOWED_HOSTS="ecrf.example.org")
    assert "from-the-environment" in values["secret"]
    assert values["debug"] is False


def test_production_refuses_debug_even_when_asked():
    values = _settings("trialsite.settings.production", DJANGO_DEBUG="1", SECRET_KEY="s" * 60,
                       ALLOWED_HOSTS="ecrf.example.org")
    assert values["debug"] is False


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = _run(
        "trialsite.settings.production",
        args=[sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY="Zq8-" + "deploy-check-secret-key-with-enough-entropy-0123456789abcdef",
        ALLOWED_HOSTS="ecrf.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_malformed_boolean_is_refused_with_its_name(value):
    result = _run("trialsite.settings.dev", DJANGO_DEBUG=value)
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr
