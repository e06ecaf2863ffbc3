"""URLs of the Simon two-stage monitor (PROTOCOL §5)."""

from django.urls import path

from ..views import simon as views

urlpatterns: list = [
    path("efficacy/simon/", views.simon, name="simon"),
    path("efficacy/simon/evaluable.csv", views.simon_csv, name="simon_csv"),
]
