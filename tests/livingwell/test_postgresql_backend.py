"""The PostgreSQL backend's health check (livingwell.postgresql): a kept connection the server
has left alone is used without a round trip; one the server has ended is replaced before a
statement fails on it; anything else the server sent has Django's ``SELECT 1`` decide."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.db import connection, connections
from django.db.utils import load_backend

from livingwell.postgresql.base import DatabaseWrapper, has_news
from tests.conftest import require_or_skip

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept():
    """A connection of its own to the test database, kept between requests and health-checked
    as production settings make it, with Django's check watched."""
    if connection.vendor != "postgresql":
        require_or_skip("the PostgreSQL backend needs PostgreSQL (set DATABASE_URL)")
    settings_dict = {**connection.settings_dict, "CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "kept")
    wrapper.is_usable = mock.Mock(wraps=wrapper.is_usable)
    yield wrapper
    wrapper.close()


def _request(wrapper) -> int:
    """What Django does for each request and each Celery task: the kept connection checked at
    its start (request_started), then the first statement. The server process's id."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _until_news(wrapper) -> None:
    deadline = time.monotonic() + 5
    while not has_news(wrapper.connection):
        assert time.monotonic() < deadline, "nothing arrived from the server"
        time.sleep(0.01)


def test_the_settings_use_this_backend():
    if connection.vendor != "postgresql":
        require_or_skip("the PostgreSQL backend needs PostgreSQL (set DATABASE_URL)")
    assert type(connections["default"]) is DatabaseWrapper


def test_a_connection_the_server_left_alone_is_used_without_select_1(kept):
    first = _request(kept)  # connects: nothing to check
    assert [_request(kept) for _ in range(3)] == [first] * 3
    assert kept.is_usable.call_count == 0  # Django's own check sends SELECT 1 every time


def test_a_connection_the_server_ended_is_replaced_before_the_first_statement(kept):
    first = _request(kept)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    _until_news(kept)  # the server's "terminating connection", then its end closed

    second = _request(kept)  # without a check: OperationalError, a 500 for the visitor

    assert second != first
    assert kept.is_usable.call_count == 1
    assert _request(kept) == second
    assert kept.is_usable.call_count == 1


def test_anything_else_from_the_server_has_select_1_decide_and_the_connection_kept(kept):
    first = _request(kept)
    with kept.cursor() as cursor:
        cursor.execute("LISTEN livingwell_health")
    # From a connection outside the test's transaction, so that it is sent at once.
    other = load_backend(connection.settings_dict["ENGINE"]).DatabaseWrapper(
        {**connection.settings_dict}, "other"
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("NOTIFY livingwell_health")
    finally:
        other.close()
    _until_news(kept)

    assert _request(kept) == first
    assert kept.is_usable.call_count == 1
    assert not has_news(kept.connection)
    assert _request(kept) == first
    assert kept.is_usable.call_count == 1


def test_a_closed_connection_has_news(kept):
    _request(kept)
    raw = kept.connection
    raw.close()
    assert has_news(raw)
