"""The Celery app's handling of database connections between tasks."""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from livingwell.celery import _in_process_broker, app, close_old_connections, ping

from ..conftest import require_or_skip


def _task(*, eager: bool):
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def test_celerys_fixup_keeps_connections_between_tasks():
    # Without this the fix-up closes every connection around every task, whatever
    # CONN_MAX_AGE says, and each routing opens a new PostgreSQL connection.
    assert DjangoWorkerFixup(app).db_reuse_max == 1000


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_keeps_a_young_connection_and_drops_an_old_one():
    if connection.vendor != "postgresql":
        require_or_skip("PostgreSQL: SQLite's in-memory test database is never closed")
    connection.ensure_connection()
    kept = connection.connection
    close_old_connections(task=_task(eager=False))
    assert connection.connection is kept

    connection.close_at = time.monotonic() - 1  # older than CONN_MAX_AGE
    close_old_connections(task=_task(eager=False))
    assert connection.connection is None


@pytest.mark.django_db
def test_a_task_run_in_process_leaves_the_callers_connection_alone():
    # Inside the caller's transaction: checking it would close it.
    connection.ensure_connection()
    kept = connection.connection
    close_old_connections(task=_task(eager=True))
    assert connection.connection is kept and connection.in_atomic_block


def test_a_task_run_in_process_takes_its_producer_without_a_warning(caplog, monkeypatch):
    # Celery takes a producer even for a task it runs in-process; with no broker configured,
    # kombu's default transport logged "No hostname was supplied" for every connection made.
    from ..workers import _reset_pools

    # As on a laptop: no broker (Celery reads CELERY_BROKER_URL from the environment first, and
    # the test settings keep CI's for the integration tests).
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setitem(app.conf, "broker_url", None)
    monkeypatch.setitem(app.conf, "broker_transport", app.conf.broker_transport)
    _in_process_broker(app)
    assert app.conf.broker_url == "memory://localhost/"
    _reset_pools(app)  # a new pool: its connections are made afresh
    try:
        with caplog.at_level(logging.WARNING, logger="kombu"):
            assert ping.apply_async(kwargs={"value": 7}).get() == 7
    finally:
        monkeypatch.undo()
        _reset_pools(app)
    assert not [r for r in caplog.records if r.name.startswith("kombu")]
