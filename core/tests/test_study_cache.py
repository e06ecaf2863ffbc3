"""Study-wide reads cached per data fingerprint (``core.study_cache``)."""

import datetime

import pytest
from django.utils import translation

from core import study_cache
from core.models import ParticipantDataVersion
from dosing.tests.factories import participant_enrolled
from enrollment.models import Participant

pytestmark = pytest.mark.django_db


def counting():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_a_result_is_computed_once_while_the_data_do_not_change(coordinator, investigator):
    participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=datetime.date(2025, 5, 1))
    calls, compute = counting()
    assert study_cache.cached("report", ("a",), compute) == 1
    assert study_cache.cached("report", ("a",), compute) == 1
    assert study_cache.cached("report", ("b",), compute) == 2  # other arguments, another entry
    assert len(calls) == 2


def test_any_crf_save_changes_the_fingerprint(coordinator, investigator):
    p = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=datetime.date(2025, 5, 1))
    before = study_cache.data_fingerprint()
    calls, compute = counting()
    study_cache.cached("report", None, compute)
    consent = p.consents.first()
    consent.save()
    assert study_cache.data_fingerprint() != before
    study_cache.cached("report", None, compute)
    assert len(calls) == 2


def test_participants_created_in_bulk_change_the_fingerprint():
    before = study_cache.data_fingerprint()
    day = datetime.date(2025, 5, 1)
    Participant.objects.bulk_create([Participant(screening_number="S-BULK-1", initials="AB", date_of_birth=day.replace(year=1970),
                                                 screening_date=day, status_date=day)])  # fmt: skip
    assert study_cache.data_fingerprint() != before
    assert not ParticipantDataVersion.objects.exists()


def test_each_language_has_its_own_entry():
    calls, compute = counting()
    study_cache.cached("report", None, compute)
    with translation.override("zh-hans"):
        study_cache.cached("report", None, compute)
    assert len(calls) == 2


def test_the_oldest_entries_are_dropped_first():
    calls, compute = counting()
    for n in range(study_cache.MAX_ENTRIES + 1):
        study_cache.cached("report", n, compute)
    study_cache.cached("report", study_cache.MAX_ENTRIES, compute)  # still there
    assert len(calls) == study_cache.MAX_ENTRIES + 1
    study_cache.cached("report", 0, compute)  # dropped: computed again
    assert len(calls) == study_cache.MAX_ENTRIES + 2


def test_a_template_fragment_is_rendered_once_per_data_version_and_arguments(coordinator, investigator):
    from django.template import Context, Template

    template = Template('{% load study_cache %}{% studycache "t" key %}{{ value }}{% endstudycache %}')
    assert template.render(Context({"key": 1, "value": "first"})) == "first"
    assert template.render(Context({"key": 1, "value": "second"})) == "first"
    assert template.render(Context({"key": 2, "value": "<b>"})) == "&lt;b&gt;"
    participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=datetime.date(2025, 5, 1))
    assert template.render(Context({"key": 1, "value": "third"})) == "third"


def _in_request(method, view):
    from django.test import RequestFactory

    request = getattr(RequestFactory(), method.lower())("/")
    return study_cache.ReadRequestMemo(view)(request)


def test_a_get_request_reads_the_fingerprint_once(django_assert_num_queries):
    calls, compute = counting()

    def view(request):
        with django_assert_num_queries(1):
            study_cache.cached("a", None, compute)
            study_cache.cached("b", None, compute)
            study_cache.cached("a", None, compute)
        return len(calls)

    assert _in_request("GET", view) == 2


def test_a_save_inside_a_get_request_reads_the_fingerprint_again(coordinator, investigator):
    p = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=datetime.date(2025, 5, 1))
    calls, compute = counting()

    def view(request):
        study_cache.cached("a", None, compute)
        p.consents.first().save()
        study_cache.cached("a", None, compute)  # new data: computed again
        return len(calls)

    assert _in_request("GET", view) == 2


def test_a_post_request_reads_the_fingerprint_at_every_cached_read(django_assert_num_queries):
    calls, compute = counting()

    def view(request):
        with django_assert_num_queries(2):
            study_cache.cached("a", None, compute)
            study_cache.cached("a", None, compute)
        return len(calls)

    assert _in_request("POST", view) == 1


def test_the_memo_ends_with_the_request(django_assert_num_queries):
    _in_request("GET", lambda request: study_cache.cached("a", None, lambda: 1))
    with django_assert_num_queries(1):
        study_cache.current_fingerprint()
    with django_assert_num_queries(1):
        study_cache.current_fingerprint()
