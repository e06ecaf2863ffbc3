"""URLs of the efficacy follow_up pages."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
