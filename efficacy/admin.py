"""Efficacy records in the admin: read-only with their history (data is entered through the eCRF's
forms, which ask for a reason and check the version)."""

from django.contrib import admin

from core.admin import ReadOnlyHistoryAdmin, export_selected_as_csv

from .models import (
    FollowUpStatus,
    Lesion,
    LesionMeasurement,
    Progression,
    ResponseConfirmation,
    SimonDecisionNotice,
    TumourAssessment,
)


@admin.register(TumourAssessment)
class TumourAssessmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "kind", "assessment_date", "imaging_method", "target_sum_mm",
                    "change_from_baseline_pct", "change_from_nadir_pct", "computed_response", "version")  # fmt: skip
    list_filter = ("kind", "imaging_method", "computed_response")
    search_fields = ("participant__study_number", "participant__screening_number")


@admin.register(Lesion)
class LesionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("baseline", "label", "kind", "organ", "is_lymph_node", "baseline_diameter_mm")
    list_filter = ("kind", "is_lymph_node")


@admin.register(LesionMeasurement)
class LesionMeasurementAdmin(ReadOnlyHistoryAdmin):
    list_display = ("assessment", "lesion", "status", "diameter_mm")
    list_filter = ("status",)


@admin.register(ResponseConfirmation)
class ResponseConfirmationAdmin(ReadOnlyHistoryAdmin):
    list_display = ("assessment", "assessment_version", "computed_response", "response", "signer_name", "confirmed_at")
    list_filter = ("response",)


@admin.register(Progression)
class ProgressionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "progression_date", "site", "confirmed_by_method")
    list_filter = ("site", "confirmed_by_method")


@admin.register(FollowUpStatus)
class FollowUpStatusAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "last_known_alive_date", "last_progression_free_date", "death_date",
                    "off_study_date", "off_study_reason")  # fmt: skip


@admin.register(SimonDecisionNotice)
class SimonDecisionNoticeAdmin(admin.ModelAdmin):
    """Operational, not clinical (no history): read-only as well."""

    list_display = ("stage", "status", "evaluable", "responders", "reached_at", "notified_at")
    actions = [export_selected_as_csv]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
