"""URLs: irae — a participant's toripalimab decisions from immune-related AEs and the
investigator's decision page (PROTOCOL §3)."""

from django.urls import path

from ..views import downloads
from ..views import irae as views

urlpatterns = [
    path("participants/<int:pk>/irae-decisions/", views.irae_decisions, name="irae_decisions"),
    path("participants/<int:pk>/irae-decisions.csv", downloads.irae_decisions_csv, name="irae_decisions_csv"),
    path(
        "participants/<int:pk>/irae-decisions/<int:decision_pk>/decide/",
        views.irae_decide,
        name="irae_decide",
    ),
]
