"""The home page tells investigators, data managers and monitors when a Simon decision point was
reached (PROTOCOL §5); coordinators, who enter the data, do not see interim efficacy decisions."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from efficacy.models import SimonDecisionNotice


@pytest.fixture
def notice(db):
    return SimonDecisionNotice.objects.create(
        stage="stage1", status="continue", code="simon.stage1.continue",
        message="20 responders among 24 evaluable: 20 reached, so the trial continues to stage 2.",
        evaluable=24, responders=20, reached_at=timezone.now() - datetime.timedelta(days=2),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["investigator", "data_manager", "monitor"])
def test_readers_of_the_monitor_see_the_notice_on_home(client, notice, role, request):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("core:home"))

    assert response.status_code == 200
    assert b'data-testid="simon-notices"' in response.content
    assert notice.message.encode() in response.content


@pytest.mark.django_db
def test_coordinators_do_not_see_it(client, notice, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("core:home"))

    assert b"simon-notices" not in response.content


@pytest.mark.django_db
def test_a_notice_older_than_30_days_is_no_longer_shown(client, notice, investigator):
    SimonDecisionNotice.objects.filter(pk=notice.pk).update(reached_at=timezone.now() - datetime.timedelta(days=31))
    client.force_login(investigator)

    response = client.get(reverse("core:home"))

    assert b"simon-notices" not in response.content
