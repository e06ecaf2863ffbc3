from django.urls import path

from . import language, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("language/", language.set_language, name="set_language"),
    path("health/tasks/", views.task_health, name="task_health"),
    path("health/tasks.csv", views.task_health_csv, name="task_health_csv"),
]
