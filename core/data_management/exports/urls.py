"""URLs of the exports pages (data management)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:job_pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:job_pk>/download/", views.export_download, name="export_download"),
]
