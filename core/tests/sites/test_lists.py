"""Study-wide lists, reports and CSVs with sites configured (``core.sites``): each user sees only the
participants of their own sites; a user who sees every site sees them all."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.roles import COORDINATOR, DATA_MANAGER, INVESTIGATOR, MONITOR
from core.tests.test_url_access import ACCESS, DENIED
from enrollment.models import Participant

from .test_participant_urls import build_kwargs


@dataclass
class SiteData:
    coordinator: object
    participants: list[Participant]

    @property
    def numbers(self) -> list[str]:
        return [number for p in self.participants for number in (p.screening_number, p.study_number) if number]


def _site_data(site, member, make_user) -> SiteData:
    """At ``site``: a treated participant (a toripalimab dose given 120 days ago, a progression), an
    enrolled one with an ALT value proposed as an AE, an immune-related AE awaiting signature and an
    irAE dose decision pending, one with a pending toxicity review and a done visit with missing
    forms, a registered one with a data query on her consent and one whose data are locked."""
    coordinator = member(COORDINATOR, site)
    build_kwargs("progression", coordinator, make_user)
    build_kwargs("irae_decision", coordinator, make_user)
    build_kwargs("review", coordinator, make_user)
    build_kwargs("visit", coordinator, make_user)
    build_kwargs("query", coordinator, make_user)
    build_kwargs("lock", coordinator, make_user)
    return SiteData(coordinator, list(Participant.objects.filter(site=site)))


@pytest.fixture
def two_sites(member, make_user, site_a, site_b):
    a = _site_data(site_a, member, make_user)
    b = _site_data(site_b, member, make_user)
    assert not Participant.objects.filter(site__isnull=True).exists()
    return a, b


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def _study_wide_urls() -> list[tuple[str, str, str]]:
    """(URL name, path, method) of every page, CSV and JSON endpoint of the matrix that names no participant,
    and each table of the safety dashboard's CSV."""
    urls = [(name, reverse(name), method) for name, (method, kind, _e) in ACCESS.items() if kind is None]
    urls += [("toxicity:dashboard_csv", reverse("toxicity:dashboard_csv", kwargs={"table": table}), "get")
             for table in ("safety", "irae", "sae", "signoff", "holds")]  # fmt: skip
    return urls


@pytest.mark.django_db
def test_no_study_wide_page_or_csv_shows_another_sites_participant(client, two_sites, staff_a):
    a, b = two_sites
    leaks = []
    for role, user in staff_a.items():
        client.force_login(user)
        for name, path, method in _study_wide_urls():
            if ACCESS[name][2][role] == DENIED or name == "logout":
                continue
            body = _body(getattr(client, method)(path))
            leaks += [(role, name, number) for number in b.numbers if number in body]
    assert not leaks


@pytest.mark.django_db
def test_the_same_pages_show_every_site_to_a_user_who_sees_every_site(client, two_sites, make_user):
    a, b = two_sites
    user = make_user(MONITOR)
    user.user_permissions.add(Permission.objects.get(codename="view_all_sites"))
    client.force_login(user)
    body = _body(client.get(reverse("enrollment:participant_list")))
    assert all(number in body for number in a.numbers + b.numbers if not number.startswith("TC"))


LIST_PAGES = (
    ("enrollment:participant_list", COORDINATOR),
    ("enrollment:participant_list_csv", COORDINATOR),
    ("enrollment:screening_log_csv", COORDINATOR),
    ("dosing:doses_due", COORDINATOR),
    ("dosing:doses_due_csv", COORDINATOR),
    ("core:home", COORDINATOR),
    ("core:home", INVESTIGATOR),
    ("dm:query_list", MONITOR),
    ("dm:query_list_csv", MONITOR),
    ("dm:sdv_overview", MONITOR),
    ("toxicity:lab_proposals", COORDINATOR),
    ("toxicity:lab_proposals_csv", COORDINATOR),
    ("toxicity:dashboard", INVESTIGATOR),
    ("enrollment:missing_forms", COORDINATOR),
    ("dm:lock_list", DATA_MANAGER),
)


@pytest.mark.django_db
def test_each_list_shows_the_users_own_site_and_not_the_other(client, two_sites, staff_a, staff_b):
    a, b = two_sites
    problems = []
    for own, other, staff in ((a, b, staff_a), (b, a, staff_b)):
        for name, role in LIST_PAGES:
            client.force_login(staff[role])
            body = _body(client.get(reverse(name)))
            if not any(number in body for number in own.numbers):
                problems.append((name, role, "own site missing"))
            if any(number in body for number in other.numbers):
                problems.append((name, role, "other site shown"))
    assert not problems


@pytest.mark.django_db
def test_dashboard_and_overview_counts_are_the_sites_own(client, two_sites, staff_a, site_a):
    a, _b = two_sites
    client.force_login(staff_a[INVESTIGATOR])
    dashboard = client.get(reverse("toxicity:dashboard")).context["dashboard"]
    assert dashboard.population_n == 1  # at each site one participant has a dose given
    assert {row.participant_pk for row in dashboard.signoff} <= {p.pk for p in a.participants}
    assert dashboard.signoff

    client.force_login(staff_a[DATA_MANAGER])
    overview = client.get(reverse("core:home")).context["overview"]
    assert sum(n for _label, n in overview.participants_by_status) == len(a.participants)
    assert overview.lab_proposals == 1
    assert overview.open_queries == 1


@pytest.mark.django_db
def test_the_worklist_of_a_site_coordinator_lists_only_her_sites_participants(client, two_sites, staff_a):
    a, _b = two_sites
    client.force_login(staff_a[COORDINATOR])
    worklist = client.get(reverse("core:home")).context["coordinator_worklist"]
    shown = {line.participant_pk for group in worklist.groups for section in group.sections for line in section.lines}
    assert shown and shown <= {p.pk for p in a.participants}
    assert worklist.section("lab_proposals").count == 1
    assert worklist.section("queries").count == 1


@pytest.mark.django_db
def test_the_missing_forms_filter_offers_only_the_sites_participants(client, two_sites, staff_a):
    a, b = two_sites
    client.force_login(staff_a[COORDINATOR])
    choices = client.get(reverse("enrollment:missing_forms")).context["filters"].fields["participant"].queryset
    assert set(choices) <= set(a.participants) and choices.exists()
    other = next(p for p in b.participants if p.planned_treatment_start)
    response = client.get(reverse("enrollment:missing_forms"), {"participant": other.pk})
    assert response.status_code == 404  # a participant named in the query string is walled too


@pytest.mark.django_db
def test_the_worklist_digest_gives_each_coordinator_her_own_sites(two_sites, settings):
    from core.digest import send_worklist_digests

    a, b = two_sites
    for data, address in ((a, "a@example.org"), (b, "b@example.org")):
        data.coordinator.email = address
        data.coordinator.save()
    now = timezone.now()
    assert send_worklist_digests(today=timezone.localdate(), now=now) == 2
    bodies = {message.to[0]: message.body for message in mail.outbox}
    for data, other, address in ((a, b, "a@example.org"), (b, a, "b@example.org")):
        assert any(number in bodies[address] for number in data.numbers)
        assert not any(number in bodies[address] for number in other.numbers)


@pytest.mark.django_db
def test_the_lab_grading_endpoint_refuses_another_sites_participant_as_baseline(client, two_sites, staff_a):
    _a, b = two_sites
    client.force_login(staff_a[COORDINATOR])
    other = b.participants[0]
    query = {"analyte": "alt", "value": "80", "uln": "40", "participant": other.pk,
             "collected_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()}  # fmt: skip
    assert client.get(reverse("toxicity:lab_grade"), query).status_code == 404
    own = _a.participants[0]
    assert client.get(reverse("toxicity:lab_grade"), {**query, "participant": own.pk}).status_code == 200
