"""The coordinators' worklist email digest (``core.digest``) and its task."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from core import tasks
from core.digest import digest_recipients, send_worklist_digests
from dosing.tests.factories import participant_enrolled
from enrollment.models import FlagKind, VisitFlag
from enrollment.services.visit_flags import flag_visits_due

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 2)
NOW = timezone.make_aware(datetime.datetime(2025, 6, 2, 7, 0))


@pytest.fixture
def overdue_m3(coordinator, investigator):
    """A participant whose month-3 visit (target day 92, window +/-7) closed its window on TODAY - 1."""
    participant = participant_enrolled(
        coordinator=coordinator, investigator=investigator, treatment_start=TODAY - datetime.timedelta(days=99)
    )
    flag_visits_due(today=TODAY, now=NOW)
    assert VisitFlag.objects.filter(participant=participant, visit_code="fu_m3", kind=FlagKind.OVERDUE).exists()
    return participant


def test_each_coordinator_with_an_email_gets_the_worklist(make_user, overdue_m3):
    first = make_user("Study coordinator", email="chen@example.org", first_name="Chen", last_name="Coordinator")
    second = make_user("Study coordinator", email="wang@example.org")
    make_user("Study coordinator", email="")  # no address: nothing sent
    make_user("Study coordinator", email="gone@example.org", is_active=False)
    make_user("Investigator", email="li@example.org")  # not a coordinator

    sent = send_worklist_digests(today=TODAY, now=NOW)

    assert sent == 2
    assert sorted(message.to[0] for message in mail.outbox) == [first.email, second.email]
    message = next(m for m in mail.outbox if m.to == [first.email])
    assert message.subject.startswith("Worklist 2025-06-02: ")
    assert "Hello Chen Coordinator," in message.body
    assert "== Today (" in message.body and "== This week" in message.body
    assert f"[Overdue] {overdue_m3.study_number}: Follow-up 1 (month 3, major efficacy evaluation)" in message.body
    assert f"/participants/{overdue_m3.pk}/visits/fu_m3/record/" in message.body  # the page's absolute path
    assert "Nothing due" in message.body  # empty sections say so
    assert "&amp;" not in message.body and "&#x27;" not in message.body  # plain text, not HTML-escaped


def test_no_coordinator_with_an_address_sends_nothing(make_user, overdue_m3):
    make_user("Study coordinator", email="")

    assert list(digest_recipients()) == []
    assert send_worklist_digests(today=TODAY, now=NOW) == 0
    assert mail.outbox == []


def test_the_task_sends_nothing_while_the_digest_is_disabled(settings, make_user):
    settings.WORKLIST_DIGEST_ENABLED = False
    make_user("Study coordinator", email="chen@example.org")

    assert tasks.send_worklist_digest.delay().get() == 0
    assert mail.outbox == []


def test_the_task_sends_the_digest_when_enabled(settings, make_user):
    settings.WORKLIST_DIGEST_ENABLED = True
    make_user("Study coordinator", email="chen@example.org")

    assert tasks.send_worklist_digest.delay().get() == 1
    assert len(mail.outbox) == 1 and "nothing due" in mail.outbox[0].subject


def test_the_digest_is_off_by_default_and_the_task_is_acknowledged_late():
    from django.conf import settings as django_settings

    assert django_settings.WORKLIST_DIGEST_ENABLED is False
    assert tasks.send_worklist_digest.acks_late is True
