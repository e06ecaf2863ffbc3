"""Participant pages: list, registration, dashboard, correction, status change, audit trail.
Views call selectors and services; they hold no clinical rule."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core import sites
from core.exceptions import StaleRecordError
from core.forms import add_service_errors
from core.models import Site
from core.selectors import participant_audit_trail

from .. import selectors, services
from ..forms import ParticipantForm, StatusChangeForm
from ..models import Participant, ParticipantStatus
from ..rules.eligibility import age_in_years


@permission_required("enrollment.view_participant", raise_exception=True)
def participant_list(request):
    search = request.GET.get("q", "")
    status = request.GET.get("status", "")
    participants = selectors.participant_list(search=search, status=status, user=request.user)
    page = Paginator(participants, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enrollment/participant_list.html",
        {"page": page, "q": search, "status": status, "statuses": ParticipantStatus.choices},
    )


@permission_required("enrollment.add_participant", raise_exception=True)
def participant_create(request):
    site_choices = sites.registration_sites(request.user) if sites.sites_configured() else None
    form = ParticipantForm(
        request.POST or None, initial={"screening_date": timezone.localdate()}, site_choices=site_choices
    )
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.participant_create(
                user=request.user,
                initials=form.cleaned_data["initials"],
                date_of_birth=form.cleaned_data["date_of_birth"],
                screening_date=form.cleaned_data["screening_date"],
                diagnosis_date=form.cleaned_data["diagnosis_date"],
                site=form.cleaned_data.get("site"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Registered %(number)s for screening.") % {"number": participant.screening_number}
            )
            return redirect("enrollment:participant_detail", pk=participant.pk)
    return render(request, "enrollment/participant_form.html", {"form": form, "participant": None})


@permission_required("enrollment.view_participant", raise_exception=True)
def participant_detail(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "enrollment/participant_detail.html",
        {
            "participant": participant,
            "age": age_in_years(participant.date_of_birth, today),
            "panels": selectors.participant_panels(participant),
            "state": selectors.eligibility_state(participant),
            "status_changes": participant.status_changes.select_related("recorded_by"),
        },
    )


@permission_required("enrollment.change_participant", raise_exception=True)
def participant_update(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    initial = {
        "initials": participant.initials,
        "date_of_birth": participant.date_of_birth,
        "screening_date": participant.screening_date,
        "diagnosis_date": participant.diagnosis_date,
        "site": participant.site,
    }
    # Only users who see every site give a participant a site or move her (core.sites).
    site_choices = Site.objects.all() if sites.sites_configured() and sites.sees_all_sites(request.user) else None
    form = ParticipantForm(
        request.POST or None, initial=initial, editing=True, loaded_version=participant.version,
        site_choices=site_choices,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.participant_update(
                participant=participant,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason_for_change"],
                initials=form.cleaned_data["initials"],
                date_of_birth=form.cleaned_data["date_of_birth"],
                screening_date=form.cleaned_data["screening_date"],
                diagnosis_date=form.cleaned_data["diagnosis_date"],
                site=form.cleaned_data.get("site"),
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            if changed:
                messages.success(request, _("Changes saved."))
            else:
                messages.info(request, _("Nothing was changed, so nothing was saved."))
            return redirect("enrollment:participant_detail", pk=participant.pk)
    return render(request, "enrollment/participant_form.html", {"form": form, "participant": participant})


@permission_required("enrollment.add_participantstatuschange", raise_exception=True)
def participant_status_change(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    form = StatusChangeForm(
        request.POST or None,
        current_status=participant.status,
        initial={"version": participant.version, "effective_date": timezone.localdate()},
    )
    if participant.enrolment_date is not None:
        _death_on_follow_up(request, form, participant)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_change_status(
                participant=participant,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                new_status=form.cleaned_data["new_status"],
                effective_date=form.cleaned_data["effective_date"],
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, StaleRecordError) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Status changed to %(status)s.") % {"status": participant.get_status_display()})
            return redirect("enrollment:participant_detail", pk=participant.pk)
    return render(request, "enrollment/participant_status_form.html", {"form": form, "participant": participant})


def _death_on_follow_up(request, form: StatusChangeForm, participant: Participant) -> None:
    """An enrolled participant's death is recorded with its date and cause on the follow-up page
    (PROTOCOL §5: OS counts to it), which changes the status; the service refuses it here."""
    field = form.fields["new_status"]
    choices = list(field.choices)
    if not any(value == ParticipantStatus.DIED for value, _ in choices):
        return
    field.choices = [(value, label) for value, label in choices if value != ParticipantStatus.DIED]
    pointer = format_html(
        _('To record a death, use the <a href="{url}">Follow-up and outcome</a> page (date and cause of death).'),
        url=reverse("efficacy:follow_up", kwargs={"pk": participant.pk}),
    )
    field.help_text = pointer
    if not field.choices and request.method == "GET":
        messages.info(request, pointer)  # the form is not shown, so say it above the page


@permission_required("enrollment.view_audit_trail", raise_exception=True)
def participant_audit(request, pk):
    participant = get_object_or_404(Participant, pk=pk)
    page = Paginator(participant_audit_trail(participant.pk), 50).get_page(request.GET.get("page"))
    return render(request, "enrollment/participant_audit.html", {"participant": participant, "page": page})
