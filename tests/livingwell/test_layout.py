"""The layout every page shares (templates/base.html with its top drawn by the Jinja2 partial
livingwell/jinja2/layout/_top.html): the header, the menu of each role, the sign-out form, the
static files' URLs."""

from __future__ import annotations

import re

import pytest
from django.templatetags.static import static as django_static
from django.test import Client, override_settings
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import timezone

from livingwell.jinja import static
from livingwell.models import Notification
from livingwell.navigation import nav_for

pytestmark = pytest.mark.django_db

MENU_LINK = re.compile(
    r'<li class="govuk-service-navigation__item( govuk-service-navigation__item--active)?">'
    r'<a class="govuk-service-navigation__link" href="([^"]+)"( aria-current="page")?>([^<]+)</a>'
)


def _menu(body: str) -> list[tuple[str, str, bool]]:
    found = MENU_LINK.findall(body)
    for active_class, _, current, _ in found:
        assert bool(active_class) == bool(current)
    return [(label, href, bool(current)) for _, href, current, label in found]


@pytest.mark.parametrize(
    "role", ["volunteer", "coordinator", "team_leader", "mdt_chair", "practitioner", "admin"]
)
def test_each_role_sees_its_own_menu_with_the_page_it_is_on_marked(users, client_for, role):
    user = users[role]
    body = client_for(user).get(reverse("home")).content.decode()
    expected = [(label, reverse(name)) for label, name in nav_for(user)]
    menu = _menu(body)
    assert [(label, href) for label, href, _ in menu] == expected
    assert [label for label, _, current in menu if current] == ["Home"]


def test_the_menu_marks_the_page_it_is_on_on_every_page(client_for, coordinator):
    web = client_for(coordinator)
    for label, name in nav_for(coordinator):
        response = web.get(reverse(name))
        if response.status_code != 200:
            continue
        current = [item for item, _, on in _menu(response.content.decode()) if on]
        assert current == [label], name


def test_the_menu_follows_the_script_prefix(client_for, volunteer):
    web = client_for(volunteer)
    web.get(reverse("home"))
    set_script_prefix("/living-well/")
    try:
        from livingwell.context_processors import _menu as menu_of

        assert all(path.startswith("/living-well/") for _, path in menu_of(volunteer))
    finally:
        clear_script_prefix()
    body = web.get(reverse("home")).content.decode()
    assert all(not href.startswith("/living-well/") for _, href, _ in _menu(body))


def test_the_header_names_the_user_their_role_and_their_unread_notifications(
    client_for, coordinator
):
    web = client_for(coordinator)
    body = web.get(reverse("home")).content.decode()
    who = f'{coordinator} (Coordinator)<span class="govuk-visually-hidden">: your account</span>'
    assert who in body
    assert f'href="{reverse("account:overview")}"' in body
    assert '<span class="lw-count">' not in body
    for n in range(3):
        Notification.objects.create(user=coordinator, subject=f"N{n}", created_at=timezone.now())
    body = web.get(reverse("home")).content.decode()
    assert (
        '<span class="lw-count">3<span class="govuk-visually-hidden"> unread</span></span>' in body
    )


def test_the_header_escapes_a_users_name(client_for, volunteer):
    volunteer.first_name = "<b>Vera</b>"
    volunteer.save()
    body = client_for(volunteer).get(reverse("home")).content.decode()
    assert "<b>Vera</b>" not in body and "&lt;b&gt;Vera&lt;/b&gt;" in body


def test_the_sign_out_form_carries_a_token_that_signs_out(volunteer):
    web = Client(enforce_csrf_checks=True)
    web.force_login(volunteer)
    body = web.get(reverse("home")).content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)" class="lw-inline-form">'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">',
        body,
    )
    assert form and form.group(1) == reverse("logout")
    assert web.post(reverse("logout")).status_code == 403  # no token: refused
    assert web.post(form.group(1), {"csrfmiddlewaretoken": form.group(2)}).status_code == 302
    assert web.get(reverse("home")).status_code == 302  # signed out


def test_a_signed_out_page_has_no_user_header_nor_menu(client):
    body = client.get(reverse("login")).content.decode()
    assert "lw-header__user" not in body and "govuk-service-navigation" not in body
    assert "Skip to main content" in body


def test_static_urls_are_djangos_and_follow_a_change_of_setting():
    for path in ("css/app.css", "js/app.js"):
        assert static(path) == django_static(path)
    with override_settings(STATIC_URL="/assets/"):
        assert static("css/app.css") == django_static("css/app.css")
        assert static("css/app.css").startswith("/assets/")
    assert static("css/app.css") == django_static("css/app.css")
