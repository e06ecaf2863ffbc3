"""The study export pages (data managers): request an export, follow its progress, download it.

(The request form is defined here: this package's ``forms.py`` holds the CSV writers of the CRF forms.)
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.forms import add_service_errors
from core.models import ExportJob

from . import selectors, services


class ExportRequestForm(forms.Form):
    """A new export; the identified choice is offered only to users allowed to make one."""

    identified = forms.BooleanField(
        label=gettext_lazy("Identified export (with initials and dates of birth)"),
        required=False,
        help_text=gettext_lazy(
            "Leave unticked for the usual pseudonymised export (study numbers, age instead of date of birth)."
        ),
    )

    def __init__(self, *args, allow_identified: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_identified:
            del self.fields["identified"]


def _visible_job(request, job_pk: int) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.select_related("requested_by"), pk=job_pk)
    if not selectors.can_see_export(request.user, job):
        raise PermissionDenied(_("This export was requested by someone else."))
    return job


@permission_required("core.export_study", raise_exception=True)
def export_list(request):
    allow_identified = request.user.has_perm("core.export_identified")
    # The form may have no field at all (pseudonymised only): bind it on every POST, even an empty one.
    form = ExportRequestForm(request.POST if request.method == "POST" else None, allow_identified=allow_identified)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.export_job_request(
                user=request.user, identified=form.cleaned_data.get("identified", False), now=timezone.now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Export #%(number)s (%(kind)s) requested: it is written in the background; this page shows its "
                  "progress.") % {"number": job.pk, "kind": selectors.export_kind_label(job.identified)},
            )  # fmt: skip
            return redirect("dm:export_list")
    return render(request, "core/dm/export_list.html", {"form": form, "rows": selectors.export_job_rows(request.user)})


@permission_required("core.export_study", raise_exception=True)
@never_cache
@require_GET
def export_status(request, job_pk: int):
    """The job's progress as JSON (polled by export_progress.js)."""
    job = _visible_job(request, job_pk)
    status = selectors.export_job_status(job)
    status["download_url"] = (
        reverse("dm:export_download", kwargs={"job_pk": job.pk})
        if selectors.can_download_export(request.user, job) and services.export_job_file(job) is not None
        else None
    )
    return JsonResponse(status)


@permission_required("core.export_study", raise_exception=True)
@require_GET
def export_download(request, job_pk: int):
    """The ZIP of a done export; each download is recorded in the audit trail."""
    job = _visible_job(request, job_pk)
    if not selectors.can_download_export(request.user, job):
        raise PermissionDenied(
            _("Identified exports can be downloaded only with the permission to export identified data.")
        )
    path = services.export_job_file(job)
    if path is None:
        raise Http404(_("This export has no file to download (not finished, or no longer kept)."))
    services.export_job_downloaded(job=job, user=request.user, now=timezone.now())
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name, content_type="application/zip")
