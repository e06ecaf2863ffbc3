"""``make bench``: the scale benchmark of issue "Hardening", in one run on this machine.

It creates throw-away PostgreSQL databases (``bench_n100``, ``bench_n1000``, ``bench_n10000``) on the
server named by ``BENCH_POSTGRES_URL`` (default ``postgres://postgres@127.0.0.1:5432/postgres``),
migrates and seeds them (``seed_demo``), and runs each measurement in its own process
(``bench_step``), each against a baseline taken in the same run:

- pages: server time of the worklist, participant dashboard, toxicity dashboard, Simon page and
  survival report divided by a trivial logged-in page (password change), and their query counts,
  at N = 100 and N = 1,000;
- AE CSV export: rows/s of the study export's AE writer divided by PostgreSQL's own
  ``COPY (SELECT ...) TO STDOUT WITH CSV`` of the same rows, and the peak memory of the export
  process, at 100k and 1M AE rows;
- ``flag_visits_due``: wall time and query count at N = 1,000 and 10,000;
- the worklist under 20 concurrent users against gunicorn (production settings, 2 workers) with
  PostgreSQL: throughput and p95 latency, the load coming from a second process on 127.0.0.1.

Prints a table and writes JSON to ``var/bench/bench-<date>.json``. Not run in CI.
"""

import datetime
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand

TARGETS = {"export_ratio_of_copy": 0.30, "page_ratio": 5.0, "flags_seconds_10000": 10.0}


class Command(BaseCommand):
    help = "Run the scale benchmark (PostgreSQL; several minutes) and save its figures as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="100,1000", help="participant counts for the page figures")
        parser.add_argument("--ae-rows", default="100000,1000000", help="AE table sizes for the export figures")
        parser.add_argument("--flags-sizes", default="1000,10000")
        parser.add_argument("--users", type=int, default=20)
        parser.add_argument("--seconds", type=float, default=20)
        parser.add_argument("--skip", default="", help="comma-separated parts to skip: pages,export,flags,load")
        parser.add_argument("--reuse", action="store_true", help="keep the seeded databases of an earlier run")

    def handle(self, *args, sizes, ae_rows, flags_sizes, users, seconds, skip, reuse, **options):
        self.reuse = reuse
        self.admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        skipped = {part.strip() for part in skip.split(",") if part.strip()}
        sizes_list = [int(value) for value in sizes.split(",")]
        results: dict = {"measured_on": datetime.date.today().isoformat(), "machine": _machine(), "pages": {},
                         "export": [], "flags": {}, "load": None}  # fmt: skip
        started = time.perf_counter()
        for size in sizes_list:
            url = self._fresh_seeded(size)
            # The daily flag task first, so the worklist shows the visits due as it does in a study.
            if "flags" not in skipped and str(size) in flags_sizes.split(","):
                results["flags"][str(size)] = self._step(url, "flags")
            if "pages" not in skipped:
                results["pages"][str(size)] = self._step(url, "pages")
        big = self._db_url(f"bench_n{max(sizes_list)}")
        if "load" not in skipped:
            results["load"] = self._load(big, users=users, seconds=seconds)
        if "export" not in skipped:
            for rows in (int(value) for value in ae_rows.split(",")):
                self._step(big, "inflate_aes", "--rows", str(rows))
                figure = self._step(big, "ae_export")
                figure["memory"] = self._step(big, "export_memory")
                results["export"].append(figure)
        if "flags" not in skipped:
            for size in (int(value) for value in flags_sizes.split(",")):
                if str(size) in results["flags"]:
                    continue
                url = self._fresh_db(f"bench_n{size}_flags")
                self._step(url, "seed_participants", "--participants", str(size))
                results["flags"][str(size)] = self._step(url, "flags")
        results["total_seconds"] = round(time.perf_counter() - started)
        results["targets"] = TARGETS
        out_dir = Path(settings.VAR_DIR) / "bench"
        out_dir.mkdir(parents=True, exist_ok=True)
        out = out_dir / f"bench-{results['measured_on']}.json"
        out.write_text(json.dumps(results, indent=2))
        self.stdout.write(render_table(results))
        self.stdout.write(f"\nSaved {out}")

    # --- databases -----------------------------------------------------------------------------

    def _db_url(self, name: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))

    def _fresh_db(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self._psycopg_url(self.admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = self._db_url(name)
        self._run(url, "migrate", "--noinput", "-v0")
        return url

    @staticmethod
    def _psycopg_url(url: str) -> str:
        return url.replace("postgres://", "postgresql://", 1)

    def _fresh_seeded(self, size: int) -> str:
        if self.reuse:
            return self._db_url(f"bench_n{size}")
        url = self._fresh_db(f"bench_n{size}")
        began = time.perf_counter()
        self._run(url, "seed_demo", "--participants", str(size), "--seed", "7", "--force")
        self.stdout.write(f"seeded N={size} in {time.perf_counter() - began:.0f} s")
        return url

    # --- processes -----------------------------------------------------------------------------

    def _env(self, url: str, **extra) -> dict:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "trialsite.settings.dev", **extra}
        env.pop("REDIS_URL", None)  # no broker needed; the cache is local memory
        return env

    def _run(self, url: str, *command: str, env: dict | None = None) -> str:
        done = subprocess.run([sys.executable, "manage.py", *command], env=env or self._env(url), check=True,
                              capture_output=True, text=True, cwd=settings.BASE_DIR)  # fmt: skip
        return done.stdout

    def _step(self, url: str, step: str, *arguments: str, env: dict | None = None) -> dict:
        output = self._run(url, "bench_step", step, *arguments, env=env)
        result = json.loads(output.strip().splitlines()[-1])
        self.stdout.write(f"{step} {' '.join(arguments)}: {json.dumps(result)[:200]}")
        return result

    def _load(self, url: str, *, users: int, seconds: float) -> dict:
        """The coordinator's worklist under ``users`` concurrent users against gunicorn."""
        env = self._env(url, DJANGO_SETTINGS_MODULE="trialsite.settings.production", SECRET_KEY=secrets.token_urlsafe(50),
                        ALLOWED_HOSTS="127.0.0.1", DJANGO_SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING")  # fmt: skip
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, check=True,
                       cwd=settings.BASE_DIR)  # fmt: skip
        # The session is made with the server's SECRET_KEY (its auth hash is signed with it).
        session_env = self._env(url, SECRET_KEY=env["SECRET_KEY"])
        cookie = self._step(url, "session", "--role", "Study coordinator", env=session_env)["cookie"]
        port = _free_port()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [str(gunicorn), "trialsite.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "4", "--log-level", "warning"],
            env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            _wait_for_port(port)
            done = subprocess.run(
                [sys.executable, "-m", "core.bench.load", "--port", str(port), "--path", "/", "--cookie", cookie,
                 "--users", str(users), "--seconds", str(seconds)],
                cwd=settings.BASE_DIR, check=True, capture_output=True, text=True,
            )  # fmt: skip
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["server"] = "gunicorn, 2 workers x 4 threads, production settings, PostgreSQL"
        self.stdout.write(f"load: {json.dumps(result)}")
        return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen on port {port}")


def _machine() -> dict:
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0]}


def render_table(results: dict) -> str:
    """The figures as a Markdown table (the README's copy is pasted from this)."""
    lines = ["| Measure | N | Figure | Queries | Target |", "|---|---|---|---|---|"]
    for size, pages in results.get("pages", {}).items():
        for page in pages:
            first = f"; first request {page['first_ms']:.0f} ms" if page.get("first_ms") else ""
            lines.append(f"| {page['page']}: server time / trivial page | {size} | {page['ratio']}x "
                         f"({page['median_ms']} ms / {page['trivial_ms']} ms{first}) | {page['queries']} | "
                         "< 5x, constant queries |")  # fmt: skip
    for figure in results.get("export", []):
        memory = figure.get("memory", {})
        lines.append(f"| AE CSV export rows/s / COPY rows/s | {figure['rows']:,} AE rows | {figure['ratio_of_copy']} "
                     f"({figure['app_rows_per_s']:,} / {figure['copy_rows_per_s']:,}) | | >= 0.30 |")  # fmt: skip
        lines.append(f"| AE CSV export peak memory | {figure['rows']:,} AE rows | {memory.get('peak_rss_mb')} MB | | flat |")
    for size, flags in results.get("flags", {}).items():
        first, second = flags["first_run"], flags["second_run"]
        lines.append(f"| flag_visits_due wall time (first / repeat run) | {int(size):,} | {first['seconds']} s / "
                     f"{second['seconds']} s | {first['queries']} / {second['queries']} | < 10 s at 10,000 |")  # fmt: skip
    load = results.get("load")
    if load:
        lines.append(f"| worklist, {load['users']} concurrent users, gunicorn + PostgreSQL | 1,000 | "
                     f"{load['throughput_rps']} req/s, p95 {load['p95_ms']} ms (p50 {load['p50_ms']} ms), "
                     f"{load['errors']} errors | | |")  # fmt: skip
    return "\n".join(lines)
