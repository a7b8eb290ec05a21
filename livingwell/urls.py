from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import calendar_views, health, views

handler403 = "livingwell.views.error_403"
handler404 = "livingwell.views.error_404"
handler500 = "livingwell.views.error_500"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("livingwell.security.urls")),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notification_read"),
    path("clients/", include("clients.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("meetings/", include("peersupport.urls")),
    path("mdt/", include("mdt.urls")),
    path("evidence/", include("evidence.urls")),
    path("calendar/", calendar_views.calendar_settings, name="calendar"),
    path("calendar/reset/", calendar_views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("admin/", admin.site.urls),
    path("", include("escalations.urls")),
]
