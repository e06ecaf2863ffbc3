"""The language tests read the compiled catalogs: a missing or stale .mo file (a .po changed since
the last `make install`) would show English where Chinese is expected, so it stops them at once."""

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(autouse=True, scope="session")
def _catalogs_compiled():
    base = Path(settings.BASE_DIR)
    stale = [
        str(po.relative_to(base))
        for folder in settings.LOCALE_PATHS
        for po in Path(folder).glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        pytest.fail(f"catalogs not compiled since they changed: {stale}; run `make compilemessages` (or `make install`)")
