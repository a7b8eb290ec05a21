"""URL patterns that some numbers do not fit, for tests/livingwell/test_reversing.py."""

from django.http import HttpResponse
from django.urls import include, path, re_path


def view(request, **kwargs):
    return HttpResponse("")


app = (
    [
        path("thing/<int:pk>/", view, name="thing"),
        path("thing/<int:pk>/part/<int:n>/", view, name="part"),
        path("by-name/<slug:slug>/", view, name="by_name"),
        re_path(r"^year/(?P<year>[0-9]{4})/$", view, name="year"),
        re_path(r"^small/(?P<n>[1-9])/$", view, name="small"),
        path("9083716254/<int:pk>/", view, name="sentinel_in_path"),
        path("", view, name="home"),
    ],
    "app",
)

urlpatterns = [
    path("one/", include(app, namespace="one")),
    path("two/", include(app, namespace="two")),
]
