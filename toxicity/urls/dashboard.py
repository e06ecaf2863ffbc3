"""URLs: the investigator's toxicity dashboard, its CSV downloads and the participant's AE timeline."""

from django.urls import path

from ..views import dashboard as views

urlpatterns = [
    path("safety/", views.dashboard, name="dashboard"),
    path("safety/<slug:table>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("participants/<int:pk>/safety/", views.participant_timeline, name="participant_timeline"),
]
