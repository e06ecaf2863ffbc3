"""The worklist's per-participant snapshots (``core.work_snapshots``): valid for one day, one language
and one data version; every CRF save or deletion makes the participant's out of date; the worklist
read from them equals the worklist computed from the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from core import work_snapshots, worklist
from core.models import ParticipantDataVersion, WorklistSnapshot
from core.tasks import refresh_worklist_snapshots
from dosing.selectors import calendar as dose_calendar
from dosing.services.doses import dose_administer
from dosing.tests.factories import participant_enrolled
from enrollment.models import Participant
from enrollment.selectors import missing_forms_report
from enrollment.services import visits as visit_services

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 2)  # a Monday
NOW = timezone.make_aware(datetime.datetime(2025, 6, 2, 8, 0))


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def enrolled(coordinator, investigator, *, started_days_ago: int) -> Participant:
    return participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=days(-started_days_ago))


def dose_texts(today=TODAY) -> list[str]:
    result = worklist.coordinator_worklist(today=today, now=NOW)
    return [line.text for line in result.section("doses_now").lines + result.section("doses_week").lines]


def test_a_snapshot_is_stored_once_and_read_afterwards(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=9)
    first = dose_texts()
    snapshot = WorklistSnapshot.objects.get(participant=p)
    assert (snapshot.computed_on, snapshot.language, snapshot.has_work) == (TODAY, "en", True)
    assert snapshot.version == ParticipantDataVersion.objects.get(participant=p).version
    with CaptureQueriesContext(connection) as captured:
        assert dose_texts() == first
    assert not any("INSERT" in query["sql"] for query in captured.captured_queries)


def test_recording_a_dose_takes_it_off_the_worklist_at_the_next_read(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=9)
    assert "Cisplatin Week 1 (concurrent chemoradiotherapy)" in dose_texts()
    before = ParticipantDataVersion.objects.get(participant=p).version

    dose_administer(participant=p, user=coordinator, key=("cisplatin", "ccrt", 1, 1),
                    values={"status": "omitted", "difference_note": "Patient unwell"})  # fmt: skip

    assert ParticipantDataVersion.objects.get(participant=p).version > before
    assert "Cisplatin Week 1 (concurrent chemoradiotherapy)" not in dose_texts()


def test_the_sections_read_from_snapshots_are_kept_until_the_data_change(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=9)
    first = dose_texts()
    snapshot_table = WorklistSnapshot._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        assert dose_texts() == first
    assert not any(snapshot_table in query["sql"] for query in captured.captured_queries)
    dose_administer(participant=p, user=coordinator, key=("cisplatin", "ccrt", 1, 1),
                    values={"status": "omitted", "difference_note": "Patient unwell"})  # fmt: skip
    with CaptureQueriesContext(connection) as captured:
        assert "Cisplatin Week 1 (concurrent chemoradiotherapy)" not in dose_texts()
    assert any(snapshot_table in query["sql"] for query in captured.captured_queries)


def test_a_snapshot_is_computed_again_the_next_day(coordinator, investigator):
    enrolled(coordinator, investigator, started_days_ago=9)
    today_texts = dose_texts()
    tomorrow = dose_texts(days(6))  # a week later: week 3 is due now, week 4 later
    assert tomorrow != today_texts
    assert "Cisplatin Week 4 (concurrent chemoradiotherapy)" in tomorrow


def test_each_language_has_its_own_snapshot(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=9)
    dose_texts()
    with translation.override("zh-hans"):
        dose_texts()
    assert set(WorklistSnapshot.objects.filter(participant=p).values_list("language", flat=True)) == {"en", "zh-hans"}


def test_a_save_committed_during_the_computation_leaves_the_snapshot_out_of_date(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=9)

    def compute_while_someone_saves(ids, today):
        result = worklist.compute_participant_work(ids, today)
        work_snapshots.bump_data_version(p.pk)  # another user's save lands mid-computation
        return result

    work_snapshots.refresh([p.pk], today=TODAY, language="en", compute=compute_while_someone_saves)
    calls = []

    def counting(ids, today):
        calls.append(ids)
        return worklist.compute_participant_work(ids, today)

    work_snapshots.current_snapshots(Participant.objects.all(), today=TODAY, compute=counting)
    assert calls == [[p.pk]]


def test_deleting_a_record_makes_the_snapshot_out_of_date(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=9)
    dose_texts()
    before = ParticipantDataVersion.objects.get(participant=p).version
    p.consents.first().delete()
    assert ParticipantDataVersion.objects.get(participant=p).version == before + 1


def test_the_daily_task_stores_every_language_and_drops_older_days(coordinator, investigator, settings):
    p = enrolled(coordinator, investigator, started_days_ago=9)
    WorklistSnapshot.objects.create(participant=p, language="en", computed_on=days(-3), version=0)
    enrolled(coordinator, investigator, started_days_ago=30)
    stored = refresh_worklist_snapshots.apply().get()
    today = timezone.localdate()
    assert stored == 2 * len(settings.LANGUAGES)
    assert not WorklistSnapshot.objects.exclude(computed_on=today).exists()
    assert refresh_worklist_snapshots.apply().get() == stored  # idempotent
    assert WorklistSnapshot.objects.count() == stored


def test_the_worklist_from_snapshots_equals_the_study_wide_computation(coordinator, investigator):
    """The snapshot path against the selectors it caches, on participants at different points of
    their treatment, one with a done visit whose forms are missing."""
    participants = [enrolled(coordinator, investigator, started_days_ago=n) for n in (3, 9, 30, 60, 120)]
    visit_services.visit_record(participant=participants[2], user=coordinator, visit_code="ccrt_w1", outcome="done",
                                visit_date=days(-23), today=TODAY)  # fmt: skip
    now_doses, later_doses = worklist.due_doses(today=TODAY)
    recent, overdue = dose_calendar.doses_due(start=days(-worklist.DOSES_LOOKBACK_DAYS), end=days(6), today=TODAY)
    expected = {(item.participant.pk, item.row.dose.due, item.row.state) for item in recent + overdue}
    assert {(d.participant.pk, d.due, d.state) for d in now_doses + later_doses} == expected
    lines, total = worklist.missing_form_lines(today=TODAY)
    report = missing_forms_report(today=TODAY)
    assert total == len(report) > 0
    assert [line.participant_pk for line in lines] == list(dict.fromkeys(row.participant.pk for row in report))


def test_every_participant_has_a_data_version_from_its_creation(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=9)
    assert ParticipantDataVersion.objects.get(participant=p).version > 0


def test_migrate_drops_the_snapshots_of_the_previous_code(coordinator, investigator):
    from django.apps import apps
    from django.db.models.signals import post_migrate

    enrolled(coordinator, investigator, started_days_ago=9)
    dose_texts()
    assert WorklistSnapshot.objects.exists()
    post_migrate.send(sender=apps.get_app_config("core"), app_config=apps.get_app_config("core"), using="default")
    assert not WorklistSnapshot.objects.exists()
