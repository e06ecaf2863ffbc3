"""URLs of the monitoring pages (data management): source data verification and locks."""

from django.urls import path

from . import views

urlpatterns = [
    path("participants/<int:pk>/monitoring/", views.participant_monitoring, name="participant_monitoring"),
    path("participants/<int:pk>/monitoring.csv", views.participant_monitoring_csv, name="participant_monitoring_csv"),
    path("sdv/", views.sdv_overview, name="sdv_overview"),
    path("sdv.csv", views.sdv_overview_csv, name="sdv_overview_csv"),
    path("locks/", views.lock_list, name="lock_list"),
    path("locks.csv", views.lock_list_csv, name="lock_list_csv"),
    path("locks/study/", views.study_lock, name="study_lock"),
    path("locks/participants/<int:pk>/", views.participant_lock, name="participant_lock"),
    path(
        "locks/records/<int:content_type_id>/<int:object_id>/",
        views.record_lock,
        name="record_lock",
    ),
    path("locks/<int:pk>/unlock/", views.lock_release, name="lock_release"),
]
