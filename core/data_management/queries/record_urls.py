"""Where each CRF record is edited and shown, and how it is named: one entry per CRF model.

``edit`` is the record's own form (the page a coordinator corrects it on; a link to it from a query
carries ``?query=<id>`` so the queried field is highlighted there), ``view`` the page that shows it
read-only. Each page names its URL, builds its kwargs from the record (None when the record has no
such page, e.g. an unscheduled visit has no visit form of its own) and the permissions the page's
view asks for, so a link is only offered to someone who can open it.

``record_label`` names a record without the participant's initials (lists and CSV downloads are
pseudonymised; the participant column gives the study or screening number), in the active language
(a query stores it in English: ``queries.services``).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class RecordPage:
    url_name: str
    kwargs: Callable[[object], dict | None]
    permissions: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordPages:
    edit: RecordPage | None = None
    view: RecordPage | None = None
    label: Callable[[object], str] | None = None


def _participant(record) -> dict:
    return {"pk": record.participant_id}


def _dose_key(record) -> dict:
    return {"pk": record.participant_id, "agent": record.agent, "phase": record.phase, "cycle": record.cycle,
            "day": record.day}  # fmt: skip


def _visit_record(record) -> dict | None:
    from enrollment.models import UNSCHEDULED

    if record.visit_code.startswith(UNSCHEDULED):
        return None  # unscheduled visits are recorded once, on the visit list
    return {"pk": record.participant_id, "visit_code": record.visit_code}


def _assessment_edit(assessment) -> str:
    return "efficacy:baseline_update" if assessment.kind == "baseline" else "efficacy:followup_update"


def _date(value) -> str:
    if not value:
        return _("no date")
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value:%Y-%m-%d}"


# The names of the records that have a fixed name (translated where they are shown: ``DataQuery.record_name``).
PARTICIPANT_DETAILS = gettext_noop("Participant details")
SCREENING = gettext_noop("Screening")
FOLLOW_UP_STATUS = gettext_noop("Follow-up status")
FIXED_LABELS = frozenset({PARTICIPANT_DETAILS, SCREENING, FOLLOW_UP_STATUS})

_VIEW_PARTICIPANT = RecordPage("enrollment:participant_detail", lambda r: {"pk": r.participant_id},
                               ("enrollment.view_participant",))  # fmt: skip
_TREATMENT = RecordPage("dosing:treatment_calendar", _participant, ("dosing.view_doseadministration",))
_RADIOTHERAPY = RecordPage("dosing:radiotherapy", _participant, ("dosing.view_radiotherapycourse",))
_FOLLOW_UP = RecordPage("efficacy:follow_up", _participant,
                        ("efficacy.view_progression", "efficacy.view_followupstatus"))  # fmt: skip

PAGES: dict[str, RecordPages] = {
    "enrollment.participant": RecordPages(
        edit=RecordPage("enrollment:participant_update", lambda r: {"pk": r.pk}, ("enrollment.change_participant",)),
        view=RecordPage("enrollment:participant_detail", lambda r: {"pk": r.pk}, ("enrollment.view_participant",)),
        label=lambda r: _(PARTICIPANT_DETAILS),
    ),
    "enrollment.participantstatuschange": RecordPages(view=_VIEW_PARTICIPANT),
    "enrollment.screening": RecordPages(
        edit=RecordPage("enrollment:screening_edit", _participant, ("enrollment.view_screening", "enrollment.change_screening")),
        view=RecordPage("enrollment:screening_edit", _participant, ("enrollment.view_screening",)),
        label=lambda r: _(SCREENING),
    ),
    "enrollment.consent": RecordPages(view=_VIEW_PARTICIPANT),
    "enrollment.eligibilitysignature": RecordPages(view=_VIEW_PARTICIPANT),
    "enrollment.visit": RecordPages(
        edit=RecordPage("enrollment:visit_record", _visit_record, ("enrollment.add_visit", "enrollment.change_visit")),
        view=RecordPage("enrollment:visit_list", _participant, ("enrollment.view_visit",)),
    ),
    "enrollment.visitform": RecordPages(
        edit=RecordPage("enrollment:visit_forms", lambda r: {"pk": r.visit.participant_id, "visit_pk": r.visit_id},
                        ("enrollment.add_visitform",)),  # fmt: skip
        view=RecordPage("enrollment:visit_list", lambda r: {"pk": r.visit.participant_id}, ("enrollment.view_visit",)),
        label=lambda r: f"{r} ({r.visit})",
    ),
    "dosing.anthropometrics": RecordPages(
        edit=RecordPage("dosing:anthropometrics_update", lambda r: {"pk": r.participant_id, "record_pk": r.pk},
                        ("dosing.change_anthropometrics",)),  # fmt: skip
        view=_TREATMENT,
    ),
    "dosing.doseadministration": RecordPages(
        edit=RecordPage("dosing:dose_record", _dose_key,
                        ("dosing.view_doseadministration", "dosing.change_doseadministration")),  # fmt: skip
        view=_TREATMENT,
    ),
    "dosing.dosedelay": RecordPages(
        edit=RecordPage("dosing:dose_delay", _dose_key, ("dosing.add_dosedelay", "dosing.change_dosedelay")),
        view=_TREATMENT,
    ),
    "dosing.dosemodification": RecordPages(
        edit=RecordPage("dosing:modification_decide", lambda r: {"pk": r.participant_id, "record_pk": r.pk},
                        ("dosing.decide_dose_modification",)),  # fmt: skip
        view=_TREATMENT,
    ),
    "dosing.radiotherapycourse": RecordPages(
        edit=RecordPage("dosing:radiotherapy_course", _participant,
                        ("dosing.view_radiotherapycourse", "dosing.change_radiotherapycourse")),  # fmt: skip
        view=_RADIOTHERAPY,
    ),
    "dosing.brachytherapyfraction": RecordPages(
        edit=RecordPage("dosing:brachy_update", lambda r: {"pk": r.participant_id, "record_pk": r.pk},
                        ("dosing.change_brachytherapyfraction",)),  # fmt: skip
        view=_RADIOTHERAPY,
    ),
    "toxicity.labpanel": RecordPages(
        edit=RecordPage("toxicity:lab_update", lambda r: {"pk": r.participant_id, "panel_pk": r.pk},
                        ("toxicity.change_labpanel", "toxicity.change_labresult")),  # fmt: skip
        view=RecordPage("toxicity:lab_detail", lambda r: {"pk": r.participant_id, "panel_pk": r.pk},
                        ("toxicity.view_labpanel",)),  # fmt: skip
    ),
    "toxicity.labresult": RecordPages(
        edit=RecordPage("toxicity:lab_update", lambda r: {"pk": r.panel.participant_id, "panel_pk": r.panel_id},
                        ("toxicity.change_labpanel", "toxicity.change_labresult")),  # fmt: skip
        view=RecordPage("toxicity:lab_detail", lambda r: {"pk": r.panel.participant_id, "panel_pk": r.panel_id},
                        ("toxicity.view_labpanel",)),  # fmt: skip
        label=lambda r: _("%(result)s (panel %(date)s)") % {"result": r, "date": _date(r.panel.collected_on)},
    ),
    "toxicity.adverseevent": RecordPages(
        edit=RecordPage("toxicity:ae_update", lambda r: {"pk": r.participant_id, "ae_pk": r.pk},
                        ("toxicity.change_adverseevent",)),  # fmt: skip
        view=RecordPage("toxicity:ae_detail", lambda r: {"pk": r.participant_id, "ae_pk": r.pk},
                        ("toxicity.view_adverseevent",)),  # fmt: skip
    ),
    "toxicity.adverseeventsignature": RecordPages(
        view=RecordPage("toxicity:ae_detail", lambda r: {"pk": r.adverse_event.participant_id,
                                                         "ae_pk": r.adverse_event_id},
                        ("toxicity.view_adverseevent",)),  # fmt: skip
    ),
    "toxicity.iraedosedecision": RecordPages(
        edit=RecordPage("toxicity:irae_decide", lambda r: {"pk": r.participant_id, "decision_pk": r.pk},
                        ("toxicity.decide_irae_dose",)),  # fmt: skip
        view=RecordPage("toxicity:irae_decisions", _participant, ("toxicity.view_iraedosedecision",)),
    ),
    "efficacy.tumourassessment": RecordPages(
        edit=RecordPage("", lambda r: {"assessment_pk": r.pk},
                        ("efficacy.change_tumourassessment",)),  # fmt: skip
        view=RecordPage("efficacy:assessment_detail", lambda r: {"assessment_pk": r.pk},
                        ("efficacy.view_tumourassessment",)),  # fmt: skip
        label=lambda r: _("%(kind)s assessment of %(date)s") % {"kind": r.get_kind_display(),
                                                                "date": _date(r.assessment_date)},
    ),
    "efficacy.lesion": RecordPages(
        edit=RecordPage("efficacy:baseline_update", lambda r: {"assessment_pk": r.baseline_id},
                        ("efficacy.change_tumourassessment", "efficacy.change_lesion")),  # fmt: skip
        view=RecordPage("efficacy:assessment_detail", lambda r: {"assessment_pk": r.baseline_id},
                        ("efficacy.view_tumourassessment",)),  # fmt: skip
    ),
    "efficacy.lesionmeasurement": RecordPages(
        edit=RecordPage("", lambda r: {"assessment_pk": r.assessment_id},
                        ("efficacy.change_tumourassessment", "efficacy.change_lesionmeasurement")),  # fmt: skip
        view=RecordPage("efficacy:assessment_detail", lambda r: {"assessment_pk": r.assessment_id},
                        ("efficacy.view_tumourassessment",)),  # fmt: skip
    ),
    "efficacy.responseconfirmation": RecordPages(
        view=RecordPage("efficacy:assessment_detail", lambda r: {"assessment_pk": r.assessment_id},
                        ("efficacy.view_tumourassessment",)),  # fmt: skip
        label=lambda r: _("Response confirmation of %(date)s") % {"date": _date(r.confirmed_at)},
    ),
    "efficacy.progression": RecordPages(
        edit=RecordPage("efficacy:progression_update", lambda r: {"progression_pk": r.pk},
                        ("efficacy.change_progression",)),  # fmt: skip
        view=_FOLLOW_UP,
        label=lambda r: _("Progression of %(date)s") % {"date": _date(r.progression_date)},
    ),
    "efficacy.followupstatus": RecordPages(
        edit=RecordPage("efficacy:follow_up_status", _participant,
                        ("efficacy.add_followupstatus", "efficacy.change_followupstatus")),  # fmt: skip
        view=_FOLLOW_UP,
        label=lambda r: _(FOLLOW_UP_STATUS),
    ),
}


def _pages(record) -> RecordPages:
    return PAGES.get(type(record)._meta.label_lower, RecordPages())


def _url_name(page: RecordPage, record) -> str:
    """The URL name of ``page`` for ``record``: tumour assessments (and their measurements) are
    corrected on the baseline or the follow-up form, by the assessment's kind."""
    if page.url_name:
        return page.url_name
    assessment = record if type(record)._meta.label_lower == "efficacy.tumourassessment" else record.assessment
    return _assessment_edit(assessment)


def _path(page: RecordPage | None, record, user) -> str:
    if page is None or (user is not None and not user.has_perms(page.permissions)):
        return ""
    kwargs = page.kwargs(record)
    if kwargs is None:
        return ""
    try:
        return reverse(_url_name(page, record), kwargs=kwargs)
    except NoReverseMatch:
        return ""


def edit_url(record, user=None) -> str:
    """The path of the record's own form ("" when it has none, or ``user`` may not open it)."""
    return _path(_pages(record).edit, record, user)


def view_url(record, user=None) -> str:
    """The path of the page that shows the record ("" when there is none, or ``user`` may not open it)."""
    return _path(_pages(record).view, record, user)


def with_query(path: str, query_id: int) -> str:
    """A link to a record's page that highlights the field of query ``query_id``."""
    return f"{path}?query={query_id}" if path else ""


def record_paths(record) -> set[str]:
    """Every page of the record (its form and its view), whoever asks: where a query's highlight may show."""
    return {path for path in (edit_url(record), view_url(record)) if path}


def record_label(record) -> str:
    """The record's name for people, without the participant's initials."""
    label = _pages(record).label
    return label(record) if label is not None else str(record)
