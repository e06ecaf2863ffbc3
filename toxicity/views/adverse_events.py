"""Adverse-event pages: the participant's AE list, recording (optionally from a proposed lab
result), one AE, correcting it, the investigator's signature, the SAE report sent, and the CTCAE
term search the form uses."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import StaleRecordError
from core.forms import add_service_errors
from enrollment.models import Participant

from ..forms.adverse_events import AdverseEventForm, AdverseEventSignatureForm, SaeReportSentForm
from ..models import AdverseEvent, AdverseEventSignature, AeProposal, CtcaeTerm, LabResult
from ..rules.adverse_event import suggest_irae_category
from ..selectors import adverse_events as selectors
from ..services import adverse_events as services


def _ae_or_404(participant, ae_pk) -> AdverseEvent:
    return get_object_or_404(AdverseEvent.objects.select_related("term"), pk=ae_pk, participant=participant)


def _detail_redirect(adverse_event):
    return redirect("toxicity:ae_detail", pk=adverse_event.participant_id, ae_pk=adverse_event.pk)


def _form_page(request, participant, form, *, title, submit, adverse_event=None, lab_result=None, closed_reason=None):
    return render(request, "toxicity/ae_form.html", {
        "participant": participant,
        "form": form,
        "title": title,
        "submit": submit,
        "adverse_event": adverse_event,
        "lab_result": lab_result,
        "closed_reason": closed_reason,
        "terms_url": reverse("toxicity:ctcae_terms"),
        "irae_suggestion": suggest_irae_category(form.shown_term.term) if form.shown_term else "",
    })


@permission_required("toxicity.view_adverseevent", raise_exception=True)
def ae_list(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    rows = selectors.adverse_event_rows(participant, now=timezone.now())
    return render(request, "toxicity/ae_list.html", {
        "participant": participant, "rows": rows, "closed_reason": services.ae_recording_closed_reason(participant),
    })


def _lab_result_of(participant, raw_id) -> LabResult | None:
    """The participant's lab result named by ``?lab_result=`` (None when absent or unknown)."""
    try:
        result_id = int(raw_id)
    except (TypeError, ValueError):
        return None
    return LabResult.objects.select_related("panel").filter(pk=result_id, panel__participant=participant).first()


def _prefill_from(result: LabResult) -> tuple[dict, CtcaeTerm | None]:
    term = CtcaeTerm.objects.filter(term__iexact=result.ctcae_term).first() if result.ctcae_term else None
    initial = {"onset_date": result.panel.collected_on}
    if term is not None:
        initial["term"] = term.pk
        if result.grade in term.available_grades():
            initial["grade"] = result.grade
            initial["current_grade"] = result.grade
    return initial, term


_NOT_PROPOSED = gettext_lazy("That lab result is not awaiting confirmation as an adverse event; nothing is linked to it.")


@permission_required("toxicity.add_adverseevent", raise_exception=True)
def ae_create(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    raw_result = request.GET.get("lab_result")
    lab_result = _lab_result_of(participant, raw_result) if raw_result else None
    proposed = lab_result is not None and lab_result.ae_proposal == AeProposal.PROPOSED
    initial, term = _prefill_from(lab_result) if proposed else ({}, None)
    if raw_result and not proposed and request.method == "GET":
        messages.warning(request, _NOT_PROPOSED)
    form = AdverseEventForm(request.POST or None, initial=initial, term=term)
    if request.method == "POST" and form.is_valid():
        if raw_result and lab_result is None:
            form.add_error(None, _NOT_PROPOSED)
        else:
            try:
                # A result no longer proposed (someone confirmed or dismissed it meanwhile) is
                # refused by the service, so the AE is not recorded twice.
                adverse_event = services.adverse_event_record(
                    participant=participant, user=request.user, values=form.ae_values(), lab_result=lab_result
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Adverse event %(number)s recorded.") % {"number": adverse_event.number})
                return _detail_redirect(adverse_event)
    return _form_page(
        request, participant, form, title=_("Record an adverse event"), submit=_("Save adverse event"),
        lab_result=lab_result if proposed else None, closed_reason=services.ae_recording_closed_reason(participant),
    )  # fmt: skip


@permission_required("toxicity.view_adverseevent", raise_exception=True)
def ae_detail(request, pk, ae_pk):
    participant = get_object_or_404(Participant, pk=pk)
    adverse_event = _ae_or_404(participant, ae_pk)
    detail = selectors.adverse_event_detail(adverse_event, now=timezone.now())
    return render(request, "toxicity/ae_detail.html", {
        "participant": participant, "ae": adverse_event, "detail": detail,
    })


@permission_required("toxicity.change_adverseevent", raise_exception=True)
def ae_update(request, pk, ae_pk):
    participant = get_object_or_404(Participant, pk=pk)
    adverse_event = _ae_or_404(participant, ae_pk)
    form = AdverseEventForm(
        request.POST or None, initial=AdverseEventForm.initial_from(adverse_event), term=adverse_event.term,
        editing=True, loaded_version=adverse_event.version,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.adverse_event_update(
                adverse_event=adverse_event,
                user=request.user,
                values=form.ae_values(),
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason_for_change"],
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Adverse event %(number)s saved.") % {"number": adverse_event.number})
            return _detail_redirect(adverse_event)
    signed = selectors.valid_signature(adverse_event) is not None
    return _form_page(
        request, participant, form, title=_("Correct adverse event %(number)s") % {"number": adverse_event.number},
        submit=_("Save changes"), adverse_event=adverse_event,
        closed_reason=_("This AE is signed: saving a change voids the investigator's signature.") if signed else None,
    )  # fmt: skip


@permission_required("toxicity.sign_adverseevent", raise_exception=True)
def ae_sign(request, pk, ae_pk):
    participant = get_object_or_404(Participant, pk=pk)
    adverse_event = _ae_or_404(participant, ae_pk)
    form = AdverseEventSignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.adverse_event_sign(
                adverse_event=adverse_event, user=request.user, password=form.cleaned_data["password"], request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Adverse event %(number)s signed.") % {"number": adverse_event.number})
            return _detail_redirect(adverse_event)
    detail = selectors.adverse_event_detail(adverse_event, now=timezone.now())
    return render(request, "toxicity/ae_sign.html", {
        "participant": participant, "ae": adverse_event, "detail": detail, "form": form,
        "meaning": _(AdverseEventSignature.MEANING), "already_signed": detail.row.signature,
    })


@permission_required("toxicity.change_adverseevent", raise_exception=True)
def ae_sae_sent(request, pk, ae_pk):
    participant = get_object_or_404(Participant, pk=pk)
    adverse_event = _ae_or_404(participant, ae_pk)
    form = SaeReportSentForm(request.POST or None, initial={
        "version": adverse_event.version, "sae_report_sent_at": timezone.localtime().replace(second=0, microsecond=0),
    })  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.sae_report_mark_sent(
                adverse_event=adverse_event,
                user=request.user,
                sent_at=form.cleaned_data["sae_report_sent_at"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("SAE report of adverse event %(number)s marked sent.") % {"number": adverse_event.number})
            return _detail_redirect(adverse_event)
    return render(request, "toxicity/ae_sae_sent.html", {
        "participant": participant, "ae": adverse_event, "form": form,
        "clock": selectors.clock_view(adverse_event, now=timezone.now()),
    })


@permission_required("toxicity.view_ctcaeterm", raise_exception=True)
def ctcae_terms(request):
    """JSON: terms whose name, SOC or MedDRA code contains ``q``, with their existing grades."""
    query = request.GET.get("q", "")[:100]
    return JsonResponse({"query": query, "results": selectors.ctcae_term_search(query)})
