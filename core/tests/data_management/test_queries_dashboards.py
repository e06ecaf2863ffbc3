"""Query counts on the dashboards: the coordinator's and the investigator's worklists (open queries to
answer, the oldest first), the overview of data managers and monitors (answered queries awaiting
closure, open queries by age) and the participant dashboard's "Queries" panel."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import worklist
from core.data_management.queries import services
from enrollment.tests.factories import participant_registered

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate()


def raise_on(record, user, *, days_ago: int, field="initials", text="Check please."):
    return services.query_raise(record=record, field_name=field, text=text, user=user,
                                now=NOW - datetime.timedelta(days=days_ago, hours=1))  # fmt: skip


@pytest.fixture
def three(participant, monitor, coordinator):
    """Open queries raised 3, 20 and 40 days ago, and one answered 2 days ago."""
    recent = raise_on(participant, monitor, days_ago=3, text="Recent")
    middle = raise_on(participant, monitor, days_ago=20, text="Middle")
    oldest = raise_on(participant, monitor, days_ago=40, text="Oldest")
    answered = raise_on(participant, monitor, days_ago=9, text="Answered one")
    services.query_answer(query=answered, text="Done", user=coordinator, now=NOW - datetime.timedelta(days=2))
    return recent, middle, oldest, answered


@pytest.mark.parametrize("build", [worklist.coordinator_worklist, worklist.investigator_worklist])
def test_the_site_worklists_list_open_queries_to_answer_the_oldest_first(three, participant, build):
    recent, middle, oldest, _answered = three

    section = build(today=TODAY, now=NOW).section("queries")

    assert section.count == 3
    assert [line.url for line in section.lines] == [
        reverse("dm:query_detail", kwargs={"query_pk": q.pk}) for q in (oldest, middle, recent)
    ]
    first = section.lines[0]
    assert first.participant_pk == participant.pk and first.participant_label == participant.screening_number
    assert first.badge == "Open 40 d" and first.badge_css == worklist.DANGER
    assert "Oldest" in first.detail and "40 days ago" in first.detail
    assert [line.badge_css for line in section.lines[1:]] == [worklist.WARNING, worklist.INFO]


def test_the_worklist_section_shows_ten_lines_and_counts_them_all(participant, monitor):
    for n in range(12):
        raise_on(participant, monitor, days_ago=n)
    section = worklist.coordinator_worklist(today=TODAY, now=NOW).section("queries")
    assert section.count == 12 and len(section.lines) == worklist.MAX_LINES and section.hidden == 2
    assert section.more_url == reverse("dm:query_list") + "?status=open"


def test_the_overview_counts_open_queries_by_age_and_lists_answered_ones(three):
    _recent, _middle, _oldest, answered = three

    result = worklist.overview(now=NOW)

    assert dict(result.open_queries_by_age) == {"Up to 7 days": 1, "8 to 14 days": 0, "15 to 30 days": 1, "Over 30 days": 1}
    assert result.open_queries == 3
    assert result.queries_to_close.count == 1
    assert result.queries_to_close.lines[0].url == reverse("dm:query_detail", kwargs={"query_pk": answered.pk})
    assert result.queries_to_close.lines[0].badge == "Answered 2 d"


@pytest.mark.parametrize(("days", "band"), [(7, "Up to 7 days"), (8, "8 to 14 days"), (14, "8 to 14 days"),
                                            (15, "15 to 30 days"), (30, "15 to 30 days"), (31, "Over 30 days")])  # fmt: skip
def test_age_bands_at_their_edges(participant, monitor, days, band):
    services.query_raise(record=participant, field_name="", text="?", user=monitor,
                         now=NOW - datetime.timedelta(days=days, minutes=5))  # fmt: skip
    assert dict(worklist.overview(now=NOW).open_queries_by_age)[band] == 1


def test_the_home_page_of_a_monitor_shows_the_query_overview(client, three, monitor):
    client.force_login(monitor)
    content = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="overview-queries"' in content
    assert "Answered queries awaiting closure" in content and "Answered one" in content


def test_the_home_page_of_a_coordinator_shows_the_queries_to_answer(client, three, coordinator):
    client.force_login(coordinator)
    content = client.get(reverse("core:home")).content.decode()
    assert "Queries to answer" in content and "Oldest" in content


def test_the_query_sections_cost_the_same_whatever_the_number_of_queries(participant, monitor, coordinator):
    raise_on(participant, monitor, days_ago=1)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            worklist.queries_to_answer_section(now=NOW)
            worklist.queries_to_close_section(now=NOW)
        return len(captured)

    few = count()
    for n in range(5):
        other = participant_registered(user=coordinator, initials="AB")
        raise_on(other, monitor, days_ago=n)
    assert count() == few


# --- the participant dashboard ------------------------------------------------------------------------


def test_the_participant_dashboard_has_a_queries_panel_with_counts_and_a_link(client, three, participant, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("enrollment:participant_detail", kwargs={"pk": participant.pk}))

    panel = next(panel for panel in response.context["panels"] if panel.key == "queries")
    assert panel.lines == ["3 open (the oldest raised 40 days ago)", "1 answered, awaiting closure", "0 closed"]
    assert reverse("dm:participant_queries", kwargs={"pk": participant.pk}) in response.content.decode()


def test_a_participant_without_queries_says_so(client, participant, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("enrollment:participant_detail", kwargs={"pk": participant.pk}))
    assert "No data queries." in response.content.decode()
