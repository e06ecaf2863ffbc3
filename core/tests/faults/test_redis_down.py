"""Redis (the Celery broker) stopped: pages and saves keep working, the banner and the health pages
say background jobs are down, and what the outage left unsent is sent once Redis is back.

The last test is the real thing: a private redis-server and a real worker on the PostgreSQL test
database; Redis is stopped with SIGTERM, the web is used, Redis is started again and the visit
flags, the Simon check and the export catch up. The others run on any database."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError as BrokerOperationalError

from core import faults
from core.models import ExportJob, ExportStatus, TaskRun
from core.tests.factories import TEST_PASSWORD
from efficacy.models import TumourAssessment
from efficacy.tasks import check_simon_decision
from efficacy.tests.factories import treated_participant
from efficacy.tests.views.test_assessments import START, baseline_post
from enrollment.models import FlagKind, VisitFlag
from enrollment.services.visit_flags import flag_visits_due
from enrollment.tests.services.test_visit_flags import make_participants

from .conftest import Worker, free_port, require_postgresql, use_broker, wait_for

BANNER = "Background jobs are down:"
HOME = reverse("core:home")
HEALTH = reverse("core:health")
TASK_HEALTH = reverse("core:task_health")
EXPORTS = reverse("dm:export_list")


def baseline_url(participant) -> str:
    return reverse("efficacy:baseline_create", kwargs={"pk": participant.pk})


def log_in(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302, "logging in must not need Redis"


@pytest.fixture
def unreachable_broker(fresh_monitor):
    """A broker URL nothing listens on (Redis stopped), used for sending and for the cache."""
    with use_broker(f"redis://127.0.0.1:{free_port()}/0") as app:
        yield app


class FailingSends:
    """Replaces one task's ``apply_async``: refused while ``down``, recorded once the broker is back."""

    def __init__(self, monkeypatch, task) -> None:
        self.down = True
        self.sent: list[tuple] = []
        real = task._get_current_object() if hasattr(task, "_get_current_object") else task

        def apply_async(task_self, args=None, kwargs=None, **options):
            if self.down:
                raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")
            self.sent.append(tuple(args or ()))

        monkeypatch.setattr(type(real), "apply_async", apply_async)


# --- the check behind the banner ------------------------------------------------------------------


def test_the_banner_asks_the_broker_at_most_every_30_seconds_with_a_short_timeout(
    client, coordinator, fresh_monitor, monkeypatch
):
    asked = []
    monkeypatch.setattr(faults, "broker_reachable", lambda *, timeout_seconds: asked.append(timeout_seconds) or False)
    now = [1000.0]
    fresh_monitor.clock = lambda: now[0]
    client.force_login(coordinator)

    assert BANNER in client.get(HOME).content.decode()
    client.get(HOME)
    now[0] += 29.9
    assert BANNER in client.get(HOME).content.decode()
    assert asked == [0.5]

    now[0] += 0.2
    client.get(HOME)
    assert asked == [0.5, 0.5]


def test_no_banner_while_the_broker_answers_nor_for_anonymous_pages(client, coordinator, fresh_monitor, monkeypatch):
    reachable = [True]
    monkeypatch.setattr(faults, "broker_reachable", lambda *, timeout_seconds: reachable[0])
    client.force_login(coordinator)
    assert BANNER not in client.get(HOME).content.decode()

    reachable[0] = False
    client.logout()
    fresh_monitor.state = None  # due for a check: the login page must not ask
    assert BANNER not in client.get(reverse("login")).content.decode()
    assert fresh_monitor.state is None


# --- the web with the broker unreachable ----------------------------------------------------------


def test_pages_and_saves_work_and_say_background_jobs_are_down_while_redis_is_unreachable(
    client, coordinator, investigator, data_manager, unreachable_broker, django_capture_on_commit_callbacks
):
    participant = treated_participant(coordinator=coordinator, investigator=investigator, treatment_start=START)
    log_in(client, coordinator)

    home = client.get(HOME)
    assert home.status_code == 200 and BANNER in home.content.decode()
    assert "reminders and exports will catch up" in home.content.decode()

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(baseline_url(participant), baseline_post())
    assert time.monotonic() - started < 5, "a save must not wait for the broker"
    assert response.status_code == 302
    assert TumourAssessment.objects.filter(participant=participant).count() == 1
    assert len(callbacks) == 1  # the Simon check: not sent, kept for later
    assert [name for name, _ in faults._monitor.unsent] == [check_simon_decision.name]

    health = client.get(HEALTH)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "broker": "down"}

    client.force_login(data_manager)
    page = client.get(TASK_HEALTH).content.decode()
    assert ">unreachable<" in page and "The queue is unreachable since" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(EXPORTS, {}).status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.QUEUED and job.current_step == faults.EXPORT_WAITING_STEP
    page = client.get(EXPORTS).content.decode()
    assert "Queued — background jobs are down" in page and BANNER in page


# --- sending again once the broker is back --------------------------------------------------------


def test_a_send_refused_by_the_broker_never_reaches_the_caller_and_is_sent_again_once_it_is_back(
    db, fresh_monitor, monkeypatch
):
    sends = FailingSends(monkeypatch, check_simon_decision)

    assert faults.enqueue(check_simon_decision) is False
    assert faults.enqueue(check_simon_decision) is False  # the same call is kept once
    assert fresh_monitor.state.reachable is False and fresh_monitor.state.down_since is not None

    sends.down = False
    monkeypatch.setattr(faults, "broker_reachable", lambda *, timeout_seconds: True)
    assert faults.background_jobs(max_age_seconds=0).reachable is True
    assert sends.sent == [()]
    assert not fresh_monitor.unsent
    faults.catch_up(now=timezone.now())
    assert sends.sent == [()]


def test_an_export_waiting_for_the_broker_is_sent_once_it_is_back(
    data_manager, participant, fresh_monitor, monkeypatch, django_capture_on_commit_callbacks
):
    from core.data_management.exports.services import export_job_request
    from core.data_management.exports.tasks import run_export

    sends = FailingSends(monkeypatch, run_export)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_job_request(user=data_manager, identified=False, now=timezone.now())
    job.refresh_from_db()
    assert job.current_step == faults.EXPORT_WAITING_STEP
    assert not fresh_monitor.unsent  # the job row is the record, not this process's memory
    assert job.history.count() == 1  # the waiting note is not an audit event

    faults.catch_up(now=timezone.now())  # still down: the job keeps waiting
    job.refresh_from_db()
    assert job.current_step == faults.EXPORT_WAITING_STEP and sends.sent == []

    sends.down = False
    assert faults.catch_up(now=timezone.now()).exports == 1
    assert faults.catch_up(now=timezone.now()).exports == 0
    job.refresh_from_db()
    assert sends.sent == [(job.pk,)]
    assert job.status == ExportStatus.QUEUED and job.current_step == faults.EXPORT_SENT_AGAIN_STEP


def _last_run(name: str, at, started=None) -> PeriodicTask:
    periodic = PeriodicTask.objects.get(name=name)
    periodic.last_run_at = at
    periodic.save()
    if started is not None:
        TaskRun.objects.update_or_create(task=periodic.task, defaults={"last_started_at": started})
    return periodic


def test_periodic_runs_that_beat_sent_but_no_worker_started_are_sent_again_once(db, fresh_monitor, monkeypatch):
    from trialsite.celery import app

    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    missed = _last_run("Flag visits due", now - hour, started=now - 25 * hour)
    _last_run("Clear expired sessions", now - hour, started=now - hour + datetime.timedelta(seconds=2))
    _last_run("Check Simon decision points", now - datetime.timedelta(minutes=5))  # maybe still in the queue
    disabled = _last_run("Send worklist digest", now - 2 * hour)
    PeriodicTask.objects.filter(pk=disabled.pk).update(enabled=False)
    expected = {periodic.task for periodic in faults.missed_periodic_runs(now=now)}
    assert missed.task in expected
    assert not expected & {
        "core.tasks.clear_expired_sessions", "efficacy.tasks.check_simon_decision", "core.tasks.send_worklist_digest",
        "toxicity.tasks.apply_irae_dose_rules",  # beat never sent it
    }  # fmt: skip

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args=None, kwargs=None, **options: sent.append(name))
    assert faults.catch_up(now=now).missed_runs == len(expected)
    assert faults.catch_up(now=now).missed_runs == 0  # claimed: another check (or process) does not send it again
    assert sorted(sent) == sorted(expected)


# --- the real outage ----------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_redis_stopped_then_started_again_the_web_keeps_working_and_background_jobs_catch_up(
    client, coordinator, investigator, data_manager, redis_server, fresh_monitor, tmp_path
):
    require_postgresql()
    today = timezone.localdate()
    participant = treated_participant(coordinator=coordinator, investigator=investigator, treatment_start=START)
    (due,) = make_participants(1, treatment_start=today + datetime.timedelta(days=5), prefix="A")
    worker = Worker(
        broker_url=redis_server.url, queue="celery", log=tmp_path / "worker.log",
        EXPORT_DIR=str(tmp_path / "exports"), TRIALSITE_VAR_DIR=str(tmp_path / "var"),
    )  # fmt: skip
    try:
        with use_broker(redis_server.url):
            wait_for(lambda: "ready." in worker.output(), timeout=30, what="the worker", log=worker)
            log_in(client, coordinator)
            assert BANNER not in client.get(HOME).content.decode()

            redis_server.stop()
            fresh_monitor.state = None  # the outage starts now: the next page asks
            outage_started = timezone.now()
            home = client.get(HOME)
            assert home.status_code == 200 and BANNER in home.content.decode()
            response = client.post(baseline_url(participant), baseline_post())
            assert response.status_code == 302 and TumourAssessment.objects.filter(participant=participant).exists()
            assert client.get(HEALTH).json()["broker"] == "down"
            client.force_login(data_manager)
            assert client.post(EXPORTS, {}).status_code == 302
            job = ExportJob.objects.get()
            assert job.current_step == faults.EXPORT_WAITING_STEP
            assert ">unreachable<" in client.get(TASK_HEALTH).content.decode()
            # Beat's 06:00 run of the visit flags fell in the outage: beat records it as run
            # (PeriodicTask.last_run_at) although no worker ever got it.
            _last_run("Flag visits due", outage_started - faults.MISSED_AFTER - datetime.timedelta(minutes=1))
            assert not VisitFlag.objects.exists()

            redis_server.start()
            health = client.get(HEALTH)  # the container's probe: finds Redis back and catches up
            assert health.status_code == 200 and health.json() == {"status": "ok", "database": "ok"}
            assert BANNER not in client.get(HOME).content.decode()

            job = wait_for(
                lambda: ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).first(),
                timeout=40, what="the export", log=worker,
            )  # fmt: skip
            wait_for(
                lambda: TaskRun.objects.filter(task="enrollment.tasks.flag_visits_due", successes=1).exists()
                and TaskRun.objects.filter(task=check_simon_decision.name, successes=1).exists(),
                timeout=20, what="the visit flags and the Simon check", log=worker,
            )  # fmt: skip
    finally:
        worker.stop()

    assert job.rows_written > 0 and job.file_name
    assert set(VisitFlag.objects.filter(participant=due, closed_at=None).values_list("visit_code", "kind")) == {
        ("screening", FlagKind.DUE_NOW), ("rt_planning", FlagKind.DUE_NOW), ("ccrt_w0", FlagKind.DUE_SOON),
    }  # fmt: skip
    # Exactly the flags of a clean run: running it again now changes nothing.
    again = flag_visits_due(today=today)
    assert (again.opened, again.closed) == (0, 0)
    assert "Connected to redis" in worker.output()
