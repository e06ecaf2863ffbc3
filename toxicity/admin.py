from django.contrib import admin

from core.admin import ReadOnlyHistoryAdmin

from .models import CtcaeTerm


@admin.register(CtcaeTerm)
class CtcaeTermAdmin(ReadOnlyHistoryAdmin):
    list_display = ("soc", "term", "meddra_code", "source")
    search_fields = ("term", "meddra_code")
    list_filter = ("soc", "source")
