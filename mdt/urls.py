from django.urls import path

from . import views

app_name = "mdt"

urlpatterns = [
    path("", views.meeting_list, name="meetings"),
    path("new/", views.meeting_create, name="meeting_new"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/change/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/agenda.pdf", views.meeting_pdf, name="meeting_pdf"),
    path("<int:pk>/invite.ics", views.meeting_ics, name="meeting_ics"),
    path("<int:pk>/members/", views.meeting_members, name="meeting_members"),
    path(
        "<int:pk>/members/<int:member_pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("<int:pk>/items/add/", views.item_add, name="item_add"),
    path("<int:pk>/publish/", views.meeting_publish, name="meeting_publish"),
    path("<int:pk>/held/", views.meeting_held, name="meeting_held"),
    path("items/<int:item_pk>/", views.item_detail, name="item_detail"),
    path("items/<int:item_pk>/volunteer/", views.item_volunteer, name="item_volunteer"),
    path("items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
    path("items/<int:item_pk>/plan/", views.item_plan, name="item_plan"),
    path("items/<int:item_pk>/actions/", views.action_add, name="action_add"),
    path("items/<int:item_pk>/close/", views.item_close, name="item_close"),
    path("actions/<int:action_pk>/done/", views.action_done, name="action_done"),
    path(
        "practices/<int:practice_pk>/standing/",
        views.standing_members,
        name="standing_members",
    ),
    path(
        "standing/<int:member_pk>/remove/",
        views.standing_member_remove,
        name="standing_member_remove",
    ),
]
