"""Serve the site for `make run`: Django's web server, a Celery worker and Celery beat, side by side.
Ctrl-C (or any one of them stopping) stops all three."""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server with a Celery worker and beat beside it (development and demo)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "trialsite"]
        commands = {
            "worker": celery + ["worker", "--loglevel=INFO", "--concurrency=2"],
            "beat": celery + ["beat", "--loglevel=INFO"],
            "web": [python, "manage.py", "runserver", f"{host}:{port}"],
        }
        broker = "Redis" if settings.REDIS_URL else "the embedded filesystem broker (no REDIS_URL set)"
        self.stdout.write(f"Celery broker: {broker}. Open http://{host}:{port}/ ; Ctrl-C stops everything.")
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        try:
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping web server, worker and beat...")
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
