"""Loaded only into the test workers of ``test_worker_killed`` (``celery worker --include
core.tests.faults.worker_pause``), never into the site.

The first run of ``flag_visits_due`` in the test pauses inside its transaction, right after it has
written the flags and before it closes the stale ones and commits, and writes its process id to
``$FAULTS_PAUSE_DIR/paused``: the test SIGKILLs the worker there. Later runs (the marker exists) go
straight through.

``FAULTS_VISIBILITY_TIMEOUT`` (seconds) shortens the Redis transport's visibility timeout of this
worker, after which it puts back the messages a dead worker had taken but not acknowledged
(Celery's default, used by the site, is one hour)."""

import os
import time
from pathlib import Path

from enrollment.services import visit_flags
from trialsite.celery import app

PAUSE_SECONDS = 120  # far longer than the test waits: the worker is killed during the pause

_marker = Path(os.environ["FAULTS_PAUSE_DIR"]) / "paused"
_upsert = visit_flags._upsert


def _upsert_then_pause(*args, **kwargs):
    written = _upsert(*args, **kwargs)
    if not _marker.exists():
        _marker.write_text(str(os.getpid()))
        time.sleep(PAUSE_SECONDS)
    return written


visit_flags._upsert = _upsert_then_pause

if os.environ.get("FAULTS_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        "visibility_timeout": float(os.environ["FAULTS_VISIBILITY_TIMEOUT"]),
    }
