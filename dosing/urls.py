from django.urls import path

from . import views
from .views import downloads

app_name = "dosing"

DOSE = "participants/<int:pk>/treatment/dose/<str:agent>/<str:phase>/<int:cycle>/<int:day>/"

urlpatterns = [
    path("participants/<int:pk>/treatment/", views.treatment_calendar, name="treatment_calendar"),
    path("participants/<int:pk>/treatment.csv", downloads.treatment_calendar_csv, name="treatment_calendar_csv"),
    path("participants/<int:pk>/treatment/height-weight/", views.anthropometrics_create, name="anthropometrics_create"),
    path(
        "participants/<int:pk>/treatment/height-weight/<int:record_pk>/",
        views.anthropometrics_update,
        name="anthropometrics_update",
    ),
    path(DOSE, views.dose_record, name="dose_record"),
    path(DOSE + "delay/", views.dose_delay, name="dose_delay"),
    path("participants/<int:pk>/treatment/toxicity-review/", views.modification_create, name="modification_create"),
    path(
        "participants/<int:pk>/treatment/toxicity-review/<int:record_pk>/decide/",
        views.modification_decide,
        name="modification_decide",
    ),
    path("participants/<int:pk>/radiotherapy/", views.radiotherapy, name="radiotherapy"),
    path("participants/<int:pk>/radiotherapy/brachytherapy.csv", downloads.radiotherapy_csv, name="radiotherapy_csv"),
    path("participants/<int:pk>/radiotherapy/course/", views.radiotherapy_course, name="radiotherapy_course"),
    path("participants/<int:pk>/radiotherapy/brachytherapy/new/", views.brachy_create, name="brachy_create"),
    path(
        "participants/<int:pk>/radiotherapy/brachytherapy/<int:record_pk>/",
        views.brachy_update,
        name="brachy_update",
    ),
    path("treatment/due/", views.doses_due, name="doses_due"),
    path("treatment/due.csv", downloads.doses_due_csv, name="doses_due_csv"),
    path("treatment/deviations/", views.deviations, name="deviations"),
    path("treatment/deviations.csv", downloads.deviations_csv, name="deviations_csv"),
]
