"""URLs: adverse events (the participant's AEs, one AE, its signature and SAE report) and the CTCAE
term search."""

from django.urls import path

from ..views import adverse_events as views
from ..views import downloads

AE = "participants/<int:pk>/adverse-events/<int:ae_pk>/"

urlpatterns = [
    path("participants/<int:pk>/adverse-events/", views.ae_list, name="ae_list"),
    path("participants/<int:pk>/adverse-events.csv", downloads.ae_list_csv, name="ae_list_csv"),
    path("participants/<int:pk>/adverse-events/new/", views.ae_create, name="ae_create"),
    path(AE, views.ae_detail, name="ae_detail"),
    path(AE + "edit/", views.ae_update, name="ae_update"),
    path(AE + "sign/", views.ae_sign, name="ae_sign"),
    path(AE + "sae-report/", views.ae_sae_sent, name="ae_sae_sent"),
    path("ctcae/terms/", views.ctcae_terms, name="ctcae_terms"),
]
