"""The docker compose file is valid and declares the services and volumes the README promises."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("docker-compose") is None, reason="docker-compose is not installed (.ci/run installs it)"
)


def _compose(*args):
    env = dict(os.environ, SECRET_KEY="x" * 60, ALLOWED_HOSTS="ecrf.example.org", POSTGRES_PASSWORD="pw")
    return subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def test_docker_compose_config_is_valid():
    result = _compose("-q")
    assert result.returncode == 0, result.stderr


def test_compose_runs_database_broker_web_worker_and_beat_on_named_volumes():
    services = set(_compose("--services").stdout.split())
    assert {"postgres", "redis", "web", "worker", "beat"} <= services
    assert set(_compose("--volumes").stdout.split()) == {"postgres-data", "redis-data", "exports"}
    config = _compose().stdout
    assert config.count("healthcheck:") >= 5
