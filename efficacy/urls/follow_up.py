"""URLs of the follow-up and outcome pages: a participant's progressions and survival follow-up."""

from django.urls import path

from ..views import downloads
from ..views import follow_up as views

urlpatterns = [
    path("participants/<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("participants/<int:pk>/follow-up/progressions.csv", downloads.follow_up_csv, name="follow_up_csv"),
    path("participants/<int:pk>/follow-up/status/", views.follow_up_status, name="follow_up_status"),
    path("participants/<int:pk>/follow-up/progressions/new/", views.progression_create, name="progression_create"),
    path("progressions/<int:progression_pk>/edit/", views.progression_update, name="progression_update"),
]
