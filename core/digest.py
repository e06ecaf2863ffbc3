"""The coordinators' worklist email digest (issue 6, "Optional email digest to each coordinator").

Each active user of the "Study coordinator" group with an email address gets a plain-text summary
of the worklist (``core.worklist.coordinator_worklist``): each section's count and its first
lines, with the path of the page that clears each line. The worklist is read once per set of sites
(``core.sites``: a coordinator gets her own sites' participants only); in a single-centre study that
is once, and the same summary goes to every coordinator. Sent through Django's email backend (the
console backend in demo mode); switched on by the ``WORKLIST_DIGEST_ENABLED`` setting, checked by
the task ``core.tasks.send_worklist_digest``. Each email is in its recipient's language (the one she
chose for the pages, else the site's: ``core.language.user_language``), so the worklist is read once
per set of sites and language.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .language import user_language
from .roles import COORDINATOR
from .sites import site_access
from .worklist import coordinator_worklist

# Lines per section in the email (the page shows more).
DIGEST_LINES = 5


def digest_recipients():
    """Active coordinators with an email address, by user name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=COORDINATOR)
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


def digest_subject(*, today: datetime.date, count: int) -> str:
    """The subject line, in the active language."""
    if count == 0:
        return _("Worklist %(date)s: nothing due") % {"date": f"{today:%Y-%m-%d}"}
    return ngettext("Worklist %(date)s: %(count)s item", "Worklist %(date)s: %(count)s items", count) % {
        "date": f"{today:%Y-%m-%d}", "count": count
    }


def digest_body(*, today: datetime.date, now: datetime.datetime, worklist=None, user=None) -> str:
    """The plain-text summary of the coordinator worklist on ``today``, in the active language."""
    worklist = worklist or coordinator_worklist(today=today, now=now, user=user)
    return render_to_string(
        "core/digest_email.txt",
        {"worklist": worklist, "today": today, "user": user, "lines": DIGEST_LINES, "trial_name": settings.TRIAL_NAME},
    )


def send_worklist_digests(*, today: datetime.date, now: datetime.datetime) -> int:
    """Email each coordinator the worklist of ``today``; returns how many emails were sent (0 when
    no coordinator has an email address)."""
    recipients = list(digest_recipients())
    if not recipients:
        return 0
    worklists = {}  # one per set of sites the recipients see and language
    messages = []
    for user in recipients:
        language = user_language(user)
        with translation.override(language):
            key = (site_access(user), language)
            if key not in worklists:
                worklists[key] = coordinator_worklist(today=today, now=now, user=user)
            worklist = worklists[key]
            messages.append(EmailMessage(subject=digest_subject(today=today, count=worklist.count),
                                         body=digest_body(today=today, now=now, worklist=worklist, user=user),
                                         to=[user.email]))  # fmt: skip
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
