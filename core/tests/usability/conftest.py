"""Data for the usability tests: one small study with a participant at every stage the form pages
need, made with the factories and services the app tests use (so history and rules run as in the
application), and the pages the colour and tablet tests walk."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from core.data_management.queries import services as query_services
from dosing.tests.factories import participant_enrolled
from enrollment.models import Participant, Visit
from enrollment.services import visits as visit_services
from enrollment.tests.factories import participant_registered, participant_screened_eligible
from toxicity.models import AdverseEvent, IraeDoseDecision
from toxicity.tests.factories import adverse_event_recorded
from toxicity.tests.irae_fixtures import TORI_CCRT_1, apply_rules, give_toripalimab, record_ae


@pytest.fixture
def calm_page(page):
    """The page with reduced motion (Bootstrap then drops its transitions), so that the computed
    style of a focused element is its final focus style, not the first frame of a transition."""
    page.emulate_media(reduced_motion="reduce")
    return page


@dataclass(frozen=True)
class Study:
    registered: Participant  # just registered for screening: no consent yet
    eligible: Participant  # consented and screened eligible, not signed
    enrolled: Participant  # treatment started 30 days ago, toripalimab given on day 1, no tumour assessment
    start: datetime.date
    done_visit: Visit  # the eligibility visit, done 3 days before the treatment start
    adverse_event: AdverseEvent
    irae_decision: IraeDoseDecision
    query_pk: int

    def record_url(self, instance) -> str:
        content_type = ContentType.objects.get_for_model(type(instance))
        return reverse("dm:record", kwargs={"content_type_id": content_type.pk, "object_id": instance.pk})


@pytest.fixture
def study(coordinator, investigator, monitor) -> Study:
    today = timezone.localdate()
    start = today - datetime.timedelta(days=30)
    registered = participant_registered(user=coordinator, initials="RG", screening_date=today - datetime.timedelta(days=1))
    eligible = participant_screened_eligible(user=coordinator)
    enrolled = participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=start)
    give_toripalimab(enrolled, coordinator, TORI_CCRT_1, start)
    done_visit = visit_services.visit_record(participant=enrolled, user=coordinator, visit_code="screening",
                                             outcome="done", visit_date=start - datetime.timedelta(days=3))  # fmt: skip
    record_ae(enrolled, coordinator, category="hepatitis", grade=3, onset=today - datetime.timedelta(days=2))
    apply_rules(enrolled, coordinator)
    decision = IraeDoseDecision.objects.get(participant=enrolled, decision="pending")
    nausea = adverse_event_recorded(participant=enrolled, user=coordinator, onset_date=today - datetime.timedelta(days=5))
    query = query_services.query_raise(record=nausea, field_name="onset_date", text="Please check the onset date.",
                                       user=monitor, now=timezone.now())  # fmt: skip
    return Study(registered=registered, eligible=eligible, enrolled=enrolled, start=start, done_visit=done_visit, adverse_event=nausea,
                 irae_decision=decision, query_pk=query.pk)  # fmt: skip


@dataclass(frozen=True)
class Cohort:
    """The toxicity dashboard's cohort (five treated participants with AEs, SAEs, holds and
    signatures), with a graded lab panel, a confirmed response and an open query: the main pages
    then show every kind of badge and table they have."""

    pages: dict[str, str]  # page name -> URL


@pytest.fixture
def cohort(coordinator, investigator, monitor) -> Cohort:
    from efficacy.tests.factories import baseline, follow_up
    from toxicity.services.labs import lab_panel_record
    from toxicity.tests.dashboard_fixtures import build_cohort
    from toxicity.tests.labs_fixtures import lab_values

    start = timezone.localdate() - datetime.timedelta(days=70)
    built = build_cohort(coordinator=coordinator, investigator=investigator, start=start, now=timezone.now())
    a, b = built.participants["A"], built.participants["B"]
    panel = lab_panel_record(participant=a, user=coordinator, collected_on=start + datetime.timedelta(days=21),
                             values=lab_values(alt=(240, 7, 40), anc=0.8, plt=180, tsh=2.1))  # fmt: skip
    baseline(a, on=start - datetime.timedelta(days=10))
    follow_up(a, on=start + datetime.timedelta(days=60), response="PR", confirmed_by=investigator)
    query_services.query_raise(record=built.aes["A_nausea_2"], field_name="onset_date", text="Please check the onset.",
                               user=monitor, now=timezone.now())  # fmt: skip
    return Cohort(pages={
        "home": reverse("core:home"),
        "participant dashboard": reverse("enrollment:participant_detail", args=[a.pk]),
        "treatment calendar": reverse("dosing:treatment_calendar", args=[a.pk]),
        "lab panel": reverse("toxicity:lab_detail", args=[a.pk, panel.pk]),
        "lab results": reverse("toxicity:lab_list", args=[a.pk]),
        "lab panel form": reverse("toxicity:lab_create", args=[a.pk]),
        "adverse events": reverse("toxicity:ae_list", args=[b.pk]),
        "adverse event form": reverse("toxicity:ae_create", args=[b.pk]),
        "toxicity dashboard": reverse("toxicity:dashboard"),
        "Simon monitor": reverse("efficacy:simon"),
        "queries": reverse("dm:query_list"),
    })  # fmt: skip
