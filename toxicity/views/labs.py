"""Lab panels: a participant's panels over time, entering and correcting a panel, one panel with its
graded values and proposed adverse events, dismissing a proposal, the study-wide list of proposals,
and the JSON endpoint that grades a value as it is typed."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.exceptions import StaleRecordError
from core.forms import add_service_errors
from enrollment.models import Participant
from trialsite.protocol.labs import ANALYTE_BY_CODE

from ..forms.labs import DismissForm, LabPanelForm
from ..models import AeProposal, LabPanel, LabResult
from ..rules.ctcae import LabGradingError
from ..rules.lab_panel import grade_analyte
from ..selectors import labs as lab_selectors
from ..services import labs as lab_services

_ADD = ("toxicity.add_labpanel", "toxicity.add_labresult")
_CHANGE = ("toxicity.change_labpanel", "toxicity.change_labresult")


def _panel_or_404(participant, panel_pk):
    return get_object_or_404(LabPanel, pk=panel_pk, participant=participant)


@permission_required("toxicity.view_labpanel", raise_exception=True)
def lab_list(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    return render(request, "toxicity/lab_list.html", {
        "participant": participant,
        "table": lab_selectors.lab_table(participant),
        "closed_reason": lab_services.lab_recording_closed_reason(participant),
    })


def _range_initial(ranges, codes=None) -> dict:
    initial = {}
    for code, (lln, uln) in ranges.items():
        if codes is None or code not in codes:
            initial[lab_services.lln_field(code)] = lln
            initial[lab_services.uln_field(code)] = uln
    return initial


def _form_page(request, participant, form, *, panel=None, closed_reason=None):
    return render(request, "toxicity/lab_form.html", {
        "participant": participant,
        "form": form,
        "panel": panel,
        "closed_reason": closed_reason,
    })


@permission_required(_ADD, raise_exception=True)
def lab_create(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    closed_reason = lab_services.lab_recording_closed_reason(participant)
    initial = {"collected_on": timezone.localdate(), **_range_initial(lab_selectors.previous_ranges(participant))}
    form = LabPanelForm(request.POST or None, initial=initial, participant=participant)
    if request.method == "POST" and closed_reason is None and form.is_valid():
        try:
            panel = lab_services.lab_panel_record(
                participant=participant,
                user=request.user,
                collected_on=form.cleaned_data["collected_on"],
                laboratory=form.cleaned_data["laboratory"],
                note=form.cleaned_data["note"],
                values=form.values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            proposed = panel.results.filter(ae_proposal=AeProposal.PROPOSED).count()
            if proposed:
                text = _("Lab panel saved and graded. %(count)s value(s) of grade 1 or more propose an adverse event: "
                         "record or dismiss each.") % {"count": proposed}  # fmt: skip
            else:
                text = _("Lab panel saved and graded.")
            messages.success(request, text)
            return redirect("toxicity:lab_detail", pk=participant.pk, panel_pk=panel.pk)
    return _form_page(request, participant, form, closed_reason=closed_reason)


@permission_required(_CHANGE, raise_exception=True)
def lab_update(request, pk, panel_pk):
    participant = get_object_or_404(Participant, pk=pk)
    panel = _panel_or_404(participant, panel_pk)
    closed_reason = lab_services.lab_recording_closed_reason(participant)
    results = {result.analyte: result for result in panel.results.all()}
    initial = {"collected_on": panel.collected_on, "laboratory": panel.laboratory, "note": panel.note}
    initial.update(_range_initial(lab_selectors.previous_ranges(participant, exclude_panel_id=panel.pk), results))
    for code, result in results.items():
        initial[lab_services.value_field(code)] = result.value
        initial[lab_services.lln_field(code)] = result.lln
        initial[lab_services.uln_field(code)] = result.uln
    form = LabPanelForm(
        request.POST or None,
        initial=initial,
        participant=participant,
        editing=True,
        loaded_version=panel.version,
        result_versions=lab_services.result_versions(panel),
        stored_badges={
            code: lab_selectors.grade_badge(result.grade, basis=result.grade_basis) for code, result in results.items()
        },
    )
    if request.method == "POST" and closed_reason is None and form.is_valid():
        try:
            lab_services.lab_panel_update(
                panel=panel,
                user=request.user,
                collected_on=form.cleaned_data["collected_on"],
                laboratory=form.cleaned_data["laboratory"],
                note=form.cleaned_data["note"],
                values=form.values(),
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason_for_change"],
                expected_result_versions=form.cleaned_data["result_versions"],
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Lab panel corrected and re-graded."))
            return redirect("toxicity:lab_detail", pk=participant.pk, panel_pk=panel.pk)
    return _form_page(request, participant, form, panel=panel, closed_reason=closed_reason)


@permission_required("toxicity.view_labpanel", raise_exception=True)
def lab_detail(request, pk, panel_pk):
    participant = get_object_or_404(Participant, pk=pk)
    panel = _panel_or_404(participant, panel_pk)
    return render(request, "toxicity/lab_detail.html", {
        "participant": participant,
        "panel": panel,
        "sections": lab_selectors.panel_results(panel),
        "closed_reason": lab_services.lab_recording_closed_reason(participant),
    })


@permission_required("toxicity.change_labresult", raise_exception=True)
def lab_result_dismiss(request, pk, result_pk):
    participant = get_object_or_404(Participant, pk=pk)
    result = get_object_or_404(LabResult.objects.select_related("panel"), pk=result_pk, panel__participant=participant)
    form = DismissForm(request.POST or None, initial={"version": result.version})
    if request.method == "POST" and form.is_valid():
        try:
            lab_services.lab_result_dismiss(
                result=result,
                user=request.user,
                reason=form.cleaned_data["full_reason"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Proposed adverse event dismissed: %(analyte)s.") % {
                "analyte": result.get_analyte_display(),
            })
            return redirect("toxicity:lab_detail", pk=participant.pk, panel_pk=result.panel_id)
    return render(request, "toxicity/lab_dismiss.html", {
        "participant": participant,
        "result": result,
        "panel": result.panel,
        "form": form,
        "badge": lab_selectors.grade_badge(result.grade, basis=result.grade_basis),
        "basis": lab_selectors.shown_basis(ANALYTE_BY_CODE.get(result.analyte), result.grade, result.grade_basis),
        "proposed": result.ae_proposal == AeProposal.PROPOSED,
        "closed_reason": lab_services.lab_recording_closed_reason(participant),
    })


@permission_required("toxicity.view_labresult", raise_exception=True)
def lab_proposals(request):
    return render(request, "toxicity/lab_proposals.html", {"rows": lab_selectors.pending_proposals(user=request.user)})


# --- live grading ---------------------------------------------------------------------------------


class _BadInput(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _decimal_param(params, name: str, *, required: bool = False) -> Decimal | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        if required:
            raise _BadInput(name, _("Give the value.") if name == "value" else _("Give the %(name)s.") % {"name": name})
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        message = _("The value must be a number.") if name == "value" else (
            _("The %(name)s must be a number.") % {"name": name.upper() if name in ("lln", "uln") else name}
        )  # fmt: skip
        raise _BadInput(name, message) from None


def _int_param(params, name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise _BadInput(name, _("%(name)s must be a whole number.") % {"name": name})
    return int(raw)


def _field_name(service_key: str) -> str:
    """``alt_uln`` -> ``uln`` (the endpoint's parameter names)."""
    return service_key.rsplit("_", 1)[-1] if service_key != NON_FIELD_ERRORS else "value"


@require_GET
@permission_required("toxicity.view_labresult", raise_exception=True)
def lab_grade(request):
    """Grade one value as it is typed: ``?analyte=alt&value=240&lln=7&uln=40`` (optionally
    ``participant``, ``collected_on`` and the ``panel`` being corrected, for the baseline). Answers
    the grade, the CTCAE term, the band and the basis; bad input answers 400 with a message."""
    params = request.GET
    try:
        analyte = ANALYTE_BY_CODE.get((params.get("analyte") or "").strip())
        if analyte is None:
            raise _BadInput("analyte", _("Unknown analyte."))
        value = _decimal_param(params, "value", required=True)
        lln = _decimal_param(params, "lln")
        uln = _decimal_param(params, "uln")
        errors = lab_services.lab_values_errors({analyte.code: (value, lln, uln)})
        if errors:
            key, message = next(iter(errors.items()))
            raise _BadInput(_field_name(key), message)
        baseline = None
        participant_pk = _int_param(params, "participant")
        if participant_pk is not None and analyte.graded:
            participant = Participant.objects.filter(pk=participant_pk).first()
            if participant is None:
                raise _BadInput("participant", _("No such participant."))
            raw_date = (params.get("collected_on") or "").strip()
            try:
                collected_on = parse_date(raw_date) if raw_date else timezone.localdate()
            except ValueError:
                collected_on = None
            if collected_on is None:
                raise _BadInput("collected_on", _("The date collected must be a date (YYYY-MM-DD)."))
            baseline = lab_selectors.lab_baseline(
                participant, analyte.code, collected_on=collected_on, exclude_panel_id=_int_param(params, "panel")
            )
        try:
            found = grade_analyte(analyte, value, lln=lln, uln=uln, baseline=baseline)
        except LabGradingError as error:
            raise _BadInput("value", str(error)) from None
    except _BadInput as error:
        return JsonResponse({"error": str(error), "field": error.field}, status=400)
    badge = lab_selectors.grade_badge(found.grade, basis=found.basis)
    return JsonResponse({
        "analyte": analyte.code,
        "grade": found.grade,
        "term": found.term,
        "band": found.band_text,
        "basis": lab_selectors.shown_basis(analyte, found.grade, found.basis),
        "baseline": None if baseline is None else f"{baseline.normalize():f}",
        "label": found.label(analyte),
        "css": badge.css,
    })
