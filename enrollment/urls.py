from django.urls import path

from . import views
from .views import downloads

app_name = "enrollment"

urlpatterns = [
    path("", views.participant_list, name="participant_list"),
    path("participants.csv", downloads.participant_list_csv, name="participant_list_csv"),
    path("new/", views.participant_create, name="participant_create"),
    path("screening-log/", views.screening_log, name="screening_log"),
    path("screening-log.csv", views.screening_log_csv, name="screening_log_csv"),
    path("<int:pk>/", views.participant_detail, name="participant_detail"),
    path("<int:pk>/edit/", views.participant_update, name="participant_update"),
    path("<int:pk>/status/", views.participant_status_change, name="participant_status_change"),
    path("<int:pk>/audit/", views.participant_audit, name="participant_audit"),
    path("<int:pk>/audit.csv", downloads.participant_audit_csv, name="participant_audit_csv"),
    path("<int:pk>/screening/", views.screening_edit, name="screening_edit"),
    path("<int:pk>/screening/evaluate/", views.screening_evaluate, name="screening_evaluate"),
    path("<int:pk>/screening/fail/", views.screening_fail, name="screening_fail"),
    path("<int:pk>/consent/", views.consent_create, name="consent_create"),
    path("<int:pk>/consent/<int:consent_pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/sign/", views.eligibility_sign, name="eligibility_sign"),
    path("<int:pk>/enrol/", views.participant_enrol, name="participant_enrol"),
    # Visits (PROTOCOL §4): the schedule, recording, forms, and the missing-forms report.
    path("<int:pk>/visits/", views.visit_list, name="visit_list"),
    path("<int:pk>/visits.csv", downloads.visit_list_csv, name="visit_list_csv"),
    path("<int:pk>/visits/unscheduled/new/", views.visit_unscheduled, name="visit_unscheduled"),
    path("<int:pk>/visits/<int:visit_pk>/forms/", views.visit_forms, name="visit_forms"),
    path("<int:pk>/visits/<str:visit_code>/record/", views.visit_record, name="visit_record"),
    path("visits/missing-forms/", views.missing_forms, name="missing_forms"),
    path("visits/missing-forms.csv", views.missing_forms_csv, name="missing_forms_csv"),
]
