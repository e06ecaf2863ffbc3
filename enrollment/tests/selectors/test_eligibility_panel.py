"""The dashboard's eligibility panel gives the signature time in the site's time zone."""

import datetime

import pytest
from django.utils import timezone

from core.tests.factories import TEST_PASSWORD
from enrollment import services
from enrollment.selectors import eligibility_panel_lines
from enrollment.tests.factories import participant_screened_eligible

pytestmark = pytest.mark.django_db


def test_the_signature_time_is_local(coordinator, investigator, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    participant = participant_screened_eligible(user=coordinator)
    signature = services.eligibility_sign(participant=participant, user=investigator, password=TEST_PASSWORD)
    signature.signed_at = datetime.datetime(2026, 3, 9, 23, 30, tzinfo=datetime.UTC)
    signature.save(update_fields=["signed_at"])
    with timezone.override("Asia/Shanghai"):
        lines = eligibility_panel_lines(participant)
    assert any("at 2026-03-10 07:30" in line for line in lines), lines
