"""Treatment pages: the calendar, height and weight, doses and delays, toxicity reviews and the
investigator's decision, radiotherapy, the doses-due list and the protocol deviation list."""

from .doses import (
    anthropometrics_create,
    anthropometrics_update,
    deviations,
    dose_delay,
    dose_record,
    doses_due,
    modification_create,
    modification_decide,
    treatment_calendar,
)
from .radiotherapy import brachy_create, brachy_update, radiotherapy, radiotherapy_course

__all__ = [
    "anthropometrics_create",
    "anthropometrics_update",
    "brachy_create",
    "brachy_update",
    "deviations",
    "dose_delay",
    "dose_record",
    "doses_due",
    "modification_create",
    "modification_decide",
    "radiotherapy",
    "radiotherapy_course",
    "treatment_calendar",
]
