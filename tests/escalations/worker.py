"""A real Celery worker (and, for outages, a private redis-server) for the integration tests.

The worker is a subprocess with production settings, pointed at the pytest-django test
database and at the test broker, so that it sees the rows a transactional test commits.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
QUEUES = ("routing", "default", "notifications", "maintenance")


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or "5432"
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Worker:
    def __init__(self, broker_url: str, **env):
        self.broker_url = broker_url
        self.log = Path(tempfile.mkstemp(prefix="lw-worker-", suffix=".log")[1])
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "livingwell.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "SECRET_KEY": "integration-test-secret-key-0123456789-abcdefghijklmnop",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "localhost",
            "CONN_MAX_AGE": "0",
            "LOG_LEVEL": "INFO",
            "EMAIL_URL": "consolemail://",
            **{k: str(v) for k, v in env.items()},
        }
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 30.0) -> Worker:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "livingwell",
                "worker",
                "-Q",
                ",".join(QUEUES),
                "-c",
                "2",
                "-P",
                "prefork",
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"lw-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL takes the children too
        )
        wait_for(
            lambda: " ready." in self.output() or self.process.poll() is not None,
            timeout=timeout,
            what="the Celery worker to start",
        )
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{self.output()}")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: nothing gets to clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.unlink(missing_ok=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own on a private port, so the test can stop it (the shared one
    must never be stopped)."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None
        self.dir = tempfile.mkdtemp(prefix="lw-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, timeout=10, what="redis-server to start")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_for(lambda: not self.ping(), timeout=10, what="redis-server to stop")


@contextmanager
def real_broker(url: str, *, publish_retry: bool | None = None):
    """Make this process's Celery app publish to ``url`` instead of running tasks eagerly."""
    from livingwell.celery import app

    def reset_pools():
        from kombu import pools

        pools.reset()  # kombu keeps connection pools per URL, globally
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    keys = ("task_always_eager", "broker_url", "task_publish_retry")
    saved = {k: app.conf[k] for k in keys}
    reset_pools()
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    if publish_retry is not None:
        app.conf.task_publish_retry = publish_retry
    try:
        yield app
    finally:
        reset_pools()
        for key, value in saved.items():
            app.conf[key] = value


def purge(url: str) -> None:
    """Empty the test broker's queues (and unacknowledged messages) left by an earlier run."""
    import redis

    client = redis.Redis.from_url(url)
    client.delete(*QUEUES, "unacked", "unacked_index", "unacked_mutex")
