"""URLs: labs (filled by its part)."""

urlpatterns = []
