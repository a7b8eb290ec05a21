"""Headers on every response, and Django's deployment checks with production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


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


def test_deploy_checks_pass_with_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "DEBUG"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="livingwell.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="livingwell.example.org",
    )
    result = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
