"""Writes for participants, screening, consent, eligibility sign-off and enrolment. Every write
goes through ``core.services.clinical_record_save`` (validated, versioned, audited)."""

from .participants import participant_change_status, participant_create, participant_update
from .screening import (
    consent_record,
    consent_withdraw,
    eligibility_sign,
    participant_enrol,
    screening_fail,
    screening_save,
)

__all__ = [
    "consent_record",
    "consent_withdraw",
    "eligibility_sign",
    "participant_change_status",
    "participant_create",
    "participant_enrol",
    "participant_update",
    "screening_fail",
    "screening_save",
]
