"""Toxicity records made through the real services (so history rows, numbering and the irAE dose
rules happen as in the application)."""

import datetime

from django.utils import timezone

from toxicity.models import CtcaeTerm
from toxicity.services.adverse_events import adverse_event_record

NOT_RELATED = {
    "attribution_toripalimab": "unlikely",
    "attribution_cisplatin": "unlikely",
    "attribution_paclitaxel": "unlikely",
    "attribution_radiotherapy": "unlikely",
}


def adverse_event_values(*, term: str | CtcaeTerm = "Nausea", grade: int = 2, onset_date: datetime.date | None = None,
                         **changes) -> dict:  # fmt: skip
    """Values of a consistent, ongoing, non-serious, not immune-related AE (``changes`` override).

    ``immune_related=True`` without an ``irae_category`` takes the term's obvious category (or
    "other") and a probable attribution to toripalimab.
    """
    term_obj = term if isinstance(term, CtcaeTerm) else CtcaeTerm.objects.get(term=term)
    values = {
        "term": term_obj,
        "grade": grade,
        "current_grade": grade,
        "onset_date": onset_date or timezone.localdate() - datetime.timedelta(days=3),
        "ongoing": True,
        **NOT_RELATED,
        "outcome": "not_recovered",
    }
    if changes.get("immune_related"):
        from toxicity.rules.adverse_event import suggest_irae_category

        values["irae_category"] = suggest_irae_category(term_obj.term) or "other"
        values["attribution_toripalimab"] = "probable"
    values.update(changes)
    return values


def adverse_event_recorded(*, participant, user, term: str | CtcaeTerm = "Nausea", grade: int = 2,
                           onset_date: datetime.date | None = None, lab_result=None, **changes):  # fmt: skip
    """An adverse event recorded through ``adverse_event_record`` (see ``adverse_event_values``),
    e.g. ``adverse_event_recorded(participant=p, user=u, term="Alanine aminotransferase increased",
    grade=3, immune_related=True)``."""
    values = adverse_event_values(term=term, grade=grade, onset_date=onset_date, **changes)
    return adverse_event_record(participant=participant, user=user, values=values, lab_result=lab_result)
