from django.contrib import admin

from core.admin import ReadOnlyHistoryAdmin

from .models import Participant, ParticipantStatusChange


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyHistoryAdmin):
    list_display = ("screening_number", "study_number", "initials", "status", "status_date")
    list_filter = ("status",)
    search_fields = ("screening_number", "study_number", "initials")


@admin.register(ParticipantStatusChange)
class ParticipantStatusChangeAdmin(ReadOnlyHistoryAdmin):
    list_display = ("participant", "from_status", "to_status", "effective_date", "recorded_by")
    list_filter = ("to_status",)
