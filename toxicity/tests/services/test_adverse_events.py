"""Adverse-event services: numbering, the rules' refusals by code, linking a proposed lab result,
the investigator's signature and its staleness, the SAE report sent, audit rows with reasons, who
can have AEs recorded, and the irAE dose rules applied on save."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.exceptions import StaleRecordError
from core.services import clinical_record_save
from core.tests.factories import TEST_PASSWORD
from dosing.tests.factories import participant_enrolled
from enrollment import services as enrollment_services
from toxicity.models import (
    AE_AGENTS,
    SAE_CRITERIA,
    AdverseEvent,
    AdverseEventSignature,
    AeProposal,
    Attribution,
    IraeDoseDecision,
    LabPanel,
    LabResult,
    Outcome,
)
from toxicity.rules import adverse_event as rules
from toxicity.services import adverse_events as services
from toxicity.tests.factories import adverse_event_recorded

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def error_codes(error: ValidationError) -> dict[str, set[str]]:
    if hasattr(error, "error_dict"):
        return {name: {item.code for item in items} for name, items in error.error_dict.items()}
    return {"__all__": {item.code for item in error.error_list}}


def proposed_alt(participant, user, *, grade=3, collected_on=None) -> LabResult:
    """A lab panel with ALT graded 3 and proposed as an adverse event (saved as the labs part would)."""
    panel = LabPanel(participant=participant, collected_on=collected_on or TODAY() - datetime.timedelta(days=2),
                     recorded_by=user)  # fmt: skip
    clinical_record_save(instance=panel, user=user)
    result = LabResult(
        panel=panel, analyte="alt", value=Decimal("240"), unit="U/L", uln=Decimal("40"),
        ctcae_term="Alanine aminotransferase increased", grade=grade, grade_basis=">5.0 - 20.0 x ULN",
        ae_proposal=AeProposal.PROPOSED,
    )  # fmt: skip
    clinical_record_save(instance=result, user=user)
    return result


def test_rule_vocabulary_matches_the_models_choices():
    assert set(rules.OUTCOMES) == set(Outcome.values)
    assert set(rules.ATTRIBUTIONS) == set(Attribution.values)
    assert rules.AGENTS == tuple(agent for agent, _ in AE_AGENTS)
    assert rules.SAE_CRITERIA == tuple(name for name, _ in SAE_CRITERIA)


# --- recording ----------------------------------------------------------------------------------------


def test_adverse_events_are_numbered_1_2_3_per_participant(enrolled, coordinator, investigator):
    numbers = [adverse_event_recorded(participant=enrolled, user=coordinator).number for _ in range(3)]
    other = participant_enrolled(coordinator=coordinator, investigator=investigator)
    assert numbers == [1, 2, 3]
    assert adverse_event_recorded(participant=other, user=coordinator, onset_date=TODAY()).number == 1


def test_recording_saves_who_and_an_initial_history_row(enrolled, coordinator):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, term="Nausea", grade=2)
    assert ae.recorded_by == coordinator and ae.version == 1
    row = ae.history.get()
    assert row.history_user == coordinator and row.history_change_reason == "Initial entry"


def test_a_grade_the_term_lacks_is_refused_by_code_and_nothing_is_saved(enrolled, coordinator):
    with pytest.raises(ValidationError) as caught:
        adverse_event_recorded(participant=enrolled, user=coordinator, term="Nausea", grade=4)
    assert "ae.grade.not_in_term" in error_codes(caught.value)["grade"]
    assert not AdverseEvent.objects.exists()


def test_every_problem_is_reported_at_once_by_field(enrolled, coordinator):
    with pytest.raises(ValidationError) as caught:
        adverse_event_recorded(
            participant=enrolled, user=coordinator, grade=2, current_grade=3,
            onset_date=TODAY() + datetime.timedelta(days=1), immune_related=True, attribution_toripalimab="unlikely",
        )  # fmt: skip
    found = error_codes(caught.value)
    assert "ae.current_grade.above_worst" in found["current_grade"]
    assert "ae.onset_date.future" in found["onset_date"]
    assert "ae.attribution_toripalimab.not_related" in found["attribution_toripalimab"]


def test_onset_before_enrolment_is_refused(enrolled, coordinator):
    before = enrolled.enrolment_date - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        adverse_event_recorded(participant=enrolled, user=coordinator, onset_date=before)
    assert "ae.onset_date.before_enrolment" in error_codes(caught.value)["onset_date"]


def test_a_participant_not_enrolled_cannot_have_adverse_events(participant, coordinator):
    with pytest.raises(ValidationError) as caught:
        adverse_event_recorded(participant=participant, user=coordinator, onset_date=TODAY())
    assert error_codes(caught.value) == {"__all__": {"ae.participant.closed"}}
    assert "enrolment" in services.ae_recording_closed_reason(participant)


def test_consent_withdrawn_closes_adverse_event_recording(enrolled, coordinator):
    consent = enrolled.consents.get()
    enrollment_services.consent_withdraw(
        consent=consent, user=coordinator, withdrawn_on=TODAY(), reason="Patient's wish",
        expected_version=consent.version,
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        adverse_event_recorded(participant=enrolled, user=coordinator)
    assert error_codes(caught.value) == {"__all__": {"ae.participant.closed"}}


def test_adverse_events_can_be_recorded_in_follow_up(enrolled, coordinator):
    from enrollment.models import ParticipantStatus
    from enrollment.services.participants import participant_change_status

    for status in (ParticipantStatus.ON_TREATMENT, ParticipantStatus.FOLLOW_UP):
        enrolled.refresh_from_db()
        participant_change_status(
            participant=enrolled, user=coordinator, expected_version=enrolled.version,
            new_status=status, effective_date=TODAY(), reason="Treatment course", manual=False,
        )  # fmt: skip
    enrolled.refresh_from_db()
    assert enrolled.status == ParticipantStatus.FOLLOW_UP
    assert adverse_event_recorded(participant=enrolled, user=coordinator).number == 1


def test_serious_event_without_awareness_time_becomes_aware_now(enrolled, coordinator):
    before = timezone.now()
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, serious=True, sae_hospitalisation=True)
    assert before <= ae.sae_awareness_at <= timezone.now()


def test_serious_event_keeps_the_awareness_time_given(enrolled, coordinator):
    aware = timezone.now() - datetime.timedelta(hours=3)
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, serious=True, sae_hospitalisation=True,
                                sae_awareness_at=aware)  # fmt: skip
    assert ae.sae_awareness_at == aware


# --- lab results ----------------------------------------------------------------------------------------


def test_recording_from_a_proposed_lab_result_links_and_confirms_it(enrolled, coordinator):
    result = proposed_alt(enrolled, coordinator)
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, term="Alanine aminotransferase increased",
                                grade=3, lab_result=result)  # fmt: skip
    result.refresh_from_db()
    assert result.adverse_event == ae and result.ae_proposal == AeProposal.CONFIRMED and result.version == 2
    latest = result.history.order_by("-history_id").first()
    assert latest.history_change_reason.startswith("Confirmed as adverse event 1")
    assert latest.history_user == coordinator


def test_a_lab_result_of_another_participant_is_refused(enrolled, coordinator, investigator):
    other = participant_enrolled(coordinator=coordinator, investigator=investigator)
    result = proposed_alt(other, coordinator, collected_on=TODAY())
    with pytest.raises(ValidationError) as caught:
        adverse_event_recorded(participant=enrolled, user=coordinator, lab_result=result)
    assert error_codes(caught.value) == {"__all__": {"ae.lab_result.other_participant"}}
    assert not AdverseEvent.objects.exists()


def test_a_lab_result_not_proposed_is_refused(enrolled, coordinator):
    result = proposed_alt(enrolled, coordinator)
    result.ae_proposal = AeProposal.DISMISSED
    clinical_record_save(instance=result, user=coordinator, reason="Lab error", expected_version=result.version)
    with pytest.raises(ValidationError) as caught:
        adverse_event_recorded(participant=enrolled, user=coordinator, lab_result=result)
    assert error_codes(caught.value) == {"__all__": {"ae.lab_result.not_proposed"}}


def test_lab_result_stays_proposed_when_the_event_is_refused(enrolled, coordinator):
    result = proposed_alt(enrolled, coordinator)
    with pytest.raises(ValidationError):
        adverse_event_recorded(participant=enrolled, user=coordinator, grade=4, lab_result=result)  # Nausea has no G4
    result.refresh_from_db()
    assert result.ae_proposal == AeProposal.PROPOSED and result.adverse_event is None


# --- update ------------------------------------------------------------------------------------------------


def test_update_needs_a_reason_and_records_it(enrolled, coordinator):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, grade=2)
    with pytest.raises(ValidationError) as caught:
        services.adverse_event_update(adverse_event=ae, user=coordinator, values={"grade": 3, "current_grade": 3},
                                      expected_version=1, reason="")  # fmt: skip
    assert "reason_for_change" in caught.value.error_dict
    services.adverse_event_update(adverse_event=ae, user=coordinator, values={"grade": 3, "current_grade": 3},
                                  expected_version=1, reason="Hospitalised for IV fluids")  # fmt: skip
    ae.refresh_from_db()
    assert (ae.grade, ae.version) == (3, 2)
    assert ae.history.order_by("-history_id").first().history_change_reason == "Hospitalised for IV fluids"


def test_update_from_an_old_version_is_stale(enrolled, coordinator):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, grade=2)
    services.adverse_event_update(adverse_event=ae, user=coordinator, values={"description": "vomiting too"},
                                  expected_version=1, reason="Detail")  # fmt: skip
    with pytest.raises(StaleRecordError):
        services.adverse_event_update(adverse_event=ae, user=coordinator, values={"grade": 1, "current_grade": 1},
                                      expected_version=1, reason="Regraded")  # fmt: skip
    ae.refresh_from_db()
    assert ae.grade == 2


def test_update_is_checked_by_the_rules(enrolled, coordinator):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, grade=2)
    with pytest.raises(ValidationError) as caught:
        services.adverse_event_update(adverse_event=ae, user=coordinator,
                                      values={"resolution_date": TODAY(), "ongoing": False},
                                      expected_version=1, reason="Resolved")  # fmt: skip
    found = error_codes(caught.value)
    assert "ae.current_grade.resolved" in found["current_grade"] and "ae.outcome.resolved" in found["outcome"]
    services.adverse_event_update(
        adverse_event=ae, user=coordinator, expected_version=1, reason="Resolved",
        values={"resolution_date": TODAY(), "ongoing": False, "current_grade": 0, "outcome": Outcome.RECOVERED},
    )  # fmt: skip
    ae.refresh_from_db()
    assert (ae.current_grade, ae.ongoing, ae.outcome) == (0, False, Outcome.RECOVERED)


# --- signature -----------------------------------------------------------------------------------------------


def test_investigator_signs_with_the_password_and_the_signature_is_audited(enrolled, coordinator, investigator):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    signature = services.adverse_event_sign(adverse_event=ae, user=investigator, password=TEST_PASSWORD)
    assert signature.ae_version == ae.version and signature.signer_name == "Li Investigator"
    assert signature.meaning == AdverseEventSignature.MEANING
    row = signature.history.get()
    assert row.history_user == investigator and row.history_change_reason == AdverseEventSignature.MEANING
    from toxicity.selectors.adverse_events import valid_signature

    assert valid_signature(ae) == signature


def test_wrong_password_records_no_signature(enrolled, coordinator, investigator):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    with pytest.raises(ValidationError) as caught:
        services.adverse_event_sign(adverse_event=ae, user=investigator, password="wrong")
    assert error_codes(caught.value) == {"password": {"ae.signature.password"}}
    assert not AdverseEventSignature.objects.exists()


def test_only_an_investigator_signs(enrolled, coordinator):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    with pytest.raises(PermissionDenied):
        services.adverse_event_sign(adverse_event=ae, user=coordinator, password=TEST_PASSWORD)


def test_signing_twice_at_the_same_version_is_refused(enrolled, coordinator, investigator):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator)
    services.adverse_event_sign(adverse_event=ae, user=investigator, password=TEST_PASSWORD)
    with pytest.raises(ValidationError) as caught:
        services.adverse_event_sign(adverse_event=ae, user=investigator, password=TEST_PASSWORD)
    assert error_codes(caught.value) == {"__all__": {"ae.signature.already_signed"}}


def test_a_change_after_signing_makes_the_signature_stale_and_a_new_one_possible(enrolled, coordinator, investigator):
    from toxicity.selectors.adverse_events import adverse_events_awaiting_signature, valid_signature

    ae = adverse_event_recorded(participant=enrolled, user=coordinator, grade=2)
    services.adverse_event_sign(adverse_event=ae, user=investigator, password=TEST_PASSWORD)
    assert not adverse_events_awaiting_signature().exists()
    services.adverse_event_update(adverse_event=ae, user=coordinator, values={"grade": 3, "current_grade": 3},
                                  expected_version=1, reason="Regraded")  # fmt: skip
    ae.refresh_from_db()
    assert valid_signature(ae) is None
    assert list(adverse_events_awaiting_signature()) == [ae]
    again = services.adverse_event_sign(adverse_event=ae, user=investigator, password=TEST_PASSWORD)
    assert again.ae_version == 2 and valid_signature(ae) == again


# --- SAE report ----------------------------------------------------------------------------------------------


def serious(enrolled, coordinator, *, hours_ago=5):
    aware = timezone.now() - datetime.timedelta(hours=hours_ago)
    return adverse_event_recorded(participant=enrolled, user=coordinator, grade=3, serious=True,
                                  sae_hospitalisation=True, sae_awareness_at=aware)  # fmt: skip


def test_sae_report_marked_sent_with_an_audit_reason(enrolled, coordinator):
    ae = serious(enrolled, coordinator)
    sent = timezone.now() - datetime.timedelta(hours=1)
    services.sae_report_mark_sent(adverse_event=ae, user=coordinator, sent_at=sent, expected_version=1)
    ae.refresh_from_db()
    assert ae.sae_report_sent_at == sent and ae.version == 2
    assert ae.history.order_by("-history_id").first().history_change_reason.startswith("SAE report sent at ")


@pytest.mark.parametrize(
    ("offset", "code"),
    [(datetime.timedelta(hours=-6), "ae.sae_report_sent_at.before_awareness"),
     (datetime.timedelta(minutes=5), "ae.sae_report_sent_at.future")],
)  # fmt: skip
def test_sae_report_sent_time_between_awareness_and_now(enrolled, coordinator, offset, code):
    ae = serious(enrolled, coordinator)
    with pytest.raises(ValidationError) as caught:
        services.sae_report_mark_sent(adverse_event=ae, user=coordinator, sent_at=timezone.now() + offset,
                                      expected_version=1)  # fmt: skip
    assert code in error_codes(caught.value)["sae_report_sent_at"]
    ae.refresh_from_db()
    assert ae.sae_report_sent_at is None


def test_sae_report_only_for_a_serious_event_and_only_once(enrolled, coordinator):
    plain = adverse_event_recorded(participant=enrolled, user=coordinator)
    with pytest.raises(ValidationError) as caught:
        services.sae_report_mark_sent(adverse_event=plain, user=coordinator, sent_at=timezone.now(), expected_version=1)
    assert error_codes(caught.value) == {"__all__": {"ae.sae_report_sent_at.not_serious"}}
    ae = serious(enrolled, coordinator)
    services.sae_report_mark_sent(adverse_event=ae, user=coordinator, sent_at=timezone.now(), expected_version=1)
    with pytest.raises(ValidationError) as caught:
        services.sae_report_mark_sent(adverse_event=ae, user=coordinator, sent_at=timezone.now(), expected_version=2)
    assert error_codes(caught.value) == {"__all__": {"ae.sae_report_sent_at.already_sent"}}


# --- irAE dose rules ------------------------------------------------------------------------------------------


@pytest.fixture
def irae_calls(monkeypatch):
    from toxicity.services import irae

    calls = []
    monkeypatch.setattr(irae, "irae_dose_rules_apply", lambda **kwargs: calls.append(kwargs) or [])
    return calls


def test_irae_rules_are_applied_when_an_immune_related_event_is_saved(enrolled, coordinator, irae_calls):
    adverse_event_recorded(participant=enrolled, user=coordinator)
    assert irae_calls == []
    adverse_event_recorded(participant=enrolled, user=coordinator, term="Diarrhea", immune_related=True)
    assert irae_calls == [{"participant": enrolled, "user": coordinator, "today": TODAY()}]


def test_irae_rules_are_applied_when_an_event_stops_being_immune_related(enrolled, coordinator, irae_calls):
    ae = adverse_event_recorded(participant=enrolled, user=coordinator, term="Diarrhea", immune_related=True)
    services.adverse_event_update(
        adverse_event=ae, user=coordinator, expected_version=1, reason="Infectious, not immune-related",
        values={"immune_related": False, "irae_category": "", "attribution_toripalimab": "unlikely"},
    )  # fmt: skip
    assert len(irae_calls) == 2
    services.adverse_event_update(adverse_event=ae, user=coordinator, expected_version=2, reason="Detail",
                                  values={"description": "C. difficile positive"})  # fmt: skip
    assert len(irae_calls) == 2


def test_immune_related_hepatitis_grade_3_gets_a_discontinue_decision(measured, coordinator):
    ae = adverse_event_recorded(participant=measured, user=coordinator, term="Alanine aminotransferase increased",
                                grade=3, immune_related=True)  # fmt: skip
    decision = IraeDoseDecision.objects.get(adverse_event=ae, active=True)
    assert decision.recommended_action == "discontinue"
    assert decision.label == "discontinue — hepatitis grade 3"
