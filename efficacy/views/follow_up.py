"""Follow-up and outcome pages (PROTOCOL §5): the participant's diagnosis date, progressions and
survival follow-up with consistency warnings; recording and correcting a progression; the
follow-up status (last known alive, death, off study)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.exceptions import StaleRecordError
from core.forms import add_service_errors
from enrollment.models import Participant

from ..forms.follow_up import FollowUpStatusForm, ProgressionForm
from ..models import FollowUpStatus, Progression
from ..selectors import follow_up as selectors
from ..services import follow_up as services


def _closed_redirect(request, participant):
    """Participants who are not enrolled have no follow-up: say so on their dashboard."""
    reason = services.follow_up_closed_reason(participant)
    if reason is None:
        return None
    messages.info(request, reason)
    return redirect("enrollment:participant_detail", pk=participant.pk)


def _follow_up_redirect(participant):
    return redirect("efficacy:follow_up", pk=participant.pk)


@permission_required(("efficacy.view_progression", "efficacy.view_followupstatus"), raise_exception=True)
def follow_up(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if (closed := _closed_redirect(request, participant)) is not None:
        return closed
    return render(request, "efficacy/followup_detail.html", {
        "participant": participant, "overview": selectors.follow_up_overview(participant),
    })  # fmt: skip


def _progression_page(request, participant, form, *, title, submit, progression=None):
    return render(request, "efficacy/followup_progression_form.html", {
        "participant": participant, "form": form, "title": title, "submit": submit, "progression": progression,
    })  # fmt: skip


@permission_required("efficacy.add_progression", raise_exception=True)
def progression_create(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if (closed := _closed_redirect(request, participant)) is not None:
        return closed
    form = ProgressionForm(request.POST or None, assessment_choices=selectors.progression_assessment_choices(participant))
    if request.method == "POST" and form.is_valid():
        try:
            progression = services.progression_record(participant=participant, user=request.user,
                                                      **form.progression_values())  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Progression of %(date)s recorded.") % {"date": f"{progression.progression_date:%Y-%m-%d}"})
            return _follow_up_redirect(participant)
    return _progression_page(request, participant, form, title=_("Record a progression"), submit=_("Save progression"))


@permission_required("efficacy.change_progression", raise_exception=True)
def progression_update(request, progression_pk):
    progression = get_object_or_404(Progression.objects.select_related("participant", "assessment"), pk=progression_pk)
    participant = progression.participant
    if (closed := _closed_redirect(request, participant)) is not None:
        return closed
    form = ProgressionForm(
        request.POST or None,
        initial=ProgressionForm.initial_from(progression),
        assessment_choices=selectors.progression_assessment_choices(participant, keep=progression.assessment),
        editing=True,
        loaded_version=progression.version,
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.progression_update(
                progression=progression,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason_for_change"],
                **form.progression_values(),
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            if changed:
                messages.success(request, _("Progression of %(date)s saved.")
                                 % {"date": f"{form.cleaned_data['progression_date']:%Y-%m-%d}"})  # fmt: skip
            else:
                messages.info(request, _("Nothing was changed, so nothing was saved."))
            return _follow_up_redirect(participant)
    return _progression_page(
        request, participant, form,
        title=_("Correct the progression of %(date)s") % {"date": f"{progression.progression_date:%Y-%m-%d}"},
        submit=_("Save changes"), progression=progression,
    )  # fmt: skip


@permission_required(("efficacy.add_followupstatus", "efficacy.change_followupstatus"), raise_exception=True)
def follow_up_status(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    if (closed := _closed_redirect(request, participant)) is not None:
        return closed
    stored = FollowUpStatus.objects.filter(participant=participant).first()
    # A form loaded before anyone recorded the follow-up has no version: the service then says who
    # recorded it meanwhile (stale) rather than asking for a reason.
    editing = stored is not None and (request.method != "POST" or "version" in request.POST)
    form = FollowUpStatusForm(
        request.POST or None,
        initial=selectors.follow_up_status_initial(participant, stored),
        editing=editing,
        loaded_version=stored.version if stored is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.follow_up_status_save(
                participant=participant,
                user=request.user,
                expected_version=form.cleaned_data["version"] if editing else None,
                reason=form.cleaned_data.get("reason_for_change", ""),
                **form.status_values(),
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            if saved.changed:
                messages.success(request, " ".join([_("Follow-up status saved."), *saved.notes]))
            else:
                messages.info(request, _("Nothing was changed, so nothing was saved."))
            return _follow_up_redirect(participant)
    return render(request, "efficacy/followup_status_form.html", {
        "participant": participant, "form": form, "editing": editing,
    })  # fmt: skip
