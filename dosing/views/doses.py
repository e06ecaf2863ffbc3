"""Treatment calendar, height and weight, dose administration and delays, toxicity reviews and the
investigator's decision, the study-wide doses due and protocol deviations."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from core.exceptions import StaleRecordError
from core.forms import add_service_errors
from enrollment.models import Participant

from ..forms.doses import AnthropometricsForm, DecisionForm, DelayForm, DoseForm, ToxicityReviewForm
from ..models import Agent, Anthropometrics, Decision, DoseAdministration, DoseDelay, DoseModification, Phase
from ..selectors import calendar as calendar_selectors
from ..services import doses as dose_services
from ..services import modification as modification_services
from ..services.common import treatment_closed_reason


def _calendar_redirect(participant):
    return redirect("dosing:treatment_calendar", pk=participant.pk)


def _form_page(request, participant, form, title, submit, *, intro="", extra=None):
    context = {"participant": participant, "form": form, "title": title, "submit": submit, "intro": intro}
    context.update(extra or {})
    return render(request, "dosing/form.html", context)


@permission_required("dosing.view_doseadministration", raise_exception=True)
def treatment_calendar(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if participant.planned_treatment_start is None:
        messages.info(
            request, _("The treatment calendar starts once the participant is enrolled with a treatment start date.")
        )
        return redirect("enrollment:participant_detail", pk=participant.pk)
    calendar = calendar_selectors.treatment_calendar(participant, today=timezone.localdate())
    return render(request, "dosing/treatment_calendar.html", {"participant": participant, "calendar": calendar})


def _anthropometrics_form(request, participant, record):
    editing = record is not None
    initial = (
        {"measured_on": record.measured_on, "height_cm": record.height_cm, "weight_kg": record.weight_kg}
        if editing else {"measured_on": timezone.localdate()}
    )
    if not editing:
        latest = dose_services.latest_anthropometrics(participant)
        if latest is not None:
            initial["height_cm"] = latest.height_cm
    form = AnthropometricsForm(
        request.POST or None, initial=initial, editing=editing, loaded_version=record.version if editing else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            dose_services.anthropometrics_record(
                participant=participant,
                user=request.user,
                measured_on=form.cleaned_data["measured_on"],
                height_cm=form.cleaned_data["height_cm"],
                weight_kg=form.cleaned_data["weight_kg"],
                instance=record,
                expected_version=form.cleaned_data.get("version"),
                reason=form.cleaned_data.get("reason_for_change", ""),
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Height and weight saved."))
            return _calendar_redirect(participant)
    return _form_page(
        request, participant, form, _("Correct height and weight") if editing else _("Record height and weight"),
        _("Save"), intro=_("The body-surface area is calculated by the Mosteller formula (PROTOCOL §2)."),
    )


@permission_required("dosing.add_anthropometrics", raise_exception=True)
def anthropometrics_create(request, pk):
    return _anthropometrics_form(request, get_object_or_404(Participant, pk=pk), None)


@permission_required("dosing.change_anthropometrics", raise_exception=True)
def anthropometrics_update(request, pk, record_pk):
    participant = get_object_or_404(Participant, pk=pk)
    record = get_object_or_404(Anthropometrics, pk=record_pk, participant=participant)
    return _anthropometrics_form(request, participant, record)


def _dose_key(agent, phase, cycle, day):
    if agent not in Agent.values or phase not in Phase.values:
        raise Http404("No such dose.")
    return (agent, phase, cycle, day)


def _planned_or_404(participant, key):
    if participant.planned_treatment_start is None:
        raise Http404("The participant has no treatment calendar.")
    dose = dose_services.planned_dose(participant, key)
    if dose is None:
        raise Http404("No such dose in the calendar.")
    return dose


@permission_required("dosing.view_doseadministration", raise_exception=True)
def dose_record(request, pk, agent, phase, cycle, day):
    participant = get_object_or_404(Participant, pk=pk)
    key = _dose_key(agent, phase, cycle, day)
    plan = _planned_or_404(participant, key)
    record = DoseAdministration.objects.filter(
        participant=participant, agent=agent, phase=phase, cycle=cycle, day=day
    ).first()
    editing = record is not None
    needed = "dosing.change_doseadministration" if editing else "dosing.add_doseadministration"
    if not request.user.has_perm(needed):
        raise PermissionDenied(_("You cannot record doses."))
    state = dose_services.chemo_state(participant)
    calculation = dose_services.dose_calculation(participant, plan, state=state)
    if agent == Agent.TORIPALIMAB and request.method == "GET" and not (editing and record.status == "given"):
        tori = dose_services.toripalimab_state(participant)
        if tori.blocked:
            if tori.discontinued:
                warning = _("Toripalimab is discontinued (%(holds)s; PROTOCOL §3): record this dose as not given, "
                            "with the reason.")  # fmt: skip
            else:
                warning = _("Toripalimab is on hold until the irAE is back to grade 0-1 (%(holds)s; PROTOCOL §3): "
                            "record this dose as not given, with the reason.")  # fmt: skip
            messages.warning(request, warning % {"holds": tori.summary})
    if editing:
        initial = {
            name: getattr(record, name)
            for name in ("status", "given_on", "given_time", "dose_given_mg", "difference_reason", "difference_note",
                         "infusion_start", "infusion_stop", "lot_number", "override_reason")
        }
    else:
        today = timezone.localdate()
        initial = {"given_on": min(today, max(plan.due, participant.planned_treatment_start)),
                   "dose_given_mg": calculation.calculated_dose_mg}
    form = DoseForm(
        request.POST or None, initial=initial, agent=agent,
        can_override=request.user.has_perm("dosing.override_dose_limit"),
        editing=editing, loaded_version=record.version if editing else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            dose_services.dose_administer(
                participant=participant,
                user=request.user,
                key=key,
                values=form.dose_values(),
                expected_version=form.cleaned_data.get("version"),
                reason=form.cleaned_data.get("reason_for_change", ""),
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Dose recorded."))
            return _calendar_redirect(participant)
    pending = state.pending if state.pending and state.pending.target_key == key else None
    return render(request, "dosing/dose_form.html", {
        "participant": participant,
        "form": form,
        "plan": plan,
        "record": record,
        "calculation": calculation,
        "cycle_label": calendar_selectors.cycle_label(plan),
        "agent_label": Agent(agent).label,
        "phase_label": Phase(phase).label,
        "state": state,
        "pending": pending,
        "closed_reason": treatment_closed_reason(participant),
    })


@permission_required("dosing.add_dosedelay", raise_exception=True)
def dose_delay(request, pk, agent, phase, cycle, day):
    participant = get_object_or_404(Participant, pk=pk)
    key = _dose_key(agent, phase, cycle, day)
    plan = _planned_or_404(participant, key)
    existing = DoseDelay.objects.filter(participant=participant, agent=agent, phase=phase, cycle=cycle, day=day).first()
    if existing is not None and not request.user.has_perm("dosing.change_dosedelay"):
        raise PermissionDenied(_("You cannot change delays."))
    initial = (
        {"delayed_to": existing.delayed_to, "reason": existing.reason}
        if existing else {"delayed_to": plan.due + datetime.timedelta(days=7)}
    )
    form = DelayForm(request.POST or None, initial=initial, editing=existing is not None,
                     loaded_version=existing.version if existing else None)
    if request.method == "POST" and form.is_valid():
        try:
            dose_services.dose_delay(
                participant=participant,
                user=request.user,
                key=key,
                delayed_to=form.cleaned_data["delayed_to"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data.get("version"),
                change_reason=form.cleaned_data.get("reason_for_change", ""),
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Delay recorded: later dates moved."))
            return _calendar_redirect(participant)
    title = _("Delay %(agent)s, %(cycle)s (%(phase)s)") % {
        "agent": Agent(agent).label,
        "cycle": str(calendar_selectors.cycle_label(plan)).lower(),
        "phase": Phase(phase).label.lower(),
    }
    return _form_page(
        request, participant, form, title, _("Delay the dose"),
        intro=_("Due %(due)s. Doses planned for the same day move with it, and every later date that follows "
                "from it moves by the same amount (PROTOCOL §2).") % {"due": f"{plan.due:%Y-%m-%d}"},
    )  # fmt: skip


@permission_required("dosing.add_dosemodification", raise_exception=True)
def modification_create(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    next_dose = None
    if participant.planned_treatment_start is not None:
        next_dose = modification_services.next_chemotherapy_dose(participant)
    # Pre-fill the grades from the toxicity app (PROTOCOL §3: the chemotherapy rules get their grades
    # from there) over [last chemotherapy dose given, or treatment start; today]. Imported here so
    # that dosing never imports toxicity at module import.
    today = timezone.localdate()
    initial, prefill_note = {"assessed_on": today}, ""
    if participant.planned_treatment_start is not None:
        from toxicity.selectors.chemo_grades import febrile_neutropenia_in_window, worst_grades_since

        from ..models import DoseStatus

        last_given = (
            participant.doses.filter(agent__in=(Agent.CISPLATIN, Agent.PACLITAXEL), status=DoseStatus.GIVEN,
                                     given_on__isnull=False, given_on__lte=today)
            .order_by("-given_on").values_list("given_on", flat=True).first()
        )  # fmt: skip
        since = last_given or participant.planned_treatment_start
        if since <= today:
            grades = worst_grades_since(participant, since=since, until=today)
            febrile = febrile_neutropenia_in_window(participant, since=since, until=today)
            prefill = ToxicityReviewForm.initial_from_grades(grades, febrile=febrile)
            initial.update(prefill)
            dates = {"since": f"{since:%Y-%m-%d}", "today": f"{today:%Y-%m-%d}"}
            if prefill and last_given:
                prefill_note = _(
                    "Grades pre-filled from the lab results and adverse events recorded from %(since)s (the last "
                    "chemotherapy dose given) to %(today)s: check every grade against the patient before saving."
                )
            elif prefill:
                prefill_note = _(
                    "Grades pre-filled from the lab results and adverse events recorded from %(since)s (the "
                    "treatment start) to %(today)s: check every grade against the patient before saving."
                )
            elif last_given:
                prefill_note = _(
                    "No graded toxicity found in the lab results and adverse events recorded from %(since)s (the "
                    "last chemotherapy dose given) to %(today)s: check every grade against the patient before saving."
                )
            else:
                prefill_note = _(
                    "No graded toxicity found in the lab results and adverse events recorded from %(since)s (the "
                    "treatment start) to %(today)s: check every grade against the patient before saving."
                )
            prefill_note %= dates
    form = ToxicityReviewForm(request.POST or None, initial=initial, prefill_note=prefill_note)
    if request.method == "POST" and form.is_valid():
        try:
            review = modification_services.dose_modification_review(
                participant=participant,
                user=request.user,
                assessed_on=form.cleaned_data["assessed_on"],
                toxicities=form.toxicities(),
                febrile=form.cleaned_data["febrile"],
                haematological_recovered=form.recovered(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            reason = {"reason": review.localized_rule_reason}
            if review.decision == Decision.PENDING:
                messages.warning(request, _("Recommendation: %(reason)s It awaits the investigator's decision.") % reason)
            else:
                messages.success(request, _("Toxicity review saved. %(reason)s") % reason)
            return _calendar_redirect(participant)
    intro = _("Worst CTCAE v5.0 grades since the last cycle. The PROTOCOL §3 rule recommends the next chemotherapy dose.")
    if next_dose is not None:
        intro = _("%(intro)s Next chemotherapy dose: %(agent)s, %(cycle)s, due %(due)s.") % {
            "intro": intro,
            "agent": Agent(next_dose.agent).label,
            "cycle": str(calendar_selectors.cycle_label(next_dose)).lower(),
            "due": f"{next_dose.due:%Y-%m-%d}",
        }
    return _form_page(
        request, participant, form, _("Chemotherapy toxicity review"), _("Save and recommend"), intro=intro
    )


@permission_required("dosing.decide_dose_modification", raise_exception=True)
def modification_decide(request, pk, record_pk):
    participant = get_object_or_404(Participant, pk=pk)
    review = get_object_or_404(DoseModification, pk=record_pk, participant=participant)
    form = DecisionForm(request.POST or None, initial={"version": review.version, "decision": "confirm"})
    if request.method == "POST" and form.is_valid():
        try:
            modification_services.dose_modification_decide(
                modification=review,
                user=request.user,
                confirm=form.cleaned_data["decision"] == "confirm",
                expected_version=form.cleaned_data["version"],
                action=form.cleaned_data.get("action") or "",
                level_pct=form.cleaned_data.get("level_pct"),
                reason=form.cleaned_data.get("reason") or "",
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            return _calendar_redirect(participant)
    return render(request, "dosing/decision_form.html", {"participant": participant, "form": form, "review": review})


_FIRST_WEEK_DAY = datetime.date.min + datetime.timedelta(days=14)
_LAST_WEEK_DAY = datetime.date.max - datetime.timedelta(days=14)


def _week_bounds(value: str) -> tuple[datetime.date, datetime.date]:
    """Monday to Sunday of the week holding ``value`` (an ISO date), or of this week."""
    try:
        chosen = parse_date(value or "")
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        chosen = None
    if chosen is not None and not (_FIRST_WEEK_DAY <= chosen <= _LAST_WEEK_DAY):
        chosen = None  # the page links the weeks either side: they must exist in the calendar
    day = chosen or timezone.localdate()
    start = day - datetime.timedelta(days=day.weekday())
    return start, start + datetime.timedelta(days=6)


@permission_required("dosing.view_doseadministration", raise_exception=True)
def doses_due(request):
    start, end = _week_bounds(request.GET.get("week", ""))
    today = timezone.localdate()
    this_week, overdue = calendar_selectors.doses_due(start=start, end=end, today=today, user=request.user)
    return render(request, "dosing/doses_due.html", {
        "start": start, "end": end, "this_week": this_week, "overdue": overdue,
        "previous_week": start - datetime.timedelta(days=7), "next_week": start + datetime.timedelta(days=7),
    })


@permission_required("dosing.view_doseadministration", raise_exception=True)
def deviations(request):
    rows = calendar_selectors.study_deviations(today=timezone.localdate(), user=request.user)
    return render(request, "dosing/deviations.html", {"rows": rows})
