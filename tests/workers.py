"""Real Celery workers for integration tests: a subprocess on the test's own database."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from livingwell.settings import broker_transport

ROOT = Path(__file__).resolve().parents[1]


def redis_available(url: str) -> bool:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


def test_database_url() -> str:
    """The URL of the database this test is using (pytest-django's test database)."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("a real worker needs PostgreSQL (DATABASE_URL=postgres://...)")
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


def worker_env(broker_url: str, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="livingwell.settings",
        DEBUG="0",
        SECRET_KEY="integration-test-secret-key-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=test_database_url(),
        CELERY_BROKER_URL=broker_url,
        CONN_MAX_AGE="0",
        LOG_LEVEL="WARNING",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


@contextlib.contextmanager
def celery_worker(
    broker_url: str,
    *,
    queues: str = "routing,default,notifications,maintenance",
    concurrency: int = 1,
    name: str = "w1",
    **extra_env,
):
    """Start ``celery worker`` on ``broker_url`` and the test database; stop it on exit."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "livingwell",
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency),
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=worker_env(broker_url, **extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@contextlib.contextmanager
def real_broker(broker_url: str):
    """Make this process publish to ``broker_url`` instead of running tasks eagerly."""
    from livingwell.celery import app

    saved = (
        app.conf.broker_url,
        app.conf.broker_transport,
        app.conf.task_always_eager,
        settings.CELERY_TASK_ALWAYS_EAGER,
    )
    app.conf.broker_url = broker_url
    app.conf.broker_transport = broker_transport(broker_url)  # as the settings choose it
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _reset_pools(app)
    try:
        yield app
    finally:
        (
            app.conf.broker_url,
            app.conf.broker_transport,
            app.conf.task_always_eager,
            settings.CELERY_TASK_ALWAYS_EAGER,
        ) = saved
        _reset_pools(app)


def _reset_pools(app) -> None:
    """Drop pooled broker connections so the next publish uses the current broker URL."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    from kombu import pools

    pools.reset()  # kombu keeps producer pools per connection, process-wide


def wait_for(predicate, *, timeout: float = 20.0, interval: float = 0.1):
    """Poll ``predicate`` until it returns a truthy value or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
