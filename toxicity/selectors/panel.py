"""The participant dashboard's "Adverse events" panel: what is recorded and what awaits someone."""

import datetime

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from enrollment.models import Participant

from ..models import AdverseEvent, AeProposal, LabResult
from ..rules.adverse_event import OVERDUE, sae_clock


def safety_panel_lines(participant: Participant, *, now: datetime.datetime) -> list[str]:
    """Counts of AEs (worst grade, serious, immune-related), SAE reports due or overdue, AEs awaiting the
    investigator's signature and abnormal lab values awaiting confirmation as AEs. Empty when nothing is recorded."""
    events = list(
        AdverseEvent.objects.filter(participant=participant)
        .select_related("term")
        .annotate(signed_version=Max("signatures__ae_version"))
        .order_by("number")
    )
    lines = []
    if events:
        worst = max(event.grade for event in events)
        serious = sum(event.serious for event in events)
        immune = sum(event.immune_related for event in events)
        ongoing = sum(event.ongoing for event in events)
        lines.append(
            _("%(count)s adverse event(s), worst grade %(worst)s; %(ongoing)s ongoing, %(serious)s serious, "
              "%(immune)s immune-related")
            % {"count": len(events), "worst": worst, "ongoing": ongoing, "serious": serious, "immune": immune}
        )
        for event in events:
            if event.serious and event.sae_awareness_at:
                clock = sae_clock(awareness_at=event.sae_awareness_at, sent_at=event.sae_report_sent_at, now=now)
                if clock.is_open:
                    line = (
                        _("SAE report for AE %(number)s (%(term)s) OVERDUE: %(due)s") if clock.status == OVERDUE
                        else _("SAE report for AE %(number)s (%(term)s) due: %(due)s")
                    )  # fmt: skip
                    lines.append(line % {"number": event.number, "term": event.term, "due": f"{clock.due_at:%Y-%m-%d %H:%M}"})
        unsigned = [event.number for event in events if event.signed_version != event.version]
        if unsigned:
            lines.append(_("Awaiting investigator signature: %(events)s") % {"events": ", ".join(f"AE {n}" for n in unsigned)})
    proposed = LabResult.objects.filter(
        Q(panel__participant=participant) & Q(ae_proposal=AeProposal.PROPOSED)
    ).count()
    if proposed:
        lines.append(_("%(count)s abnormal lab value(s) await confirmation as adverse events") % {"count": proposed})
    return lines
