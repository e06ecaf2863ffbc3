"""The toxicity dashboard page, its CSV downloads and the participant's AE timeline."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from toxicity.tests.dashboard_fixtures import add_treated_participants, build_cohort

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("toxicity:dashboard")


@pytest.fixture
def cohort(coordinator, investigator, treatment_start):
    """The hand-built cohort of ``toxicity/tests/dashboard_fixtures.py``."""
    return build_cohort(coordinator=coordinator, investigator=investigator, start=treatment_start, now=timezone.now())


def csv_url(table, query=""):
    return reverse("toxicity:dashboard_csv", args=[table]) + (f"?{query}" if query else "")


def download(client, table, query=""):
    response = client.get(csv_url(table, query))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{table}_' in response["Content-Disposition"]
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def by_label(rows):
    """CSV rows of a safety table keyed by their term/category label."""
    return {row[2]: row for row in rows[1:]}


# --- access and content -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "investigator", "data_manager", "monitor"])
def test_every_role_with_view_permission_sees_the_dashboard(client, request, cohort, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    content = response.content.decode()
    for testid in ("safety-table", "irae-table", "sae-list", "hold-list", "signoff-list", "chart-soc-grade",
                   "chart-irae-onset", "onset-table", "soc-chart-table"):
        assert f'data-testid="{testid}"' in content
    assert "N = 4" in content
    assert "at least one dose of any study drug" in content
    assert "discontinue — hepatitis grade 3" in content
    assert "awaiting investigator" in content
    assert 'id="soc-grade-data"' in content and 'id="irae-onset-data"' in content
    assert "vendor/chartjs/chart.umd.min.js" in content and "toxicity/charts.js" in content


@pytest.mark.parametrize("role", ["coordinator", "investigator", "data_manager", "monitor"])
def test_every_role_with_view_permission_sees_the_timeline_and_downloads(client, request, cohort, role):
    client.force_login(request.getfixturevalue(role))
    participant = cohort.participants["B"]
    assert client.get(reverse("toxicity:participant_timeline", args=[participant.pk])).status_code == 200
    for table in ("safety", "irae", "sae", "signoff", "holds"):
        assert client.get(csv_url(table)).status_code == 200


def test_a_user_without_a_role_is_refused(client, make_user, cohort):
    client.force_login(make_user(None))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(csv_url("safety")).status_code == 403
    assert client.get(reverse("toxicity:participant_timeline", args=[cohort.participants["A"].pk])).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and reverse("login") in response.url


def test_the_page_shows_the_numbers_of_the_safety_table(client, investigator, cohort):
    client.force_login(investigator)
    content = client.get(DASHBOARD).content.decode()
    assert 'data-testid="safety-table-term-diarrhea"' in content
    row = content.split('data-testid="safety-table-term-diarrhea"')[1].split("</tr>")[0]
    assert '<td class="text-end" data-col="any">2 (50.0 %)</td>' in row
    assert '<td class="text-end" data-col="g3">1 (25.0 %)</td>' in row


def test_sae_rows_link_to_the_timeline_and_holds_to_the_treatment_calendar(client, investigator, cohort):
    client.force_login(investigator)
    content = client.get(DASHBOARD).content.decode()
    b = cohort.participants["B"]
    assert reverse("toxicity:participant_timeline", args=[b.pk]) in content
    assert reverse("dosing:treatment_calendar", args=[b.pk]) in content
    assert "overdue by 6 h" in content
    ae = cohort.aes["B_alt_3"]
    assert reverse("toxicity:ae_detail", kwargs={"pk": b.pk, "ae_pk": ae.pk}) in content


def test_an_empty_study_shows_the_page_without_charts(client, monitor):
    client.force_login(monitor)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    content = response.content.decode()
    assert "N = 0" in content
    assert "No serious adverse events." in content
    assert 'data-testid="chart-soc-grade"' not in content


# --- filters ----------------------------------------------------------------------------------------


def test_filters_narrow_the_tables_and_the_csv_links_keep_them(client, investigator, cohort):
    client.force_login(investigator)
    content = client.get(DASHBOARD, {"related_to": "cisplatin"}).content.decode()
    assert "AEs related to cisplatin (possible, probable or definite)" in content
    row = content.split('data-testid="safety-table-term-diarrhea"')[1].split("</tr>")[0]
    assert 'data-col="any">1 (25.0 %)' in row
    assert f'href="{csv_url("safety", "related_to=cisplatin")}"' in content
    assert 'data-testid="hidden-saes"' in content  # B's overdue report is not related to cisplatin


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"onset_from": "2025-13-45"}, "onset_from", "Enter a valid date."),
        ({"onset_from": "2025-03-01", "onset_to": "2025-02-01"}, "onset_to", "The end of the period is before its start."),
        ({"related_to": "aspirin"}, "related_to", "Select a valid choice."),
        ({"onset_to": "1899-01-01"}, "onset_to", "Enter a date from 2000 on."),
    ],
)
def test_bad_filters_show_a_message_next_to_the_field_and_the_unfiltered_page(client, investigator, cohort, query,
                                                                               field, message):
    client.force_login(investigator)
    response = client.get(DASHBOARD, query)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in form.errors[field][0]
    assert "The filters were not applied" in response.content.decode()
    assert not response.context["filters"].active
    assert response.context["dashboard"].safety.total.any_grade.n == 4


def test_a_csv_with_bad_filters_sends_back_to_the_page_with_the_message(client, investigator, cohort):
    client.force_login(investigator)
    response = client.get(csv_url("safety", "onset_from=yesterday"))
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.status_code == 200 and "onset_from" in page.context["form"].errors


def test_an_unknown_table_is_not_found(client, investigator):
    client.force_login(investigator)
    assert client.get(csv_url("everything")).status_code == 404


# --- CSV downloads ----------------------------------------------------------------------------------


def test_safety_csv_parses_back_with_the_page_numbers(client, investigator, cohort):
    client.force_login(investigator)
    rows = download(client, "safety")
    assert rows[0][5] == "Any grade (% of safety population, N=4)"
    assert rows[0][-5:] == [f"Worst grade {g} (patients, n)" for g in range(1, 6)]
    labels = by_label(rows)
    assert labels["Any adverse event"][4:] == ["4", "100.0", "3", "75.0", "1", "0", "2", "1", "0"]
    assert labels["Diarrhea"][:2] == ["CTCAE term", "Gastrointestinal disorders"]
    assert labels["Diarrhea"][4:] == ["2", "50.0", "1", "25.0", "0", "1", "1", "0", "0"]
    assert labels["Gastrointestinal disorders"][0] == "System organ class"
    assert labels["Gastrointestinal disorders"][4] == "3"


def test_safety_csv_honours_the_filters(client, investigator, cohort):
    client.force_login(investigator)
    labels = by_label(download(client, "safety", "related_to=toripalimab"))
    assert labels["Any adverse event"][4:6] == ["2", "50.0"]
    assert labels["Diarrhea"][4:] == ["1", "25.0", "0", "0.0", "0", "1", "0", "0", "0"]
    assert "Anemia" not in labels


def test_irae_csv_has_the_term_and_category_rows(client, investigator, cohort):
    client.force_login(investigator)
    labels = by_label(download(client, "irae"))
    assert labels["Any adverse event"][4:8] == ["2", "50.0", "1", "25.0"]
    assert labels["Hepatitis"][0] == "irAE category" and labels["Hepatitis"][6] == "1"
    assert "Nausea" not in labels


def test_sae_csv_lists_clocks_open_first(client, investigator, cohort):
    client.force_login(investigator)
    rows = download(client, "sae")
    header, *body = rows
    assert header[0] == "Participant" and header[9].startswith("Time left before due (hours")
    assert [row[8] for row in body] == ["Time of awareness not recorded", "Overdue", "Open", "Sent on time"]
    assert body[1][2] == "Alanine aminotransferase increased"
    assert float(body[1][9]) == pytest.approx(-6.0, abs=0.1)
    assert body[3][10] != ""  # sent time
    assert len(download(client, "sae", "related_to=cisplatin")) == 1 + 3  # A, C and E's cisplatin-related SAEs


def test_signoff_and_holds_csv(client, investigator, cohort):
    client.force_login(investigator)
    signoff = download(client, "signoff")
    assert len(signoff) == 1 + 8
    assert {row[8] for row in signoff[1:]} == {"yes", "no"}
    holds = download(client, "holds")
    assert holds[0][:5] == ["Participant", "Treatment", "Action", "Decision", "Applies to dose"]
    assert ["Toripalimab", "discontinue — hepatitis grade 3", "awaiting investigator",
            "Toripalimab cycle 1 day 1 (maintenance)"] in [row[1:5] for row in holds[1:]]
    assert len(holds) == 1 + 3


# --- the number of queries does not grow with the number of participants ---------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        assert response.status_code == 200
    return len(queries)


def test_query_count_is_the_same_for_3_and_12_participants(client, coordinator, investigator, treatment_start):
    now = timezone.now()
    add_treated_participants(3, coordinator=coordinator, investigator=investigator, start=treatment_start, now=now)
    client.force_login(investigator)
    urls = [DASHBOARD, f"{DASHBOARD}?related_to=toripalimab&onset_from={treatment_start.isoformat()}",
            *(csv_url(table) for table in ("safety", "irae", "sae", "signoff", "holds"))]
    client.get(DASHBOARD)  # the first request of a process also checks the background-job queue (30 s cache)
    few = [_queries(client, url) for url in urls]
    assert client.get(DASHBOARD).context["dashboard"].population_n == 3
    add_treated_participants(9, coordinator=coordinator, investigator=investigator, start=treatment_start, now=now)
    dashboard = client.get(DASHBOARD).context["dashboard"]
    assert dashboard.population_n == 12 and len(dashboard.holds) == 24 and len(dashboard.saes) == 12
    many = [_queries(client, url) for url in urls]
    assert many == few, (few, many)


# --- timeline ---------------------------------------------------------------------------------------


def test_timeline_page_draws_the_aes_and_doses_with_a_table_version(client, monitor, cohort):
    client.force_login(monitor)
    participant = cohort.participants["B"]
    response = client.get(reverse("toxicity:participant_timeline", args=[participant.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="timeline-svg"' in content
    assert 'data-testid="lane-toripalimab"' in content
    assert 'data-testid="ae-bar-2"' in content and "AE 2 Alanine aminotransferase increased G3 irAE" in content
    assert 'data-testid="timeline-ae-table"' in content and 'data-testid="timeline-dose-table"' in content
    assert "Toripalimab cycle 1 day 1 (concurrent chemoradiotherapy)" in content


def test_timeline_of_a_participant_without_data_says_so(client, monitor, participant):
    client.force_login(monitor)
    response = client.get(reverse("toxicity:participant_timeline", args=[participant.pk]))
    assert response.status_code == 200
    assert 'data-testid="timeline-empty"' in response.content.decode()


def test_timeline_of_an_unknown_participant_is_not_found(client, monitor):
    client.force_login(monitor)
    assert client.get(reverse("toxicity:participant_timeline", args=[999999])).status_code == 404
