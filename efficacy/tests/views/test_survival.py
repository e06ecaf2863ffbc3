"""The survival report page (efficacy:survival) and its CSV downloads (efficacy:survival_csv):
who sees them, the cut-off and factor form, the empty and all-censored cases, and CSVs that
round-trip through csv.reader with every participant present."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from efficacy.rules import survival as rules
from efficacy.selectors.survival import CSV_TABLES
from efficacy.tests import factories
from efficacy.tests.selectors.test_survival import CUTOFF, START, build_cohort

pytestmark = pytest.mark.django_db

PAGE = reverse("efficacy:survival")
QUERY = f"cutoff={CUTOFF.isoformat()}"


@pytest.fixture
def cohort(coordinator, investigator):
    return build_cohort(coordinator=coordinator, investigator=investigator)


def download(client, table, query=QUERY):
    response = client.get(reverse("efficacy:survival_csv", args=[table]) + (f"?{query}" if query else ""))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="survival_{table}' in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["investigator", "data_manager", "monitor"])
def test_report_roles_see_the_page_and_the_csvs(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(PAGE).status_code == 200
    assert client.get(reverse("efficacy:survival_csv", args=["dataset"])).status_code == 200


def test_coordinators_are_refused(client, coordinator):
    client.force_login(coordinator)
    assert client.get(PAGE).status_code == 403
    assert client.get(reverse("efficacy:survival_csv", args=["dataset"])).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


# --- the page -------------------------------------------------------------------------------------


def test_page_shows_both_endpoints_the_response_table_and_the_left_out(client, investigator, cohort):
    client.force_login(investigator)
    response = client.get(PAGE, {"cutoff": CUTOFF.isoformat()})
    content = response.content.decode()
    report = response.context["report"]
    assert report.cutoff == CUTOFF
    for testid in (
        "chart-pfs",
        "chart-os",
        "pfs-summary",
        "os-summary",
        "pfs-at-risk",
        "os-at-risk",
        "response-table",
        "excluded-list",
        "definitions",
        "pfs-curve-table",
    ):
        assert f'data-testid="{testid}"' in content
    assert 'id="survival-data"' in content
    assert report.pfs.median in content and report.os.median in content
    assert report.os.landmarks[2].text in content  # 3-year OS
    assert "secondary endpoint" in content
    assert cohort.number("G") in content and "No diagnosis date" in content
    assert "Data cut-off 2026-10-01" in content
    assert "30.4375" in content  # the month convention is written down
    assert "vendor/chartjs/chart.umd.min.js" in content and "efficacy/survival.js" in content


def test_page_with_no_participants_renders(client, data_manager):
    client.force_login(data_manager)
    response = client.get(PAGE)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="pfs-empty"' in content and 'data-testid="os-empty"' in content
    assert "Not reached" in content and "Not estimable (no participants)" in content


def test_page_with_everyone_censored_shows_median_not_reached(client, monitor, coordinator, investigator):
    for offset in range(3):
        participant = factories.treated_participant(
            coordinator=coordinator,
            investigator=investigator,
            treatment_start=START,
            diagnosis_date=datetime.date(2025, 1, 10 + offset),
            figo_stage="IIB",
        )
        factories.follow_up_status(participant, last_known_alive_date=datetime.date(2026, 6, 1))
    client.force_login(monitor)
    response = client.get(PAGE, {"cutoff": CUTOFF.isoformat(), "factor": "figo_stage"})
    content = response.content.decode()
    report = response.context["report"]
    assert response.status_code == 200
    assert report.os.km.events == 0 and report.os.median.startswith("Not reached")
    assert 'data-testid="os-median">Not reached' in content
    assert "No log-rank test: Only one group" in content


def test_factor_comparison_is_shown_with_log_rank_and_hazard_ratios(client, investigator, cohort):
    client.force_login(investigator)
    response = client.get(PAGE, {"cutoff": CUTOFF.isoformat(), "factor": "histology"})
    content = response.content.decode()
    comparison = response.context["report"].os.comparison
    assert 'data-testid="os-comparison"' in content and 'data-testid="chart-os-groups"' in content
    assert comparison.logrank_text in content
    adeno, squamous = comparison.groups
    assert squamous.reference and squamous.hazard_ratio == "1 (reference)"
    assert adeno.hazard_ratio_value is not None
    assert f"<td>{adeno.hazard_ratio}</td>" in content and "(reference)</span>" in content
    assert "0 participants without a recorded histology left out of the comparison" in content


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"cutoff": "2026-13-45"}, "cutoff", "Enter a valid date."),
        ({"cutoff": "1999-12-31"}, "cutoff", "Enter a date from 2000-01-01 on."),
        ({"cutoff": "2999-01-01"}, "cutoff", "The cut-off cannot be after today"),
        ({"factor": "age"}, "factor", "Select a valid choice."),
    ],
)
def test_bad_parameters_are_shown_next_to_the_field_not_a_500(client, investigator, cohort, query, field, message):
    client.force_login(investigator)
    response = client.get(PAGE, query)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert message.split(":")[0] in response.content.decode()
    report = response.context["report"]
    assert report.cutoff == timezone.localdate() and report.factor is None  # defaults, with a warning
    assert "The report was not changed" in response.content.decode()


# --- CSV downloads --------------------------------------------------------------------------------


@pytest.mark.parametrize("table", CSV_TABLES)
def test_every_csv_round_trips_and_carries_no_identifiers(client, data_manager, cohort, table):
    client.force_login(data_manager)
    rows = download(client, table, QUERY + "&factor=node_status")
    assert len(rows) > 1
    width = len(rows[0])
    assert all(len(row) == width for row in rows)
    header = " ".join(rows[0]).lower()
    for forbidden in ("initials", "birth", "name"):
        assert forbidden not in header


def test_dataset_csv_has_every_participant_with_times_in_days_and_months(client, data_manager, cohort):
    client.force_login(data_manager)
    rows = download(client, "dataset")
    header, body = rows[0], rows[1:]
    assert {row[0] for row in body} == {cohort.number(key) for key in cohort.participants}
    for column in ("os_days", "os_months", "os_event", "pfs_days", "pfs_months", "pfs_event", "problem_code"):
        assert column in header
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert by_number[cohort.number("G")]["problem_code"] == rules.NO_DIAGNOSIS_DATE
    assert by_number[cohort.number("B")]["diagnosis_date"] == "2025-01-20"  # ISO dates


def test_response_csv_has_a_row_per_level_and_the_overall(client, data_manager, cohort):
    client.force_login(data_manager)
    rows = download(client, "response", QUERY + "&factor=node_status")
    assert rows[0][:4] == ["group", "n", "cr_n", "cr_pct"]
    assert [row[0] for row in rows[1:]] == [
        "No pathological nodes",
        "Pelvic nodes",
        "Para-aortic nodes (with or without pelvic)",
        "Not recorded",
        "Overall",
    ]
    assert rows[-1][1] == "8"


def test_km_csvs_follow_the_cutoff_and_factor(client, data_manager, cohort):
    client.force_login(data_manager)
    rows = download(client, "os", QUERY + "&factor=figo_stage")
    assert {row[0] for row in rows[1:]} == {"All", "IIB", "IIIC1", "IVA"}
    summary = download(client, "summary", QUERY)
    assert [row[:4] for row in summary[1:]] == [["pfs", "All", "7", "5"], ["os", "All", "7", "3"]]
    comparison = download(client, "comparison", QUERY + "&factor=figo_stage")
    assert {row[0] for row in comparison[1:]} == {"pfs", "os"}
    assert [row[2] for row in comparison[1:4]] == ["IIB", "IIIC1", "IVA"]


def test_unknown_csv_table_is_a_404(client, investigator):
    client.force_login(investigator)
    assert client.get(reverse("efficacy:survival_csv", args=["patients"])).status_code == 404


def test_csv_with_bad_parameters_redirects_to_the_page_with_the_errors(client, investigator):
    client.force_login(investigator)
    response = client.get(reverse("efficacy:survival_csv", args=["dataset"]), {"cutoff": "bad"})
    assert response.status_code == 302 and response["Location"].startswith(PAGE)
