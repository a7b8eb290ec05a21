"""What the routing integration tests need beyond ``tests/workers.py``: a worker that can be
SIGKILLed and says when it is ready, and a redis-server of our own that can be stopped."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from tests.workers import ROOT, real_broker, wait_for, worker_env

QUEUES = ("routing", "default", "notifications", "maintenance")


class Worker:
    """``celery worker`` (prefork, two processes) on the test database and ``broker_url``."""

    def __init__(self, broker_url: str, **env):
        self.log = Path(tempfile.mkstemp(prefix="lw-worker-", suffix=".log")[1])
        self.env = worker_env(broker_url, LOG_LEVEL="INFO", **env)
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 30.0) -> Worker:
        self.process = subprocess.Popen(
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
                f"lw-routing-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL takes the pool too
        )
        wait_for(
            lambda: " ready." in self.output() or self.process.poll() is not None,
            timeout=timeout,
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
    """A redis-server of our own on a private port, so a test can stop it (the shared one must
    never be stopped)."""

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
        self.process = subprocess.Popen(
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
        wait_for(self.ping, timeout=10)
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
        wait_for(lambda: not self.ping(), timeout=10)


@contextmanager
def broker(url: str, *, publish_retry: bool = True):
    """``tests.workers.real_broker`` for any URL, optionally without the publish retries (a
    test that publishes a hundred times to a broker that is down would wait for each).

    Celery reads ``CELERY_BROKER_URL`` from the environment before its own configuration,
    so the environment must name the same broker, or a private one would be ignored.
    """
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    try:
        with real_broker(url) as app:
            assert app.conf.broker_url == url
            saved = app.conf.task_publish_retry
            app.conf.task_publish_retry = publish_retry
            try:
                yield app
            finally:
                app.conf.task_publish_retry = saved
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
