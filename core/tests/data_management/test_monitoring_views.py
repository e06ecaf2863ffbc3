"""The monitoring pages as people use them: the participant monitoring page (every role reads it;
monitors mark records verified; data managers lock and unlock), the lock forms, the study lock page,
the locks list and the SDV overview with their CSVs; the lock banner on participant pages; a
locked record's edit form says why nothing was saved; and the monitoring page's query count does not
grow with the number of records."""

import csv
import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.data_management.monitoring.services import (
    lock_release,
    participant_lock,
    record_lock,
    record_verify,
    study_lock,
)
from core.models import DataLock, LockScope, SourceVerification
from core.services import clinical_record_save
from dosing.tests.factories import participant_enrolled
from toxicity.models import AdverseEvent, CtcaeTerm
from toxicity.services.adverse_events import adverse_event_update
from toxicity.tests.factories import adverse_event_recorded

pytestmark = pytest.mark.django_db

NOW = timezone.now()
ROLES = ["coordinator", "investigator", "data_manager", "monitor"]


@pytest.fixture
def enrolled(coordinator, investigator):
    start = timezone.localdate() - datetime.timedelta(days=70)
    return participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)


@pytest.fixture
def ae(enrolled, coordinator):
    return adverse_event_recorded(participant=enrolled, user=coordinator)


def _as(client, user):
    client.force_login(user)
    return client


def _monitoring(participant):
    return reverse("dm:participant_monitoring", args=[participant.pk])


def _key(record):
    return f"{ContentType.objects.get_for_model(type(record)).pk}-{record.pk}-{record.version}"


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- the participant monitoring page -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_monitoring_page_with_actions_by_permission(client, request, ae, enrolled, role):
    response = _as(client, request.getfixturevalue(role)).get(_monitoring(enrolled))

    assert response.status_code == 200
    page = response.content.decode()
    assert "AE 1: Nausea grade 2" in page
    assert "Adverse event" in page
    ae_type = ContentType.objects.get_for_model(AdverseEvent).pk
    assert reverse("dm:record", args=[ae_type, ae.pk]) in page
    assert ('name="records"' in page) is (role == "monitor")
    assert (reverse("dm:record_lock", args=[ae_type, ae.pk]) in page) is (role == "data_manager")
    assert (reverse("dm:participant_lock", args=[enrolled.pk]) in page) is (role == "data_manager")


def test_the_page_shows_version_last_change_and_sdv_progress(client, monitor, coordinator, ae, enrolled):
    record_verify(record=ae, user=monitor, now=NOW)
    total = len(_as(client, monitor).get(_monitoring(enrolled)).context["page"].rows)

    page = client.get(_monitoring(enrolled)).content.decode()

    assert f"1 of {total} records verified ({100 // total}%)" in page
    assert coordinator.get_full_name() in page  # who entered the AE
    assert f"by {monitor.get_full_name()}" in page


def test_a_record_changed_after_verification_says_so_with_both_versions(client, monitor, coordinator, ae, enrolled):
    record_verify(record=ae, user=monitor, now=NOW)
    adverse_event_update(adverse_event=ae, user=coordinator, values={"description": "Worse at night"},
                         expected_version=1, reason="Source notes")  # fmt: skip

    page = _as(client, monitor).get(_monitoring(enrolled)).content.decode()

    assert "Changed since verification" in page
    assert "verified at v1" in page and "now v2" in page
    assert "1 changed since verification" in page


def test_a_monitor_marks_the_ticked_records_verified(client, monitor, coordinator, ae, enrolled):
    other = adverse_event_recorded(participant=enrolled, user=coordinator, term="Fatigue")

    response = _as(client, monitor).post(_monitoring(enrolled), {"records": [_key(ae), _key(other)]}, follow=True)

    assert "2 records marked verified." in response.content.decode()
    assert SourceVerification.objects.filter(verified_by=monitor, record_version=1).count() == 2


@pytest.mark.parametrize("role", ["coordinator", "investigator", "data_manager"])
def test_only_monitors_can_post_verifications(client, request, ae, enrolled, role):
    response = _as(client, request.getfixturevalue(role)).post(_monitoring(enrolled), {"records": [_key(ae)]})

    assert response.status_code == 403
    assert SourceVerification.objects.count() == 0


def test_a_record_changed_after_the_page_was_loaded_is_not_verified_and_the_page_says_why(
    client, monitor, coordinator, ae, enrolled
):
    seen = _key(ae)
    adverse_event_update(adverse_event=ae, user=coordinator, values={"grade": 3, "current_grade": 3},
                         expected_version=1, reason="Regraded")  # fmt: skip

    response = _as(client, monitor).post(_monitoring(enrolled), {"records": [seen]})

    assert response.status_code == 200
    errors = " ".join(response.context["verify_form"].non_field_errors())
    assert "changed after you loaded it" in errors
    assert "Nothing was verified" in response.content.decode()
    assert SourceVerification.objects.count() == 0


@pytest.mark.parametrize("records", [[], ["not-a-key"], ["999999-1-1"]])
def test_posting_no_or_unknown_records_shows_an_error_not_a_server_error(client, monitor, enrolled, records):
    response = _as(client, monitor).post(_monitoring(enrolled), {"records": records})

    assert response.status_code == 200
    assert response.context["verify_form"].errors
    assert SourceVerification.objects.count() == 0


def test_another_participants_record_cannot_be_verified_from_this_page(client, monitor, coordinator, ae, participant):
    response = _as(client, monitor).post(_monitoring(participant), {"records": [_key(ae)]})

    assert response.status_code == 200
    assert "not one of this participant's records" in " ".join(response.context["verify_form"].non_field_errors())
    assert SourceVerification.objects.count() == 0


def test_the_page_csv_lists_every_record_pseudonymised(client, monitor, ae, enrolled):
    record_verify(record=ae, user=monitor, now=NOW)

    response = _as(client, monitor).get(reverse("dm:participant_monitoring_csv", args=[enrolled.pk]))

    rows = _csv(response)
    assert rows[0][:5] == ["participant", "form", "record_id", "record", "version"]
    ae_row = next(row for row in rows if row[1] == "Adverse event")
    assert ae_row[0] == enrolled.study_number
    assert ae_row[7] == "verified" and ae_row[8] == "1"
    assert datetime.datetime.fromisoformat(ae_row[10])  # ISO 8601
    body = "\n".join(",".join(row) for row in rows)
    assert enrolled.initials not in body.replace("initials", "")
    assert len(rows) - 1 == len(client.get(_monitoring(enrolled)).context["page"].rows)


def test_the_monitoring_page_makes_the_same_number_of_queries_for_more_records(
    client, monitor, coordinator, data_manager, enrolled
):
    def add_record(term):
        record = adverse_event_recorded(participant=enrolled, user=coordinator, term=term)
        record_verify(record=record, user=monitor, now=NOW)
        record_lock(record=record, user=data_manager, reason="Clean", now=NOW)

    add_record("Nausea")
    _as(client, monitor).get(_monitoring(enrolled))  # content types cached, as in a running server
    with CaptureQueriesContext(connection) as few:
        fewer_rows = len(client.get(_monitoring(enrolled)).context["page"].rows)

    for term in ("Fatigue", "Anemia", "Diarrhea", "Vomiting"):
        add_record(term)
    with CaptureQueriesContext(connection) as many:
        more_rows = len(client.get(_monitoring(enrolled)).context["page"].rows)

    assert more_rows == fewer_rows + 4
    assert len(many.captured_queries) == len(few.captured_queries)


# --- locking and unlocking through the pages ----------------------------------------------------------


def test_a_data_manager_locks_a_record_with_a_reason(client, data_manager, ae, enrolled):
    url = reverse("dm:record_lock", args=[ContentType.objects.get_for_model(AdverseEvent).pk, ae.pk])
    _as(client, data_manager)

    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert DataLock.objects.count() == 0

    response = client.post(url, {"reason": "Verified and query closed"}, follow=True)
    assert response.redirect_chain[-1][0] == _monitoring(enrolled)
    lock = DataLock.objects.get()
    assert (lock.scope, lock.object_id, lock.locked_by) == (LockScope.RECORD, ae.pk, data_manager)
    assert "Locked</strong> by" in response.content.decode()


def test_locking_a_record_already_locked_says_so_on_the_form(client, data_manager, ae):
    record_lock(record=ae, user=data_manager, reason="First", now=NOW)
    url = reverse("dm:record_lock", args=[ContentType.objects.get_for_model(AdverseEvent).pk, ae.pk])

    response = _as(client, data_manager).post(url, {"reason": "Second"})

    assert response.status_code == 200
    assert "already locked" in " ".join(response.context["form"].non_field_errors())
    assert DataLock.objects.count() == 1


def test_a_record_lock_page_of_something_that_is_not_a_crf_record_is_not_found(client, data_manager):
    url = reverse("dm:record_lock", args=[ContentType.objects.get_for_model(DataLock).pk, 1])
    assert _as(client, data_manager).get(url).status_code == 404


def test_a_data_manager_locks_and_unlocks_a_participant_with_reasons(client, data_manager, enrolled):
    _as(client, data_manager)
    response = client.post(reverse("dm:participant_lock", args=[enrolled.pk]), {"reason": "Ready for analysis"})
    assert response.status_code == 302
    lock = DataLock.objects.get(scope=LockScope.PARTICIPANT, participant=enrolled)

    unlock = reverse("dm:lock_release", args=[lock.pk])
    assert client.post(unlock, {"reason": ""}).status_code == 200
    assert DataLock.objects.get(pk=lock.pk).unlocked_at is None
    response = client.post(unlock, {"reason": "Late lab values"})
    assert response.status_code == 302 and response.url == _monitoring(enrolled)
    lock.refresh_from_db()
    assert (lock.unlocked_by, lock.unlock_reason) == (data_manager, "Late lab values")
    assert "This lock is already released" in client.get(unlock).content.decode()


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor"])
def test_only_data_managers_reach_the_lock_pages(client, request, data_manager, ae, enrolled, role):
    lock = participant_lock(participant=enrolled, user=data_manager, reason="x", now=NOW)
    record_url = reverse("dm:record_lock", args=[ContentType.objects.get_for_model(AdverseEvent).pk, ae.pk])
    _as(client, request.getfixturevalue(role))
    for url in (record_url, reverse("dm:participant_lock", args=[enrolled.pk]),
                reverse("dm:lock_release", args=[lock.pk]), reverse("dm:study_lock")):  # fmt: skip
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "try", "action": "lock"}).status_code == 403
    assert DataLock.objects.filter(unlocked_at__isnull=True).count() == 1


# --- the study lock page --------------------------------------------------------------------------------


def test_the_study_lock_page_locks_and_unlocks_with_reasons_and_keeps_the_history(client, data_manager):
    url = reverse("dm:study_lock")
    _as(client, data_manager)
    page = client.get(url).content.decode()
    assert "Not locked" in page and "Final analysis database lock" in page

    assert client.post(url, {"action": "lock", "reason": ""}).status_code == 200
    assert DataLock.objects.count() == 0
    response = client.post(url, {"action": "lock", "reason": "Final analysis database lock"}, follow=True)
    assert "The study is locked" in response.content.decode()
    lock = DataLock.objects.get(scope=LockScope.STUDY)

    response = client.post(url, {"action": "unlock", "reason": "Queries from the statistician"}, follow=True)
    page = response.content.decode()
    assert "The study is unlocked" in page
    assert "Queries from the statistician" in page and "Final analysis database lock" in page  # history
    lock.refresh_from_db()
    assert lock.unlocked_by == data_manager


def test_a_study_lock_form_posted_after_someone_else_locked_says_so(client, data_manager, make_user):
    study_lock(user=make_user("Data manager"), reason="Locked by a colleague", now=NOW)

    response = _as(client, data_manager).post(reverse("dm:study_lock"), {"action": "lock", "reason": "Mine"})

    assert response.status_code == 200
    assert "changed after you loaded this page" in " ".join(response.context["form"].non_field_errors())
    assert DataLock.objects.count() == 1


# --- the lock banner and the locked edit form ------------------------------------------------------------


def test_participant_pages_show_the_participant_lock_with_who_when_and_why(
    client, coordinator, data_manager, ae, enrolled
):
    participant_lock(participant=enrolled, user=data_manager, reason="Database lock of this participant", now=NOW)
    _as(client, coordinator)

    for url in (reverse("enrollment:participant_detail", args=[enrolled.pk]),
                reverse("enrollment:participant_audit", args=[enrolled.pk]), _monitoring(enrolled)):  # fmt: skip
        page = client.get(url).content.decode()
        assert 'data-testid="lock-banner-participant"' in page
        assert "Database lock of this participant — data cannot be edited" in page
        assert f"Locked by {data_manager.get_full_name()}" in page


def test_participant_pages_show_the_study_lock_and_only_the_participants_own_lock(
    client, coordinator, data_manager, enrolled, participant
):
    study_lock(user=data_manager, reason="Final analysis database lock", now=NOW)
    participant_lock(participant=enrolled, user=data_manager, reason="Only this one", now=NOW)

    page = (
        _as(client, coordinator).get(reverse("enrollment:participant_detail", args=[participant.pk])).content.decode()
    )

    assert "Final analysis database lock — data cannot be edited" in page
    assert "Only this one" not in page


def test_no_banner_once_unlocked(client, coordinator, data_manager, enrolled):
    lock = participant_lock(participant=enrolled, user=data_manager, reason="Clean", now=NOW)
    lock_release(lock=lock, user=data_manager, reason="Late data", now=NOW)

    page = _as(client, coordinator).get(reverse("enrollment:participant_detail", args=[enrolled.pk])).content.decode()

    assert "lock-banner" not in page


def test_the_participant_header_links_to_the_monitoring_page(client, coordinator, enrolled):
    page = _as(client, coordinator).get(reverse("enrollment:participant_detail", args=[enrolled.pk])).content.decode()
    assert _monitoring(enrolled) in page


@pytest.mark.parametrize("scope", [LockScope.RECORD, LockScope.PARTICIPANT, LockScope.STUDY])
def test_the_edit_form_of_locked_data_says_why_and_saves_nothing(
    client, coordinator, data_manager, ae, enrolled, scope
):
    if scope == LockScope.RECORD:
        record_lock(record=ae, user=data_manager, reason="Clean after SDV", now=NOW)
    elif scope == LockScope.PARTICIPANT:
        participant_lock(participant=enrolled, user=data_manager, reason="Clean after SDV", now=NOW)
    else:
        study_lock(user=data_manager, reason="Clean after SDV", now=NOW)
    data = {
        "term": CtcaeTerm.objects.get(term="Nausea").pk, "grade": "3", "current_grade": "3",
        "onset_date": ae.onset_date.isoformat(), "ongoing": "on",
        "attribution_toripalimab": "unlikely", "attribution_cisplatin": "unlikely",
        "attribution_paclitaxel": "unlikely", "attribution_radiotherapy": "unlikely",
        "action_toripalimab": "none", "action_cisplatin": "none", "action_paclitaxel": "none",
        "action_radiotherapy": "none", "immune_related": "no", "outcome": "not_recovered",
        "version": "1", "reason_for_change": "Regraded",
    }  # fmt: skip

    response = _as(client, coordinator).post(reverse("toxicity:ae_update", args=[enrolled.pk, ae.pk]), data)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "is locked" in errors and "Clean after SDV" in errors and "Nothing was saved" in errors
    stored = AdverseEvent.objects.get(pk=ae.pk)
    assert (stored.grade, stored.version) == (2, 1)


# --- the locks list and the SDV overview ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_locks_list(client, request, data_manager, ae, enrolled, role):
    record_lock(record=ae, user=data_manager, reason="Record clean", now=NOW)
    released = participant_lock(participant=enrolled, user=data_manager, reason="Participant clean", now=NOW)
    lock_release(lock=released, user=data_manager, reason="Late data", now=NOW)

    page = _as(client, request.getfixturevalue(role)).get(reverse("dm:lock_list")).content.decode()

    assert "Record clean" in page and "Participant clean" in page and "Late data" in page
    assert f"{enrolled.study_number} · Adverse event: AE 1: Nausea grade 2" in page
    assert (reverse("dm:lock_release", args=[released.pk]) in page) is False


@pytest.mark.parametrize(
    ("filters", "reasons"),
    [
        ({"state": "active"}, {"Record clean"}),
        ({"state": "released"}, {"Participant clean"}),
        ({"scope": "participant"}, {"Participant clean"}),
        ({"scope": "study"}, set()),
    ],
)
def test_the_locks_list_filters_and_its_csv_follows(client, monitor, data_manager, ae, enrolled, filters, reasons):
    record_lock(record=ae, user=data_manager, reason="Record clean", now=NOW)
    released = participant_lock(participant=enrolled, user=data_manager, reason="Participant clean", now=NOW)
    lock_release(lock=released, user=data_manager, reason="Late data", now=NOW)
    _as(client, monitor)

    response = client.get(reverse("dm:lock_list"), filters)
    assert {row.lock.reason for row in response.context["rows"]} == reasons

    rows = _csv(client.get(reverse("dm:lock_list_csv"), filters))
    assert rows[0][:3] == ["lock_id", "scope", "participant"]
    assert {row[6] for row in rows[1:]} == reasons


def test_the_locks_list_filters_by_participant_number(client, monitor, data_manager, enrolled, participant):
    participant_lock(participant=enrolled, user=data_manager, reason="Enrolled one", now=NOW)
    participant_lock(participant=participant, user=data_manager, reason="Screened one", now=NOW)

    response = _as(client, monitor).get(reverse("dm:lock_list"), {"participant": participant.screening_number.lower()})

    assert [row.lock.reason for row in response.context["rows"]] == ["Screened one"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_sdv_overview(client, request, monitor, ae, enrolled, participant, role):
    record_verify(record=ae, user=monitor, now=NOW)

    response = _as(client, request.getfixturevalue(role)).get(reverse("dm:sdv_overview"), {"sort": "-verified"})

    assert response.status_code == 200
    assert response.context["rows"][0].participant_id == enrolled.pk
    assert _monitoring(enrolled) in response.content.decode()


def test_the_sdv_overview_csv_has_one_row_per_participant(client, monitor, ae, enrolled, participant):
    record_verify(record=ae, user=monitor, now=NOW)

    rows = _csv(_as(client, monitor).get(reverse("dm:sdv_overview_csv")))

    assert rows[0] == ["participant", "status", "records", "verified", "changed_since_verification", "verified_percent"]
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[enrolled.study_number][3] == "1"
    assert by_number[participant.screening_number][3] == "0"


def test_an_unknown_sort_falls_back_to_the_participant_number(client, monitor, enrolled):
    response = _as(client, monitor).get(reverse("dm:sdv_overview"), {"sort": "drop table"})
    assert response.status_code == 200


def test_saving_after_unlock_works_through_the_real_save(coordinator, data_manager, enrolled):
    lock = study_lock(user=data_manager, reason="Final", now=NOW)
    lock_release(lock=lock, user=data_manager, reason="Reopened", now=NOW)
    enrolled.refresh_from_db()
    enrolled.diagnosis_date = enrolled.screening_date
    assert clinical_record_save(instance=enrolled, user=coordinator, reason="Found the pathology report",
                                expected_version=enrolled.version)  # fmt: skip


def test_the_participant_audit_trail_shows_her_verifications_and_locks_with_reasons(
    client, monitor, data_manager, ae, enrolled
):
    record_verify(record=ae, user=monitor, now=NOW)
    lock = participant_lock(participant=enrolled, user=data_manager, reason="Ready for analysis", now=NOW)
    lock_release(lock=lock, user=data_manager, reason="Late lab values", now=NOW)

    page = _as(client, monitor).get(reverse("enrollment:participant_audit", args=[enrolled.pk])).content.decode()

    assert "Source data verified: Adverse event: AE 1: Nausea grade 2, version 1" in page
    assert f"Locked the data of {enrolled.study_number}: Ready for analysis" in page
    assert "Unlocked: Late lab values" in page
