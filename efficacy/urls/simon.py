"""URLs of the efficacy simon pages."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
