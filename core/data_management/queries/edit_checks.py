"""Edit checks: automatic queries from rules the study already has.

Each check reads the recorded data study-wide (a fixed number of database queries, whatever the
number of participants), calls an existing rule, and yields ``Finding(record, field, code,
message)``. The checks hold no clinical logic of their own:

- ``dose.labs_before_dose.missing`` - a dose given with no lab panel collected in its pre-dose window
  (``toxicity.rules.labs_before_dose``, PROTOCOL §3; window ``LABS_BEFORE_DOSE_DAYS``): the latest
  panel is older than the window, or there is none. On the dose's date given.
- ``dose.outside_window`` - a dose given outside its window around its due date
  (``dosing.rules.schedule.dose_window_deviation``, the rule of the treatment calendar and the
  deviations page) with no reason recorded for the difference. The dose service asks for a reason
  when the dose is recorded, but later doses' due dates follow the actual dates of earlier ones
  (PROTOCOL §2), so a correction of an earlier dose can put a later one outside its window. A dose
  with a reason recorded is a documented deviation (it stays on the deviations page), not a query.
- ``ae.<date>.before_onset`` / ``ae.steroid_stop_date.before_start`` - an adverse event that ends
  before it starts (resolution or death before the onset, corticosteroids stopped before they
  started: ``toxicity.rules.adverse_event``). The AE service refuses these, so the check covers data
  saved before the rule or imported.

``edit_checks_run`` keeps the automatic queries in step with the findings (see its docstring). The
questions are written in the site's language (``settings.LANGUAGE_CODE``), whoever starts the run:
they are stored once and read by everyone.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.models import DataQuery, QueryAction, QueryMessage, QueryOrigin, QueryStatus
from core.services import sequence_next_value

from .services import query_auto_close, query_open_automatic

LABS_MISSING = "dose.labs_before_dose.missing"
# The adverse-event consistency problems that say the event ends before it starts.
AE_END_BEFORE_START = ("ae.resolution_date.before_onset", "ae.death_date.before_onset",
                       "ae.steroid_stop_date.before_start")  # fmt: skip

RUN_COUNTER = "edit_checks_run"
AUTO_CLOSE_TEXT = gettext_noop("Resolved: the edit check no longer finds this in the recorded data.")


@dataclass(frozen=True)
class Finding:
    record: object
    field_name: str
    code: str
    message: str

    @property
    def key(self) -> tuple[int, int, str]:
        content_type = ContentType.objects.get_for_model(type(self.record))
        return (content_type.pk, self.record.pk, self.code)


# --- the checks ---------------------------------------------------------------------------------------


def labs_before_dose_findings(*, today: datetime.date) -> Iterator[Finding]:
    """Doses given with no lab panel collected in their pre-dose window (two queries)."""
    from dosing.models import DoseAdministration, DoseStatus
    from toxicity.models import LabPanel
    from toxicity.rules.labs_before_dose import has_pre_dose_labs, pre_dose_lab_window

    doses = list(
        DoseAdministration.objects.filter(status=DoseStatus.GIVEN, given_on__isnull=False).order_by("participant_id", "given_on", "id")
    )
    collected: dict[int, list[datetime.date]] = defaultdict(list)
    panels = LabPanel.objects.filter(participant_id__in={dose.participant_id for dose in doses})
    for participant_id, collected_on in panels.values_list("participant_id", "collected_on"):
        collected[participant_id].append(collected_on)
    for dose in doses:
        dates = collected[dose.participant_id]
        if has_pre_dose_labs(dose.given_on, dates):
            continue
        first, last = pre_dose_lab_window(dose.given_on)
        earlier = [day for day in dates if day < first]
        facts = {"dose": dose.dose_label(), "given_on": f"{dose.given_on:%Y-%m-%d}", "first": f"{first:%Y-%m-%d}",
                 "last": f"{last:%Y-%m-%d}", "window_days": (last - first).days}  # fmt: skip
        if earlier:
            latest = max(earlier)
            message = _(
                "%(dose)s was given on %(given_on)s with no lab panel collected from %(first)s to %(last)s "
                "(PROTOCOL §3: labs within %(window_days)s days before each dose); the latest panel before it was "
                "collected on %(latest)s, %(gap_days)s days before the dose. Enter the panel that served this "
                "dose, or say why there was none."
            ) % {**facts, "latest": f"{latest:%Y-%m-%d}", "gap_days": (dose.given_on - latest).days}
        else:
            message = _(
                "%(dose)s was given on %(given_on)s with no lab panel collected from %(first)s to %(last)s "
                "(PROTOCOL §3: labs within %(window_days)s days before each dose); no panel was collected before "
                "it. Enter the panel that served this dose, or say why there was none."
            ) % facts
        yield Finding(dose, "given_on", LABS_MISSING, message)


def dose_window_findings(*, today: datetime.date) -> Iterator[Finding]:
    """Doses given outside their window with no reason recorded (four queries)."""
    from dosing.models import DoseAdministration
    from dosing.rules.schedule import ScheduleInputError, dose_window_deviation
    from dosing.services.doses import participant_plan
    from enrollment.models import Participant

    participants = (
        Participant.objects.filter(planned_treatment_start__isnull=False)
        .select_related("radiotherapy_course")
        .prefetch_related(
            Prefetch("doses", queryset=DoseAdministration.objects.order_by("given_on", "id")),
            "dose_delays",
            "brachytherapy_fractions",
        )
        .order_by("id")
    )
    for participant in participants:
        try:
            plan = participant_plan(participant)
        except ScheduleInputError:
            continue  # data the calendar cannot place: the treatment calendar shows the error
        records = {record.key: record for record in participant.doses.all()}
        for dose in plan:
            record = records.get(dose.key)
            if record is None or record.difference_reason:
                continue
            finding = dose_window_deviation(dose)
            if finding is not None:
                yield Finding(record, "given_on", finding.code,
                              _("%(finding)s No reason is recorded for the difference: check the date, or record why "
                                "the dose was given outside its window.") % {"finding": finding.message})  # fmt: skip


def adverse_event_date_findings(*, today: datetime.date) -> Iterator[Finding]:
    """Adverse events that end before they start (one query)."""
    from toxicity.models import AdverseEvent
    from toxicity.rules.adverse_event import AdverseEventFacts, adverse_event_problems

    names = [item.name for item in fields(AdverseEventFacts) if item.name != "term"]
    for event in AdverseEvent.objects.select_related("term").order_by("participant_id", "number"):
        facts = AdverseEventFacts.from_values({**{name: getattr(event, name) for name in names}, "term": event.term.term})
        problems = adverse_event_problems(facts, available_grades=event.term.available_grades(), today=today)
        for problem in problems:
            if problem.code in AE_END_BEFORE_START:
                yield Finding(event, problem.field, problem.code, problem.message)


CHECKS: tuple[Callable[..., Iterable[Finding]], ...] = (
    labs_before_dose_findings,
    dose_window_findings,
    adverse_event_date_findings,
)


def edit_check_findings(*, today: datetime.date) -> list[Finding]:
    """Every finding of every check (one per record and code)."""
    found: dict[tuple[int, int, str], Finding] = {}
    for check in CHECKS:
        for finding in check(today=today):
            found.setdefault(finding.key, finding)
    return list(found.values())


# --- keeping the automatic queries in step ------------------------------------------------------------


@dataclass(frozen=True)
class EditCheckRun:
    findings: int
    opened: int
    kept: int
    closed: int


@transaction.atomic
def edit_checks_run(*, now: datetime.datetime) -> EditCheckRun:
    """Run every edit check and keep the automatic queries in step with what they find.

    - A finding with no automatic query for its record and check code gets one (open, raised by no
      one, the finding's message as the question, on the finding's field).
    - A finding whose automatic query is open or answered keeps it: running twice opens nothing new.
    - A finding whose automatic query a person closed is not raised again (closing it is the data
      manager's or monitor's decision to accept the data as it is; re-opening that query is how it
      comes back). A finding whose query the edit check itself closed (resolved) and that comes back
      gets a new query.
    - An open or answered automatic query whose finding is gone is closed (action ``auto_close``).

    Runs are serialised (a row lock on the ``edit_checks_run`` counter, which also counts them), so
    the daily run and a "Run edit checks now" at the same moment never open the same query twice.
    The questions are written in ``settings.LANGUAGE_CODE``.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _keep_in_step(now=now)


def _keep_in_step(*, now: datetime.datetime) -> EditCheckRun:
    sequence_next_value(name=RUN_COUNTER)
    findings = edit_check_findings(today=timezone.localdate(now))
    automatic = DataQuery.objects.filter(origin=QueryOrigin.AUTOMATIC)
    unresolved = {
        (query.content_type_id, query.object_id, query.check_code): query
        for query in automatic.filter(status__in=(QueryStatus.OPEN, QueryStatus.ANSWERED)).order_by("raised_at", "id")
    }
    last_action = QueryMessage.objects.filter(query=OuterRef("pk")).order_by("-at", "-id").values("action")[:1]
    accepted = set(
        automatic.filter(status=QueryStatus.CLOSED)
        .annotate(last_action=Subquery(last_action))
        .filter(last_action=QueryAction.CLOSE)
        .values_list("content_type_id", "object_id", "check_code")
    )
    opened = kept = closed = 0
    found_keys = set()
    for finding in findings:
        key = finding.key
        found_keys.add(key)
        if key in unresolved:
            kept += 1
            continue
        if key in accepted:
            continue
        query_open_automatic(record=finding.record, field_name=finding.field_name, check_code=finding.code,
                             text=finding.message, now=now)  # fmt: skip
        opened += 1
    for key, query in unresolved.items():
        if key not in found_keys:
            query_auto_close(query=query, text=_(AUTO_CLOSE_TEXT), now=now)
            closed += 1
    return EditCheckRun(findings=len(findings), opened=opened, kept=kept, closed=closed)
