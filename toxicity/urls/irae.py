"""URLs: irae (filled by its part)."""

urlpatterns = []
