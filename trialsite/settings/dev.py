"""`make run`: debug and demo mode on the developer's machine (SQLite and an embedded broker unless
DATABASE_URL / REDIS_URL are set)."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR  # noqa: E402

for _folder in ("celery-broker/queue", "celery-broker/processed", "celery-results"):
    (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)
