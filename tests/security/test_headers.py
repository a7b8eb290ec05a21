"""Headers on every response."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def csp_directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    parts = [p.strip() for p in header.split(";") if p.strip()]
    return {p.split()[0]: " ".join(p.split()[1:]) for p in parts}


def assert_security_headers(response):
    csp = csp_directives(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_anonymous_pages_carry_the_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_security_headers(response)


def test_signed_in_pages_carry_the_headers_and_are_never_stored(client_for, coordinator):
    response = client_for(coordinator).get(reverse("home"))
    assert response.status_code == 200
    assert_security_headers(response)
    cache = [v.strip() for v in response.headers["Cache-Control"].split(",")]
    assert "no-store" in cache and "private" in cache


def test_redirects_to_the_code_step_carry_the_headers(client_for, coordinator):
    response = client_for(coordinator, verified=False).get(reverse("home"))
    assert response.status_code == 302
    assert_security_headers(response)


# `check --deploy --fail-level WARNING` with production settings: tests/livingwell/test_settings.py.


def _never_cached(response) -> tuple[set[str], bool]:
    directives = [v.strip() for v in response.headers["Cache-Control"].split(",")]
    return set(directives), "Expires" in response.headers


def test_signed_in_responses_say_what_djangos_never_cache_says(rf, volunteer):
    from django.http import HttpResponse
    from django.utils.cache import add_never_cache_headers

    from livingwell.middleware import NEVER_CACHE, NoStoreForSignedInMiddleware

    request = rf.get("/")
    request.user = volunteer
    ours = NoStoreForSignedInMiddleware(lambda r: HttpResponse("x"))(request)
    django = HttpResponse("x")
    add_never_cache_headers(django)
    assert _never_cached(ours) == _never_cached(django)
    # "no-store" first, for the caches that read only the first directive.
    assert ours.headers["Cache-Control"] == NEVER_CACHE
    assert NEVER_CACHE.startswith("no-store, ")


def test_a_views_own_cache_control_is_merged_as_django_merges_it(rf, volunteer):
    from django.http import HttpResponse

    from livingwell.middleware import NoStoreForSignedInMiddleware

    def view(request):
        response = HttpResponse("x")
        response.headers["Cache-Control"] = "max-age=300, public"
        response.headers["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
        return response

    request = rf.get("/")
    request.user = volunteer
    response = NoStoreForSignedInMiddleware(view)(request)
    directives, _ = _never_cached(response)
    assert {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"} <= directives
    assert "public" not in directives and "max-age=300" not in directives
    assert response.headers["Expires"] == "Thu, 01 Jan 2099 00:00:00 GMT"


def test_anonymous_responses_are_left_as_they_are(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from livingwell.middleware import NoStoreForSignedInMiddleware

    request = rf.get("/")
    request.user = AnonymousUser()
    response = NoStoreForSignedInMiddleware(lambda r: HttpResponse("x"))(request)
    assert "Cache-Control" not in response.headers and "Expires" not in response.headers
