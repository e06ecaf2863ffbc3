"""The core pages in Simplified Chinese (issue 10): the home page, the data-management pages and the
task health page follow the reader's language, while what is stored or exported stays English (a
query's labels, the change reasons, every CSV), and the worklist digest is written in each
recipient's saved language. Needs the compiled catalogs (``make install`` compiles them)."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from core.data_management.monitoring.services import participant_lock
from core.data_management.queries import services as queries
from core.exceptions import RecordLockedError
from core.models import DataQuery, UserLanguage
from core.selectors import participant_audit_trail
from core.services import clinical_record_save

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url, **CHINESE)
    assert response.status_code == 200
    return response.content.decode()


def _csv(client, url) -> str:
    response = client.get(url, **CHINESE)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def query(participant, monitor):
    with translation.override("zh-hans"):
        return queries.query_raise(record=participant, field_name="initials", text="请核对姓名缩写。", user=monitor,
                                   now=timezone.now() - datetime.timedelta(days=3))  # fmt: skip


def test_the_home_page_is_in_chinese(client, coordinator, participant):
    page = _page(client, coordinator, reverse("core:home"))
    assert "欢迎" in page and "最近筛选的受试者" in page
    assert "Recently screened participants" not in page


def test_a_query_raised_in_chinese_stores_english_labels_and_shows_them_in_chinese(client, query, monitor):
    stored = DataQuery.objects.get(pk=query.pk)
    assert (stored.form_label, stored.field_label) == ("Participant", "Initials")

    page = _page(client, monitor, reverse("dm:query_detail", args=[query.pk]))
    assert f"质疑 #{query.pk}" in page and "未解决" in page and "处理记录" in page
    listing = _page(client, monitor, reverse("dm:query_list"))
    assert "数据质疑" in listing and "共 1 条质疑。" in listing


def test_the_query_csv_stays_english_for_a_chinese_reader(client, query, monitor):
    client.force_login(monitor)
    header, row = list(csv.reader(io.StringIO(_csv(client, reverse("dm:query_list_csv")))))
    values = dict(zip(header, row, strict=True))
    assert (values["form"], values["field"], values["status"]) == ("Participant", "Initials", "open")


def test_the_monitoring_pages_and_their_csvs(client, participant, monitor):
    page = _page(client, monitor, reverse("dm:participant_monitoring", args=[participant.pk]))
    assert "监查：源数据核查与锁定" in page and "SDV 进度" in page
    overview = _page(client, monitor, reverse("dm:sdv_overview"))
    assert "源数据核查概览" in overview
    body = _csv(client, reverse("dm:sdv_overview_csv"))
    assert body.splitlines()[0].startswith("participant,status")
    assert not any("\u4e00" <= char <= "\u9fff" for char in body)


def test_a_locked_record_is_refused_in_the_users_language(participant, data_manager):
    participant_lock(participant=participant, user=data_manager, reason="核查中", now=timezone.now())
    participant.initials = "XY"
    with translation.override("zh-hans"), pytest.raises(RecordLockedError) as refused:
        clinical_record_save(instance=participant, user=data_manager, reason="更正", expected_version=participant.version)
    assert "该受试者的数据已锁定" in refused.value.messages[0] and "核查中" in refused.value.messages[0]
    with translation.override("en"), pytest.raises(RecordLockedError) as refused_in_english:
        clinical_record_save(instance=participant, user=data_manager, reason="fix", expected_version=participant.version)
    assert refused_in_english.value.messages[0].startswith("This participant's data is locked")


def test_the_audit_trail_names_core_records_in_chinese_and_keeps_the_reasons_stored_in_english(query, participant):
    with translation.override("zh-hans"):
        entries = participant_audit_trail(participant.pk)
    query_entry = next(entry for entry in entries if entry.record_type == "数据质疑")
    assert query_entry.action == "新建" and query_entry.reason == "Query raised on Initials"
    assert "状态" in {change.label for change in query_entry.changes}
    first_entry = next(entry for entry in entries if entry.reason == "首次录入")
    assert first_entry.record_type  # the participant's own first entry, its reason translated for the page


def test_the_task_health_page_is_in_chinese(client, data_manager):
    page = _page(client, data_manager, reverse("core:task_health"))
    assert "后台任务" in page and "任务队列（Celery 消息代理）：" in page


def test_the_digest_is_written_in_each_recipients_language(make_user, participant):
    chinese = make_user("Study coordinator", email="wang@example.org", first_name="Wang")
    UserLanguage.objects.create(user=chinese, language="zh-hans")
    english = make_user("Study coordinator", email="smith@example.org", first_name="Smith")

    from core.digest import send_worklist_digests

    assert send_worklist_digests(today=timezone.localdate(), now=timezone.now()) == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address[chinese.email].subject.startswith("工作清单 ")
    assert "您好" in by_address[chinese.email].body
    assert by_address[english.email].subject.startswith("Worklist ")
    assert by_address[english.email].body.startswith(f"Hello {english.get_full_name()},")
