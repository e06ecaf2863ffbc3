"""Helpers of the fault tests: a private redis-server to stop and start, pointing this process's
Celery app and cache at it, a real worker subprocess on the test database, and a fresh broker monitor.

The machine's Redis on 6379 is never stopped: other tests use it. A private server is started on a
free port in a temporary directory instead (no persistence), stopped with SIGTERM to make the outage,
and started again on the same port for the recovery."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import override_settings
from kombu import pools as kombu_pools

from core import faults

ROOT = Path(__file__).resolve().parents[3]
IN_CI = bool(os.environ.get("CI"))


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; fail in CI (CI=true), where everything is installed."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: a worker subprocess shares only a PostgreSQL test database (set DATABASE_URL)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_database_url() -> str:
    """The test database as a DATABASE_URL, for a worker subprocess."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


class RedisServer:
    """A private redis-server on ``port`` (no persistence) that a test may stop and start again."""

    def __init__(self, port: int, directory: Path) -> None:
        self.port = port
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM, as `systemctl stop redis` or `docker stop` would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        self.process = None
        assert not self.ping()


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not installed (apt-get install -y redis-server)")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def use_broker(url: str):
    """Point this process's Celery app (broker and result backend; sending, not eager) and Django
    cache at ``url``, as a deployment with REDIS_URL=url has them."""
    from trialsite.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}

    def reset_connections():
        kombu_pools.reset()  # closes and forgets every connection and producer pool (kept per broker URL)
        app.amqp._producer_pool = None
        app._pool = None
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)

    reset_connections()
    app.conf.broker_url = app.conf.result_backend = url
    app.conf.task_always_eager = False
    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    try:
        with override_settings(CACHES=cache):
            yield app
    finally:
        reset_connections()
        for key, value in saved.items():
            app.conf[key] = value


@pytest.fixture
def fresh_monitor(monkeypatch):
    """A new broker monitor for the test (no state left from other tests, none left for them)."""
    monitor = faults._Monitor()
    monkeypatch.setattr(faults, "_monitor", monitor)
    return monitor


class Worker:
    """``celery -A trialsite worker`` in its own process group, on the test database."""

    def __init__(self, *, broker_url: str, queue: str, log: Path, pool: str = "solo", include: str = "", **env) -> None:
        self.log_path = log
        command = [
            sys.executable, "-m", "celery", "-A", "trialsite", "worker", f"--pool={pool}", "--concurrency=1",
            "--queues", queue, "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        if include:
            command += ["--include", include]
        environment = dict(
            os.environ, DJANGO_SETTINGS_MODULE="trialsite.settings.dev", DJANGO_DEBUG="1",
            DATABASE_URL=worker_database_url(), REDIS_URL=broker_url, **env,
        )  # fmt: skip
        self._log = log.open("a")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log_path.read_text()

    def kill_group(self) -> None:
        """SIGKILL the worker and its pool processes at once (a crashed machine or the OOM killer)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_group()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any pool process left behind
        self._log.close()


def wait_for(condition, *, timeout: float, what: str, log: Worker | None = None):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}" + (f"\n{log.output()}" if log else ""))
        time.sleep(0.2)
