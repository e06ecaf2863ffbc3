"""Reads for the participant pages."""

from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from core.sites import restrict_to_user_sites, visible_participants
from trialsite.protocol.visits import CONSENT, DEMOGRAPHICS, FORM_LABELS, TUMOUR_ASSESSMENT

from .models import UNSCHEDULED, Consent, EligibilitySignature, Participant, ParticipantStatus, Screening, Visit
from .rules.eligibility import CRITERIA, CRITERIA_BY_ID, EligibilityResult
from .rules.visits import missing_forms, visit_status, window_deviation


def participant_list(*, search: str = "", status: str = "", user=None) -> QuerySet[Participant]:
    """Participants matching a number or initials and, optionally, a status; only those of ``user``'s
    sites (``core.sites``; None: every participant)."""
    participants = visible_participants(user)
    search = search.replace("\x00", "").strip()  # a NUL cannot be searched for (PostgreSQL refuses it)
    if search:
        participants = participants.filter(
            Q(screening_number__icontains=search) | Q(study_number__icontains=search) | Q(initials__iexact=search)
        )
    if status in ParticipantStatus.values:
        participants = participants.filter(status=status)
    return participants.order_by("-screening_date", "-id")


class EvaluationRow(NamedTuple):
    id: str
    kind: str
    label: str
    status: str
    reason: str


def evaluation_rows(result: EligibilityResult) -> list[EvaluationRow]:
    """One row per criterion of PROTOCOL §1, in protocol order, for display."""
    return [
        EvaluationRow(c.id, c.kind, c.label, result.criteria[c.id].status, result.criteria[c.id].reason)
        for c in CRITERIA
    ]


def screening_open(participant: Participant) -> bool:
    """Screening data may still be entered (in screening, consent not withdrawn)."""
    return (
        participant.status == ParticipantStatus.SCREENING
        and not participant.consents.filter(withdrawn_on__isnull=False).exists()
    )


@dataclass(frozen=True)
class Panel:
    """One form area of the participant dashboard: a title and lines of what is recorded."""

    key: str
    title: str
    lines: list[str]
    empty_text: str


def eligibility_panel_lines(participant: Participant) -> list[str]:
    from .services.screening import active_consent, screening_evaluation, valid_signature

    screening = Screening.objects.filter(participant=participant).first()
    lines = []
    consent = participant.consents.order_by("-consent_date", "-id").first()
    if consent is not None:
        values = {
            "version": consent.icf_version,
            "date": f"{consent.consent_date:%Y-%m-%d}",
            "withdrawn": f"{consent.withdrawn_on:%Y-%m-%d}" if consent.withdrawn_on else "",
            "reason": consent.withdrawal_reason,
        }
        if consent.withdrawn_on:
            lines.append(_("Consent %(version)s on %(date)s — withdrawn on %(withdrawn)s: %(reason)s") % values)
        else:
            lines.append(_("Consent %(version)s on %(date)s") % values)
    if screening is None:
        return lines
    if participant.study_number:
        lines.append(
            _("Enrolled %(enrolled)s; planned treatment start %(start)s")
            % {
                "enrolled": f"{participant.enrolment_date:%Y-%m-%d}",
                "start": f"{participant.planned_treatment_start:%Y-%m-%d}",
            }
        )
    result = screening_evaluation(screening, participant)
    if result.eligible is True:
        lines.append(_("Eligible: all 27 criteria pass"))
    elif result.eligible is False:
        separator = pgettext("separator between the items of a list", ", ")
        lines.append(_("Not eligible: %(criteria)s") % {"criteria": separator.join(result.failed)})
    else:
        lines.append(_("Screening incomplete: %(count)s criteria still need data") % {"count": len(result.missing)})
    signature = participant.eligibility_signatures.order_by("-signed_at").first()
    if signature is not None:
        values = {"name": signature.signer_name, "time": f"{timezone.localtime(signature.signed_at):%Y-%m-%d %H:%M}"}
        if valid_signature(participant, screening):
            lines.append(_("Signed by %(name)s at %(time)s") % values)
        else:
            lines.append(_("Signed by %(name)s at %(time)s (screening changed since: sign again)") % values)
    elif active_consent(participant) and result.eligible:
        lines.append(_("Awaiting the investigator's signature"))
    return lines


def participant_panels(participant: Participant) -> list[Panel]:
    """The dashboard's form areas, each with what is recorded; areas whose forms come in later
    modules say honestly that nothing is recorded.

    The areas read only from her CRF records and the day are kept per her data version
    (``core.study_cache.cached_for_participant``); the adverse events (SAE clocks run by the hour) and
    the queries (not CRF records) are read at every request."""
    from core import study_cache
    from core.data_management.queries.selectors import participant_panel_lines as query_panel_lines
    from toxicity.selectors.panel import safety_panel_lines

    today = timezone.localdate()
    eligibility, treatment, visits, response = study_cache.cached_for_participant(
        "participant_panels", participant.pk, today, lambda: _record_panel_lines(participant, today=today)
    )
    return [
        Panel("eligibility", _("Eligibility"), list(eligibility), _("No eligibility assessment recorded yet.")),
        Panel(
            "treatment",
            _("Treatment"),
            list(treatment),
            _("Not enrolled: the treatment calendar starts at enrolment."),
        ),
        Panel("visits", _("Visits"), list(visits), _("No visits recorded yet.")),
        Panel(
            "adverse_events",
            _("Adverse events"),
            safety_panel_lines(participant, now=timezone.now()),
            _("No adverse events recorded yet."),
        ),
        Panel("response", _("Tumour response"), list(response), _("No tumour assessments recorded yet.")),
        Panel("queries", _("Queries"), query_panel_lines(participant.pk, now=timezone.now()), _("No data queries.")),
    ]


def _record_panel_lines(participant: Participant, *, today) -> tuple[tuple[str, ...], ...]:
    """The eligibility, treatment, visit and response lines (immutable: they are shared by requests)."""
    from dosing.selectors.calendar import treatment_panel_lines
    from efficacy.selectors.panel import response_panel_lines

    return (
        tuple(eligibility_panel_lines(participant)),
        tuple(treatment_panel_lines(participant, today=today)),
        tuple(visit_panel_lines(participant, today=today)),
        tuple(response_panel_lines(participant)),
    )


@dataclass(frozen=True)
class EligibilityState:
    """What can be done next about a participant's screening (drives the dashboard's buttons)."""

    screening_open: bool
    has_screening: bool
    eligible: bool | None
    active_consent: Consent | None
    signed: bool
    can_sign: bool
    can_fail: bool
    can_enrol: bool


def eligibility_state(participant: Participant) -> EligibilityState:
    from .services.screening import active_consent, screening_evaluation, valid_signature

    screening = Screening.objects.filter(participant=participant).first()
    is_open = screening_open(participant)
    eligible = screening_evaluation(screening, participant).eligible if screening else None
    consent = active_consent(participant)
    signed = valid_signature(participant, screening) is not None
    return EligibilityState(
        screening_open=is_open,
        has_screening=screening is not None,
        eligible=eligible,
        active_consent=consent,
        signed=signed,
        can_sign=is_open and eligible is True and consent is not None and not signed,
        can_fail=is_open and eligible is False,
        can_enrol=is_open and eligible is True and consent is not None and signed,
    )


def _with_screening_facts(user=None) -> QuerySet[Participant]:
    return (
        visible_participants(user)
        .select_related("screening")
        .prefetch_related(
            Prefetch("consents", queryset=Consent.objects.order_by("-consent_date", "-id")),
            Prefetch("eligibility_signatures", queryset=EligibilitySignature.objects.order_by("-signed_at")),
        )
        .order_by("screening_date", "id")
    )


@dataclass(frozen=True)
class ScreeningLog:
    screened: int
    in_screening: int
    screen_failures: int
    enrolled: int
    withdrawn_before_enrolment: int
    eligible_awaiting_enrolment: int
    failed_by_criterion: list[tuple[str, str, int]]


def screening_log(*, user=None) -> ScreeningLog:
    """The counts a CONSORT diagram needs: screened, failed (by criterion), enrolled (of ``user``'s
    sites, ``core.sites``)."""
    participants = list(visible_participants(user).select_related("screening"))
    failures = [p for p in participants if p.status == ParticipantStatus.SCREEN_FAILURE]
    by_criterion = Counter(cid for p in failures if hasattr(p, "screening") for cid in p.screening.failed_criteria)
    return ScreeningLog(
        screened=len(participants),
        in_screening=sum(p.status == ParticipantStatus.SCREENING for p in participants),
        screen_failures=len(failures),
        enrolled=sum(bool(p.study_number) for p in participants),
        withdrawn_before_enrolment=sum(
            p.status in {ParticipantStatus.OFF_STUDY, ParticipantStatus.DIED} and not p.study_number
            for p in participants
        ),
        eligible_awaiting_enrolment=sum(
            p.status == ParticipantStatus.SCREENING and hasattr(p, "screening") and p.screening.eligible is True
            for p in participants
        ),
        failed_by_criterion=[
            (cid, CRITERIA_BY_ID[cid].label, by_criterion[cid]) for cid in CRITERIA_BY_ID if by_criterion[cid]
        ],
    )


SCREENING_LOG_COLUMNS = (
    "screening_number",
    "study_number",
    "screening_date",
    "status",
    "status_date",
    "eligible",
    "failed_criteria",
    "missing_criteria",
    "consent_date",
    "consent_withdrawn_on",
    "signed_by",
    "signed_at",
    "enrolment_date",
    "planned_treatment_start",
)


def screening_log_rows(*, user=None):
    """One row per screened patient (ISO dates; eligible as yes / no / incomplete)."""
    for p in _with_screening_facts(user):
        screening = getattr(p, "screening", None)
        consents = list(p.consents.all())
        signatures = list(p.eligibility_signatures.all())
        eligible = screening.eligible if screening else None
        yield (
            p.screening_number,
            p.study_number or "",
            p.screening_date.isoformat(),
            p.status,
            p.status_date.isoformat(),
            {True: "yes", False: "no"}.get(eligible, "incomplete"),
            ";".join(screening.failed_criteria) if screening else "",
            ";".join(screening.missing_criteria) if screening else "",
            consents[0].consent_date.isoformat() if consents else "",
            consents[0].withdrawn_on.isoformat() if consents and consents[0].withdrawn_on else "",
            signatures[0].signer_name if signatures else "",
            signatures[0].signed_at.isoformat() if signatures else "",
            p.enrolment_date.isoformat() if p.enrolment_date else "",
            p.planned_treatment_start.isoformat() if p.planned_treatment_start else "",
        )


# --- Visits (PROTOCOL §4; the paper's Table 2) -----------------------------------------------------

UPCOMING_SHOWN = 3  # the schedule runs 10 years: show the next few upcoming visits unless asked for all

# Lab sections (trialsite.protocol.labs) whose values make a visit's blood-sample form entered.
_LAB_SECTION_FORMS = {
    "Blood routine": "blood_routine",
    "Liver function": "liver_kidney_function",
    "Kidney function": "liver_kidney_function",
}


@dataclass(frozen=True)
class FormCounts:
    entered: int
    missing: int
    not_done: int


@dataclass(frozen=True)
class FormRow:
    """One expected form of a done visit: its status and, when the system found the data itself
    (a lab panel, the consent, the participant record), where it came from."""

    code: str
    label: str
    status: str
    status_label: str
    reason: str
    source: str
    automatic: bool
    record: object  # the VisitForm row, or None


@dataclass(frozen=True)
class VisitRow:
    code: str
    label: str
    target_date: object  # datetime.date | None (None for an unscheduled visit)
    window_start: object
    window_end: object
    status: str
    status_label: str
    record: object  # the Visit, or None
    actual_date: object
    deviation: str
    forms: FormCounts | None
    unscheduled: bool = False


@dataclass(frozen=True)
class VisitPage:
    rows: list[VisitRow]
    hidden_upcoming: int


@dataclass(frozen=True)
class MissingFormRow:
    participant: Participant
    visit_id: int
    visit_code: str
    visit_label: str
    visit_date: object
    form_code: str
    form_label: str
    days_since_visit: int


_STATUS_LABELS = {
    "upcoming": pgettext_lazy("visit status", "Upcoming"),
    "due": pgettext_lazy("visit status", "Due (window open)"),
    "overdue": pgettext_lazy("visit status", "Overdue"),
    "done": pgettext_lazy("visit outcome", "Done"),
    "missed": pgettext_lazy("visit outcome", "Missed"),
}
_FORM_STATUS_LABELS = {
    "entered": pgettext_lazy("form state", "Entered"),
    "missing": pgettext_lazy("form state", "Missing"),
    "not_done": pgettext_lazy("form state", "Not done"),
}


class _FormSources:
    """What the system itself holds for the visits of some participants, loaded in a fixed number
    of queries: lab values by collection date and section, the first consent of each, the tumour
    assessments (RECIST 1.1) by imaging date."""

    def __init__(self, participant_ids):
        from efficacy.models import TumourAssessment
        from toxicity.models import LabResult
        from trialsite.protocol.labs import ANALYTE_BY_CODE

        ids = list(participant_ids)
        self.labs: dict[int, list[tuple[object, str, int]]] = {}
        results = (
            LabResult.objects.filter(panel__participant_id__in=ids)
            .values_list("panel__participant_id", "panel__collected_on", "panel_id", "analyte")
            .order_by("panel__collected_on", "panel_id")
        )
        for participant_id, collected_on, panel_id, analyte in results:
            form = _LAB_SECTION_FORMS.get(ANALYTE_BY_CODE[analyte].section) if analyte in ANALYTE_BY_CODE else None
            if form:
                self.labs.setdefault(participant_id, []).append((collected_on, form, panel_id))
        self.consents: dict[int, object] = {}
        for participant_id, consent_date in (
            Consent.objects.filter(participant_id__in=ids).order_by("consent_date", "id")
            .values_list("participant_id", "consent_date")
        ):  # fmt: skip
            self.consents.setdefault(participant_id, consent_date)
        self.assessments: dict[int, list[tuple[object, str]]] = {}
        for participant_id, assessment_date, visit_code in (
            TumourAssessment.objects.filter(participant_id__in=ids).order_by("assessment_date", "id")
            .values_list("participant_id", "assessment_date", "visit_code")
        ):  # fmt: skip
            self.assessments.setdefault(participant_id, []).append((assessment_date, visit_code))

    def found(self, participant: Participant, scheduled, visit_date) -> dict[str, str]:
        """Form code -> where it was found, for the forms of ``scheduled`` the system holds itself.
        A lab panel counts when collected inside the visit's window or on the visit's date; so does
        a tumour assessment (baseline or follow-up) imaged then, or recorded for that visit."""
        expected = set(scheduled.expected_forms)
        found: dict[str, str] = {}
        for collected_on, form, _panel_id in self.labs.get(participant.pk, ()):
            in_window = scheduled.window_start <= collected_on <= scheduled.window_end or collected_on == visit_date
            if form in expected and in_window and form not in found:
                found[form] = _("lab panel collected %(date)s") % {"date": f"{collected_on:%Y-%m-%d}"}
        if TUMOUR_ASSESSMENT in expected:
            for assessment_date, visit_code in self.assessments.get(participant.pk, ()):
                in_window = scheduled.window_start <= assessment_date <= scheduled.window_end
                if in_window or assessment_date == visit_date or visit_code == scheduled.code:
                    found[TUMOUR_ASSESSMENT] = _("tumour assessment of %(date)s") % {"date": f"{assessment_date:%Y-%m-%d}"}
                    break
        if CONSENT in expected and participant.pk in self.consents:
            found[CONSENT] = _("consent of %(date)s") % {"date": f"{self.consents[participant.pk]:%Y-%m-%d}"}
        if DEMOGRAPHICS in expected:
            found[DEMOGRAPHICS] = _("participant registration")
        return found


def _form_rows(visit, scheduled, sources: _FormSources) -> list[FormRow]:
    rows = {row.form: row for row in visit.forms.all()}
    found = sources.found(visit.participant, scheduled, visit.visit_date)
    entered = {code for code, row in rows.items() if row.state == "entered"} | set(found)
    not_done = {code for code, row in rows.items() if row.state == "not_done"}
    statuses = missing_forms(scheduled.expected_forms, entered, not_done)
    result = []
    for code, status in statuses.items():
        row = rows.get(code)
        automatic = code in found and not (row is not None and row.state == "entered")
        result.append(FormRow(
            code=code,
            label=FORM_LABELS[code],
            status=str(status),
            status_label=_FORM_STATUS_LABELS[str(status)],
            reason=row.reason if row is not None and status == "not_done" else "",
            source=_("Found automatically: %(source)s") % {"source": found[code]} if automatic else "",
            automatic=automatic,
            record=row,
        ))  # fmt: skip
    return result


def _counts(rows: list[FormRow]) -> FormCounts:
    return FormCounts(
        entered=sum(row.status == "entered" for row in rows),
        missing=sum(row.status == "missing" for row in rows),
        not_done=sum(row.status == "not_done" for row in rows),
    )


def visit_form_states(visit) -> list[FormRow]:
    """Each form ``visit`` expects (Table 2) as entered, not done (with its reason) or missing.

    Entered: a VisitForm row marked entered, or a record the system holds itself - a lab panel with
    a blood-routine or liver/kidney value collected in the visit's window (or on its date), a tumour
    assessment imaged in the window (or on its date, or recorded for that visit), the consent, the
    participant's registration (demographics). Empty for an unscheduled visit.
    """
    from .services.visits import scheduled_visit

    if visit.unscheduled or visit.outcome != "done":
        return []
    scheduled = scheduled_visit(visit.participant, visit.visit_code)
    if scheduled is None:
        return []
    return _form_rows(visit, scheduled, _FormSources([visit.participant_id]))


def participant_visit_page(participant: Participant, *, today, show_all: bool = False) -> VisitPage:
    """The participant's schedule merged with the visit records and unscheduled visits, in date
    order: every visit whose window has opened or that is recorded, then the next
    ``UPCOMING_SHOWN`` upcoming ones (all of them with ``show_all``)."""
    from .services.visits import participant_schedule

    schedule = participant_schedule(participant)
    visits = list(Visit.objects.filter(participant=participant).select_related("participant").prefetch_related("forms"))
    if not schedule and not visits:
        return VisitPage([], 0)
    sources = _FormSources([participant.pk])
    by_code = {visit.visit_code: visit for visit in visits if not visit.unscheduled}
    rows: list[VisitRow] = []
    upcoming = 0
    hidden = 0
    for scheduled in schedule:
        record = by_code.get(scheduled.code)
        done = record is not None and record.outcome == "done"
        missed = record is not None and record.outcome == "missed"
        try:
            status = visit_status(
                scheduled, today=today, actual_date=record.visit_date if done else None, missed=missed
            )
        except ValueError:  # a date after ``today`` (the page is looked at on an earlier day)
            status = "done"
        if status == "upcoming":
            upcoming += 1
            if upcoming > UPCOMING_SHOWN and not show_all:
                hidden += 1
                continue
        deviation = window_deviation(scheduled, record.visit_date) if done else None
        rows.append(VisitRow(
            code=scheduled.code,
            label=scheduled.label,
            target_date=scheduled.target_date,
            window_start=scheduled.window_start,
            window_end=scheduled.window_end,
            status=str(status),
            status_label=_STATUS_LABELS[str(status)],
            record=record,
            actual_date=record.visit_date if done else None,
            deviation=deviation.message if deviation else "",
            forms=_counts(_form_rows(record, scheduled, sources)) if done else None,
        ))  # fmt: skip
    for visit in visits:
        if visit.unscheduled:
            rows.append(VisitRow(
                code=visit.visit_code, label=_("Unscheduled visit"), target_date=None, window_start=None,
                window_end=None, status="done", status_label=_("Done (unscheduled)"), record=visit,
                actual_date=visit.visit_date, deviation="", forms=None, unscheduled=True,
            ))  # fmt: skip
    rows.sort(key=lambda row: row.target_date or row.actual_date)
    return VisitPage(rows, hidden)


def participant_visits(participant: Participant, *, today, show_all: bool = False) -> list[VisitRow]:
    """The rows of ``participant_visit_page`` (schedule, records, unscheduled visits)."""
    return participant_visit_page(participant, today=today, show_all=show_all).rows


def visit_panel_lines(participant: Participant, *, today) -> list[str]:
    """The dashboard's visit lines: overdue and due visits, the next one, what is recorded."""
    if participant.planned_treatment_start is None:
        return []
    rows = participant_visits(participant, today=today)
    lines = []
    overdue = [str(row.label) for row in rows if row.status == "overdue"]
    due = [row for row in rows if row.status == "due"]
    if overdue:
        separator = pgettext("separator between the items of a list", ", ")
        lines.append(_("Overdue: %(visits)s") % {"visits": separator.join(overdue)})
    for row in due:
        lines.append(
            _("Due now: %(visit)s (window to %(end)s)") % {"visit": row.label, "end": f"{row.window_end:%Y-%m-%d}"}
        )
    upcoming = next((row for row in rows if row.status == "upcoming"), None)
    if upcoming is not None:
        lines.append(
            _("Next: %(visit)s, window %(start)s to %(end)s")
            % {
                "visit": upcoming.label,
                "start": f"{upcoming.window_start:%Y-%m-%d}",
                "end": f"{upcoming.window_end:%Y-%m-%d}",
            }
        )
    done = sum(row.status == "done" and not row.unscheduled for row in rows)
    missed = sum(row.status == "missed" for row in rows)
    missing = sum(row.forms.missing for row in rows if row.forms)
    if done or missed:
        lines.append(
            _("%(done)s visits done, %(missed)s missed; %(missing)s expected forms missing")
            % {"done": done, "missed": missed, "missing": missing}
        )
    return lines


MISSING_FORMS_COLUMNS = (
    "study_number",
    "screening_number",
    "visit_code",
    "visit",
    "visit_date",
    "form_code",
    "form",
    "days_since_visit",
)


def missing_forms_report(
    *, today, participant: Participant | None = None, form: str = "", user=None, participant_ids=None
) -> list[MissingFormRow]:
    """Every expected form that is missing at a done scheduled visit, study-wide (or of one
    participant, or of the participants ``participant_ids``, or one form; of ``user``'s sites,
    ``core.sites``), oldest visit first. A fixed number of queries whatever the number of
    participants or visits: visits with their participants, their form rows, lab values, consents,
    tumour assessments."""
    from .services.visits import participant_schedule

    visits = (
        Visit.objects.filter(outcome="done", participant__planned_treatment_start__isnull=False)
        .exclude(visit_code=UNSCHEDULED)
        .select_related("participant")
        .prefetch_related("forms")
        .order_by("visit_date", "participant_id", "id")
    )
    if participant is not None:
        visits = visits.filter(participant=participant)
    if participant_ids is not None:
        visits = visits.filter(participant_id__in=list(participant_ids))
    visits = list(restrict_to_user_sites(visits, user))
    sources = _FormSources({visit.participant_id for visit in visits})
    schedules: dict[int, dict[str, object]] = {}
    rows = []
    for visit in visits:
        if visit.participant_id not in schedules:
            schedules[visit.participant_id] = {s.code: s for s in participant_schedule(visit.participant)}
        scheduled = schedules[visit.participant_id].get(visit.visit_code)
        if scheduled is None:
            continue
        for form_row in _form_rows(visit, scheduled, sources):
            if form_row.status != "missing" or (form and form_row.code != form):
                continue
            rows.append(MissingFormRow(
                participant=visit.participant,
                visit_id=visit.pk,
                visit_code=visit.visit_code,
                visit_label=scheduled.label,
                visit_date=visit.visit_date,
                form_code=form_row.code,
                form_label=form_row.label,
                days_since_visit=(today - visit.visit_date).days,
            ))  # fmt: skip
    return rows


def missing_forms_csv_rows(rows: list[MissingFormRow]):
    """The report's rows for CSV (ISO dates)."""
    for row in rows:
        yield (
            row.participant.study_number or "",
            row.participant.screening_number,
            row.visit_code,
            row.visit_label,
            row.visit_date.isoformat(),
            row.form_code,
            row.form_label,
            row.days_since_visit,
        )
