import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dosing.services import doses as dose_services
from dosing.tests.factories import participant_enrolled

START_DAYS_AGO = 70


@pytest.fixture
def treatment_start():
    return timezone.localdate() - datetime.timedelta(days=START_DAYS_AGO)


@pytest.fixture
def enrolled(coordinator, investigator, treatment_start):
    """Enrolled, treatment started 70 days ago, no treatment data yet."""
    return participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=treatment_start)


@pytest.fixture
def measured(enrolled, coordinator, treatment_start):
    """Enrolled with 160 cm / 64 kg measured on day 1: BSA (Mosteller) 1.69 m^2."""
    dose_services.anthropometrics_record(
        participant=enrolled,
        user=coordinator,
        measured_on=treatment_start,
        height_cm=Decimal("160"),
        weight_kg=Decimal("64"),
    )
    return enrolled


def study_day(start: datetime.date, n: int) -> datetime.date:
    return start + datetime.timedelta(days=n - 1)
