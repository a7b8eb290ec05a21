"""Every named URL, for anonymous, each role and each same-role outsider: the expected status
from access_matrix.py. A URL without a row fails here: add one."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.otp import force_login_verified

from .access_matrix import LOGIN, MATRIX, WHO
from .html_forms import post_forms
from .urlconf import is_admin_internal, named_urls

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("login")
# What the Content Security Policy would block in a page: inline scripts, styles and handlers.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=\"|<style\b|\son[a-z]+=\"", re.I)


def matrix_names() -> set[str]:
    return {u.name for u in named_urls() if not is_admin_internal(u.name)}


def test_every_named_url_has_a_row():
    missing = sorted(matrix_names() - MATRIX.keys())
    assert not missing, (
        "These URLs have no row in tests/security/access_matrix.py: "
        f"{', '.join(missing)}. Add a row saying who may reach each one."
    )
    stale = sorted(MATRIX.keys() - matrix_names())
    assert not stale, f"access_matrix.py has rows for URLs that no longer exist: {stale}"


def request(row, name, world, who):
    client = Client()
    if who != "anonymous":
        force_login_verified(client, world.users[who])
    url = reverse(name, kwargs=row.kwargs(world) if row.kwargs else None)
    data = row.data(world) if row.data else {}
    return url, getattr(client, row.method)(url, data)


def mismatch(row, response, expected) -> str | None:
    if expected == LOGIN:
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.startswith(SIGN_IN):
            return None
        return f"expected a redirect to sign in, got {response.status_code} {location}"
    if response.status_code != expected:
        return f"expected {expected}, got {response.status_code}"
    if expected == 200 and "html" in response.headers.get("Content-Type", ""):
        body = response.content.decode()
        inline = INLINE.search(body)
        if inline:
            return f"inline script or style the CSP blocks: {inline.group(0)!r}"
        if row.method == "get" and not row.form and any(f.typed for f in post_forms(body)):
            return "has a form to fill in: mark the row form=True so test_forms_fuzz.py fuzzes it"
    return None


@pytest.mark.parametrize("who", WHO)
def test_access_matrix(who, world):
    problems = []
    for name, row in sorted(MATRIX.items()):
        url, response = request(row, name, world, who)
        problem = mismatch(row, response, row.expect[who])
        if problem:
            problems.append(f"{name} ({row.method.upper()} {url}) as {who}: {problem}")
    assert not problems, "\n".join(problems)
