"""Sessions: staff idle limit, absolute limit, a new key at sign-in, and deactivation."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.otp import force_login_verified

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def signed_out_for(response, reason):
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"
    return reason


def test_staff_are_signed_out_after_30_minutes_idle(client_for, coordinator):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_for(coordinator)
        assert client.get(HOME).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(HOME).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=59, seconds=30), tick=False):
        response = client.get(HOME)
        signed_out_for(response, "idle")
        page = client.get(response.url)
        assert "You were signed out after 30 minutes without activity" in page.content.decode()
        assert client.get(HOME).status_code == 302


def test_volunteers_are_not_timed_out_when_idle(client_for, volunteer):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_for(volunteer)
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        assert client.get(HOME).status_code == 200


@pytest.mark.parametrize("role", ["volunteer", "coordinator"])
def test_everyone_is_signed_out_12_hours_after_signing_in(client_for, users, role):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_for(users[role])
    step = dt.timedelta(minutes=20)
    at = start
    while at + step < start + dt.timedelta(hours=12):
        at += step
        with time_machine.travel(at, tick=False):
            assert client.get(HOME).status_code == 200, at - start
    with time_machine.travel(start + dt.timedelta(hours=12, minutes=1), tick=False):
        response = client.get(HOME)
        signed_out_for(response, "absolute")
        assert "12 hours after signing in" in client.get(response.url).content.decode()


def test_signing_in_changes_the_session_key(client, volunteer, password):
    session = client.session
    session["seen_the_sign_in_page"] = True
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    response = client.post(reverse("login"), {"username": "vera", "password": password})
    assert response.status_code == 302
    after = client.session.session_key
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.filter(session_key=after).exists()


def test_deactivating_a_user_ends_all_their_sessions(coordinator, team_leader):
    phone, desk, other = Client(), Client(), Client()
    force_login_verified(phone, coordinator)
    force_login_verified(desk, coordinator)
    force_login_verified(other, team_leader)
    assert Session.objects.count() == 3

    coordinator.is_active = False
    coordinator.save()

    assert Session.objects.count() == 1
    assert phone.get(HOME).url == f"{reverse('login')}?next=/"
    assert desk.get(HOME).url == f"{reverse('login')}?next=/"
    assert other.get(HOME).status_code == 200


def test_saving_an_active_user_keeps_their_sessions(coordinator):
    client = force_login_verified(Client(), coordinator)
    coordinator.first_name = "Colin"
    coordinator.save()
    assert client.get(HOME).status_code == 200


def test_a_page_reads_the_user_itself_not_lazy_wrappers(client_for, coordinator, volunteer):
    """Django's and django-otp's middleware each wrap the user in a lazy object that passes
    every attribute read on through an exception; the session checks, which read the user on
    every request anyway, hand the page the user itself, second factor and all."""
    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import LazyObject

    for user in (coordinator, volunteer):
        response = client_for(user).get(HOME)
        seen = response.wsgi_request.user
        assert response.status_code == 200
        assert not isinstance(seen, LazyObject)
        assert seen == user
        assert seen.is_verified() is (user == coordinator)
    seen = Client().get(HOME).wsgi_request.user
    assert not isinstance(seen, LazyObject) and isinstance(seen, AnonymousUser)
