"""Helpers of the lab-panel tests: panel values as the service and the form take them, and an
adverse event saved directly (the AE service is another part's)."""

import datetime
from decimal import Decimal

from core.services import clinical_record_save
from toxicity.models import AdverseEvent, CtcaeTerm
from trialsite.protocol.labs import ANALYTE_BY_CODE

D = Decimal


def lab_values(**entries) -> dict:
    """``alt=240`` -> {"alt": (240, default LLN, default ULN)}; ``alt=(240, 7, 40)`` gives the range."""
    values = {}
    for code, entry in entries.items():
        analyte = ANALYTE_BY_CODE[code]
        if isinstance(entry, tuple):
            value, lln, uln = entry
        else:
            value, lln, uln = entry, analyte.default_lln, analyte.default_uln
        values[code] = (None if value is None else D(str(value)), None if lln is None else D(str(lln)),
                        None if uln is None else D(str(uln)))  # fmt: skip
    return values


def form_data(collected_on: datetime.date, **entries) -> dict:
    """POST data of the lab panel form for ``entries`` (as ``lab_values``; any text is sent as is)."""
    data = {"collected_on": collected_on.isoformat(), "laboratory": "Central lab", "note": ""}
    for code, entry in entries.items():
        analyte = ANALYTE_BY_CODE[code]
        value, lln, uln = entry if isinstance(entry, tuple) else (entry, analyte.default_lln, analyte.default_uln)
        for suffix, given in (("value", value), ("lln", lln), ("uln", uln)):
            data[f"{code}_{suffix}"] = "" if given is None else str(given)
    return data


def adverse_event(participant, user, *, term: str, grade: int, onset: datetime.date, resolved=None, number=None):
    """An adverse event saved through the audited save (attributions filled, not serious)."""
    event = AdverseEvent(
        participant=participant,
        number=number or participant.adverse_events.count() + 1,
        term=CtcaeTerm.objects.get(term=term),
        grade=grade,
        current_grade=0 if resolved else grade,
        onset_date=onset,
        resolution_date=resolved,
        ongoing=resolved is None,
        attribution_toripalimab="possible",
        attribution_cisplatin="possible",
        attribution_paclitaxel="unlikely",
        attribution_radiotherapy="unlikely",
        outcome="recovered" if resolved else "not_recovered",
        recorded_by=user,
    )
    clinical_record_save(instance=event, user=user)
    return event
