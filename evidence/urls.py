from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures.csv", views.dashboard_csv, name="dashboard_csv"),
    path("coproduction-models/", views.coproduction_models, name="models"),
]
