from django.urls import path

from . import views

app_name = "enrollment"

urlpatterns = [
    path("", views.participant_list, name="participant_list"),
    path("new/", views.participant_create, name="participant_create"),
    path("<int:pk>/", views.participant_detail, name="participant_detail"),
    path("<int:pk>/edit/", views.participant_update, name="participant_update"),
    path("<int:pk>/status/", views.participant_status_change, name="participant_status_change"),
    path("<int:pk>/audit/", views.participant_audit, name="participant_audit"),
]
