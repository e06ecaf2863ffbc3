"""The history of a participant's toripalimab decisions from immune-related AEs, and the
investigator's page to confirm or override one (PROTOCOL §3 irAE table)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.exceptions import StaleRecordError
from core.forms import add_service_errors
from enrollment.models import Participant

from ..forms.irae import IraeDecisionForm
from ..models import IraeDoseDecision
from ..selectors import irae as irae_selectors
from ..services import irae as irae_services


@permission_required("toxicity.view_iraedosedecision", raise_exception=True)
def irae_decisions(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    decisions = irae_selectors.participant_irae_decisions(participant)
    return render(request, "toxicity/irae_decisions.html", {"participant": participant, "decisions": decisions})


@permission_required("toxicity.decide_irae_dose", raise_exception=True)
def irae_decide(request, pk, decision_pk):
    participant = get_object_or_404(Participant, pk=pk)
    decision = get_object_or_404(
        IraeDoseDecision.objects.select_related("adverse_event__term"), pk=decision_pk, participant=participant
    )
    form = IraeDecisionForm(request.POST or None, initial={"version": decision.version, "decision": "confirm"})
    if request.method == "POST" and form.is_valid():
        try:
            irae_services.irae_dose_decide(
                decision=decision,
                user=request.user,
                confirm=form.cleaned_data["decision"] == "confirm",
                expected_version=form.cleaned_data["version"],
                action=form.cleaned_data.get("action") or "",
                reason=form.cleaned_data.get("reason") or "",
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            decision.refresh_from_db()
            messages.success(request, _("Decision recorded: %(decision)s.") % {"decision": decision.label})
            return redirect("dosing:treatment_calendar", pk=participant.pk)
    return render(request, "toxicity/irae_decide.html", {
        "participant": participant, "form": form, "decision": decision, "ae": decision.adverse_event,
        "target_label": irae_selectors.target_label(decision),
    })  # fmt: skip
