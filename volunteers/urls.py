from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("", views.volunteer_list, name="list"),
    path("new/", views.volunteer_new, name="new"),
    path("me/", views.volunteer_me, name="me"),
    path("me/edit/", views.volunteer_me_edit, name="me_edit"),
    path("<int:pk>/", views.volunteer_detail, name="detail"),
    path("<int:pk>/edit/", views.volunteer_edit, name="edit"),
    path("<int:pk>/training/new/", views.training_add, name="training_add"),
    path("<int:pk>/agreement/sign/", views.signature_add, name="signature_add"),
]
