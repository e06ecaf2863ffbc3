"""Admin for clinical models is read-only: data is entered through the eCRF's forms (which ask for
a reason and check the version), and history can be viewed but never edited, reverted or deleted."""

from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
