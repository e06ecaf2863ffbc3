"""Who gets into every page: each URL pattern for each role and for an anonymous visitor.

Deny by default: every URL the project defines must be listed in ACCESS, so a new view that is not
added here fails `test_every_url_pattern_is_listed`.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core import roles
from enrollment import services

ANON, NO_ROLE = "anonymous", "no role"
COORD, INV, DM, MON = roles.COORDINATOR, roles.INVESTIGATOR, roles.DATA_MANAGER, roles.MONITOR
ALL_ROLES = (COORD, INV, DM, MON)
VISITORS = (ANON, NO_ROLE) + ALL_ROLES

OK, DENIED, TO_LOGIN, TO_ADMIN_LOGIN, REDIRECT = 200, 403, "login", "admin-login", 302


def only(*allowed, anonymous=TO_LOGIN):
    """Expected outcome per visitor: allowed roles 200, other logged-in users 403."""
    expected = {visitor: (OK if visitor in allowed else DENIED) for visitor in VISITORS}
    expected[ANON] = anonymous
    return expected


def everyone(outcome):
    return {visitor: outcome for visitor in VISITORS}


# name -> (method, URL arguments, expected outcome per visitor); arguments: None, "pk" (a participant
# with a screening and consent), "consent" (that participant and their consent), or, for the
# treatment pages, "treated" (an enrolled participant with treatment data), "dose" (its week 1
# cisplatin), "anthropometrics", "review" (a pending toxicity review), "brachy" (a fraction), "visit_code"
# (its month-3 visit) or "visit" (its week-0 visit, done); for the
# safety pages, "lab_panel" (an enrolled participant's lab panel), "lab_result" (its ALT result), "ae"
# (an adverse event), "irae_decision" (a pending irAE dose decision) or "safety_csv" (a dashboard table).
ACCESS = {
    "login": ("get", None, {**everyone(REDIRECT), ANON: OK}),
    "logout": ("post", None, everyone(REDIRECT)),
    "password_change": ("get", None, {**everyone(OK), ANON: TO_LOGIN}),
    "password_change_done": ("get", None, {**everyone(OK), ANON: TO_LOGIN}),
    "core:home": ("get", None, only(*ALL_ROLES)),
    "core:health": ("get", None, everyone(OK)),
    # The language switch is public (it also serves the login page): a post without a language is
    # refused with a message and redirected back, for everyone.
    "core:set_language": ("post", None, everyone(REDIRECT)),
    "javascript_catalog": ("get", None, everyone(OK)),
    "core:task_health": ("get", None, only(DM)),
    "core:task_health_csv": ("get", None, only(DM)),
    "enrollment:participant_list": ("get", None, only(*ALL_ROLES)),
    "enrollment:participant_list_csv": ("get", None, only(*ALL_ROLES)),
    "enrollment:participant_create": ("get", None, only(COORD)),
    "enrollment:participant_detail": ("get", "pk", only(*ALL_ROLES)),
    "enrollment:participant_update": ("get", "pk", only(COORD)),
    "enrollment:participant_status_change": ("get", "pk", only(COORD, INV)),
    "enrollment:participant_audit": ("get", "pk", only(*ALL_ROLES)),
    "enrollment:participant_audit_csv": ("get", "pk", only(*ALL_ROLES)),
    "enrollment:screening_log": ("get", None, only(*ALL_ROLES)),
    "enrollment:screening_log_csv": ("get", None, only(*ALL_ROLES)),
    "enrollment:screening_edit": ("get", "pk", only(*ALL_ROLES)),
    "enrollment:screening_evaluate": ("post", "pk", only(COORD)),
    "enrollment:screening_fail": ("get", "pk", only(COORD, INV)),
    "enrollment:consent_create": ("get", "pk", only(COORD)),
    "enrollment:consent_withdraw": ("get", "consent", only(COORD)),
    "enrollment:eligibility_sign": ("get", "pk", only(INV)),
    "enrollment:participant_enrol": ("get", "pk", only(COORD)),
    "dosing:treatment_calendar": ("get", "treated", only(*ALL_ROLES)),
    "dosing:treatment_calendar_csv": ("get", "treated", only(*ALL_ROLES)),
    "dosing:anthropometrics_create": ("get", "treated", only(COORD, INV)),
    "dosing:anthropometrics_update": ("get", "anthropometrics", only(COORD, INV)),
    "dosing:dose_record": ("get", "dose", only(COORD, INV)),
    "dosing:dose_delay": ("get", "dose", only(COORD, INV)),
    "dosing:modification_create": ("get", "treated", only(COORD, INV)),
    "dosing:modification_decide": ("get", "review", only(INV)),
    "dosing:radiotherapy": ("get", "treated", only(*ALL_ROLES)),
    "dosing:radiotherapy_csv": ("get", "treated", only(*ALL_ROLES)),
    "dosing:radiotherapy_course": ("get", "treated", only(COORD, INV)),
    "dosing:brachy_create": ("get", "treated", only(COORD, INV)),
    "dosing:brachy_update": ("get", "brachy", only(COORD, INV)),
    "dosing:doses_due": ("get", None, only(*ALL_ROLES)),
    "dosing:doses_due_csv": ("get", None, only(*ALL_ROLES)),
    "dosing:deviations": ("get", None, only(*ALL_ROLES)),
    "dosing:deviations_csv": ("get", None, only(*ALL_ROLES)),
    "enrollment:visit_list": ("get", "treated", only(*ALL_ROLES)),
    "enrollment:visit_list_csv": ("get", "treated", only(*ALL_ROLES)),
    "enrollment:visit_record": ("get", "visit_code", only(COORD, INV)),
    "enrollment:visit_unscheduled": ("get", "treated", only(COORD, INV)),
    "enrollment:visit_forms": ("get", "visit", only(COORD, INV)),
    "enrollment:missing_forms": ("get", None, only(*ALL_ROLES)),
    "enrollment:missing_forms_csv": ("get", None, only(*ALL_ROLES)),
    "toxicity:lab_list": ("get", "pk", only(*ALL_ROLES)),
    "toxicity:lab_list_csv": ("get", "pk", only(*ALL_ROLES)),
    "toxicity:lab_create": ("get", "pk", only(COORD, INV)),
    "toxicity:lab_detail": ("get", "lab_panel", only(*ALL_ROLES)),
    "toxicity:lab_update": ("get", "lab_panel", only(COORD, INV)),
    "toxicity:lab_result_dismiss": ("get", "lab_result", only(COORD, INV)),
    "toxicity:lab_proposals": ("get", None, only(*ALL_ROLES)),
    "toxicity:lab_proposals_csv": ("get", None, only(*ALL_ROLES)),
    # Without a query string the grading endpoint answers 400 (which analyte?) to every role.
    "toxicity:lab_grade": ("get", None, {**only(*ALL_ROLES), **{role: 400 for role in ALL_ROLES}}),
    "toxicity:ae_list": ("get", "pk", only(*ALL_ROLES)),
    "toxicity:ae_list_csv": ("get", "pk", only(*ALL_ROLES)),
    "toxicity:ae_create": ("get", "pk", only(COORD, INV)),
    "toxicity:ae_detail": ("get", "ae", only(*ALL_ROLES)),
    "toxicity:ae_update": ("get", "ae", only(COORD, INV)),
    "toxicity:ae_sign": ("get", "ae", only(INV)),
    "toxicity:ae_sae_sent": ("get", "ae", only(COORD, INV)),
    "toxicity:ctcae_terms": ("get", None, only(*ALL_ROLES)),
    "toxicity:irae_decisions": ("get", "pk", only(*ALL_ROLES)),
    "toxicity:irae_decisions_csv": ("get", "pk", only(*ALL_ROLES)),
    "toxicity:irae_decide": ("get", "irae_decision", only(INV)),
    "toxicity:dashboard": ("get", None, only(*ALL_ROLES)),
    "toxicity:dashboard_csv": ("get", "safety_csv", only(*ALL_ROLES)),
    "toxicity:participant_timeline": ("get", "pk", only(*ALL_ROLES)),
    "efficacy:assessment_list": ("get", "treated", only(*ALL_ROLES)),
    "efficacy:assessment_list_csv": ("get", "treated", only(*ALL_ROLES)),
    "efficacy:assessment_detail": ("get", "follow_up_assessment", only(*ALL_ROLES)),
    "efficacy:baseline_create": ("get", "treated", only(COORD, INV)),
    "efficacy:baseline_update": ("get", "baseline_assessment", only(COORD, INV)),
    "efficacy:followup_create": ("get", "with_baseline", only(COORD, INV)),
    "efficacy:followup_update": ("get", "follow_up_assessment", only(COORD, INV)),
    # Without a query string the preview answers 400 (no measurement of T1) to those who record.
    "efficacy:assessment_preview": ("get", "with_baseline", {**only(COORD, INV), COORD: 400, INV: 400}),
    "efficacy:assessment_confirm": ("get", "follow_up_assessment", only(INV)),
    "efficacy:follow_up": ("get", "treated", only(*ALL_ROLES)),
    "efficacy:follow_up_csv": ("get", "treated", only(*ALL_ROLES)),
    "efficacy:follow_up_status": ("get", "treated", only(COORD, INV)),
    "efficacy:progression_create": ("get", "treated", only(COORD, INV)),
    "efficacy:progression_update": ("get", "progression", only(COORD, INV)),
    "efficacy:simon": ("get", None, only(INV, DM, MON)),
    "efficacy:simon_csv": ("get", None, only(INV, DM, MON)),
    "efficacy:survival": ("get", None, only(INV, DM, MON)),
    "efficacy:survival_csv": ("get", "survival_csv", only(INV, DM, MON)),
    "dm:record": ("get", "crf_record", only(*ALL_ROLES)),
    "dm:query_list": ("get", None, only(*ALL_ROLES)),
    "dm:query_list_csv": ("get", None, only(*ALL_ROLES)),
    "dm:query_detail": ("get", "query", only(*ALL_ROLES)),
    "dm:participant_queries": ("get", "pk", only(*ALL_ROLES)),
    # POST only: data managers get 405 for a GET, everyone else 403.
    "dm:edit_checks_run": ("get", None, {**only(DM), DM: 405}),
    "dm:participant_monitoring": ("get", "pk", only(*ALL_ROLES)),
    "dm:participant_monitoring_csv": ("get", "pk", only(*ALL_ROLES)),
    "dm:sdv_overview": ("get", None, only(*ALL_ROLES)),
    "dm:sdv_overview_csv": ("get", None, only(*ALL_ROLES)),
    "dm:lock_list": ("get", None, only(*ALL_ROLES)),
    "dm:lock_list_csv": ("get", None, only(*ALL_ROLES)),
    "dm:study_lock": ("get", None, only(DM)),
    "dm:participant_lock": ("get", "pk", only(DM)),
    "dm:record_lock": ("get", "crf_record", only(DM)),
    "dm:lock_release": ("get", "lock", only(DM)),
    "dm:export_list": ("get", None, only(DM)),
    "dm:export_status": ("get", "export_job", only(DM)),
    "dm:export_download": ("get", "export_job", only(DM)),
    # The admin site checks is_staff itself on every one of its pages; no study role is staff.
    "admin:index": ("get", None, everyone(TO_ADMIN_LOGIN)),
}


def _treatment_kwargs(kind: str, coordinator, make_user) -> dict:
    """An enrolled participant with height and weight, a pending toxicity review and a brachytherapy
    fraction, and the URL arguments of the treatment page under test."""
    from decimal import Decimal

    from core.services import clinical_record_save
    from dosing.models import BrachytherapyFraction
    from dosing.services.doses import anthropometrics_record
    from dosing.services.modification import dose_modification_review
    from dosing.tests.factories import participant_enrolled

    treated = participant_enrolled(coordinator=coordinator, investigator=make_user(INV))
    start = treated.planned_treatment_start
    if kind == "treated":
        return {"pk": treated.pk}
    if kind == "visit_code":
        return {"pk": treated.pk, "visit_code": "fu_m3"}
    if kind == "visit":
        from enrollment.services.visits import visit_record

        visit = visit_record(participant=treated, user=coordinator, visit_code="ccrt_w0", outcome="done",
                             visit_date=start)  # fmt: skip
        return {"pk": treated.pk, "visit_pk": visit.pk}
    if kind == "dose":
        return {"pk": treated.pk, "agent": "cisplatin", "phase": "ccrt", "cycle": 1, "day": 1}
    if kind == "anthropometrics":
        record = anthropometrics_record(
            participant=treated, user=coordinator, measured_on=start, height_cm=Decimal(160), weight_kg=Decimal(60)
        )
        return {"pk": treated.pk, "record_pk": record.pk}
    if kind == "review":
        record = dose_modification_review(
            participant=treated, user=coordinator, assessed_on=start, febrile=False, haematological_recovered=True,
            toxicities=[("Platelet count decreased", 4)],
        )
        return {"pk": treated.pk, "record_pk": record.pk}
    fraction = BrachytherapyFraction(
        participant=treated, number=1, given_on=start, hrctv_d90_gy=Decimal(7), applicator="tandem_ring"
    )
    clinical_record_save(instance=fraction, user=coordinator)
    return {"pk": treated.pk, "record_pk": fraction.pk}


SAFETY_KINDS = ("lab_panel", "lab_result", "ae", "irae_decision", "safety_csv")


def _safety_kwargs(kind: str, coordinator, make_user) -> dict:
    """An enrolled participant with a lab panel (ALT 6 x ULN, proposed as an AE) and an immune-related
    hepatitis grade 2 (which holds toripalimab pending the investigator), and the URL arguments of the
    safety page under test."""
    from decimal import Decimal

    from dosing.tests.factories import participant_enrolled
    from toxicity.services.labs import lab_panel_record
    from toxicity.tests.factories import adverse_event_recorded

    if kind == "safety_csv":
        return {"table": "safety"}
    enrolled = participant_enrolled(coordinator=coordinator, investigator=make_user(INV))
    panel = lab_panel_record(
        participant=enrolled, user=coordinator, collected_on=enrolled.planned_treatment_start,
        values={"alt": (Decimal(240), Decimal(7), Decimal(40))},
    )  # fmt: skip
    if kind == "lab_panel":
        return {"pk": enrolled.pk, "panel_pk": panel.pk}
    if kind == "lab_result":
        return {"pk": enrolled.pk, "result_pk": panel.results.get().pk}
    event = adverse_event_recorded(
        participant=enrolled, user=coordinator, term="Alanine aminotransferase increased", grade=2,
        onset_date=enrolled.enrolment_date, immune_related=True,
    )  # fmt: skip
    if kind == "ae":
        return {"pk": enrolled.pk, "ae_pk": event.pk}
    return {"pk": enrolled.pk, "decision_pk": enrolled.irae_dose_decisions.get().pk}


EFFICACY_KINDS = ("progression", "with_baseline", "baseline_assessment", "follow_up_assessment")


def _efficacy_kwargs(kind: str, coordinator, make_user) -> dict:
    """An enrolled, treated participant with efficacy data, and the URL arguments of the page under test."""
    import datetime

    from django.utils import timezone

    from efficacy.tests import factories

    start = timezone.localdate() - datetime.timedelta(days=120)
    treated = factories.treated_participant(coordinator=coordinator, investigator=make_user(INV), treatment_start=start)
    if kind == "progression":
        progression = factories.progression(treated, on=start + datetime.timedelta(days=90))
        return {"progression_pk": progression.pk}
    baseline = factories.baseline(treated, on=start - datetime.timedelta(days=7))
    if kind == "with_baseline":
        return {"pk": treated.pk}
    if kind == "baseline_assessment":
        return {"assessment_pk": baseline.pk}
    follow_up = factories.follow_up(treated, on=start + datetime.timedelta(days=90), response="PR")
    return {"assessment_pk": follow_up.pk}


DATA_MANAGEMENT_KINDS = ("crf_record", "lock", "export_job", "query")


def _data_management_kwargs(kind: str, participant, consent, make_user) -> dict:
    """The URL arguments of a data-management page: a CRF record (the participant's consent), an
    active participant lock, or a finished pseudonymised study export (written to EXPORT_DIR)."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from core.models import DataLock, LockScope

    if kind == "crf_record":
        return {"content_type_id": ContentType.objects.get_for_model(consent).pk, "object_id": consent.pk}
    manager = make_user(DM)
    if kind == "query":
        from core.data_management.queries.services import query_raise

        query = query_raise(record=consent, field_name="icf_version", text="Which version was signed?",
                            user=manager, now=timezone.now())  # fmt: skip
        return {"query_pk": query.pk}
    if kind == "lock":
        lock = DataLock.objects.create(scope=LockScope.PARTICIPANT, participant=participant, reason="Interim analysis",
                                       locked_by=manager, locked_at=timezone.now())  # fmt: skip
        return {"pk": lock.pk}
    from core.data_management.exports.services import export_job_create, export_job_run

    job = export_job_create(user=manager, identified=False, now=timezone.now())
    export_job_run(job_id=job.pk)
    return {"job_pk": job.pk}


def _pattern_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _pattern_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed {pattern.pattern}>"


def test_every_url_pattern_is_listed():
    names = set(_pattern_names(get_resolver().url_patterns))
    unlisted = {name for name in names if name not in ACCESS and not name.startswith("admin:")}
    assert not unlisted, f"URL patterns missing from the access matrix: {sorted(unlisted)}"
    assert set(ACCESS) <= names, f"stale entries: {sorted(set(ACCESS) - names)}"


@pytest.mark.django_db
@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_access(client, make_user, coordinator, participant, name, visitor, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path
    method, arguments, expected = ACCESS[name]
    consent = services.consent_record(
        participant=participant, user=coordinator, icf_version="v1", consent_date=participant.screening_date
    )
    services.screening_save(participant=participant, user=coordinator, values={"ecog": 0})
    if visitor != ANON:
        client.force_login(make_user(None if visitor == NO_ROLE else visitor))
    kwargs = {
        None: None,
        "pk": {"pk": participant.pk},
        "consent": {"pk": participant.pk, "consent_pk": consent.pk},
        "survival_csv": {"table": "dataset"},
    }
    if arguments in SAFETY_KINDS:
        kwargs[arguments] = _safety_kwargs(arguments, coordinator, make_user)
    elif arguments in DATA_MANAGEMENT_KINDS:
        kwargs[arguments] = _data_management_kwargs(arguments, participant, consent, make_user)
    elif arguments in EFFICACY_KINDS:
        kwargs[arguments] = _efficacy_kwargs(arguments, coordinator, make_user)
    elif arguments not in kwargs:
        kwargs[arguments] = _treatment_kwargs(arguments, coordinator, make_user)
    url = reverse(name, kwargs=kwargs[arguments])
    response = getattr(client, method)(url)
    outcome = expected[visitor]
    if outcome == TO_LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("login")), (name, visitor)
    elif outcome == TO_ADMIN_LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login")), (name, visitor)
    else:
        assert response.status_code == outcome, (name, visitor, response.status_code)
