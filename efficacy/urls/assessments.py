"""URLs of the tumour assessment pages (RECIST 1.1): a participant's assessments, recording the
baseline and follow-ups with the live computation, and one assessment, its correction and the
investigator's confirmation."""

from django.urls import path

from ..views import assessments as views
from ..views import downloads

PARTICIPANT = "participants/<int:pk>/tumour-assessments/"
ASSESSMENT = "tumour-assessments/<int:assessment_pk>/"

urlpatterns = [
    path(PARTICIPANT, views.assessment_list, name="assessment_list"),
    path("participants/<int:pk>/tumour-assessments.csv", downloads.assessment_list_csv, name="assessment_list_csv"),
    path(PARTICIPANT + "baseline/new/", views.baseline_create, name="baseline_create"),
    path(PARTICIPANT + "follow-up/new/", views.followup_create, name="followup_create"),
    path(PARTICIPANT + "preview/", views.assessment_preview, name="assessment_preview"),
    path(ASSESSMENT, views.assessment_detail, name="assessment_detail"),
    path(ASSESSMENT + "baseline/edit/", views.baseline_update, name="baseline_update"),
    path(ASSESSMENT + "follow-up/edit/", views.followup_update, name="followup_update"),
    path(ASSESSMENT + "confirm/", views.assessment_confirm, name="assessment_confirm"),
]
