"""Adverse-event pages: list, record (also from a proposed lab result), detail, correct, sign, SAE
report sent, and the CTCAE term search; errors next to the fields, nothing saved on error, no 500,
and who may do what."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.services import clinical_record_save
from core.tests.factories import TEST_PASSWORD
from toxicity.models import AdverseEvent, AdverseEventSignature, AeProposal, CtcaeTerm, LabPanel, LabResult
from toxicity.services.adverse_events import adverse_event_update
from toxicity.tests.factories import adverse_event_recorded

pytestmark = pytest.mark.django_db


def url(name, participant, ae=None, suffix=""):
    args = [participant.pk] if ae is None else [participant.pk, ae.pk]
    return reverse(f"toxicity:{name}", args=args) + suffix


def form_data(term="Nausea", **changes):
    data = {
        "term": CtcaeTerm.objects.get(term=term).pk,
        "grade": "2",
        "current_grade": "2",
        "onset_date": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "ongoing": "on",
        "attribution_toripalimab": "unlikely",
        "attribution_cisplatin": "possible",
        "attribution_paclitaxel": "unlikely",
        "attribution_radiotherapy": "unrelated",
        "action_toripalimab": "none",
        "action_cisplatin": "none",
        "action_paclitaxel": "none",
        "action_radiotherapy": "none",
        "immune_related": "no",
        "outcome": "not_recovered",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def proposed_alt(participant, user):
    panel = LabPanel(participant=participant, collected_on=timezone.localdate() - datetime.timedelta(days=1))
    clinical_record_save(instance=panel, user=user)
    result = LabResult(panel=panel, analyte="alt", value=Decimal("240"), unit="U/L", uln=Decimal("40"),
                       ctcae_term="Alanine aminotransferase increased", grade=3, ae_proposal=AeProposal.PROPOSED)  # fmt: skip
    clinical_record_save(instance=result, user=user)
    return result


# --- list and detail ---------------------------------------------------------------------------------


def test_list_shows_each_event_with_grades_sae_clock_and_signature_status(client, data_manager, coordinator, enrolled):
    adverse_event_recorded(participant=enrolled, user=coordinator, term="Nausea", grade=2)
    adverse_event_recorded(participant=enrolled, user=coordinator, term="Diarrhea", grade=3, serious=True,
                           sae_hospitalisation=True, immune_related=True)  # fmt: skip
    client.force_login(data_manager)
    content = client.get(url("ae_list", enrolled)).content.decode()
    assert "AE 1" in content and "AE 2" in content
    assert "Grade 3 (severe)" in content and "Grade 2 (moderate)" in content
    assert "SAE report due" in content and "left)" in content
    assert "Yes: diarrhoea / colitis" in content
    assert content.count("Awaiting signature") == 2
    assert "Toripalimab: probable" in content
    assert "Record an adverse event" not in content  # a data manager only reads


def test_detail_shows_grade_texts_signatures_linked_results_and_history(client, investigator, coordinator, enrolled):
    result = proposed_alt(enrolled, coordinator)
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, term="Alanine aminotransferase increased",
                                grade=3, lab_result=result)  # fmt: skip
    client.force_login(investigator)
    content = client.get(url("ae_detail", enrolled, ae)).content.decode()
    assert "Grade 3 (severe)</strong> — worst — now: &gt;5.0 - 20.0 x ULN" in content
    assert 'data-testid="linked-lab-results"' in content and "Alanine aminotransferase increased grade 3" in content
    assert "Initial entry" in content
    assert "Awaiting signature" in content and reverse("toxicity:ae_sign", args=[enrolled.pk, ae.pk]) in content


def test_detail_of_an_irae_shows_the_toripalimab_decision_it_produced(client, investigator, coordinator, enrolled):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, term="Alanine aminotransferase increased",
                                grade=3, immune_related=True)  # fmt: skip
    client.force_login(investigator)
    content = client.get(url("ae_detail", enrolled, ae)).content.decode()
    assert 'data-testid="ae-dose-decisions"' in content
    assert "<strong>discontinue — hepatitis grade 3</strong> · Awaiting the investigator" in content
    assert reverse("toxicity:irae_decisions", args=[enrolled.pk]) in content


def test_detail_of_another_participants_event_is_404(client, coordinator, enrolled, investigator):
    from dosing.tests.factories import participant_enrolled

    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    other = participant_enrolled(coordinator=coordinator, investigator=investigator)
    client.force_login(coordinator)
    assert client.get(url("ae_detail", other, ae)).status_code == 404


# --- record -------------------------------------------------------------------------------------------


def test_new_form_offers_terms_grouped_by_soc_and_the_search(client, coordinator, enrolled):
    client.force_login(coordinator)
    content = client.get(url("ae_create", enrolled)).content.decode()
    assert '<optgroup label="Gastrointestinal disorders">' in content
    assert f'data-terms-url="{reverse("toxicity:ctcae_terms")}"' in content
    assert "toxicity/ae_form.js" in content
    assert "Reason for change" not in content


def test_posting_a_valid_event_records_it_and_shows_it(client, coordinator, enrolled):
    client.force_login(coordinator)
    response = client.post(url("ae_create", enrolled), form_data())
    ae = AdverseEvent.objects.get()
    assert response.status_code == 302 and response.url == url("ae_detail", enrolled, ae)
    assert (ae.number, ae.grade, ae.term.term, ae.recorded_by) == (1, 2, "Nausea", coordinator)


def test_a_grade_the_term_lacks_is_shown_next_to_the_grade_and_nothing_is_saved(client, coordinator, enrolled):
    client.force_login(coordinator)
    response = client.post(url("ae_create", enrolled), form_data(grade="4", current_grade="4"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Grade 4 does not exist for Nausea in CTCAE v5.0" in content
    # The radios offer Nausea's own grades, each with its CTCAE text, and no grade 4.
    assert "Grade 3 (severe): Inadequate oral caloric or fluid intake" in content
    assert 'name="grade" value="4"' not in content
    assert not AdverseEvent.objects.exists()


def test_rule_errors_are_shown_next_to_their_fields(client, coordinator, enrolled):
    client.force_login(coordinator)
    response = client.post(url("ae_create", enrolled), form_data(serious="on", immune_related="yes"))
    form = response.context["form"]
    assert "A serious AE meets at least one SAE criterion" in form.errors["serious"][0]
    assert "irAE category" in form.errors["irae_category"][0]
    assert "toripalimab" in form.errors["attribution_toripalimab"][0]
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"term": "not-a-number"},
        {"term": "999999"},
        {"onset_date": "2026-02-30", "grade": "9", "current_grade": "x"},
        {"steroid_start_mg_per_day": "lots", "sae_awareness_at": "yesterday"},
        {"immune_related": "maybe", "outcome": "better"},
    ],
)
def test_garbage_input_gets_messages_not_a_server_error(client, coordinator, enrolled, changes):
    client.force_login(coordinator)
    data = form_data()
    data.update(changes)
    response = client.post(url("ae_create", enrolled), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert not AdverseEvent.objects.exists()


def test_a_participant_not_enrolled_gets_the_reason_on_the_form(client, coordinator, participant):
    client.force_login(coordinator)
    assert "recorded from enrolment on" in client.get(url("ae_create", participant)).content.decode()
    data = form_data(onset_date=timezone.localdate().isoformat())
    response = client.post(url("ae_create", participant), data)
    assert response.status_code == 200
    assert "recorded from enrolment on" in " ".join(response.context["form"].non_field_errors())
    assert not AdverseEvent.objects.exists()


def test_a_proposed_lab_result_prefills_the_form_and_is_linked_on_save(client, coordinator, enrolled):
    result = proposed_alt(enrolled, coordinator)
    client.force_login(coordinator)
    page = url("ae_create", enrolled, suffix=f"?lab_result={result.pk}")
    response = client.get(page)
    form = response.context["form"]
    term = CtcaeTerm.objects.get(term="Alanine aminotransferase increased")
    assert form.initial["term"] == term.pk and form.initial["grade"] == 3
    assert form.initial["onset_date"] == result.panel.collected_on
    content = response.content.decode()
    assert 'data-testid="from-lab-result"' in content
    assert "Grade 3 (severe): &gt;5.0 - 20.0 x ULN" in content
    response = client.post(page, form_data(term=term.term, grade="3", current_grade="3",
                                           onset_date=result.panel.collected_on.isoformat()))  # fmt: skip
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.ae_proposal == AeProposal.CONFIRMED and result.adverse_event == AdverseEvent.objects.get()


@pytest.mark.parametrize("raw", ["abc", "999999"])
def test_an_unknown_lab_result_is_ignored_with_a_warning(client, coordinator, enrolled, raw):
    client.force_login(coordinator)
    response = client.get(url("ae_create", enrolled, suffix=f"?lab_result={raw}"))
    assert response.status_code == 200
    assert "not awaiting confirmation" in response.content.decode()


# --- correct ---------------------------------------------------------------------------------------------


def test_correcting_needs_a_reason_and_voids_the_signature(client, coordinator, investigator, enrolled):
    from toxicity.services.adverse_events import adverse_event_sign

    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    adverse_event_sign(adverse_event=ae, user=investigator, password=TEST_PASSWORD)
    client.force_login(coordinator)
    response = client.get(url("ae_update", enrolled, ae))
    assert "saving a change voids the investigator" in response.content.decode()
    response = client.post(url("ae_update", enrolled, ae), form_data(grade="3", current_grade="3", version="1"))
    assert "reason_for_change" in response.context["form"].errors
    response = client.post(url("ae_update", enrolled, ae), form_data(grade="3", current_grade="3", version="1",
                                                                     reason_for_change="Hospitalised"))  # fmt: skip
    assert response.status_code == 302
    content = client.get(url("ae_detail", enrolled, ae)).content.decode()
    assert "Awaiting signature" in content and "no longer valid" in content


def test_correcting_a_version_someone_else_changed_is_refused(client, coordinator, enrolled):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    adverse_event_update(adverse_event=ae, user=coordinator, values={"description": "x"}, expected_version=1,
                         reason="Detail")  # fmt: skip
    client.force_login(coordinator)
    response = client.post(url("ae_update", enrolled, ae), form_data(grade="1", current_grade="1", version="1",
                                                                     reason_for_change="Regraded"))  # fmt: skip
    assert response.status_code == 200
    assert "This record was changed by" in " ".join(response.context["form"].non_field_errors())


# --- sign ----------------------------------------------------------------------------------------------------


def test_only_investigators_sign(client, coordinator, monitor, enrolled):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    for user in (coordinator, monitor):
        client.force_login(user)
        assert client.get(url("ae_sign", enrolled, ae)).status_code == 403
        assert client.post(url("ae_sign", enrolled, ae), {"confirm": "on", "password": TEST_PASSWORD}).status_code == 403
    assert not AdverseEventSignature.objects.exists()


def test_investigator_sees_what_is_signed_and_signs_with_the_password(client, coordinator, investigator, enrolled):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, term="Nausea", grade=2)
    client.force_login(investigator)
    content = client.get(url("ae_sign", enrolled, ae)).content.decode()
    assert AdverseEventSignature.MEANING in content
    assert "Grade 2 (moderate): Oral intake decreased" in content
    response = client.post(url("ae_sign", enrolled, ae), {"confirm": "on", "password": "wrong"})
    assert "password is not correct" in response.content.decode()
    assert not AdverseEventSignature.objects.exists()
    response = client.post(url("ae_sign", enrolled, ae), {"confirm": "on", "password": TEST_PASSWORD})
    assert response.status_code == 302
    signature = AdverseEventSignature.objects.get()
    assert signature.signed_by == investigator and signature.ae_version == 1
    content = client.get(url("ae_sign", enrolled, ae)).content.decode()
    assert "Already signed at this version" in content


# --- SAE report -------------------------------------------------------------------------------------------------


def test_marking_the_sae_report_sent_stops_the_clock(client, coordinator, enrolled):
    aware = timezone.now() - datetime.timedelta(hours=2)
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, grade=3, serious=True,
                                sae_hospitalisation=True, sae_awareness_at=aware)  # fmt: skip
    client.force_login(coordinator)
    assert "SAE report due" in client.get(url("ae_sae_sent", enrolled, ae)).content.decode()
    too_early = timezone.localtime(aware - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url("ae_sae_sent", enrolled, ae), {"version": "1", "sae_report_sent_at": too_early})
    assert "before the site became aware" in response.context["form"].errors["sae_report_sent_at"][0]
    sent = timezone.localtime(aware + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url("ae_sae_sent", enrolled, ae), {"version": "1", "sae_report_sent_at": sent})
    assert response.status_code == 302
    content = client.get(url("ae_detail", enrolled, ae)).content.decode()
    assert "(on time)" in content


def test_sae_report_page_of_a_non_serious_event_explains_there_is_none(client, coordinator, enrolled):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    client.force_login(coordinator)
    response = client.get(url("ae_sae_sent", enrolled, ae))
    assert response.status_code == 200 and "not serious" in response.content.decode()


# --- CTCAE term search ----------------------------------------------------------------------------------------


def search(client, query):
    response = client.get(reverse("toxicity:ctcae_terms"), {"q": query})
    assert response.status_code == 200
    return response.json()["results"]


def test_term_search_answers_the_existing_grades_with_their_texts(client, monitor):
    client.force_login(monitor)
    results = search(client, "RASH MACULO")
    assert [r["term"] for r in results] == ["Rash maculo-papular"]
    rash = results[0]
    assert rash["soc"] == "Skin and subcutaneous tissue disorders" and rash["meddra_code"] == 10037868
    assert [g["grade"] for g in rash["grades"]] == [1, 2, 3]
    assert rash["grades"][0]["text"].startswith("Macules/papules covering <10% BSA")
    assert rash["irae_category"] == "rash"


def test_term_search_by_soc_and_meddra_code_limited_to_20(client, coordinator):
    client.force_login(coordinator)
    by_code = search(client, "10001551")
    assert [r["term"] for r in by_code] == ["Alanine aminotransferase increased"]
    by_soc = search(client, "investigations")
    assert 0 < len(by_soc) <= 20 and all(r["soc"] == "Investigations" for r in by_soc)
    assert len(search(client, "a")) == 20
    assert search(client, "") == []


def test_term_search_puts_names_starting_with_the_query_first(client, coordinator):
    client.force_login(coordinator)
    results = search(client, "anemia")
    assert results[0]["term"] == "Anemia"


def test_term_search_needs_a_study_role(client, make_user):
    client.force_login(make_user(None))
    assert client.get(reverse("toxicity:ctcae_terms"), {"q": "rash"}).status_code == 403


@pytest.mark.parametrize("name", ["ae_create", "ae_list"])
def test_a_user_without_a_role_is_refused(client, make_user, enrolled, name):
    client.force_login(make_user(None))
    assert client.get(url(name, enrolled)).status_code == 403


def test_monitor_reads_but_cannot_record(client, monitor, coordinator, enrolled):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    client.force_login(monitor)
    assert client.get(url("ae_list", enrolled)).status_code == 200
    assert client.get(url("ae_detail", enrolled, ae)).status_code == 200
    for name in ("ae_create",):
        assert client.get(url(name, enrolled)).status_code == 403
    for name in ("ae_update", "ae_sae_sent", "ae_sign"):
        assert client.get(url(name, enrolled, ae)).status_code == 403


def test_a_lab_result_confirmed_meanwhile_is_not_recorded_twice(client, coordinator, enrolled):
    result = proposed_alt(enrolled, coordinator)
    page = url("ae_create", enrolled, suffix=f"?lab_result={result.pk}")
    data = form_data(term="Alanine aminotransferase increased", grade="3", current_grade="3")
    client.force_login(coordinator)
    assert client.post(page, data).status_code == 302
    response = client.post(page, data)
    assert response.status_code == 200
    assert "not awaiting confirmation" in " ".join(response.context["form"].non_field_errors())
    assert AdverseEvent.objects.count() == 1


def test_posting_with_an_unknown_lab_result_saves_nothing(client, coordinator, enrolled):
    client.force_login(coordinator)
    response = client.post(url("ae_create", enrolled, suffix="?lab_result=999999"), form_data())
    assert response.status_code == 200 and not AdverseEvent.objects.exists()
