"""Reads of the tumour assessment pages: the participant's page (confirmation states, best response,
a fixed number of queries), one assessment's measurements, and the display formats."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tests.factories import TEST_PASSWORD
from efficacy.selectors import assessments as selectors
from efficacy.services import assessments as services
from efficacy.services.assessments import LesionInput, MeasurementInput
from efficacy.tests.factories import treated_participant

START = datetime.date(2026, 1, 5)
TODAY = datetime.date(2026, 9, 1)


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


@pytest.fixture
def enrolled(coordinator, investigator):
    return treated_participant(coordinator=coordinator, investigator=investigator, treatment_start=START)


def record(participant, user, *, targets=(50,), non_targets=0):
    return services.baseline_record(
        participant=participant, user=user, assessment_date=day(-7), imaging_method="mri", baseline_nodes="none",
        targets=[LesionInput(organ=organ, diameter_mm=Decimal(size)) for organ, size in zip(("cervix", "lung")[: len(targets)], targets, strict=True)],
        non_targets=[LesionInput(organ="parametrium") for _ in range(non_targets)], today=TODAY,
    )  # fmt: skip


def scan(participant, user, baseline, sizes, on, **extra):
    lesions = sorted(baseline.lesions.filter(kind="target"), key=lambda lesion: lesion.label)
    return services.follow_up_record(
        participant=participant, user=user, assessment_date=on, imaging_method=extra.pop("method", "mri"),
        measurements={lesion.pk: MeasurementInput("measured", Decimal(size)) for lesion, size in zip(lesions, sizes, strict=True)},
        today=TODAY, **extra,
    )  # fmt: skip


def confirm(assessment, user, response):
    assessment.refresh_from_db()
    return services.response_confirm(assessment=assessment, user=user, response=response, password=TEST_PASSWORD,
                                     expected_version=assessment.version)  # fmt: skip


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("-35.0"), "-35.0%"), (Decimal("20.0"), "+20.0%"), (Decimal("0.0"), "0.0%"), (Decimal("-0.0"), "0.0%"),
     (None, "—")],  # fmt: skip
)
def test_percent_changes_show_their_sign(value, text):
    assert selectors.format_pct(value) == text


@pytest.mark.django_db
def test_page_shows_confirmed_awaiting_and_reconfirm_states_in_date_order(enrolled, coordinator, investigator):
    baseline = record(enrolled, coordinator)
    third = scan(enrolled, coordinator, baseline, [20], day(150))
    first = scan(enrolled, coordinator, baseline, [32.5], day(60))
    second = scan(enrolled, coordinator, baseline, [30], day(95))
    confirm(first, investigator, "PR")
    confirm(second, investigator, "PR")
    services.follow_up_update(
        assessment=second, user=coordinator, assessment_date=day(95), imaging_method="mri",
        measurements={baseline.lesions.get().pk: MeasurementInput("measured", Decimal(31))},
        expected_version=second.version, reason="Re-measured", today=TODAY,
    )  # fmt: skip

    page = selectors.participant_assessment_page(enrolled)

    assert page.baseline.sum_text == "50.0 mm" and [lesion.label for lesion in page.baseline.targets] == ["T1"]
    assert [row.assessment.pk for row in page.follow_ups] == [first.pk, second.pk, third.pk]
    assert [row.confirmation.status for row in page.follow_ups] == ["confirmed", "reconfirm", "awaiting"]
    assert page.follow_ups[0].confirmation.label == "PR confirmed"
    assert page.follow_ups[0].values["change_from_baseline"] == "-35.0%"
    assert page.follow_ups[2].values["change_from_nadir"] == "-35.4%"  # 20 against the nadir 31
    assert page.best.response == "SD" and "PR" in page.best.pending and "28 days" in page.best.pending
    assert page.best.awaiting_confirmation == 2


@pytest.mark.django_db
def test_best_response_is_pr_once_confirmed_28_days_later(enrolled, coordinator, investigator):
    baseline = record(enrolled, coordinator)
    confirm(scan(enrolled, coordinator, baseline, [32.5], day(60)), investigator, "PR")
    confirm(scan(enrolled, coordinator, baseline, [30], day(88)), investigator, "PR")
    best = selectors.participant_assessment_page(enrolled).best
    assert best.response == "PR" and best.pending == "" and "confirmed on" in best.reason


@pytest.mark.django_db
def test_page_notes_non_target_disease_only_and_a_different_method(enrolled, coordinator):
    baseline = record(enrolled, coordinator, targets=(), non_targets=1)
    scan(enrolled, coordinator, baseline, [], day(60), method="ct", non_target_response="CR")
    page = selectors.participant_assessment_page(enrolled)
    assert page.baseline.findings and "non-target lesions only" in page.baseline.findings[0]
    row = page.follow_ups[0]
    assert row.method_differs and row.values["overall_response_label"] == "CR (complete response)"
    assert row.values["target_response_label"] == "No target lesions"


@pytest.mark.django_db
def test_page_queries_do_not_grow_with_assessments(enrolled, coordinator, investigator):
    baseline = record(enrolled, coordinator, targets=(30, 20), non_targets=1)
    scan(enrolled, coordinator, baseline, [25, 15], day(60), non_target_response="NON-CR/NON-PD")
    with CaptureQueriesContext(connection) as few:
        selectors.participant_assessment_page(enrolled)
    for offset in (90, 120, 150, 180):
        confirm(scan(enrolled, coordinator, baseline, [20, 10], day(offset), non_target_response="CR"),
                investigator, "PR")  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        selectors.participant_assessment_page(enrolled)
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_detail_of_a_follow_up_counts_each_lesion_and_shows_a_lesion_added_later(enrolled, coordinator):
    baseline = record(enrolled, coordinator, targets=(30,))
    lesion = baseline.lesions.get()
    follow_up = services.follow_up_record(
        participant=enrolled, user=coordinator, assessment_date=day(60), imaging_method="mri",
        measurements={lesion.pk: MeasurementInput("too_small")}, today=TODAY,
    )  # fmt: skip
    assert selectors.assessment_detail(follow_up).measurements[0].counted_text == "5.0 mm"
    services.baseline_update(
        assessment=baseline, user=coordinator, assessment_date=day(-7), imaging_method="mri", baseline_nodes="none",
        targets=[LesionInput(organ="cervix", diameter_mm=Decimal(30), lesion_id=lesion.pk),
                 LesionInput(organ="lung", diameter_mm=Decimal(12))],
        expected_version=baseline.version, reason="Lung lesion missed at first read", today=TODAY,
    )  # fmt: skip
    follow_up.refresh_from_db()
    detail = selectors.assessment_detail(follow_up)
    assert [row.lesion.label for row in detail.measurements] == ["T1", "T2"]
    assert detail.measurements[1].status_label.startswith("Not recorded")
    assert follow_up.computed_response == "NE"  # T2 not evaluated until the follow-up is corrected
