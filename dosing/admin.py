from django.contrib import admin

from core.admin import ReadOnlyHistoryAdmin

from .models import (
    Anthropometrics,
    BrachytherapyFraction,
    DoseAdministration,
    DoseDelay,
    DoseModification,
    RadiotherapyCourse,
)


@admin.register(Anthropometrics)
class AnthropometricsAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "measured_on", "height_cm", "weight_kg", "bsa_m2")


@admin.register(DoseAdministration)
class DoseAdministrationAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "agent", "phase", "cycle", "day", "status", "given_on", "dose_given_mg")
    list_filter = ("agent", "phase", "status")


@admin.register(DoseDelay)
class DoseDelayAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "agent", "phase", "cycle", "day", "original_due", "delayed_to")


@admin.register(DoseModification)
class DoseModificationAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "assessed_on", "recommended_action", "rule_code", "decision", "decided_action")
    list_filter = ("decision", "recommended_action")


@admin.register(RadiotherapyCourse)
class RadiotherapyCourseAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "technique", "prescription_dose_gy", "prescribed_fractions", "start_date", "end_date")


@admin.register(BrachytherapyFraction)
class BrachytherapyFractionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "number", "given_on", "hrctv_d90_gy", "applicator")
