"""Data queries through the services: every transition (raise, answer, close, re-open), the refused
ones with their codes, who may take each step, and the audit rows each step writes."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.data_management.queries import services
from core.models import DataLock, DataQuery, LockScope, QueryMessage
from enrollment.models import Participant

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2025, 3, 3, 10, 0))
LATER = NOW + datetime.timedelta(days=2)


def codes(excinfo) -> set[str]:
    error = excinfo.value
    if hasattr(error, "error_dict"):
        return {item.code for items in error.error_dict.values() for item in items}
    return {item.code for item in error.error_list}


@pytest.fixture
def raised(participant, monitor):
    return services.query_raise(record=participant, field_name="date_of_birth", text="Date of birth as in the ID card?",
                                user=monitor, now=NOW)  # fmt: skip


@pytest.fixture
def answered(raised, coordinator):
    return services.query_answer(query=raised, text="Checked against the ID card: correct.", user=coordinator, now=LATER)


# --- raise --------------------------------------------------------------------------------------------


def test_a_monitor_raises_an_open_query_on_a_field_of_a_record(raised, participant, monitor):
    query = DataQuery.objects.get(pk=raised.pk)
    assert query.status == "open" and query.origin == "manual" and query.check_code == ""
    assert query.content_type == ContentType.objects.get_for_model(Participant) and query.object_id == participant.pk
    assert query.participant_id == participant.pk
    assert (query.field_name, query.field_label, query.form_label) == ("date_of_birth", "Date of birth", "Participant")
    assert query.raised_by == monitor and query.raised_at == NOW
    assert [(m.action, m.text, m.user, m.at) for m in query.messages.all()] == [
        ("raise", "Date of birth as in the ID card?", monitor, NOW)
    ]


def test_the_record_label_never_carries_the_initials(raised, participant):
    assert participant.initials not in raised.record_label


def test_a_data_manager_raises_a_query_on_the_record_as_a_whole(participant, data_manager):
    query = services.query_raise(record=participant, field_name="", text="Source document missing.", user=data_manager,
                                 now=NOW)  # fmt: skip
    assert query.field_name == "" and query.field_label == "" and query.status == "open"


def test_a_query_on_a_field_the_model_does_not_have_is_refused(participant, monitor):
    with pytest.raises(ValidationError) as excinfo:
        services.query_raise(record=participant, field_name="weight_kg", text="?", user=monitor, now=NOW)
    assert codes(excinfo) == {"query.field.unknown"} and "field_name" in excinfo.value.message_dict
    assert not DataQuery.objects.exists()


@pytest.mark.parametrize("field_name", ["version", "created_at", "updated_at", "id"])
def test_no_query_is_raised_on_a_bookkeeping_field(participant, monitor, field_name):
    with pytest.raises(ValidationError) as excinfo:
        services.query_raise(record=participant, field_name=field_name, text="?", user=monitor, now=NOW)
    assert codes(excinfo) == {"query.field.unknown"}


@pytest.mark.parametrize("text", ["", "   \n "])
def test_a_query_without_a_question_is_refused(participant, monitor, text):
    with pytest.raises(ValidationError) as excinfo:
        services.query_raise(record=participant, field_name="initials", text=text, user=monitor, now=NOW)
    assert codes(excinfo) == {"query.text.required"} and "text" in excinfo.value.message_dict
    assert not DataQuery.objects.exists() and not QueryMessage.objects.exists()


def test_a_query_on_a_record_that_is_not_a_crf_record_is_refused(monitor, data_manager):
    lock = DataLock.objects.create(scope=LockScope.STUDY, reason="x", locked_by=data_manager, locked_at=NOW)
    with pytest.raises(ValidationError) as excinfo:
        services.query_raise(record=lock, field_name="", text="?", user=monitor, now=NOW)
    assert codes(excinfo) == {"query.record.not_crf"}


@pytest.mark.parametrize("role", ["coordinator", "investigator"])
def test_the_site_cannot_raise_queries(participant, request, role):
    user = request.getfixturevalue(role)
    with pytest.raises(ValidationError) as excinfo:
        services.query_raise(record=participant, field_name="initials", text="?", user=user, now=NOW)
    assert codes(excinfo) == {"query.permission"}
    assert not DataQuery.objects.exists()


def test_a_query_can_be_raised_on_locked_data(participant, monitor, data_manager):
    DataLock.objects.create(scope=LockScope.STUDY, reason="Interim", locked_by=data_manager, locked_at=NOW)
    query = services.query_raise(record=participant, field_name="initials", text="Unlock and correct?", user=monitor,
                                 now=NOW)  # fmt: skip
    assert query.status == "open"


# --- answer -------------------------------------------------------------------------------------------


def test_the_coordinator_answers_an_open_query(answered, coordinator):
    query = DataQuery.objects.get(pk=answered.pk)
    assert query.status == "answered" and query.answered_at == LATER and query.closed_at is None
    last = query.messages.last()
    assert (last.action, last.text, last.user, last.at) == ("answer", "Checked against the ID card: correct.", coordinator, LATER)


def test_an_investigator_answers_an_open_query(raised, investigator):
    assert services.query_answer(query=raised, text="Corrected.", user=investigator, now=LATER).status == "answered"


@pytest.mark.parametrize("role", ["monitor", "data_manager"])
def test_the_raisers_side_cannot_answer(raised, request, role):
    with pytest.raises(ValidationError) as excinfo:
        services.query_answer(query=raised, text="I answer myself", user=request.getfixturevalue(role), now=LATER)
    assert codes(excinfo) == {"query.permission"}
    assert DataQuery.objects.get(pk=raised.pk).status == "open" and QueryMessage.objects.count() == 1


def test_an_answered_query_cannot_be_answered_again(answered, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        services.query_answer(query=answered, text="And again", user=coordinator, now=LATER)
    assert codes(excinfo) == {"query.transition.invalid"}
    assert QueryMessage.objects.filter(query=answered).count() == 2


def test_an_answer_needs_words(raised, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        services.query_answer(query=raised, text=" ", user=coordinator, now=LATER)
    assert codes(excinfo) == {"query.text.required"}
    assert DataQuery.objects.get(pk=raised.pk).status == "open"


def test_a_stale_copy_cannot_answer_a_query_closed_meanwhile(raised, coordinator, monitor):
    stale_copy = DataQuery.objects.get(pk=raised.pk)
    services.query_close(query=raised, text="Withdrawn: my mistake.", user=monitor, now=LATER)
    with pytest.raises(ValidationError) as excinfo:
        services.query_answer(query=stale_copy, text="Answer", user=coordinator, now=LATER)
    assert codes(excinfo) == {"query.transition.invalid"}


# --- close ---------------------------------------------------------------------------------------------


def test_the_monitor_closes_an_answered_query(answered, monitor):
    closing = LATER + datetime.timedelta(hours=1)
    query = services.query_close(query=answered, text="Answer accepted.", user=monitor, now=closing)
    assert query.status == "closed" and query.closed_at == closing and query.answered_at == LATER
    assert [m.action for m in query.messages.all()] == ["raise", "answer", "close"]


def test_a_data_manager_closes_an_open_query_without_an_answer(raised, data_manager):
    assert services.query_close(query=raised, text="Raised in error.", user=data_manager, now=LATER).status == "closed"


@pytest.mark.parametrize("role", ["coordinator", "investigator"])
def test_the_site_cannot_close_a_query(answered, request, role):
    with pytest.raises(ValidationError) as excinfo:
        services.query_close(query=answered, text="Done", user=request.getfixturevalue(role), now=LATER)
    assert codes(excinfo) == {"query.permission"}
    assert DataQuery.objects.get(pk=answered.pk).status == "answered"


def test_a_closed_query_cannot_be_closed_again(answered, monitor):
    services.query_close(query=answered, text="OK", user=monitor, now=LATER)
    with pytest.raises(ValidationError) as excinfo:
        services.query_close(query=answered, text="OK again", user=monitor, now=LATER)
    assert codes(excinfo) == {"query.transition.invalid"}


def test_closing_needs_a_reason(answered, monitor):
    with pytest.raises(ValidationError) as excinfo:
        services.query_close(query=answered, text="", user=monitor, now=LATER)
    assert codes(excinfo) == {"query.text.required"}


# --- re-open -------------------------------------------------------------------------------------------


def test_the_monitor_reopens_an_answered_query_that_does_not_settle_it(answered, monitor):
    query = services.query_reopen(query=answered, text="The ID card says 1972.", user=monitor, now=LATER)
    assert query.status == "open" and query.answered_at is None and query.closed_at is None
    assert [m.action for m in query.messages.all()] == ["raise", "answer", "reopen"]


def test_a_closed_query_is_reopened_and_answered_again(answered, monitor, coordinator):
    services.query_close(query=answered, text="OK", user=monitor, now=LATER)
    services.query_reopen(query=answered, text="Audit finding: look again.", user=monitor, now=LATER)
    query = services.query_answer(query=answered, text="Corrected.", user=coordinator, now=LATER)
    assert query.status == "answered"
    assert [m.action for m in query.messages.all()] == ["raise", "answer", "close", "reopen", "answer"]


def test_an_open_query_cannot_be_reopened(raised, monitor):
    with pytest.raises(ValidationError) as excinfo:
        services.query_reopen(query=raised, text="Again", user=monitor, now=LATER)
    assert codes(excinfo) == {"query.transition.invalid"}


def test_reopening_needs_a_reason(answered, monitor):
    with pytest.raises(ValidationError) as excinfo:
        services.query_reopen(query=answered, text="  ", user=monitor, now=LATER)
    assert codes(excinfo) == {"query.text.required"}
    assert DataQuery.objects.get(pk=answered.pk).status == "answered"


def test_the_site_cannot_reopen_a_query(answered, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        services.query_reopen(query=answered, text="Please", user=coordinator, now=LATER)
    assert codes(excinfo) == {"query.permission"}


# --- what each user may do now -------------------------------------------------------------------------


def test_allowed_actions_follow_status_and_role(raised, coordinator, monitor):
    assert services.allowed_actions(raised, coordinator) == ["answer"]
    assert services.allowed_actions(raised, monitor) == ["close"]
    services.query_answer(query=raised, text="Yes", user=coordinator, now=LATER)
    assert services.allowed_actions(raised, coordinator) == []
    assert services.allowed_actions(raised, monitor) == ["close", "reopen"]


# --- audit ---------------------------------------------------------------------------------------------


def test_every_step_writes_audit_rows_with_the_user_and_the_reason(answered, monitor, coordinator):
    services.query_close(query=answered, text="Answer accepted.", user=monitor, now=LATER)
    history = list(DataQuery.history.filter(id=answered.pk).order_by("history_date", "history_id"))
    assert [(row.history_type, row.status, row.history_user) for row in history] == [
        ("+", "open", monitor), ("~", "answered", coordinator), ("~", "closed", monitor),
    ]
    assert history[0].history_change_reason == "Query raised on Date of birth"
    assert history[1].history_change_reason == "Query answered: Checked against the ID card: correct."
    assert history[2].history_change_reason == "Query closed: Answer accepted."
    messages = QueryMessage.history.filter(query_id=answered.pk).order_by("history_date", "history_id")
    assert [(row.action, row.history_user) for row in messages] == [
        ("raise", monitor), ("answer", coordinator), ("close", monitor),
    ]
    assert all(row.history_change_reason for row in messages)


def test_the_query_steps_appear_on_the_participants_audit_trail(answered, participant):
    from core.selectors import participant_audit_trail

    record_types = {entry.record_type for entry in participant_audit_trail(participant.pk)}
    assert {"Data query", "Query message"} <= record_types
