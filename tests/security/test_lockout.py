"""django-axes: the 11th wrong password within 5 minutes locks the username for 15 minutes."""

import datetime as dt
import logging

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
WRONG = "not-the-password-at-all"


def attempt(client, password, username="colin", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def assert_refused_wrong(response):
    assert response.status_code == 200
    assert "<title>Error: Sign in" in response.content.decode()


def assert_locked(response):
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()


def test_eleventh_wrong_password_locks_and_right_one_is_refused(
    client, coordinator, password, caplog
):
    caplog.set_level(logging.WARNING, logger="livingwell.security.signals")
    for _ in range(10):
        assert_refused_wrong(attempt(client, WRONG))
    assert_locked(attempt(client, WRONG))
    assert_locked(attempt(client, password))
    assert "_auth_user_id" not in client.session
    logged = [r.getMessage() for r in caplog.records if "sign-in failed" in r.getMessage()]
    assert len(logged) == 12
    assert logged[-1] == "sign-in failed for username 'colin' from 127.0.0.1 (locked out)"
    assert AccessFailureLog.objects.filter(username="colin").count() == 11
    assert AccessFailureLog.objects.filter(username="colin", locked_out=True).count() == 1


def test_ten_wrong_passwords_do_not_lock(client, coordinator, password):
    for _ in range(10):
        assert_refused_wrong(attempt(client, WRONG))
    assert attempt(client, password).status_code == 302


def test_failures_more_than_5_minutes_apart_do_not_add_up(client, coordinator, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(6):
            assert_refused_wrong(attempt(client, WRONG))
    with time_machine.travel(start + dt.timedelta(minutes=5, seconds=30), tick=False):
        for _ in range(5):
            assert_refused_wrong(attempt(client, WRONG))
        assert attempt(client, password).status_code == 302


def test_the_lock_lasts_15_minutes(client, coordinator, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(11):
            attempt(client, WRONG)
    with time_machine.travel(start + dt.timedelta(minutes=14, seconds=50), tick=False):
        assert_locked(attempt(client, password))
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=10), tick=False):
        assert attempt(client, password).status_code == 302


def test_the_username_is_locked_from_any_address_agent_or_cookie(client, coordinator, password):
    for n in range(11):
        attempt(client, WRONG, REMOTE_ADDR=f"10.0.0.{n}", HTTP_USER_AGENT=f"agent {n}")
        client.cookies.clear()
    assert_locked(attempt(client, password, REMOTE_ADDR="10.9.9.9", HTTP_USER_AGENT="new"))


def test_a_locked_username_leaves_others_free(client, coordinator, team_leader, password):
    for _ in range(11):
        attempt(client, WRONG)
    assert attempt(client, password, username="tessa").status_code == 302


def test_an_operator_can_lift_a_lock(client, coordinator, password):
    for _ in range(11):
        attempt(client, WRONG)
    call_command("axes_reset_username", "colin")
    assert attempt(client, password).status_code == 302


def test_an_over_long_username_is_an_error_message_not_a_failure(client):
    response = attempt(client, WRONG, username="0" * 300)
    assert_refused_wrong(response)
    assert "at most 150 characters" in response.content.decode()
    assert not AccessFailureLog.objects.exists()
