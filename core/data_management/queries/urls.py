"""URLs of the queries pages (data management): the generic CRF record page, the query lists and
their CSV, one query, and running the edit checks now."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("records/<int:content_type_id>/<int:object_id>/", views.record, name="record"),
    path("queries/", views.query_list, name="query_list"),
    path("queries.csv", views.query_list_csv, name="query_list_csv"),
    path("queries/<int:query_pk>/", views.query_detail, name="query_detail"),
    path("queries/edit-checks/run/", views.edit_checks_run, name="edit_checks_run"),
    path("participants/<int:pk>/queries/", views.participant_queries, name="participant_queries"),
]
