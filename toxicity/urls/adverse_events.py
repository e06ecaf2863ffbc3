"""URLs: adverse_events (filled by its part)."""

urlpatterns = []
