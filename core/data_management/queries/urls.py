"""URLs of the queries pages (data management)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
