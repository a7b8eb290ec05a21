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
