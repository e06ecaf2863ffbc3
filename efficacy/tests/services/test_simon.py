"""The Simon decision check: a notice once per decision point, e-mailed after commit to the
investigators and data managers only, idempotent, safe when another check got there first, and
retried when the e-mail could not be sent."""

import datetime
import smtplib

import pytest
from django.utils import timezone

from efficacy.models import SimonDecisionNotice
from efficacy.services import simon as service
from efficacy.tests import factories
from trialsite.protocol.efficacy import SimonBoundaries

START = datetime.date(2026, 1, 5)
# Need 2 of the first 3 evaluable to continue, 3 of 5 to call the regimen effective.
SMALL = SimonBoundaries(r1=1, n1=3, r=2, n=5)
NOW = timezone.make_aware(datetime.datetime(2026, 11, 2, 6, 30))


def _day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


@pytest.fixture
def recipients(make_user):
    """Who should and should not get the e-mail."""
    return {
        "investigator": make_user("Investigator", email="inv@example.org"),
        "data_manager": make_user("Data manager", email="dm@example.org"),
        "coordinator": make_user("Study coordinator", email="coord@example.org"),
        "monitor": make_user("Monitor", email="mon@example.org"),
    }


@pytest.fixture
def evaluable(coordinator, investigator):
    """An evaluable participant: a responder (PR confirmed 28 days later) or stable disease."""

    def make(*, responds: bool, first: int = 90):
        participant = factories.treated_participant(
            coordinator=coordinator, investigator=investigator, treatment_start=START
        )
        factories.baseline(participant, on=_day(-10))
        if responds:
            factories.follow_up(participant, on=_day(first), response="PR", confirmed_by=investigator)
            factories.follow_up(participant, on=_day(first + 28), response="PR", confirmed_by=investigator)
        else:
            factories.follow_up(participant, on=_day(first), response="SD", confirmed_by=investigator)
        return participant

    return make


@pytest.fixture
def check(django_capture_on_commit_callbacks):
    """Run the check and its after-commit e-mail, as a committed transaction would."""

    def run(now=NOW, boundaries=SMALL):
        with django_capture_on_commit_callbacks(execute=True):
            return service.simon_decision_check(now=now, boundaries=boundaries)

    return run


@pytest.mark.django_db
def test_stage1_continue_is_recorded_and_emailed_to_investigators_and_data_managers_only(
    evaluable, recipients, check, mailoutbox
):
    evaluable(responds=True, first=80)
    evaluable(responds=True, first=90)

    (notice,) = check()

    notice.refresh_from_db()
    assert (notice.stage, notice.status, notice.code) == ("stage1", "continue", "simon.stage1.continue")
    assert (notice.evaluable, notice.responders, notice.reached_at, notice.notified_at) == (2, 2, NOW, NOW)
    # One message per recipient, so colleagues' addresses are not shared.
    assert sorted(mail.to for mail in mailoutbox) == [["dm@example.org"], ["inv@example.org"]]
    mail = mailoutbox[0]
    assert mail.subject == "Simon stage 1 decision reached: continue"
    assert "2 of the first 3 needed to continue" in mail.body
    assert notice.message in mail.body


@pytest.mark.django_db
def test_the_email_names_no_patient(evaluable, recipients, check, mailoutbox):
    patients = [evaluable(responds=True, first=80), evaluable(responds=True, first=90)]

    check()

    mail = mailoutbox[0]
    for participant in patients:
        assert participant.study_number not in mail.body
        assert participant.screening_number not in mail.body


@pytest.mark.django_db
def test_a_second_check_creates_and_sends_nothing(evaluable, recipients, check, mailoutbox):
    evaluable(responds=True, first=80)
    evaluable(responds=True, first=90)
    check()

    assert check(now=NOW + datetime.timedelta(days=1)) == []

    assert SimonDecisionNotice.objects.count() == 1
    assert len(mailoutbox) == 2  # the first check's two recipients, nothing more


@pytest.mark.django_db
def test_nothing_decided_records_and_sends_nothing(evaluable, recipients, check, mailoutbox):
    evaluable(responds=True, first=80)
    evaluable(responds=False, first=90)

    assert check() == []

    assert not SimonDecisionNotice.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_stop_after_stage1_also_settles_the_final_analysis(evaluable, recipients, check, mailoutbox):
    evaluable(responds=False, first=80)
    evaluable(responds=False, first=90)

    notices = check()

    assert [(n.stage, n.status) for n in notices] == [("stage1", "stop"), ("final", "not effective")]
    assert [mail.subject for mail in mailoutbox] == [
        "Simon stage 1 decision reached: stop",
        "Simon stage 1 decision reached: stop",
        "Simon final decision reached: not effective",
        "Simon final decision reached: not effective",
    ]


@pytest.mark.django_db
def test_a_changed_decision_is_a_new_notice(evaluable, recipients, check, mailoutbox):
    evaluable(responds=True, first=80)
    evaluable(responds=True, first=90)
    check()
    SimonDecisionNotice.objects.filter(stage="stage1").update(status="stop", code="simon.stage1.stop")

    (notice,) = check(now=NOW + datetime.timedelta(days=1))

    assert notice.status == "continue"
    assert len(mailoutbox) == 4  # two notices, each to the two recipients


@pytest.mark.django_db
def test_a_notice_already_inserted_by_a_concurrent_check_is_skipped(evaluable, recipients, check, mailoutbox,
                                                                     monkeypatch, caplog):
    evaluable(responds=True, first=80)
    evaluable(responds=True, first=90)
    SimonDecisionNotice.objects.create(
        stage="stage1", status="continue", code="simon.stage1.continue", message="m", evaluable=2, responders=2,
        reached_at=NOW, notified_at=NOW,
    )
    # The concurrent check committed after this one read the existing notices.
    monkeypatch.setattr(SimonDecisionNotice.objects, "values_list", lambda *args, **kwargs: [])

    with caplog.at_level("INFO", logger="efficacy.services.simon"):
        assert check() == []

    assert "already recorded by a concurrent check" in caplog.text  # the insert hit the unique constraint
    assert SimonDecisionNotice.objects.count() == 1
    assert mailoutbox == []


@pytest.mark.django_db
def test_an_email_that_fails_is_sent_by_the_next_check(evaluable, recipients, check, mailoutbox, monkeypatch):
    evaluable(responds=True, first=80)
    evaluable(responds=True, first=90)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    with monkeypatch.context() as patch:
        patch.setattr(service, "send_mass_mail", refuse)
        (notice,) = check()
    notice.refresh_from_db()
    assert notice.notified_at is None

    later = NOW + datetime.timedelta(hours=1)
    assert check(now=later) == []

    notice.refresh_from_db()
    assert notice.notified_at == later
    assert [mail.subject for mail in mailoutbox] == ["Simon stage 1 decision reached: continue"] * 2


@pytest.mark.django_db
def test_without_any_address_the_notice_waits_unsent(evaluable, investigator, check, mailoutbox):
    evaluable(responds=True, first=80)
    evaluable(responds=True, first=90)

    (notice,) = check()

    notice.refresh_from_db()
    assert notice.notified_at is None
    assert mailoutbox == []


@pytest.mark.django_db
def test_nothing_is_emailed_before_the_transaction_commits(evaluable, recipients, mailoutbox):
    evaluable(responds=True, first=80)
    evaluable(responds=True, first=90)

    # The test's transaction never commits, so the after-commit e-mail is not sent.
    (notice,) = service.simon_decision_check(now=NOW, boundaries=SMALL)

    assert mailoutbox == []
    notice.refresh_from_db()
    assert notice.notified_at is None


@pytest.mark.django_db
def test_the_configured_boundaries_are_the_default(evaluable, recipients, check):
    evaluable(responds=True, first=80)
    evaluable(responds=True, first=90)

    # Two responders are far from 20 of the first 27.
    assert check(boundaries=SimonBoundaries()) == []
    assert service.simon_decision_check(now=NOW) == []
    assert not SimonDecisionNotice.objects.exists()
