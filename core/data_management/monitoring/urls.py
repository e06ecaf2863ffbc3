"""URLs of the monitoring pages (data management)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
