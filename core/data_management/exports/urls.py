"""URLs of the exports pages (data management)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
