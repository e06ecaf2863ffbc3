from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("health/tasks/", views.task_health, name="task_health"),
    path("health/tasks.csv", views.task_health_csv, name="task_health_csv"),
]
