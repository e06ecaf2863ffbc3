"""Where the tests find the official NCI CTCAE v5.0 spreadsheet (read only, never copied)."""

from pathlib import Path

import pytest
from django.conf import settings


def official_spreadsheet() -> Path:
    """The shared copy of the NCI file; the calling test is skipped when it is not there."""
    path = Path(settings.BASE_DIR).parent / "shared" / "reference" / "ctcae" / "CTCAE_v5.0.xlsx"
    if not path.exists():
        pytest.skip(f"the official CTCAE spreadsheet is not available at {path}")
    return path
