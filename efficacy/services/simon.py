"""The Simon decision check (PROTOCOL §5): when a decision point of the two-stage design is reached
(stage 1: continue or stop; final: effective or not effective), record it once as a
``SimonDecisionNotice`` and e-mail the investigators and data managers.

Run by ``efficacy.tasks.check_simon_decision`` after every change to response data and once a day.
Idempotent: a decision already recorded is neither recorded nor sent again. Safe against two
checks at once: the (stage, status) pair is unique in the database and a check that loses the race
skips it; sending is claimed notice by notice, so only one check sends each. A notice whose
e-mail could not be sent keeps ``notified_at`` empty and is sent by the next check.

``SimonDecisionNotice`` is operational data (not part of the audited clinical record), so it is
written directly rather than through ``core.services.clinical_record_save``.

The notice's message and the e-mail go to many readers at once, so they are written in the site's
language (``settings.LANGUAGE_CODE``), whoever's action triggered the check.
"""

import datetime
import functools
import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from efficacy.models import SimonDecisionNotice
from efficacy.rules import simon as simon_rules
from efficacy.selectors import simon as selectors
from trialsite.protocol.efficacy import SIMON_BOUNDARIES, SimonBoundaries

logger = logging.getLogger(__name__)


_SUBJECT_STAGES = {
    selectors.STAGE1: pgettext_lazy("Simon decision point", "stage 1"),
    selectors.FINAL: pgettext_lazy("Simon decision point", "final"),
}
_SUBJECT_STATUSES = {
    simon_rules.CONTINUE: pgettext_lazy("Simon decision", "continue"),
    simon_rules.STOP: pgettext_lazy("Simon decision", "stop"),
    simon_rules.EFFECTIVE: pgettext_lazy("Simon decision", "effective"),
    simon_rules.NOT_EFFECTIVE: pgettext_lazy("Simon decision", "not effective"),
}


def _subject(notice: SimonDecisionNotice) -> str:
    """E.g. "Simon stage 1 decision reached: continue"."""
    return _("Simon %(stage)s decision reached: %(status)s") % {
        "stage": _SUBJECT_STAGES.get(notice.stage, notice.stage),
        "status": _SUBJECT_STATUSES.get(notice.status, notice.status),
    }


def _body(notice: SimonDecisionNotice, *, rules: dict[str, str]) -> str:
    return render_to_string(
        "efficacy/simon_notice_email.txt",
        {
            "notice": notice,
            "stage_label": selectors.STAGE_LABELS.get(notice.stage, notice.stage),
            "status_label": selectors.notice_status_label(notice.status),
            "rule": rules.get(notice.stage, ""),
            "trial_name": settings.TRIAL_NAME,
            "page_path": reverse("efficacy:simon"),
            "pending_note": selectors.PENDING_NOTE,
        },
    )


def simon_notices_send(*, now: datetime.datetime, boundaries: SimonBoundaries = SIMON_BOUNDARIES) -> int:
    """E-mail every notice not yet sent to the active investigators and data managers with an
    e-mail address; returns how many notices were sent. Each notice is claimed (``notified_at``
    set only where it is still empty) before sending, and released if sending fails."""
    recipients = list(selectors.simon_notice_recipients().values_list("email", flat=True))
    unsent = list(SimonDecisionNotice.objects.filter(notified_at__isnull=True).order_by("reached_at", "id"))
    if not unsent:
        return 0
    if not recipients:
        logger.warning("Simon decision notices not e-mailed: no active investigator or data manager has an e-mail address.")
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        rules_in_words = selectors.decision_rules(boundaries)
    sent = 0
    for notice in unsent:
        claimed = SimonDecisionNotice.objects.filter(pk=notice.pk, notified_at__isnull=True).update(notified_at=now)
        if not claimed:
            continue  # another check is sending it
        try:
            with translation.override(settings.LANGUAGE_CODE):
                subject, body = _subject(notice), _body(notice, rules=rules_in_words)
            # One message per recipient: colleagues' addresses are not shown to each other.
            send_mass_mail([(subject, body, None, [address]) for address in recipients])
        except OSError:  # smtplib.SMTPException and connection errors
            SimonDecisionNotice.objects.filter(pk=notice.pk).update(notified_at=None)
            logger.exception("Simon decision notice %s could not be e-mailed; the next check retries.", notice.pk)
            continue
        sent += 1
    return sent


@transaction.atomic
def simon_decision_check(
    *, now: datetime.datetime, boundaries: SimonBoundaries = SIMON_BOUNDARIES
) -> list[SimonDecisionNotice]:
    """Record each decision point newly reached and e-mail it once the transaction commits.

    For stage 1 and the final analysis (``efficacy.rules.simon.simon_monitor`` on the current
    data): if the status is decided and no notice of that (stage, status) exists, create one.
    Returns the notices created by this call (empty when nothing new was reached).
    """
    with translation.override(settings.LANGUAGE_CODE):
        monitor = selectors.simon_monitor_now(boundaries)
    existing = set(SimonDecisionNotice.objects.values_list("stage", "status"))
    created = []
    for stage, status in ((selectors.STAGE1, monitor.stage1), (selectors.FINAL, monitor.final)):
        if not status.decided or (stage, status.status) in existing:
            continue
        notice = SimonDecisionNotice(
            stage=stage,
            status=status.status,
            code=status.code,
            message=status.message,
            evaluable=status.evaluable,
            responders=status.responders,
            reached_at=now,
        )
        # Uniqueness is the database's job (a concurrent check may insert the same pair first).
        notice.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                notice.save()
        except IntegrityError:
            logger.info("Simon notice %s/%s already recorded by a concurrent check.", stage, status.status)
            continue
        created.append(notice)
    transaction.on_commit(functools.partial(simon_notices_send, now=now, boundaries=boundaries))
    return created
