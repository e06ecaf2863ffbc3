"""Ids in URLs cannot be guessed into other records: for every URL with an id, the ids around the
real one, zero and ids far past any row answer 404 (or the record, if it exists) and never a server
error; on a participant's page, an id of another participant's record answers 404 (GET and POST),
so ``/participants/<A>/adverse-events/<B's AE>/`` shows nothing of B and changes nothing.
"""

import pytest
from django.apps import apps
from django.urls import NoReverseMatch, reverse

from core.crf import participant_id_of

from . import support

# The record each participant page names by id besides the participant (``pk``): the id must be one
# of that participant's records. `test_every_participant_page_with_a_record_id_is_listed` keeps
# this complete.
OWNED_RECORDS = {
    "enrollment:consent_withdraw": ("consent_pk", "enrollment.Consent"),
    "enrollment:visit_forms": ("visit_pk", "enrollment.Visit"),
    "dosing:anthropometrics_update": ("record_pk", "dosing.Anthropometrics"),
    "dosing:modification_decide": ("record_pk", "dosing.DoseModification"),
    "dosing:brachy_update": ("record_pk", "dosing.BrachytherapyFraction"),
    "toxicity:lab_detail": ("panel_pk", "toxicity.LabPanel"),
    "toxicity:lab_update": ("panel_pk", "toxicity.LabPanel"),
    "toxicity:lab_result_dismiss": ("result_pk", "toxicity.LabResult"),
    "toxicity:ae_detail": ("ae_pk", "toxicity.AdverseEvent"),
    "toxicity:ae_update": ("ae_pk", "toxicity.AdverseEvent"),
    "toxicity:ae_sign": ("ae_pk", "toxicity.AdverseEvent"),
    "toxicity:ae_sae_sent": ("ae_pk", "toxicity.AdverseEvent"),
    "toxicity:irae_decide": ("decision_pk", "toxicity.IraeDoseDecision"),
}
# Whole-number URL arguments that are not record ids (a dose is named by its place in the calendar).
NOT_IDS = {"cycle", "day"}
NOT_FOUND_OR_REFUSED = (403, 404)
ANSWERED = (200, 302, 400, 403, 404, 405)


def _id_pages() -> list[str]:
    return [name for name, (_m, arguments, _e) in support.ACCESS.items()
            if arguments is not None and name in support.study_page_names() and support.allowed_roles(name)]  # fmt: skip


def _ids(kwargs: dict) -> list[str]:
    return [key for key, value in kwargs.items() if isinstance(value, int) and key not in NOT_IDS]


def _guesses(real: int) -> list[int]:
    near = [real + step for step in (-3, -2, -1, 1, 2, 3) if real + step >= 0]
    return [*near, 0, 2**31, 2**63 - 1, 10**30]


def _url(name: str, kwargs: dict) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


@pytest.fixture
def two_setups(make_user, coordinator, participant):
    from enrollment.tests.factories import participant_registered

    other = participant_registered(user=coordinator, initials="OB")
    return (
        support.study_setup(coordinator=coordinator, participant=participant, make_user=make_user),
        support.study_setup(coordinator=coordinator, participant=other, make_user=make_user),
    )


@pytest.mark.django_db
def test_every_participant_page_with_a_record_id_is_listed(two_setups):
    setup, _other = two_setups
    with_record = set()
    for name in _id_pages():
        kwargs = support.url_kwargs(name, setup)
        if "pk" in kwargs and len(_ids(kwargs)) > 1:
            with_record.add(name)
    assert with_record == set(OWNED_RECORDS)


@pytest.mark.django_db
@pytest.mark.parametrize("name", _id_pages())
def test_guessed_ids_never_error_nor_reach_another_participants_record(
    name, client, make_user, two_setups, settings, tmp_path
):
    settings.EXPORT_DIR = tmp_path
    setup_a, setup_b = two_setups
    kwargs_a = support.url_kwargs(name, setup_a)
    kwargs_b = support.url_kwargs(name, setup_b)
    roles = support.allowed_roles(name)
    client.force_login(make_user(roles[0]))
    models = support.study_models()

    # Ids around the real ones, zero and far past any row: an answer, never a server error; on a
    # participant's page, a record shown is one of that participant's.
    for key in _ids(kwargs_a):
        for guess in _guesses(kwargs_a[key]):
            kwargs = {**kwargs_a, key: guess}
            url = _url(name, kwargs)
            if url is None:
                continue
            response = support.drained(client.get(url))
            assert response.status_code in ANSWERED, (name, key, guess, response.status_code)
            if response.status_code == 200 and name in OWNED_RECORDS:
                record_key, label = OWNED_RECORDS[name]
                record = apps.get_model(label).objects.filter(pk=kwargs[record_key]).first()
                assert record is not None and participant_id_of(record) == kwargs["pk"], (name, kwargs)

    # Another participant's record under this participant's number: not found, and a post changes nothing.
    if name not in OWNED_RECORDS:
        return
    record_key, _label = OWNED_RECORDS[name]
    for mixed in ({**kwargs_a, record_key: kwargs_b[record_key]}, {**kwargs_b, record_key: kwargs_a[record_key]}):
        url = reverse(name, kwargs=mixed)
        for role in roles:
            client.force_login(make_user(role))
            assert client.get(url).status_code == 404, (name, role, mixed)
            before = support.row_counts(models)
            response = client.post(url, {"version": 1, "reason": "guessing", "reason_for_change": "guessing"})
            assert response.status_code in NOT_FOUND_OR_REFUSED, (name, role, response.status_code)
            assert not support.changed_counts(before, support.row_counts(models))


@pytest.mark.django_db
def test_an_id_in_the_query_string_reaches_only_the_pages_participant(client, make_user, coordinator):
    """``?lab_result=`` (record an AE from a lab result) and ``?assessment=`` (the live RECIST
    preview) name records by id too: another participant's id is ignored or refused."""
    from core.tests.test_url_access import _efficacy_kwargs, _safety_kwargs
    from efficacy.models import TumourAssessment
    from toxicity.models import AdverseEvent, LabResult
    from toxicity.views.adverse_events import _NOT_PROPOSED

    mine = _safety_kwargs("lab_result", coordinator, make_user)
    theirs = _safety_kwargs("lab_result", coordinator, make_user)
    client.force_login(coordinator)
    url = reverse("toxicity:ae_create", kwargs={"pk": mine["pk"]})
    query = f"?lab_result={theirs['result_pk']}"
    response = client.get(url + query)
    assert response.status_code == 200 and response.context["lab_result"] is None
    assert str(_NOT_PROPOSED) in response.content.decode()
    events = AdverseEvent.objects.count()
    response = client.post(url + query, {"term": "1", "grade": "1", "onset_date": "2026-01-01"})
    assert response.status_code == 200 and AdverseEvent.objects.count() == events
    assert LabResult.objects.get(pk=theirs["result_pk"]).adverse_event_id is None

    own = TumourAssessment.objects.get(pk=_efficacy_kwargs("follow_up_assessment", coordinator, make_user)["assessment_pk"])
    other = TumourAssessment.objects.get(pk=_efficacy_kwargs("follow_up_assessment", coordinator, make_user)["assessment_pk"])
    preview = reverse("efficacy:assessment_preview", kwargs={"pk": own.participant_id})
    response = client.get(preview, {"assessment": other.pk})
    assert response.status_code == 400 and response.json()["field"] == "assessment"
    assert client.get(preview, {"assessment": own.pk}).json().get("field") != "assessment"
