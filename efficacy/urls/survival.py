"""URLs of the survival report (PROTOCOL §5): the page and its CSV downloads."""

from django.urls import path

from ..views import survival as views

urlpatterns = [
    path("efficacy/survival/", views.survival, name="survival"),
    path("efficacy/survival/<slug:table>.csv", views.survival_csv, name="survival_csv"),
]
