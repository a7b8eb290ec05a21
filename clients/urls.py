from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("mine/", views.client_mine, name="mine"),
    path("new/", views.client_new, name="new"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/needs/new/", views.need_new, name="need_new"),
    path("<int:pk>/needs/<int:need_pk>/met/", views.need_met, name="need_met"),
    path("<int:pk>/consent/", views.consent_new, name="consent"),
    path("<int:pk>/assign/", views.assignment_new, name="assign"),
    path(
        "<int:pk>/assignments/<int:assignment_pk>/end/",
        views.assignment_close,
        name="assignment_end",
    ),
    path("<int:pk>/subject-access/", views.subject_access, name="subject_access"),
    path("<int:pk>/subject-access.json", views.subject_access_json, name="subject_access_json"),
]
