"""The worst CTCAE v5.0 grade per term over a period, for the chemotherapy toxicity review
(PROTOCOL §3: "The chemotherapy rules ... get their grades from here").

Two sources: graded lab values (``LabResult``) of samples collected in [since, until], and adverse
events whose onset is on or before ``until`` and that are ongoing or resolved on or after ``since``
(an AE's worst ``grade``). The worst grade per term wins; grade 0 lab values count (a measured
normal value is information the review shows as "0"). Lab values not graded (no term) are left out.
"""

import datetime

from django.db.models import Q

from enrollment.models import Participant
from trialsite.protocol.treatment import FEBRILE_NEUTROPENIA

from ..models import AdverseEvent, LabResult


def _adverse_events(participant: Participant, *, since: datetime.date, until: datetime.date):
    return AdverseEvent.objects.filter(participant=participant, onset_date__lte=until).filter(
        Q(ongoing=True) | Q(resolution_date__isnull=True) | Q(resolution_date__gte=since)
    )


def worst_grades_since(participant: Participant, *, since: datetime.date, until: datetime.date) -> dict[str, int]:
    """CTCAE term -> worst grade in [since, until] from lab values and adverse events."""
    worst: dict[str, int] = {}
    labs = LabResult.objects.filter(
        panel__participant=participant,
        panel__collected_on__gte=since,
        panel__collected_on__lte=until,
        grade__isnull=False,
    ).exclude(ctcae_term="")
    for term, grade in labs.values_list("ctcae_term", "grade"):
        worst[term] = max(worst.get(term, grade), grade)
    for term, grade in _adverse_events(participant, since=since, until=until).values_list("term__term", "grade"):
        worst[term] = max(worst.get(term, grade), grade)
    return worst


def febrile_neutropenia_in_window(participant: Participant, *, since: datetime.date, until: datetime.date) -> bool:
    """Whether a "Febrile neutropenia" adverse event falls in [since, until] (same overlap rule)."""
    return _adverse_events(participant, since=since, until=until).filter(term__term__iexact=FEBRILE_NEUTROPENIA).exists()
