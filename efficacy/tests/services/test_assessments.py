"""Tumour assessment services (RECIST 1.1): baseline checks with the rule codes, the follow-up
computation at its thresholds, recomputation of later follow-ups, lesion removal, and the
investigator's confirmation (voided by a change, override with a reason, password)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from core.exceptions import StaleRecordError
from core.tests.factories import TEST_PASSWORD
from efficacy.models import Lesion, LesionMeasurement, ResponseConfirmation, TumourAssessment
from efficacy.rules.recist import MEASUREMENT_STATUSES
from efficacy.selectors.response import participant_responses
from efficacy.services import assessments as services
from efficacy.services.assessments import LesionInput, MeasurementInput
from efficacy.tests.factories import treated_participant

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 5)
TODAY = datetime.date(2026, 9, 1)
BASELINE_DAY = datetime.date(2025, 12, 29)


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


@pytest.fixture
def enrolled(coordinator, investigator):
    return treated_participant(coordinator=coordinator, investigator=investigator, treatment_start=START)


def target(diameter, organ="cervix", node=False, **extra) -> LesionInput:
    return LesionInput(organ=organ, is_lymph_node=node, diameter_mm=Decimal(str(diameter)), **extra)


def non_target(organ="parametrium", **extra) -> LesionInput:
    return LesionInput(organ=organ, **extra)


def record_baseline(participant, user, targets=None, non_targets=(), on=BASELINE_DAY, **extra):
    """A baseline (default: one 50 mm target lesion in the cervix)."""
    return services.baseline_record(
        participant=participant, user=user, assessment_date=on, imaging_method="mri", baseline_nodes="none",
        targets=[target(50)] if targets is None else list(targets), non_targets=list(non_targets), today=TODAY, **extra,
    )  # fmt: skip


def targets_of(baseline) -> list[Lesion]:
    return sorted(baseline.lesions.filter(kind="target"), key=lambda lesion: int(lesion.label[1:]))


def measured(baseline, *sizes) -> dict[int, MeasurementInput]:
    """Measurements of the baseline's targets in label order: a size in mm (measured) or a status."""
    result = {}
    for lesion, size in zip(targets_of(baseline), sizes, strict=True):
        if size in MEASUREMENT_STATUSES:
            result[lesion.pk] = MeasurementInput(size)
        else:
            result[lesion.pk] = MeasurementInput("measured", Decimal(str(size)))
    return result


def record_follow_up(participant, user, baseline, *sizes, on, **extra):
    return services.follow_up_record(
        participant=participant, user=user, assessment_date=on, imaging_method="mri",
        measurements=measured(baseline, *sizes), today=TODAY, **extra,
    )  # fmt: skip


def update_follow_up(assessment, user, baseline, *sizes, on=None, reason="Re-read the scan", **extra):
    assessment.refresh_from_db()
    values = {
        "assessment_date": on or assessment.assessment_date, "imaging_method": assessment.imaging_method,
        "non_target_response": assessment.non_target_response, "new_lesions": assessment.new_lesions,
        "new_lesion_sites": assessment.new_lesion_sites,
    }  # fmt: skip
    values.update(extra)
    return services.follow_up_update(
        assessment=assessment, user=user, measurements=measured(baseline, *sizes),
        expected_version=assessment.version, reason=reason, today=TODAY, **values,
    )  # fmt: skip


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [item.code for item in items] for field, items in error.error_dict.items()}


# --- baseline ----------------------------------------------------------------------------------------


def test_baseline_labels_lesions_and_stores_the_sum(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator, targets=[target(30), target(22.5, "lung")],
                               non_targets=[non_target(), non_target("bone")])  # fmt: skip
    assert baseline.kind == "baseline" and baseline.version == 1
    assert baseline.target_sum_mm == Decimal("52.5") and baseline.baseline_sum_mm == Decimal("52.5")
    assert sorted(baseline.lesions.values_list("label", flat=True)) == ["NT1", "NT2", "T1", "T2"]
    assert baseline.lesions.get(label="NT1").baseline_diameter_mm is None


@pytest.mark.parametrize(
    ("lesion", "code"),
    [
        (target(9.9), "recist.target.not_measurable"),
        (target(14.9, "lymph node", node=True), "recist.target.node_non_target"),
        (target(9.9, "lymph node", node=True), "recist.target.node_normal"),
        (target(12, slice_thickness_mm=Decimal(7)), "recist.target.not_measurable"),  # needs 2 x 7 = 14 mm
    ],
)
def test_a_non_measurable_target_is_refused_next_to_its_row(enrolled, coordinator, lesion, code):
    with pytest.raises(ValidationError) as refused:
        record_baseline(enrolled, coordinator, targets=[target(40), lesion])
    assert codes(refused.value) == {"targets-1-diameter_mm": [code]}
    assert not TumourAssessment.objects.exists() and not Lesion.objects.exists()


@pytest.mark.parametrize(
    "lesion", [target(10), target(15, "lymph node", node=True), target(10, slice_thickness_mm=Decimal(5))]
)
def test_targets_at_the_measurable_limit_are_accepted(enrolled, coordinator, lesion):
    assert record_baseline(enrolled, coordinator, targets=[lesion]).pk


def test_three_targets_in_one_organ_and_six_targets_are_refused(enrolled, coordinator):
    with pytest.raises(ValidationError) as refused:
        record_baseline(enrolled, coordinator, targets=[target(20), target(20), target(20)])
    assert codes(refused.value) == {NON_FIELD_ERRORS: ["recist.target.organ_limit"]}
    six = [target(20, organ) for organ in ("cervix", "lung", "liver", "bone", "brain", "adrenal")]
    with pytest.raises(ValidationError) as refused:
        record_baseline(enrolled, coordinator, targets=six)
    assert codes(refused.value) == {NON_FIELD_ERRORS: ["recist.target.too_many"]}


def test_nodes_of_different_regions_count_as_one_organ(enrolled, coordinator):
    nodes = [target(20, "pelvic lymph node", node=True), target(20, "para-aortic node", node=True),
             target(20, "inguinal node", node=True)]  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        record_baseline(enrolled, coordinator, targets=nodes)
    assert codes(refused.value) == {NON_FIELD_ERRORS: ["recist.target.organ_limit"]}


def test_no_target_lesion_needs_a_non_target_lesion(enrolled, coordinator):
    with pytest.raises(ValidationError) as refused:
        record_baseline(enrolled, coordinator, targets=[])
    assert codes(refused.value) == {NON_FIELD_ERRORS: ["recist.target.none"]}
    assert "allowed only with non-target lesions" in refused.value.messages[0]

    baseline = record_baseline(enrolled, coordinator, targets=[], non_targets=[non_target()])
    assert baseline.target_sum_mm is None
    findings = services.baseline_findings(target_count=0, non_target_count=1)
    assert [finding.code for finding in findings] == ["recist.target.none"]


def test_baseline_input_errors_are_reported_by_field(enrolled, coordinator):
    with pytest.raises(ValidationError) as refused:
        services.baseline_record(
            participant=enrolled, user=coordinator, assessment_date=TODAY + datetime.timedelta(days=1),
            imaging_method="", baseline_nodes="", targets=[LesionInput(organ=" ", diameter_mm=None)],
            non_targets=[non_target(organ="")], visit_code="nope", today=TODAY,
        )  # fmt: skip
    assert codes(refused.value) == {
        "assessment_date": ["assessment.date.future"],
        "imaging_method": ["assessment.method.missing"],
        "visit_code": ["assessment.visit.unknown"],
        "baseline_nodes": ["assessment.baseline.nodes"],
        "targets-0-organ": ["assessment.lesion.organ"],
        "targets-0-diameter_mm": ["assessment.lesion.diameter"],
        "non_targets-0-organ": ["assessment.lesion.organ"],
    }


def test_a_second_baseline_is_refused(enrolled, coordinator):
    record_baseline(enrolled, coordinator)
    with pytest.raises(ValidationError) as refused:
        record_baseline(enrolled, coordinator, on=BASELINE_DAY - datetime.timedelta(days=1))
    assert codes(refused.value)[NON_FIELD_ERRORS] == ["assessment.baseline.exists"]


def test_a_participant_not_enrolled_has_no_assessment(participant, coordinator):
    with pytest.raises(ValidationError) as refused:
        record_baseline(participant, coordinator)
    assert refused.value.code == "assessment.participant.closed"


def test_baseline_visit_code_must_be_a_tumour_assessment_visit(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator, visit_code="screening")
    assert baseline.visit_code == "screening"


# --- follow-up computation ---------------------------------------------------------------------------


def test_a_35_percent_decrease_from_50_mm_is_pr(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "32.5", on=day(80))
    assert follow_up.target_sum_mm == Decimal("32.5")
    assert follow_up.baseline_sum_mm == Decimal(50) and follow_up.nadir_sum_mm == Decimal(50)
    assert follow_up.change_from_baseline_pct == Decimal("-35.0")
    assert follow_up.change_from_nadir_pct == Decimal("-35.0")
    assert follow_up.target_response == "PR" and follow_up.computed_response == "PR"
    assert follow_up.measurements.get().diameter_mm == Decimal("32.5")


@pytest.mark.parametrize(("size", "response"), [("35.0", "PR"), ("35.1", "SD"), ("34.9", "PR")])
def test_exactly_30_percent_decrease_is_pr(enrolled, coordinator, size, response):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, size, on=day(80))
    assert follow_up.computed_response == response


@pytest.mark.parametrize(
    ("second", "response"),
    [
        ("30.0", "PD"),  # +20% over the nadir of 25 and +5 mm
        ("29.9", "PR"),  # +19.6%: not PD; -40.2% from baseline
    ],
)
def test_pd_is_20_percent_and_5_mm_over_the_nadir_of_an_earlier_follow_up(enrolled, coordinator, second, response):
    baseline = record_baseline(enrolled, coordinator)
    record_follow_up(enrolled, coordinator, baseline, "25", on=day(60))
    later = record_follow_up(enrolled, coordinator, baseline, second, on=day(120))
    assert later.nadir_sum_mm == Decimal(25)
    assert later.computed_response == response


def test_20_percent_over_the_nadir_but_under_5_mm_is_not_pd(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator, targets=[target(20)])
    record_follow_up(enrolled, coordinator, baseline, "10", on=day(60))
    later = record_follow_up(enrolled, coordinator, baseline, "14.9", on=day(120))
    assert later.change_from_nadir_pct == Decimal("49.0")
    assert later.computed_response == "SD"


def test_too_small_counts_5_mm_and_disappeared_0_mm(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator, targets=[target(30), target(20, "lung")])
    follow_up = record_follow_up(enrolled, coordinator, baseline, "too_small", "disappeared", on=day(80))
    assert follow_up.target_sum_mm == Decimal(5)
    assert follow_up.computed_response == "PR"  # a non-nodal lesion is still there: not CR
    assert {m.status: m.diameter_mm for m in follow_up.measurements.all()} == {"too_small": None, "disappeared": None}


def test_non_nodal_gone_and_node_below_10_mm_is_cr(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator, targets=[target(30), target(18, "lymph node", node=True)])
    follow_up = record_follow_up(enrolled, coordinator, baseline, "disappeared", "9.5", on=day(80))
    assert follow_up.target_sum_mm == Decimal("9.5") and follow_up.computed_response == "CR"


def test_a_lesion_not_evaluated_makes_the_time_point_ne(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator, targets=[target(30), target(20, "lung")])
    follow_up = record_follow_up(enrolled, coordinator, baseline, "20", "not_evaluated", on=day(80))
    assert follow_up.target_sum_mm is None and follow_up.change_from_baseline_pct is None
    assert follow_up.target_response == "NE" and follow_up.computed_response == "NE"


@pytest.mark.parametrize(("new", "response"), [("unequivocal", "PD"), ("equivocal", "PR"), ("none", "PR")])
def test_only_an_unequivocal_new_lesion_is_pd(enrolled, coordinator, new, response):
    baseline = record_baseline(enrolled, coordinator)
    sites = "" if new == "none" else "liver"
    follow_up = record_follow_up(enrolled, coordinator, baseline, "30", on=day(80), new_lesions=new,
                                 new_lesion_sites=sites)  # fmt: skip
    assert follow_up.target_response == "PR" and follow_up.computed_response == response


def test_new_lesions_need_their_sites(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator)
    with pytest.raises(ValidationError) as refused:
        record_follow_up(enrolled, coordinator, baseline, "30", on=day(80), new_lesions="equivocal")
    assert codes(refused.value) == {"new_lesion_sites": ["assessment.new_lesions.sites"]}


def test_non_target_status_is_required_with_non_target_lesions_and_pd_there_is_pd(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator, non_targets=[non_target()])
    with pytest.raises(ValidationError) as refused:
        record_follow_up(enrolled, coordinator, baseline, "30", on=day(80))
    assert codes(refused.value) == {"non_target_response": ["assessment.non_target.missing"]}
    follow_up = record_follow_up(enrolled, coordinator, baseline, "30", on=day(80), non_target_response="PD")
    assert follow_up.target_response == "PR" and follow_up.computed_response == "PD"


def test_non_target_disease_only_follows_table_2(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator, targets=[], non_targets=[non_target()])
    follow_up = record_follow_up(enrolled, coordinator, baseline, on=day(80), non_target_response="NON-CR/NON-PD")
    assert follow_up.target_sum_mm is None and follow_up.target_response == ""
    assert follow_up.computed_response == "NON-CR/NON-PD"


def test_follow_up_input_errors(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator, targets=[target(30), target(20, "lung")])
    record_follow_up(enrolled, coordinator, baseline, "20", "10", on=day(80))
    lesion_1, lesion_2 = targets_of(baseline)
    with pytest.raises(ValidationError) as refused:
        services.follow_up_record(
            participant=enrolled, user=coordinator, assessment_date=day(80), imaging_method="ct",
            measurements={lesion_1.pk: MeasurementInput("measured", None)}, today=TODAY,
        )  # fmt: skip
    assert codes(refused.value) == {
        "assessment_date": ["assessment.date.taken"],
        f"lesion_{lesion_1.pk}_diameter_mm": ["assessment.measurement.diameter"],
        f"lesion_{lesion_2.pk}_status": ["assessment.measurement.status"],
    }
    for on, code in ((BASELINE_DAY, "assessment.date.taken"), (BASELINE_DAY - datetime.timedelta(days=1),
                     "assessment.follow_up.before_baseline"), (TODAY + datetime.timedelta(days=1),
                     "assessment.date.future")):  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            record_follow_up(enrolled, coordinator, baseline, "20", "10", on=on)
        assert codes(refused.value) == {"assessment_date": [code]}
    assert TumourAssessment.objects.filter(kind="follow_up").count() == 1


def test_a_follow_up_needs_the_baseline(enrolled, coordinator):
    with pytest.raises(ValidationError) as refused:
        services.follow_up_record(participant=enrolled, user=coordinator, assessment_date=day(80),
                                  imaging_method="mri", measurements={}, today=TODAY)  # fmt: skip
    assert codes(refused.value)[NON_FIELD_ERRORS] == ["assessment.baseline.missing"]


def test_the_preview_gives_the_values_the_save_stores(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator)
    record_follow_up(enrolled, coordinator, baseline, "25", on=day(60))
    preview = services.follow_up_preview(participant=enrolled, assessment_date=day(120),
                                         measurements=measured(baseline, "31"))  # fmt: skip
    saved = record_follow_up(enrolled, coordinator, baseline, "31", on=day(120))
    assert preview.target.nadir_sum_mm == saved.nadir_sum_mm == Decimal(25)
    assert preview.target.change_from_nadir_pct == saved.change_from_nadir_pct == Decimal("24.0")
    assert preview.overall_response == saved.computed_response == "PD"
    assert TumourAssessment.objects.count() == 3  # the preview saved nothing


# --- recomputation -----------------------------------------------------------------------------------


def test_correcting_an_earlier_follow_up_recomputes_the_later_ones(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator)
    first = record_follow_up(enrolled, coordinator, baseline, "40", on=datetime.date(2026, 3, 1))
    later = record_follow_up(enrolled, coordinator, baseline, "45", on=datetime.date(2026, 4, 1))
    assert later.nadir_sum_mm == Decimal(40) and later.computed_response == "SD"

    update_follow_up(first, coordinator, baseline, "30")

    later.refresh_from_db()
    assert later.nadir_sum_mm == Decimal(30) and later.change_from_nadir_pct == Decimal("50.0")
    assert later.computed_response == "PD" and later.version == 2
    assert later.history.first().history_change_reason == "Recomputed: the assessment of 2026-03-01 changed"


def test_inserting_an_earlier_follow_up_recomputes_later_ones_and_leaves_unchanged_ones_alone(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator)
    early = record_follow_up(enrolled, coordinator, baseline, "45", on=datetime.date(2026, 2, 1))
    late = record_follow_up(enrolled, coordinator, baseline, "40", on=datetime.date(2026, 5, 1))
    assert late.computed_response == "SD"
    record_follow_up(enrolled, coordinator, baseline, "20", on=datetime.date(2026, 3, 1))
    late.refresh_from_db()
    early.refresh_from_db()
    assert late.nadir_sum_mm == Decimal(20) and late.computed_response == "PD" and late.version == 2
    assert early.version == 1  # nothing changed before the inserted one: not saved again


def test_changing_a_baseline_size_recomputes_every_follow_up(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "40", on=day(80))
    assert follow_up.computed_response == "SD"
    (lesion,) = targets_of(baseline)
    services.baseline_update(
        assessment=baseline, user=coordinator, assessment_date=BASELINE_DAY, imaging_method="mri",
        baseline_nodes="none", targets=[target(60, lesion_id=lesion.pk, expected_version=lesion.version)],
        non_targets=[], expected_version=baseline.version, reason="Remeasured on the baseline MRI", today=TODAY,
    )  # fmt: skip
    follow_up.refresh_from_db()
    baseline.refresh_from_db()
    assert baseline.target_sum_mm == Decimal(60)
    assert follow_up.baseline_sum_mm == Decimal(60) and follow_up.change_from_baseline_pct == Decimal("-33.3")
    assert follow_up.computed_response == "PR"
    assert follow_up.history.first().history_change_reason == "Recomputed: the baseline of 2025-12-29 changed"


def test_a_measured_lesion_cannot_be_removed_but_an_unmeasured_one_can(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator, targets=[target(30), target(20, "lung")],
                               non_targets=[non_target()])  # fmt: skip
    record_follow_up(enrolled, coordinator, baseline, "30", "20", on=day(80), non_target_response="NON-CR/NON-PD")
    lesion_1, lesion_2 = targets_of(baseline)
    keep_1 = target(30, lesion_id=lesion_1.pk, expected_version=1)
    with pytest.raises(ValidationError) as refused:
        services.baseline_update(
            assessment=baseline, user=coordinator, assessment_date=BASELINE_DAY, imaging_method="mri",
            baseline_nodes="none", targets=[keep_1], non_targets=[], expected_version=baseline.version,
            reason="Remove T2", today=TODAY,
        )  # fmt: skip
    assert codes(refused.value) == {NON_FIELD_ERRORS: ["assessment.lesion.measured"]}
    assert "T2 is measured at a follow-up assessment and cannot be removed" in refused.value.messages[0]
    assert Lesion.objects.filter(baseline=baseline).count() == 3

    keep_2 = target(20, "lung", lesion_id=lesion_2.pk, expected_version=1)
    services.baseline_update(
        assessment=baseline, user=coordinator, assessment_date=BASELINE_DAY, imaging_method="mri",
        baseline_nodes="none", targets=[keep_1, keep_2], non_targets=[non_target("bone")],
        expected_version=baseline.version, reason="NT1 was a cyst; bone metastasis added", today=TODAY,
    )  # fmt: skip
    assert sorted(Lesion.objects.filter(baseline=baseline).values_list("label", "organ")) == [
        ("NT1", "bone"), ("T1", "cervix"), ("T2", "lung"),
    ]  # fmt: skip


def test_baseline_must_stay_before_the_first_follow_up(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator)
    record_follow_up(enrolled, coordinator, baseline, "30", on=day(80))
    (lesion,) = targets_of(baseline)
    with pytest.raises(ValidationError) as refused:
        services.baseline_update(
            assessment=baseline, user=coordinator, assessment_date=day(90), imaging_method="mri",
            baseline_nodes="none", targets=[target(50, lesion_id=lesion.pk)], non_targets=[],
            expected_version=baseline.version, reason="Wrong date", today=TODAY,
        )  # fmt: skip
    assert codes(refused.value) == {"assessment_date": ["assessment.baseline.after_follow_up"]}


def test_a_stale_version_is_refused(enrolled, coordinator, investigator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "30", on=day(80))
    loaded = follow_up.version
    update_follow_up(follow_up, investigator, baseline, "31")
    with pytest.raises(StaleRecordError):
        services.follow_up_update(
            assessment=follow_up, user=coordinator, assessment_date=day(80), imaging_method="mri",
            measurements=measured(baseline, "29"), expected_version=loaded, reason="Typo", today=TODAY,
        )  # fmt: skip
    assert follow_up.measurements.get().diameter_mm == Decimal(31)


def test_a_correction_needs_a_reason(enrolled, coordinator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "30", on=day(80))
    with pytest.raises(ValidationError) as refused:
        update_follow_up(follow_up, coordinator, baseline, "31", reason=" ")
    assert codes(refused.value) == {"reason_for_change": ["assessment.reason.missing"]}


# --- confirmation ------------------------------------------------------------------------------------


def confirm(assessment, user, response, password=TEST_PASSWORD, reason=""):
    assessment.refresh_from_db()
    return services.response_confirm(assessment=assessment, user=user, response=response, password=password,
                                     expected_version=assessment.version, reason=reason)  # fmt: skip


def test_confirmation_is_voided_by_a_change_of_the_assessment(enrolled, coordinator, investigator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "32.5", on=day(80))
    confirmation = confirm(follow_up, investigator, "PR")
    assert confirmation.assessment_version == 1 and confirmation.computed_response == "PR"
    assert confirmation.signer_name == "Li Investigator"
    assert services.valid_confirmation(follow_up) == confirmation
    assert participant_responses([enrolled.pk])[0].timepoints[0].confirmed_response == "PR"

    update_follow_up(follow_up, coordinator, baseline, "33")

    follow_up.refresh_from_db()
    assert services.valid_confirmation(follow_up) is None
    assert participant_responses([enrolled.pk])[0].timepoints[0].confirmed_response is None


def test_an_unchanged_save_keeps_the_confirmation(enrolled, coordinator, investigator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "32.5", on=day(80))
    confirm(follow_up, investigator, "PR")
    update_follow_up(follow_up, coordinator, baseline, "32.5")
    follow_up.refresh_from_db()
    assert follow_up.version == 1 and services.valid_confirmation(follow_up) is not None


def test_a_measurement_only_change_also_voids_the_confirmation(enrolled, coordinator, investigator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "too_small", on=day(80))
    confirm(follow_up, investigator, "PR")
    follow_up.refresh_from_db()
    assert follow_up.measurements_text == "T1 too small (5 mm)"

    update_follow_up(follow_up, coordinator, baseline, "5")  # same sum and response, another reading

    follow_up.refresh_from_db()
    assert follow_up.measurements_text == "T1 5.0 mm" and follow_up.target_sum_mm == 5
    assert follow_up.version == 2 and services.valid_confirmation(follow_up) is None


def test_a_response_other_than_the_computed_one_needs_a_reason(enrolled, coordinator, investigator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "32.5", on=day(80))
    with pytest.raises(ValidationError) as refused:
        confirm(follow_up, investigator, "SD")
    assert codes(refused.value) == {"reason": ["assessment.confirm.reason"]}
    assert not ResponseConfirmation.objects.exists()
    confirmation = confirm(follow_up, investigator, "SD", reason="T1 partly obscured by artefact; not a real shrinkage")
    assert (confirmation.response, confirmation.computed_response) == ("SD", "PR")
    assert "T1 partly obscured" in confirmation.history.first().history_change_reason


def test_a_wrong_password_confirms_nothing(enrolled, coordinator, investigator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "32.5", on=day(80))
    with pytest.raises(ValidationError) as refused:
        confirm(follow_up, investigator, "PR", password="wrong")
    assert codes(refused.value) == {"password": ["assessment.confirm.password"]}
    assert not ResponseConfirmation.objects.exists()


def test_only_an_investigator_confirms_and_only_follow_ups(enrolled, coordinator, investigator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "32.5", on=day(80))
    with pytest.raises(PermissionDenied):
        confirm(follow_up, coordinator, "PR")
    with pytest.raises(ValidationError) as refused:
        confirm(baseline, investigator, "PR")
    assert refused.value.code == "assessment.confirm.not_follow_up"


def test_the_same_response_twice_is_refused_and_a_different_one_needs_a_reason(enrolled, coordinator, investigator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "32.5", on=day(80))
    confirm(follow_up, investigator, "PR")
    with pytest.raises(ValidationError) as refused:
        confirm(follow_up, investigator, "PR")
    assert codes(refused.value) == {NON_FIELD_ERRORS: ["assessment.confirm.already_confirmed"]}
    with pytest.raises(ValidationError) as refused:
        confirm(follow_up, investigator, "NON-CR/NON-PD", reason="x")
    assert codes(refused.value) == {"response": ["assessment.confirm.response"]}  # table 2 only
    replaced = confirm(follow_up, investigator, "SD", reason="Second read: artefact")
    assert services.valid_confirmation(follow_up) == replaced


def test_confirming_against_a_changed_assessment_is_stale(enrolled, coordinator, investigator):
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "32.5", on=day(80))
    update_follow_up(follow_up, coordinator, baseline, "20")
    with pytest.raises(StaleRecordError):
        services.response_confirm(assessment=follow_up, user=investigator, response="PR", password=TEST_PASSWORD,
                                  expected_version=1)  # fmt: skip
    assert not ResponseConfirmation.objects.exists()


def test_response_data_changes_queue_the_simon_check(enrolled, coordinator, investigator,
                                                    django_capture_on_commit_callbacks):  # fmt: skip
    baseline = record_baseline(enrolled, coordinator)
    follow_up = record_follow_up(enrolled, coordinator, baseline, "32.5", on=day(80))
    with django_capture_on_commit_callbacks() as callbacks:
        confirm(follow_up, investigator, "PR")
    assert len(callbacks) == 1
    assert LesionMeasurement.objects.count() == 1
