"""From the screening record to the data the eligibility rules read (PROTOCOL §1).

The form asks "was there ever such an event?" before each of the four "most recent event" dates:
"no" becomes ``None`` (no such event) for ``evaluate``; "yes" passes the date on (a missing date
stays not recorded); an unanswered question leaves the key out (not recorded).
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from .eligibility import CRITERIA

# The date key of each event and the yes/no question that precedes it on the form.
EVENT_QUESTIONS: Mapping[str, str] = {
    "prior_malignancy_date": "prior_malignancy",
    "cardiocerebral_event_date": "cardiocerebral_event",
    "last_immunosuppressant_date": "immunosuppressant_use",
    "last_live_vaccine_date": "live_vaccine",
}
# Keys whose values come from elsewhere than the screening record.
PARTICIPANT_KEYS = ("date_of_birth",)
CONSENT_KEYS = ("consent_date",)

EVALUATED_KEYS: tuple[str, ...] = tuple(dict.fromkeys(key for c in CRITERIA for key in c.keys))
SCREENING_KEYS: tuple[str, ...] = tuple(
    k for k in EVALUATED_KEYS if k not in PARTICIPANT_KEYS + CONSENT_KEYS and k not in EVENT_QUESTIONS
)


def evaluation_data(
    values: Mapping[str, object],
    *,
    date_of_birth: datetime.date | None,
    consent_date: datetime.date | None,
) -> dict[str, object]:
    """The ``evaluate`` input for screening ``values`` (field name -> value, None = blank)."""
    data: dict[str, object] = {key: _as_entered(values.get(key)) for key in SCREENING_KEYS}
    for date_key, question in EVENT_QUESTIONS.items():
        answer = values.get(question)
        if answer is False:
            data[date_key] = None
        elif answer is True and values.get(date_key) is not None:
            data[date_key] = values[date_key]
    data["date_of_birth"] = date_of_birth
    data["consent_date"] = consent_date
    return data


def _as_entered(value: object) -> object:
    """A stored decimal without the padding of its column (1.90 -> 1.9, 245.0 -> 245), so reasons
    quote the value as it was typed."""
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent < 0:
        text = format(value, "f").rstrip("0").rstrip(".")
        return Decimal(text)
    return value


def form_field_for_key(key: str) -> str | None:
    """The screening form field that holds an ``evaluate`` key (None when it is not on the form)."""
    if key in PARTICIPANT_KEYS or key in CONSENT_KEYS:
        return None
    return key
