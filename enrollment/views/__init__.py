"""Enrollment pages: participants (list, registration, dashboard, corrections, status, audit) and
screening (eligibility form with live evaluation, consent, signature, screen failure, enrolment,
screening log)."""

from .participants import (
    participant_audit,
    participant_create,
    participant_detail,
    participant_list,
    participant_status_change,
    participant_update,
)
from .screening import (
    consent_create,
    consent_withdraw,
    eligibility_sign,
    participant_enrol,
    screening_edit,
    screening_evaluate,
    screening_fail,
    screening_log,
    screening_log_csv,
)
from .visits import missing_forms, missing_forms_csv, visit_forms, visit_list, visit_record, visit_unscheduled

__all__ = [
    "consent_create",
    "consent_withdraw",
    "eligibility_sign",
    "participant_audit",
    "participant_create",
    "participant_detail",
    "participant_enrol",
    "participant_list",
    "participant_status_change",
    "participant_update",
    "screening_edit",
    "screening_evaluate",
    "screening_fail",
    "screening_log",
    "screening_log_csv",
    "missing_forms",
    "missing_forms_csv",
    "visit_forms",
    "visit_list",
    "visit_record",
    "visit_unscheduled",
]
