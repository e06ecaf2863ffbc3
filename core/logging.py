"""Logs and error reports without identifying data (issue 9: "no identifying data in logs or error
reports").

The study stores two identifying facts about a patient: initials and date of birth
(``enrollment.Participant``). They must not leave the database through a log line or an error
report. Three places could carry them:

- a log message that formats a participant (its ``__str__`` shows the initials) or echoes a request
  (the participant search ``?q=`` takes initials; the development server logs every request line):
  ``IdentifyingDataFilter``, a logging filter on every handler of ``settings.LOGGING``, shows a model
  instance as ``<Participant #12>`` and masks the value of the identifying parameters;
- the error report e-mailed to ``ADMINS`` on a server error (Django lists the POST and GET values,
  the URL, and each frame's local variables): ``IdentifyingDataReporterFilter``
  (``DEFAULT_EXCEPTION_REPORTER_FILTER``) masks the identifying and secret fields (initials, date of
  birth, the search, the e-signature password, the CSRF token) wherever they appear, and shows model
  instances and querysets by key only;
- the URL in that report: ``IdentifyingDataExceptionReporter`` (``DEFAULT_EXCEPTION_REPORTER``)
  masks the same parameters in it.
"""

import logging
import re
from collections.abc import Mapping

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# Form fields and query parameters that carry identifying data (the participant search ``q`` takes
# initials as well as numbers).
IDENTIFYING_FIELDS = frozenset({"initials", "date_of_birth", "q"})
REDACTED = "********************"

# ``name=value`` (a query string, a request line) or ``name: value`` / ``'name': 'value'`` (a dict
# or a form's errors) for an identifying name; the value ends at a separator or a quote.
_PAIRS = re.compile(
    r"""(?P<key>(?<![A-Za-z0-9_])(?:initials|date_of_birth|q)['"]?\s*[=:]\s*['"]?)(?P<value>[^&\s'",;)}\]]+)"""
)


def _masked_pairs(text: str) -> str:
    return _PAIRS.sub(lambda match: match.group("key") + REDACTED, text)


def _by_key(value):
    """A model instance (a participant's ``__str__`` shows the initials) or a queryset, by key only."""
    if isinstance(value, Model):
        return f"<{type(value).__name__} #{value.pk}>"
    if isinstance(value, QuerySet):
        return f"<QuerySet of {value.model.__name__}>"
    return value


class IdentifyingDataFilter(logging.Filter):
    """Masks identifying data in every record a handler emits (see the module docstring). It never
    drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            record.args = {key: REDACTED if key in IDENTIFYING_FIELDS else _by_key(value)
                           for key, value in record.args.items()}  # fmt: skip
        elif isinstance(record.args, tuple):
            record.args = tuple(_by_key(value) for value in record.args)
        record.msg = _by_key(record.msg)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed message: leave it to the handler's own error path
            return True
        masked = _masked_pairs(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _masked_pairs(logging.Formatter().formatException(record.exc_info))
        return True


class IdentifyingDataReporterFilter(SafeExceptionReporterFilter):
    """Django's filter of error reports, also masking identifying fields and any field or variable
    named like a secret (``password``, ``csrfmiddlewaretoken``), in production and in debug mode."""

    def is_active(self, request) -> bool:
        return True

    def _sensitive(self, name) -> bool:
        return isinstance(name, str) and (name in IDENTIFYING_FIELDS or bool(self.hidden_settings.search(name)))

    def _masked(self, values: MultiValueDict) -> MultiValueDict:
        values = values.copy()
        for name in list(values):
            if self._sensitive(name):
                values.setlist(name, [REDACTED])
        return values

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return self._masked(super().get_post_parameters(request))

    def get_get_parameters(self, request):
        return self._masked(request.GET) if request is not None else {}

    def get_cleansed_multivaluedict(self, request, multivaluedict):
        return self._masked(super().get_cleansed_multivaluedict(request, multivaluedict))

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if isinstance(meta.get("QUERY_STRING"), str):
            meta["QUERY_STRING"] = _masked_pairs(meta["QUERY_STRING"])
        return meta

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self._safe_variable(name, value))
                for name, value in super().get_traceback_frame_variables(request, tb_frame)]  # fmt: skip

    def _safe_variable(self, name, value):
        if self._sensitive(name):
            return REDACTED
        if isinstance(value, dict):
            return {key: self._safe_variable(key, item) for key, item in value.items()}
        if isinstance(value, HttpRequest):  # its repr shows the query string
            return f"<{type(value).__name__}: {value.method} {value.path!r}>"
        return _by_key(value)


class IdentifyingDataExceptionReporter(ExceptionReporter):
    """Django's error report with the identifying query parameters masked in the URL and the GET
    list too (the filter masks the rest)."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None and hasattr(self.filter, "get_get_parameters"):
            data["request_GET_items"] = list(self.filter.get_get_parameters(self.request).items())
            data["request_insecure_uri"] = _masked_pairs(data.get("request_insecure_uri", ""))
        return data
