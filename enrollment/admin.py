from django.contrib import admin

from core.admin import ReadOnlyHistoryAdmin

from .models import Consent, EligibilitySignature, Participant, ParticipantStatusChange, Screening, Visit, VisitForm


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyHistoryAdmin):
    list_display = ("screening_number", "study_number", "initials", "status", "status_date")
    list_filter = ("status",)
    search_fields = ("screening_number", "study_number", "initials")


@admin.register(ParticipantStatusChange)
class ParticipantStatusChangeAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "from_status", "to_status", "effective_date", "recorded_by")
    list_filter = ("to_status",)


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "figo_stage", "histology", "ecog", "eligible", "version")
    list_filter = ("eligible",)
    search_fields = ("participant__screening_number", "participant__study_number")


@admin.register(Consent)
class ConsentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "icf_version", "consent_date", "withdrawn_on")


@admin.register(EligibilitySignature)
class EligibilitySignatureAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "signer_name", "signed_at", "screening_version", "enrolment_date")


@admin.register(Visit)
class VisitAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "visit_code", "outcome", "visit_date")
    list_filter = ("outcome", "visit_code")
    search_fields = ("participant__screening_number", "participant__study_number")


@admin.register(VisitForm)
class VisitFormAdmin(ReadOnlyHistoryAdmin):
    list_display = ("visit", "form", "state")
    list_filter = ("state", "form")
