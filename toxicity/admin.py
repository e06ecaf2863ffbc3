from django.contrib import admin

from core.admin import ReadOnlyHistoryAdmin

from .models import AdverseEvent, AdverseEventSignature, CtcaeTerm, IraeDoseDecision, LabPanel, LabResult


@admin.register(CtcaeTerm)
class CtcaeTermAdmin(ReadOnlyHistoryAdmin):
    list_display = ("soc", "term", "meddra_code", "source")
    search_fields = ("term", "meddra_code")
    list_filter = ("soc", "source")


@admin.register(LabPanel)
class LabPanelAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "collected_on", "laboratory")


@admin.register(LabResult)
class LabResultAdmin(ReadOnlyHistoryAdmin):
    list_display = ("panel", "analyte", "value", "unit", "lln", "uln", "grade", "ae_proposal")
    list_filter = ("analyte", "grade", "ae_proposal")


@admin.register(AdverseEvent)
class AdverseEventAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "number", "term", "grade", "current_grade", "onset_date", "serious", "immune_related")
    list_filter = ("grade", "serious", "immune_related", "irae_category")
    search_fields = ("term__term",)


@admin.register(AdverseEventSignature)
class AdverseEventSignatureAdmin(ReadOnlyHistoryAdmin):
    list_display = ("adverse_event", "ae_version", "signer_name", "signed_at")


@admin.register(IraeDoseDecision)
class IraeDoseDecisionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "adverse_event", "rule_code", "recommended_action", "decision", "active")
    list_filter = ("recommended_action", "decision", "active")
