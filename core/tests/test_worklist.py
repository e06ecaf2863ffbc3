"""The worklist selectors (``core.worklist``) with fixed dates, and the home page per role."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import worklist
from core.services import clinical_record_save
from core.tests.factories import TEST_PASSWORD
from dosing.tests.factories import participant_enrolled
from enrollment import services as enrollment_services
from enrollment.models import FlagKind, VisitFlag
from enrollment.services import visits as visit_services
from enrollment.tests.factories import participant_screened_eligible
from toxicity.models import LabPanel, LabResult
from toxicity.tests.dashboard_fixtures import chemo_review, irae_decision, record_ae, sign

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 2)  # a Monday
NOW = timezone.make_aware(datetime.datetime(2025, 6, 2, 8, 0))
M3_LABEL = "Follow-up 1 (month 3, major efficacy evaluation)"


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def enrolled(coordinator, investigator, *, started_days_ago: int):
    return participant_enrolled(coordinator=coordinator, investigator=investigator, treatment_start=days(-started_days_ago))


def flag(participant, code: str, kind: str, *, target: datetime.date, window: int = 7, closed: bool = False) -> VisitFlag:
    return VisitFlag.objects.create(
        participant=participant, visit_code=code, kind=kind, target_date=target,
        window_start=target - datetime.timedelta(days=window), window_end=target + datetime.timedelta(days=window),
        opened_at=NOW - datetime.timedelta(days=1), closed_at=NOW if closed else None,
    )


def lab_panel(participant, user, collected_on: datetime.date) -> LabPanel:
    panel = LabPanel(participant=participant, collected_on=collected_on, recorded_by=user)
    clinical_record_save(instance=panel, user=user)
    return panel


def texts(section: worklist.Section) -> list[str]:
    return [line.text for line in section.lines]


# --- visits ------------------------------------------------------------------------------------------


def test_open_visit_flags_are_split_into_today_and_this_week(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=100)
    flag(p, "fu_m3", FlagKind.OVERDUE, target=days(-9))
    flag(p, "ccrt_w8", FlagKind.DUE_NOW, target=days(1), window=2)
    flag(p, "fu_m6", FlagKind.DUE_SOON, target=days(12))
    flag(p, "eoebrt", FlagKind.OVERDUE, target=days(-60), closed=True)

    result = worklist.coordinator_worklist(today=TODAY, now=NOW)

    now_section, soon_section = result.section("visits_now"), result.section("visits_soon")
    assert texts(now_section) == [M3_LABEL, "CCRT week 8"]
    assert [line.badge for line in now_section.lines] == ["Overdue", "Due now"]
    assert now_section.lines[0].detail == "window 2025-05-17 to 2025-05-31, target 2025-05-24; closed 2 days ago"
    assert now_section.lines[0].participant_label == p.study_number
    assert texts(soon_section) == ["Follow-up 2 (month 6)"]
    assert "opens in 5 days" in soon_section.lines[0].detail
    assert now_section.count == 2 and soon_section.count == 1


def test_a_visit_line_links_to_the_visit_record_page_once_it_exists(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=100)
    flag(p, "fu_m3", FlagKind.OVERDUE, target=days(-9))

    line = worklist.coordinator_worklist(today=TODAY, now=NOW).section("visits_now").lines[0]

    assert line.url == worklist.safe_reverse("enrollment:visit_record", pk=p.pk, visit_code="fu_m3")
    assert line.action == "Record the visit"


def test_safe_reverse_of_a_missing_page_is_empty():
    assert worklist.safe_reverse("enrollment:no_such_page", pk=1) == ""


def test_a_section_shows_at_most_ten_lines_and_counts_them_all(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=400)
    for month in (9, 12, 15, 18, 21, 24, 30, 36, 42, 48, 54, 60):
        flag(p, f"fu_m{month}", FlagKind.OVERDUE, target=days(-month))

    section = worklist.coordinator_worklist(today=TODAY, now=NOW).section("visits_now")

    assert section.count == 12 and len(section.lines) == worklist.MAX_LINES and section.hidden == 2
    # the most recently overdue first: those can still be caught up
    assert [line.when for line in section.lines[:2]] == [days(-9), days(-12)]


# --- doses -------------------------------------------------------------------------------------------


def test_doses_due_today_or_overdue_and_later_this_week(coordinator, investigator):
    enrolled(coordinator, investigator, started_days_ago=9)  # day 1 = 2025-05-24

    result = worklist.coordinator_worklist(today=TODAY, now=NOW)

    now_lines = result.section("doses_now").lines
    assert [(line.text, line.badge) for line in now_lines] == [
        ("Cisplatin Week 1 (concurrent chemoradiotherapy)", "Overdue"),
        ("Toripalimab Cycle 1, day 1 (concurrent chemoradiotherapy)", "Overdue"),
        ("Cisplatin Week 2 (concurrent chemoradiotherapy)", "Due"),
    ]
    week = result.section("doses_week").lines
    assert [(line.text, line.when) for line in week] == [("Cisplatin Week 3 (concurrent chemoradiotherapy)", days(5))]
    assert week[0].url.endswith("/treatment/dose/cisplatin/ccrt/3/1/")


def test_a_held_toripalimab_dose_shows_the_irae_behind_the_hold(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=20)  # toripalimab cycle 2 due day 22 = TODAY + 1
    hepatitis = record_ae(p, coordinator, "Alanine aminotransferase increased", 3, days(-3),
                          related={"toripalimab": "probable"}, immune_related=True, irae_category="hepatitis")
    irae_decision(hepatitis, investigator, recommended="interrupt", target=("ccrt", 1, 1))

    lines = worklist.coordinator_worklist(today=TODAY, now=NOW).section("doses_now").lines

    held = [line for line in lines if line.text.startswith("Toripalimab")]
    assert held and held[0].badge == "Awaiting investigator"
    assert "hepatitis grade 3 (awaiting investigator)" in held[0].detail


# --- labs before a dose ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("collected_days_before_due", "needed"),
    [(None, True), (4, True), (3, False), (0, False)],
)
def test_labs_are_needed_unless_a_panel_was_collected_in_the_three_days_before_the_dose(
    coordinator, investigator, collected_days_before_due, needed
):
    p = enrolled(coordinator, investigator, started_days_ago=6)  # cisplatin week 2 due day 8 = TODAY + 1
    due = days(1)
    if collected_days_before_due is not None:
        lab_panel(p, coordinator, due - datetime.timedelta(days=collected_days_before_due))

    lines = worklist.coordinator_worklist(today=TODAY, now=NOW).section("labs").lines

    assert bool(lines) is needed
    if needed:
        assert lines[0].text == "Labs before Cisplatin on Tue 2025-06-03"
        assert lines[0].detail == "No lab panel collected from 2025-05-31 to 2025-06-03"
        assert lines[0].url == reverse("toxicity:lab_create", kwargs={"pk": p.pk})


@pytest.mark.parametrize(("due_in_days", "needed"), [(3, True), (4, False)])
def test_labs_are_asked_for_doses_due_within_three_days(coordinator, investigator, due_in_days, needed):
    enrolled(coordinator, investigator, started_days_ago=7 - due_in_days)  # cisplatin week 2 due TODAY + due_in_days

    lines = worklist.coordinator_worklist(today=TODAY, now=NOW).section("labs").lines

    assert [line.when for line in lines] == ([days(due_in_days)] if needed else [])


def test_overdue_doses_do_not_ask_for_labs(coordinator, investigator):
    enrolled(coordinator, investigator, started_days_ago=30)

    lines = worklist.coordinator_worklist(today=TODAY, now=NOW).section("labs").lines

    assert all(line.when >= TODAY for line in lines)


# --- safety ------------------------------------------------------------------------------------------


def test_safety_sections_list_unsigned_aes_open_sae_clocks_and_proposed_lab_values(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=30)
    unsigned = record_ae(p, coordinator, "Nausea", 2, days(-5))
    signed = record_ae(p, coordinator, "Diarrhea", 1, days(-6))
    sign(signed, investigator)
    record_ae(p, coordinator, "Diarrhea", 3, days(-2), serious=True, sae_hospitalisation=True,
              sae_awareness_at=NOW - datetime.timedelta(hours=30))
    panel = lab_panel(p, coordinator, days(-1))
    clinical_record_save(
        instance=LabResult(panel=panel, analyte="plt", value=Decimal("40"), unit="10^9/L", grade=3,
                           ctcae_term="Platelet count decreased", ae_proposal="proposed"),
        user=coordinator,
    )

    result = worklist.coordinator_worklist(today=TODAY, now=NOW)

    signoff = result.section("ae_signoff")
    assert f"AE {unsigned.number}: Nausea, grade 2" in texts(signoff)
    assert f"AE {signed.number}: Diarrhea, grade 1" not in texts(signoff)
    assert signoff.lines[0].url == reverse("toxicity:ae_detail", kwargs={"pk": p.pk, "ae_pk": unsigned.pk})
    clocks = result.section("sae_clocks").lines
    assert [line.badge for line in clocks] == ["Overdue"]
    assert clocks[0].detail.startswith("overdue by")
    proposals = result.section("lab_proposals").lines
    assert [line.text for line in proposals] == ["Platelets 40 10^9/L — Platelet count decreased"]
    assert proposals[0].url == reverse("toxicity:lab_detail", kwargs={"pk": p.pk, "panel_pk": panel.pk})


# --- missing forms -----------------------------------------------------------------------------------


def test_missing_forms_are_listed_per_visit_linking_to_its_forms(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=30)
    visit = visit_services.visit_record(participant=p, user=coordinator, visit_code="ccrt_w1", outcome="done",
                                        visit_date=days(-23), today=TODAY)

    section = worklist.coordinator_worklist(today=TODAY, now=NOW).section("missing_forms")

    assert section.count == 1
    line = section.lines[0]
    assert line.text == "CCRT week 1 (2025-05-10)"
    assert "Blood routine" in line.detail
    assert line.badge.endswith(" missing")
    assert line.url == reverse("enrollment:visit_forms", kwargs={"pk": p.pk, "visit_pk": visit.pk})
    assert section.note.endswith("form(s) missing in all.")


# --- the investigator --------------------------------------------------------------------------------


def test_the_investigator_sees_eligibility_signatures_pending(coordinator, investigator):
    waiting = participant_screened_eligible(user=coordinator)
    without_consent = participant_screened_eligible(user=coordinator, consent=False)
    signed = participant_screened_eligible(user=coordinator)
    enrollment_services.eligibility_sign(participant=signed, user=investigator, password=TEST_PASSWORD)

    lines = worklist.investigator_worklist(today=TODAY, now=NOW).section("eligibility").lines

    assert [line.participant_pk for line in lines] == [waiting.pk]
    assert without_consent.pk not in [line.participant_pk for line in lines]
    assert lines[0].url == reverse("enrollment:eligibility_sign", kwargs={"pk": waiting.pk})


def test_the_investigator_sees_pending_irae_and_chemotherapy_decisions(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=30)
    hepatitis = record_ae(p, coordinator, "Alanine aminotransferase increased", 3, days(-3),
                          related={"toripalimab": "probable"}, immune_related=True, irae_category="hepatitis")
    pending = irae_decision(hepatitis, investigator, recommended="discontinue", rule_code="irae.hepatitis.g3")
    review = chemo_review(p, investigator, days(-1), recommended="hold")
    chemo_review(p, investigator, days(-20), recommended="reduce", decision="confirmed", decided_action="reduce",
                 level_pct=80)

    result = worklist.investigator_worklist(today=TODAY, now=NOW)

    irae = result.section("irae_decisions").lines
    assert [line.text for line in irae] == ["Toripalimab: discontinue — hepatitis grade 3"]
    assert irae[0].url == reverse("toxicity:irae_decide", kwargs={"pk": p.pk, "decision_pk": pending.pk})
    modifications = result.section("modifications").lines
    assert len(modifications) == 1
    assert modifications[0].url == reverse("dosing:modification_decide", kwargs={"pk": p.pk, "record_pk": review.pk})
    assert texts(result.section("ae_signoff")) == [f"AE {hepatitis.number}: Alanine aminotransferase increased, grade 3"]


def test_empty_worklists_have_sections_that_say_nothing_is_due(db):
    coordinator_list = worklist.coordinator_worklist(today=TODAY, now=NOW)
    investigator_list = worklist.investigator_worklist(today=TODAY, now=NOW)

    assert coordinator_list.count == 0 and investigator_list.count == 0
    assert coordinator_list.section("visits_now").empty_text == "Nothing due"
    assert all(not section.lines for group in coordinator_list.groups for section in group.sections)


# --- query counts ------------------------------------------------------------------------------------


def _busy_participants(n, coordinator, investigator):
    for _ in range(n):
        p = enrolled(coordinator, investigator, started_days_ago=20)
        flag(p, "fu_m3", FlagKind.DUE_SOON, target=days(80))
        flag(p, "ccrt_w3", FlagKind.OVERDUE, target=days(-6), window=2)
        ae = record_ae(p, coordinator, "Alanine aminotransferase increased", 3, days(-3),
                       related={"toripalimab": "probable"}, immune_related=True, irae_category="hepatitis",
                       serious=True, sae_hospitalisation=True, sae_awareness_at=NOW - datetime.timedelta(hours=3))
        irae_decision(ae, investigator, recommended="interrupt", target=("ccrt", 2, 1))
        chemo_review(p, investigator, days(-1), recommended="hold")
        lab_panel(p, coordinator, days(-10))
        visit_services.visit_record(participant=p, user=coordinator, visit_code="ccrt_w1", outcome="done",
                                    visit_date=days(-13), today=TODAY)


BUSY = {"visits_now", "visits_soon", "ae_signoff", "sae_clocks", "missing_forms", "irae_decisions", "modifications"}


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func(today=TODAY, now=NOW)
    return len(captured)


@pytest.mark.parametrize("selector", [worklist.coordinator_worklist, worklist.investigator_worklist])
def test_the_query_count_does_not_grow_with_the_number_of_participants(coordinator, investigator, selector):
    _busy_participants(2, coordinator, investigator)
    participant_screened_eligible(user=coordinator)
    few_cold = _queries(selector)  # the participants' worklist snapshots computed
    few = _queries(selector)  # and read
    _busy_participants(6, coordinator, investigator)
    for _ in range(3):
        participant_screened_eligible(user=coordinator)
    assert _queries(selector) == few_cold
    result = selector(today=TODAY, now=NOW)
    assert _queries(selector) == few
    assert all(section.count >= 8 for group in result.groups for section in group.sections if section.key in BUSY)


def test_the_overview_counts_for_read_only_roles(coordinator, investigator):
    p = enrolled(coordinator, investigator, started_days_ago=100)
    flag(p, "fu_m3", FlagKind.OVERDUE, target=days(-9))
    record_ae(p, coordinator, "Nausea", 2, days(-5))

    result = worklist.overview(now=NOW)

    assert dict(result.participants_by_status)["Enrolled"] == 1
    assert dict(result.flags_by_kind)["Overdue"] == 1
    assert result.awaiting_signature == 1 and result.sae_reports_open == 0 and result.lab_proposals == 0


# --- the home page -----------------------------------------------------------------------------------


def test_the_coordinator_home_page_is_the_worklist(client, coordinator, investigator):
    p = participant_enrolled(coordinator=coordinator, investigator=investigator,
                             treatment_start=timezone.localdate() - datetime.timedelta(days=100))
    flag(p, "fu_m3", FlagKind.OVERDUE, target=timezone.localdate() - datetime.timedelta(days=9))
    client.force_login(coordinator)

    content = client.get(reverse("core:home")).content.decode()

    assert 'data-testid="coordinator-worklist"' in content
    assert 'data-testid="investigator-worklist"' not in content
    assert ">Today <" in content and "This week" in content
    assert M3_LABEL in content and ">Overdue<" in content
    assert "Nothing due" in content  # the empty sections say so
    assert "Recently screened participants" in content and p.screening_number in content


def test_the_investigator_home_page_shows_the_signature_queue_first(client, coordinator, investigator):
    waiting = participant_screened_eligible(user=coordinator)
    client.force_login(investigator)

    content = client.get(reverse("core:home")).content.decode()

    assert content.index('data-testid="investigator-worklist"') < content.index('data-testid="coordinator-worklist"')
    assert "Eligibility to sign" in content
    assert reverse("enrollment:eligibility_sign", kwargs={"pk": waiting.pk}) in content


@pytest.mark.parametrize("role", ["data_manager", "monitor"])
def test_read_only_roles_get_the_overview(client, request, role):
    client.force_login(request.getfixturevalue(role))

    content = client.get(reverse("core:home")).content.decode()

    assert 'data-testid="overview"' in content and "Participants by status" in content
    assert "worklist" not in content.split('data-testid="overview"')[0].split("<main")[1]
    assert "Recently screened participants" in content
