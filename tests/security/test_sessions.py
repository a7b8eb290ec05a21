"""Sessions: staff idle limit, absolute limit, a new key at sign-in, and deactivation."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from livingwell.models import Session
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


def _postgresql():
    from django.db import connection

    from tests.conftest import require_or_skip

    if connection.vendor != "postgresql":
        require_or_skip("the session and its user are read in one statement on PostgreSQL only")


def test_a_session_names_its_user_and_signing_out_ends_it(client, volunteer, password):
    client.post(reverse("login"), {"username": volunteer.username, "password": password})
    (session,) = Session.objects.all()
    assert session.user == volunteer
    client.post(reverse("logout"))
    assert not Session.objects.exists()
    # A session nobody signed in with names nobody.
    from livingwell.security.sessions import SessionStore

    store = SessionStore()
    store["seen"] = 1
    store.create()
    assert Session.objects.get(session_key=store.session_key).user is None


def test_a_signed_in_request_reads_its_session_and_user_in_one_statement(
    client_for, volunteer, coordinator, django_assert_num_queries
):
    _postgresql()
    health = reverse("healthz")
    for user in (volunteer, coordinator):
        web = client_for(user)
        web.get(health)
        with django_assert_num_queries(1) as read:
            assert web.get(health).wsgi_request.user == user
        assert '"livingwell_user"' in read.captured_queries[0]["sql"]


def test_the_user_is_the_one_the_session_data_names_not_its_column(
    client_for, volunteer, other_volunteer
):
    """The column follows the signed data; were they ever to differ, the data wins."""
    web = client_for(volunteer)
    Session.objects.update(user=other_volunteer)
    response = web.get(reverse("escalations:my_observations"))
    assert response.status_code == 200
    assert response.wsgi_request.user == volunteer


def test_a_session_whose_user_changed_password_elsewhere_is_signed_out(client_for, volunteer):
    """Django's check of the session's hash still runs on the user read with the session."""
    web = client_for(volunteer)
    volunteer.set_password("a whole new passphrase 2026")
    volunteer.save()
    response = web.get(reverse("escalations:my_observations"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_admin_lists_who_is_signed_in_without_their_session_data(
    client_for, admin_user, volunteer, coordinator
):
    force_login_verified(Client(), volunteer)
    web = client_for(admin_user)
    page = web.get(reverse("admin:livingwell_session_changelist"), {"q": volunteer.username})
    body = page.content.decode()
    assert page.status_code == 200 and 'id="changelist-search"' in body
    assert str(volunteer) in body and "session_data" not in body
    session = Session.objects.get(user=volunteer)
    detail = web.get(reverse("admin:livingwell_session_change", args=[session.pk])).content
    assert session.session_data.encode() not in detail
    assert (
        client_for(coordinator).get(reverse("admin:livingwell_session_changelist")).status_code
        == 302
    )


def test_expired_sessions_are_removed_at_night(volunteer, coordinator):
    from livingwell.celery import app
    from livingwell.tasks import clear_expired_sessions

    kept, expired = Client(), Client()
    force_login_verified(kept, volunteer)
    force_login_verified(expired, coordinator)
    Session.objects.filter(user=coordinator).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert clear_expired_sessions.delay().get() == 1
    assert list(Session.objects.values_list("user", flat=True)) == [volunteer.pk]
    assert kept.get(HOME).status_code == 200
    entry = app.conf.beat_schedule["livingwell-clear-expired-sessions"]
    assert entry["task"] == clear_expired_sessions.name
