from django.urls import path

from . import views

app_name = "peersupport"

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/change/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/sign-up/", views.meeting_sign_up, name="meeting_sign_up"),
    path("<int:pk>/withdraw/", views.meeting_withdraw, name="meeting_withdraw"),
    path("<int:pk>/topics/", views.meeting_add_topic, name="meeting_add_topic"),
    path("<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("<int:pk>/notes/", views.meeting_notes, name="meeting_notes"),
    path("<int:pk>/actions/", views.meeting_add_action, name="meeting_add_action"),
    path("<int:pk>/actions/<int:action_pk>/done/", views.action_done, name="action_done"),
]
