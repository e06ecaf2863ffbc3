"""The site wall (issue 9): no user reaches another site's participant through a URL.

``SiteAccessMiddleware.process_view`` looks at the URL arguments of every view before it runs. Each
argument that names a participant or one of her records is declared below (``URL_OBJECTS``: the
argument's name -> the model it names; the participant is found through the model's
``audit_participant_lookup``, the same lookup the audit trail uses). For a user who does not see every
site (``core.sites``) the middleware reads the site of every named record in one query and answers
404 when one belongs to another site's participant, to no participant, or does not exist: the same
answer as for an id that does not exist, so iterating ids reveals nothing.

New views are covered by default: ``pk`` means a participant unless declared otherwise for that URL
(``URL_OBJECT_OVERRIDES``), and an argument that is not declared at all is refused (404) for
restricted users - ``core/tests/sites`` checks that every URL argument of the project is declared.
The admin is left to its own checks (only staff reach it, and staff see every site).

Cost: nothing for a URL without such arguments; otherwise one query for the user's sites (cached
on the user for the request, shared with the list filters) and one for the named records.
"""

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import sites
from .crf import crf_model_for

# URL argument -> the model whose primary key it is (``app_label.ModelName``).
URL_OBJECTS: dict[str, str] = {
    "pk": "enrollment.Participant",
    "consent_pk": "enrollment.Consent",
    "visit_pk": "enrollment.Visit",
    "panel_pk": "toxicity.LabPanel",
    "result_pk": "toxicity.LabResult",
    "ae_pk": "toxicity.AdverseEvent",
    "decision_pk": "toxicity.IraeDoseDecision",
    "assessment_pk": "efficacy.TumourAssessment",
    "progression_pk": "efficacy.Progression",
    "query_pk": "core.DataQuery",
}

# URL name -> {argument -> model}, for arguments whose model depends on the page.
URL_OBJECT_OVERRIDES: dict[str, dict[str, str]] = {
    "dosing:anthropometrics_update": {"record_pk": "dosing.Anthropometrics"},
    "dosing:modification_decide": {"record_pk": "dosing.DoseModification"},
    "dosing:brachy_update": {"record_pk": "dosing.BrachytherapyFraction"},
    "dm:lock_release": {"pk": "core.DataLock"},
}

# Any CRF record, named by its content type and primary key (the data-management record pages).
CRF_RECORD_ARGUMENTS = ("content_type_id", "object_id")

# Arguments that name no record: a dose in the calendar, a visit of the schedule, a CSV table, a
# study export job (whose pages are all-sites only, below).
NOT_RECORDS = frozenset({"agent", "phase", "cycle", "day", "visit_code", "table", "job_pk"})

# Query-string parameters naming a participant (e.g. the lab grading endpoint's baseline, the query
# list's CSV of one participant).
QUERY_OBJECTS: dict[str, str] = {"participant": "enrollment.Participant"}

# Pages whose meaning is the whole study: for users who see every site (403 for the others).
ALL_SITES_ONLY = frozenset({
    "efficacy:simon",
    "efficacy:simon_csv",
    "efficacy:survival",
    "efficacy:survival_csv",
    "dm:export_list",
    "dm:export_status",
    "dm:export_download",
    "dm:study_lock",
})  # fmt: skip

ALL_SITES_ONLY_MESSAGE = gettext_lazy("This page covers the whole study: it is for users who see every site.")


class Undeclared(Exception):
    """A URL argument that the site wall does not know."""


def url_argument_model(url_name: str, argument: str):
    """The model a URL argument names, None when it names no record; ``Undeclared`` when unknown."""
    label = URL_OBJECT_OVERRIDES.get(url_name, {}).get(argument) or URL_OBJECTS.get(argument)
    if label is not None:
        return apps.get_model(label)
    if argument in NOT_RECORDS or argument in CRF_RECORD_ARGUMENTS:
        return None
    raise Undeclared(f"URL argument {argument!r} of {url_name!r} is not declared in core.site_access.")


def _as_int(value) -> int | None:
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def named_records(url_name: str, kwargs: dict, query: dict) -> list[tuple[type, int]] | None:
    """(model, primary key) of every record the request names; None when it names something the
    wall cannot place (an undeclared argument, a content type that is not a CRF form)."""
    named = []
    for argument, value in kwargs.items():
        try:
            model = url_argument_model(url_name, argument)
        except Undeclared:
            return None
        if model is None:
            continue
        pk = _as_int(value)
        if pk is None:
            return None
        named.append((model, pk))
    if all(argument in kwargs for argument in CRF_RECORD_ARGUMENTS):
        content_type_id, object_id = (_as_int(kwargs[argument]) for argument in CRF_RECORD_ARGUMENTS)
        model = crf_model_for(content_type_id) if content_type_id is not None else None
        if model is None or object_id is None:
            return None
        named.append((model, object_id))
    for parameter, label in QUERY_OBJECTS.items():
        pk = _as_int(query.get(parameter, ""))
        if pk is not None:
            named.append((apps.get_model(label), pk))
    return named


def records_allowed(records: list[tuple[type, int]], access: sites.SiteAccess) -> bool:
    """Whether every record exists and belongs to a participant of ``access``'s sites (one query)."""
    if access.all_sites or not records:
        return True
    parts = [
        model._default_manager.filter(pk=pk).order_by().values_list(sites.site_path(model.audit_participant_lookup))
        for model, pk in records
    ]
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    found = [site_id for (site_id,) in query]
    return len(found) == len(records) and all(access.allows(site_id) for site_id in found)


class SiteAccessMiddleware:
    """Answers 404 for any URL naming another site's participant (or her records), and 403 for the
    all-sites-only pages, to users who do not see every site. See the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if user is None or not user.is_authenticated or match is None or "admin" in match.namespaces:
            return None
        url_name = match.view_name
        all_sites_only = url_name in ALL_SITES_ONLY
        has_query_objects = any(parameter in request.GET for parameter in QUERY_OBJECTS)
        if not (all_sites_only or view_kwargs or has_query_objects):
            return None
        records = named_records(url_name, view_kwargs, request.GET)
        if not all_sites_only and records == []:
            return None
        access = sites.site_access(user)
        if access.all_sites:
            return None
        if all_sites_only:
            raise PermissionDenied(ALL_SITES_ONLY_MESSAGE)
        if records is None or not records_allowed(records, access):
            raise Http404(_("No such record."))
        return None
