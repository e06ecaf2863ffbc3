"""URLs: dashboard (filled by its part)."""

urlpatterns = []
