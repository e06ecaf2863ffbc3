"""URLs: lab panels with their graded values, proposed adverse events and live grading."""

from django.urls import path

from ..views import downloads
from ..views import labs as views

PANELS = "participants/<int:pk>/labs/"

urlpatterns = [
    path(PANELS, views.lab_list, name="lab_list"),
    path("participants/<int:pk>/labs.csv", downloads.lab_list_csv, name="lab_list_csv"),
    path(PANELS + "new/", views.lab_create, name="lab_create"),
    path(PANELS + "<int:panel_pk>/", views.lab_detail, name="lab_detail"),
    path(PANELS + "<int:panel_pk>/edit/", views.lab_update, name="lab_update"),
    path(PANELS + "results/<int:result_pk>/dismiss/", views.lab_result_dismiss, name="lab_result_dismiss"),
    path("labs/proposals/", views.lab_proposals, name="lab_proposals"),
    path("labs/proposals.csv", downloads.lab_proposals_csv, name="lab_proposals_csv"),
    path("labs/grade/", views.lab_grade, name="lab_grade"),
]
