"""The Celery app's handling of database connections between tasks."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from livingwell.celery import app, close_old_connections

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
