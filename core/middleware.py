"""A lost database connection answers a clear 503 page, never a 500 traceback (issue 9).

``django.db.OperationalError`` and ``InterfaceError`` (the connection dropped, the server went away,
a lock or statement timeout) become ``templates/503.html``: "the database connection was lost; what
you submitted was not saved; try again". Nothing is half-saved because every write is a service in
one transaction (``@transaction.atomic``): a dropped connection rolls the whole save back.

Two paths lead here:
- an error raised by the view (the usual case: a save or a page read mid-request) is turned into
  the 503 by ``process_exception``;
- an error raised outside the view (the session read by the login check, the session save after the
  response) has already been made a 500 response by Django, which sent ``got_request_exception``
  while handling it: the receiver notes the error on the request and ``__call__`` (first in
  MIDDLEWARE, so outside every other middleware) swaps that 500 for the 503.

Other database errors (an IntegrityError is a bug, not an outage) are left to Django's 500 page.
The 503 page is rendered without the request's context processors, so it makes no database query.
"""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
_NOTED = "_core_database_error"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def database_error_response(request) -> HttpResponse:
    """The 503 page: the database connection was lost; a submitted form was not saved."""
    html = render_to_string(
        "503.html",
        {
            "submitted": request.method not in SAFE_METHODS,
            "trial_name": settings.TRIAL_NAME,
            "retry_after_seconds": RETRY_AFTER_SECONDS,
        },
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def _note_database_error(sender, request=None, **kwargs) -> None:
    """``got_request_exception`` receiver: Django sends it while handling the exception."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        setattr(request, _NOTED, error)


class DatabaseErrorMiddleware:
    """Turns a lost database connection into the 503 page (see the module docstring). Put it first
    in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_note_database_error, dispatch_uid="core.middleware.database_error")

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _NOTED, None) is not None:
            return database_error_response(request)  # Django has logged the error with its traceback
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.error(
            "Database error during %s %s; answered 503",
            request.method, request.path,
            exc_info=(type(exception), exception, exception.__traceback__),
        )  # fmt: skip
        return database_error_response(request)
