"""The language of the pages (issue 10): English or Simplified Chinese, chosen per user and remembered.

Which language a request gets, first match wins:

1. a logged-in user's saved choice (``UserLanguage``), on every device they log in from
   (``UserLanguageMiddleware``, right after ``AuthenticationMiddleware``);
2. the language cookie, which the switch sets for anyone, including on the login page;
3. the browser's ``Accept-Language``; then ``settings.LANGUAGE_CODE``.

2 and 3 are Django's ``LocaleMiddleware``; this module adds 1, the switch (``set_language``, a POST
from the form in ``templates/includes/language_switch.html``) and ``user_language`` for work done
outside a request (an e-mail to one user in that user's language).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import UserLanguage, language_choices

_CACHE = "_saved_language"  # attribute on the user object: the saved code, read once per request


class LanguageForm(forms.Form):
    """The switch: one of ``settings.LANGUAGES``. Its error messages are Django's own, already
    translated into every language Django ships."""

    language = forms.ChoiceField(choices=language_choices)


def saved_language(user) -> str | None:
    """The supported language code ``user`` chose, or None (anonymous, never chose, or chose a
    language the site no longer offers). One query, then remembered on the user object."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, _CACHE):
        code = UserLanguage.objects.filter(user=user).values_list("language", flat=True).first()
        setattr(user, _CACHE, _supported(code))
    return getattr(user, _CACHE)


def user_language(user) -> str:
    """The language to use for ``user`` outside a request (an e-mail, a task): the saved choice,
    else ``settings.LANGUAGE_CODE``. Use with ``translation.override(user_language(user))``."""
    return saved_language(user) or settings.LANGUAGE_CODE


@transaction.atomic
def user_language_save(*, user, language: str) -> UserLanguage:
    """Remember ``language`` for ``user`` (creates or replaces the choice)."""
    choice = UserLanguage.objects.select_for_update().filter(user=user).first() or UserLanguage(user=user)
    choice.language = language
    choice.full_clean()
    choice.save()
    setattr(user, _CACHE, _supported(language))
    return choice


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class UserLanguageMiddleware:
    """Activates a logged-in user's saved language, ahead of the cookie and the browser that
    ``LocaleMiddleware`` (earlier in MIDDLEWARE) went by, and sets ``request.LANGUAGE_CODE`` to it.
    Users who never chose keep what ``LocaleMiddleware`` decided. Costs one query per request of a
    logged-in user (the user is loaded by then anyway: ``LoginRequiredMiddleware`` reads it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = saved_language(getattr(request, "user", None))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


@login_not_required
@require_POST
def set_language(request):
    """The language switch (a POST with ``language`` and ``next``; CSRF-protected like every form).

    A logged-in user's choice is saved, so it holds on their other devices too; for anyone, the
    language cookie is set, which is how the switch on the login page works before logging in. An
    unknown code changes nothing and is refused with a message. Redirects to ``next`` when it is a
    page of this site, else to the page the form was on, else home."""
    response = HttpResponseRedirect(_next_url(request))
    form = LanguageForm(request.POST)
    if not form.is_valid():
        for error in form.errors["language"]:
            messages.error(request, error)
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        user_language_save(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _next_url(request) -> str:
    """``next`` from the form, else the Referer, when it points to this site; else home (or the
    login page for an anonymous visitor). Never another host: no open redirect."""
    for candidate in (request.POST.get("next"), request.headers.get("referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return reverse("core:home") if request.user.is_authenticated else reverse("login")
