from django.urls import path

from . import views

app_name = "escalations"

urlpatterns = [
    path("observations/new/", views.observation_create, name="observation_create"),
    path("observations/", views.my_observations, name="my_observations"),
    path("observations/<int:pk>/", views.my_observation, name="my_observation"),
    path("observations/<int:pk>/answer/", views.observation_answer, name="observation_answer"),
    path("observations/<int:pk>/respond/", views.outcome_respond, name="outcome_respond"),
    path("triage/", views.triage_queue, name="triage"),
    path("escalations/<int:pk>/", views.escalation_detail, name="detail"),
    path("escalations/<int:pk>/accept/", views.escalation_accept, name="accept"),
    path("escalations/<int:pk>/reroute/", views.escalation_reroute, name="reroute"),
    path("escalations/<int:pk>/refer/", views.escalation_refer, name="refer"),
    path("escalations/<int:pk>/mdt/", views.escalation_put_to_mdt, name="put_to_mdt"),
    path("escalations/<int:pk>/ask/", views.escalation_ask, name="ask"),
    path("escalations/<int:pk>/close/", views.escalation_close, name="close"),
    path(
        "escalations/<int:pk>/retry-routing/", views.escalation_retry_routing, name="retry_routing"
    ),
    path("escalations/<int:pk>/reply/", views.outcome_reply, name="outcome_reply"),
    path("escalations/<int:pk>/story/", views.story_edit, name="story_edit"),
    path("escalations/<int:pk>/story/publish/", views.story_publish, name="story_publish"),
    path("escalations/<int:pk>/story/unpublish/", views.story_unpublish, name="story_unpublish"),
    path("stories/", views.stories_home, name="stories_home"),
    path("stories/<slug:locality>/", views.story_list, name="stories"),
    path("services/", views.service_list, name="services"),
    path("services/new/", views.service_create, name="service_create"),
    path("services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("rota/", views.rota, name="rota"),
    path("rota/<int:pk>/delete/", views.rota_delete, name="rota_delete"),
]
