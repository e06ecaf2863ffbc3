"""Lab panel services: grading stored with each value, two-sided analytes, the pre-treatment
baseline, adverse-event proposals and their dismissal, re-grading on correction, who can have labs
recorded, validation messages and the audit trail."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from core.exceptions import StaleRecordError
from core.services import clinical_record_save
from enrollment.models import ParticipantStatus
from enrollment.services.participants import participant_change_status
from toxicity.models import AeProposal, LabPanel, LabResult
from toxicity.services.labs import (
    lab_panel_record,
    lab_panel_update,
    lab_result_dismiss,
    lab_values_errors,
    next_proposal,
    result_versions,
)
from toxicity.tests.labs_fixtures import adverse_event, lab_values

pytestmark = pytest.mark.django_db

ALT = "Alanine aminotransferase increased"
TODAY = timezone.localdate


def record(participant, user, collected_on=None, **entries):
    return lab_panel_record(
        participant=participant, user=user, collected_on=collected_on or TODAY(), values=lab_values(**entries)
    )


def result(panel, code) -> LabResult:
    return panel.results.get(analyte=code)


def update(panel, user, *, reason="Transcription error", collected_on=None, versions=True, **entries):
    panel.refresh_from_db()
    return lab_panel_update(
        panel=panel, user=user, collected_on=collected_on or panel.collected_on, laboratory=panel.laboratory,
        note=panel.note, values=lab_values(**entries), expected_version=panel.version, reason=reason,
        expected_result_versions=result_versions(panel) if versions else None,
    )


def errors_of(excinfo) -> dict:
    return {key: " ".join(messages) for key, messages in excinfo.value.message_dict.items()}


# --- grading stored -------------------------------------------------------------------------------


def test_alt_six_times_uln_is_stored_as_grade_3_with_its_basis_and_proposes_an_ae(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(240, 7, 40))
    alt = result(panel, "alt")
    assert (alt.ctcae_term, alt.grade, alt.unit) == (ALT, 3, "U/L")
    assert alt.value == Decimal("240") and alt.uln == Decimal("40")
    assert ">5.0 - 20.0 x ULN" in alt.grade_basis and "CTCAE v5.0 grade 3" in alt.grade_basis
    assert alt.ae_proposal == AeProposal.PROPOSED
    assert panel.recorded_by == coordinator and panel.version == 1


def test_a_normal_value_is_grade_0_and_proposes_nothing(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(30, 7, 40), hgb=(12.5, 11.5, 15))
    assert [(r.analyte, r.grade, r.ae_proposal) for r in panel.results.order_by("analyte")] == [
        ("alt", 0, AeProposal.NONE), ("hgb", 0, AeProposal.NONE),
    ]


@pytest.mark.parametrize("code", ["tsh", "ft4", "urea"])
def test_an_analyte_without_a_ctcae_term_is_stored_ungraded(enrolled, coordinator, code):
    panel = record(enrolled, coordinator, **{code: 99})
    stored = result(panel, code)
    assert stored.grade is None and stored.ctcae_term == "" and stored.ae_proposal == AeProposal.NONE
    assert "not graded" in stored.grade_basis


@pytest.mark.parametrize(
    ("value", "term", "grade"),
    [
        ("2.8", "Hypokalemia", 3),  # below LLN: the low side
        ("6.5", "Hyperkalemia", 3),  # above ULN: the high side
        ("5.5", "Hyperkalemia", 1),
        ("3.6", "Hypokalemia", 0),  # in range, below the middle (4.4): the low side's term, grade 0
        ("5.0", "Hyperkalemia", 0),  # in range, above the middle: the high side's term
        ("4.4", "Hyperkalemia", 0),  # exactly the middle: the high side
    ],
)
def test_a_two_sided_analyte_keeps_the_side_the_value_lies_on(enrolled, coordinator, value, term, grade):
    stored = result(record(enrolled, coordinator, k=(value, "3.5", "5.3")), "k")
    assert (stored.ctcae_term, stored.grade) == (term, grade)


# --- baseline -------------------------------------------------------------------------------------


def test_an_abnormal_pre_treatment_value_is_the_baseline_of_later_values(enrolled, coordinator, treatment_start):
    before = record(enrolled, coordinator, treatment_start - datetime.timedelta(days=3), alt=(100, 7, 40))
    assert result(before, "alt").baseline is None  # a value is not its own baseline
    later = record(enrolled, coordinator, treatment_start + datetime.timedelta(days=20), alt=(240, 7, 40))
    alt = result(later, "alt")
    assert alt.baseline == Decimal("100")
    # 2.4 x an abnormal baseline: CTCAE's "1.5 - 3.0 x baseline" grade 1, not 6 x ULN grade 3.
    assert alt.grade == 1 and "baseline abnormal" in alt.grade_basis


def test_the_baseline_is_the_earliest_value_on_or_before_treatment_start(enrolled, coordinator, treatment_start):
    record(enrolled, coordinator, treatment_start - datetime.timedelta(days=10), alt=(90, 7, 40))
    record(enrolled, coordinator, treatment_start, alt=(60, 7, 40))
    record(enrolled, coordinator, treatment_start + datetime.timedelta(days=1), alt=(50, 7, 40))
    later = record(enrolled, coordinator, treatment_start + datetime.timedelta(days=30), alt=(240, 7, 40))
    assert result(later, "alt").baseline == Decimal("90")


def test_values_after_treatment_start_are_never_a_baseline(enrolled, coordinator, treatment_start):
    record(enrolled, coordinator, treatment_start + datetime.timedelta(days=1), alt=(100, 7, 40))
    later = record(enrolled, coordinator, treatment_start + datetime.timedelta(days=30), alt=(240, 7, 40))
    alt = result(later, "alt")
    assert alt.baseline is None and alt.grade == 3 and "baseline not given" in alt.grade_basis


def test_a_normal_baseline_keeps_the_multiples_of_uln(enrolled, coordinator, treatment_start):
    record(enrolled, coordinator, treatment_start - datetime.timedelta(days=2), alt=(20, 7, 40))
    alt = result(record(enrolled, coordinator, alt=(240, 7, 40)), "alt")
    assert alt.baseline == Decimal("20") and alt.grade == 3 and "baseline normal" in alt.grade_basis


# --- who can have labs recorded -------------------------------------------------------------------


def test_a_participant_not_enrolled_is_refused_and_nothing_saved(participant, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        record(participant, coordinator, alt=(240, 7, 40))
    assert "only for enrolled participants" in " ".join(excinfo.value.messages)
    assert "screening" in " ".join(excinfo.value.messages)
    assert not LabPanel.objects.exists()


def test_consent_withdrawn_is_refused(enrolled, coordinator):
    from enrollment.services.screening import consent_withdraw

    consent = enrolled.consents.get()
    consent_withdraw(consent=consent, user=coordinator, withdrawn_on=TODAY(), reason="Moved away",
                     expected_version=consent.version)
    with pytest.raises(ValidationError) as excinfo:
        record(enrolled, coordinator, alt=(30, 7, 40))
    assert "Consent was withdrawn" in " ".join(excinfo.value.messages)
    assert not LabPanel.objects.exists()


def test_off_study_accepts_samples_up_to_the_status_date_only(enrolled, coordinator, treatment_start):
    left = treatment_start + datetime.timedelta(days=30)
    participant_change_status(participant=enrolled, user=coordinator, expected_version=enrolled.version,
                              new_status=ParticipantStatus.OFF_STUDY, effective_date=left, reason="Progression")
    enrolled.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        record(enrolled, coordinator, left + datetime.timedelta(days=1), alt=(30, 7, 40))
    assert "off study since" in errors_of(excinfo)["collected_on"]
    assert record(enrolled, coordinator, left, alt=(30, 7, 40)).pk


# --- validation -----------------------------------------------------------------------------------


def test_at_least_one_value_is_needed(enrolled, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        record(enrolled, coordinator, alt=(None, 7, 40))
    assert errors_of(excinfo)[NON_FIELD_ERRORS] == "Enter at least one value."


def test_a_future_collection_date_is_refused(enrolled, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        record(enrolled, coordinator, TODAY() + datetime.timedelta(days=1), alt=(30, 7, 40))
    assert "is in the future" in errors_of(excinfo)["collected_on"]


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        ((240, 7, None), "alt_uln", "Alanine aminotransferase increased cannot be graded without the lab's ULN"),
        ((12, None, 15), "hgb_lln", "Anemia cannot be graded without the lab's LLN"),
        ((240, 50, 40), "alt_uln", "The ULN must be above the LLN (50)"),
        ((240, 40, 40), "alt_uln", "The ULN must be above the LLN"),
        ((-1, 7, 40), "alt_value", "cannot be negative"),
        (("NaN", 7, 40), "alt_value", "finite number"),
        (("Infinity", 7, 40), "alt_value", "finite number"),
        (("1.2345", 7, 40), "alt_value", "3 after it"),
        (("12345678", 7, 40), "alt_value", "7 digits before"),
        ((240, 7, "-40"), "alt_uln", "cannot be negative"),
    ],
)
def test_bad_values_are_refused_next_to_their_field(enrolled, coordinator, entry, field, message):
    code = field.split("_")[0]
    with pytest.raises(ValidationError) as excinfo:
        record(enrolled, coordinator, **{code: entry})
    assert message in errors_of(excinfo)[field]
    assert not LabPanel.objects.exists() and not LabResult.objects.exists()


def test_a_zero_lln_cannot_grade_a_low_term():
    errors = lab_values_errors(lab_values(anc=(1.0, 0, 6.3)))
    assert errors == {"anc_lln": "The LLN must be above 0 to grade Neutrophil count decreased."}


def test_a_zero_lln_is_fine_where_only_the_uln_grades():
    assert lab_values_errors(lab_values(lip=(30, 0, 60))) == {}


def test_a_two_sided_analyte_needs_both_limits():
    assert lab_values_errors(lab_values(k=(4.0, None, 5.3))) == {"k_lln": "Hypokalemia cannot be graded without the lab's LLN."}


def test_an_ungraded_analyte_needs_no_range():
    assert lab_values_errors(lab_values(tsh=(3, None, None))) == {}


def test_one_bad_value_saves_nothing_of_the_panel(enrolled, coordinator):
    with pytest.raises(ValidationError):
        record(enrolled, coordinator, alt=(240, 7, 40), ast=(-5, 13, 35), hgb=(12, 11.5, 15))
    assert not LabPanel.objects.exists() and not LabResult.objects.exists()


# --- dismissal ------------------------------------------------------------------------------------


def test_dismissing_a_proposal_keeps_the_reason_in_the_audit_trail(enrolled, coordinator):
    alt = result(record(enrolled, coordinator, alt=(240, 7, 40)), "alt")
    lab_result_dismiss(result=alt, user=coordinator, reason="Laboratory error, repeat normal", expected_version=alt.version)
    alt.refresh_from_db()
    assert alt.ae_proposal == AeProposal.DISMISSED and alt.dismiss_reason == "Laboratory error, repeat normal"
    latest = alt.history.order_by("-history_id").first()
    assert latest.history_change_reason == "Proposed adverse event dismissed: Laboratory error, repeat normal"
    assert latest.history_user == coordinator and alt.version == 2


def test_only_a_proposed_value_can_be_dismissed(enrolled, coordinator):
    normal = result(record(enrolled, coordinator, alt=(30, 7, 40)), "alt")
    with pytest.raises(ValidationError) as excinfo:
        lab_result_dismiss(result=normal, user=coordinator, reason="Not clinically significant", expected_version=1)
    assert "Only a proposed adverse event can be dismissed" in " ".join(excinfo.value.messages)


def test_dismissing_needs_a_reason(enrolled, coordinator):
    alt = result(record(enrolled, coordinator, alt=(240, 7, 40)), "alt")
    with pytest.raises(ValidationError) as excinfo:
        lab_result_dismiss(result=alt, user=coordinator, reason="  ", expected_version=alt.version)
    assert "reason" in errors_of(excinfo)
    alt.refresh_from_db()
    assert alt.ae_proposal == AeProposal.PROPOSED


def test_dismissing_a_value_changed_meanwhile_is_refused(enrolled, coordinator):
    alt = result(record(enrolled, coordinator, alt=(240, 7, 40)), "alt")
    with pytest.raises(StaleRecordError):
        lab_result_dismiss(result=alt, user=coordinator, reason="Not clinically significant", expected_version=7)


# --- correction and re-grading --------------------------------------------------------------------


def test_correcting_a_value_regrades_it_with_the_reason_in_the_audit_trail(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(240, 7, 40))
    update(panel, coordinator, reason="Typed 240 for 140", alt=(140, 7, 40))
    alt = result(panel, "alt")
    assert alt.grade == 2 and alt.ae_proposal == AeProposal.PROPOSED and alt.version == 2
    assert alt.history.order_by("-history_id").first().history_change_reason == "Typed 240 for 140"


def test_a_dismissed_value_whose_grade_changes_is_proposed_again(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(240, 7, 40))
    alt = result(panel, "alt")
    lab_result_dismiss(result=alt, user=coordinator, reason="Laboratory error, repeat normal", expected_version=1)
    update(panel, coordinator, alt=(900, 7, 40))
    alt.refresh_from_db()
    assert (alt.grade, alt.ae_proposal, alt.dismiss_reason) == (4, AeProposal.PROPOSED, "")


def test_a_dismissed_value_with_the_same_grade_stays_dismissed(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(240, 7, 40))
    lab_result_dismiss(result=result(panel, "alt"), user=coordinator, reason="Not clinically significant",
                       expected_version=1)
    update(panel, coordinator, alt=(250, 7, 40), hgb=(12, 11.5, 15))
    alt = result(panel, "alt")
    assert (alt.grade, alt.ae_proposal, alt.dismiss_reason) == (3, AeProposal.DISMISSED, "Not clinically significant")
    assert result(panel, "hgb").ae_proposal == AeProposal.NONE


def test_a_value_corrected_to_normal_is_no_longer_proposed(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(240, 7, 40))
    update(panel, coordinator, alt=(24, 7, 40))
    assert (result(panel, "alt").grade, result(panel, "alt").ae_proposal) == (0, AeProposal.NONE)


def test_a_confirmed_value_keeps_its_adverse_event_when_regraded(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(240, 7, 40))
    event = adverse_event(enrolled, coordinator, term=ALT, grade=3, onset=panel.collected_on)
    alt = result(panel, "alt")
    alt.ae_proposal, alt.adverse_event = AeProposal.CONFIRMED, event
    clinical_record_save(instance=alt, user=coordinator, reason="Recorded as AE 1", expected_version=alt.version)
    update(panel, coordinator, alt=(150, 7, 40))
    alt.refresh_from_db()
    assert (alt.grade, alt.ae_proposal, alt.adverse_event) == (2, AeProposal.CONFIRMED, event)
    with pytest.raises(ValidationError) as excinfo:
        update(panel, coordinator, alt=(None, 7, 40), hgb=(12, 11.5, 15))
    assert "recorded as an adverse event" in errors_of(excinfo)["alt_value"]


def test_a_value_left_blank_on_correction_is_removed_with_the_reason(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(240, 7, 40), hgb=(12, 11.5, 15))
    alt_pk = result(panel, "alt").pk
    update(panel, coordinator, reason="ALT belonged to another patient", alt=(None, 7, 40), hgb=(12, 11.5, 15))
    assert list(panel.results.values_list("analyte", flat=True)) == ["hgb"]
    removed = LabResult.history.filter(id=alt_pk, history_type="-").get()
    assert removed.history_change_reason == "Value removed: ALT belonged to another patient"
    assert removed.history_user == coordinator


def test_a_value_added_on_correction_is_graded_and_proposed(enrolled, coordinator):
    panel = record(enrolled, coordinator, hgb=(12, 11.5, 15))
    update(panel, coordinator, hgb=(12, 11.5, 15), plt=(20, 125, 350))
    plt = result(panel, "plt")
    assert (plt.grade, plt.ae_proposal) == (4, AeProposal.PROPOSED)


def test_a_correction_needs_a_reason_and_saves_nothing_without_it(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(240, 7, 40))
    with pytest.raises(ValidationError) as excinfo:
        update(panel, coordinator, reason="", alt=(30, 7, 40))
    assert "reason_for_change" in errors_of(excinfo)
    assert result(panel, "alt").value == Decimal("240")


def test_panel_fields_changes_are_audited(enrolled, coordinator, treatment_start):
    panel = record(enrolled, coordinator, alt=(30, 7, 40))
    update(panel, coordinator, reason="Wrong date", collected_on=treatment_start, alt=(30, 7, 40))
    panel.refresh_from_db()
    assert panel.collected_on == treatment_start and panel.version == 2
    assert panel.history.order_by("-history_id").first().history_change_reason == "Wrong date"


def test_a_panel_corrected_by_someone_else_meanwhile_is_refused(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(240, 7, 40))
    with pytest.raises(StaleRecordError):
        lab_panel_update(panel=panel, user=coordinator, collected_on=panel.collected_on, values=lab_values(alt=(30, 7, 40)),
                         expected_version=panel.version + 1, reason="Correction")


def test_a_value_dismissed_by_someone_else_meanwhile_is_not_overwritten(enrolled, coordinator):
    panel = record(enrolled, coordinator, alt=(240, 7, 40))
    loaded = result_versions(panel)
    lab_result_dismiss(result=result(panel, "alt"), user=coordinator, reason="Not clinically significant",
                       expected_version=1)
    with pytest.raises(StaleRecordError):
        lab_panel_update(panel=panel, user=coordinator, collected_on=panel.collected_on, values=lab_values(alt=(30, 7, 40)),
                         expected_version=panel.version, reason="Correction", expected_result_versions=loaded)
    assert result(panel, "alt").value == Decimal("240")


@pytest.mark.parametrize(
    ("current", "old", "new", "expected"),
    [
        (AeProposal.NONE, ("T", 0), ("T", 2), AeProposal.PROPOSED),
        (AeProposal.NONE, ("T", 0), ("T", 0), AeProposal.NONE),
        (AeProposal.PROPOSED, ("T", 3), ("T", 3), AeProposal.PROPOSED),
        (AeProposal.PROPOSED, ("T", 3), ("T", 0), AeProposal.NONE),
        (AeProposal.DISMISSED, ("T", 3), ("T", 3), AeProposal.DISMISSED),
        (AeProposal.DISMISSED, ("T", 3), ("T", 2), AeProposal.PROPOSED),
        (AeProposal.DISMISSED, ("Hypokalemia", 1), ("Hyperkalemia", 1), AeProposal.PROPOSED),
        (AeProposal.DISMISSED, ("T", 3), ("T", None), AeProposal.NONE),
        (AeProposal.CONFIRMED, ("T", 3), ("T", 0), AeProposal.CONFIRMED),
        (AeProposal.CONFIRMED, ("T", 3), ("T", 4), AeProposal.CONFIRMED),
    ],
)
def test_next_proposal_table(current, old, new, expected):
    assert next_proposal(current=current, old=old, new=new) == expected


def test_the_range_of_an_analyte_not_measured_is_ignored():
    assert lab_values_errors({**lab_values(alt=(30, 7, 40)), **lab_values(ast=(None, 50, 35))}) == {}
