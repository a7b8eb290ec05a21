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

# Short limits: a claim older than the hard limit is stale, and Redis hands an
# unacknowledged message to another worker after the visibility timeout.
WORKER_ENV = {
    "CELERY_TASK_TIME_LIMIT": 6,
    "CELERY_TASK_SOFT_TIME_LIMIT": 5,
    "CELERY_VISIBILITY_TIMEOUT": 3,
    "ROUTING_SWEEP_AFTER_SECONDS": 0,
}


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

    def __init__(self, port: int, *, appendonly: bool = False):
        self.port = port
        self.appendonly = appendonly
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
                # Production's setting (README): every write goes to the append-only file, so
                # the queued tasks are still there after a restart.
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--appendfsync",
                "always",
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

    def kill(self) -> None:
        """SIGKILL: no chance to save anything but what the append-only file already holds."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_for(lambda: not self.ping(), timeout=10)

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _postgres_bin(name: str) -> str | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return str(found[-1]) if found else shutil.which(name)


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in a temp dir, a private port, trust auth), so a
    test can restart it. initdb refuses root: as root it runs as the ``postgres`` user."""

    def __init__(self, port: int):
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="lw-pg-"))
        self.data = self.dir / "data"

    @staticmethod
    def available() -> bool:
        if not (_postgres_bin("initdb") and _postgres_bin("pg_ctl") and _postgres_bin("psql")):
            return False
        if os.geteuid() != 0:
            return True
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False
        return shutil.which("runuser") is not None

    def url(self, name: str = "livingwell") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _as_owner(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, timeout=60, **kwargs)

    def _ctl(self, *args: str) -> None:
        self._as_owner(_postgres_bin("pg_ctl"), "-D", str(self.data), "-w", "-t", "30", *args)

    def start(self) -> PrivatePostgres:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        if not self.data.exists():
            self._as_owner(
                _postgres_bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
            "-c full_page_writes=off"
        )
        self._ctl("-o", options, "-l", str(self.dir / "log"), "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session at once, as a restart in production does."""
        if (self.data / "postmaster.pid").exists():
            self._ctl("-m", mode, "stop")

    def copy_from(self, url: str, name: str = "livingwell") -> str:
        """A copy of the database at ``url`` (schema and rows) under ``name`` here."""
        psql = _postgres_bin("psql")
        subprocess.run(
            [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q", "-c",
             f'CREATE DATABASE "{name}"'],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        dump = subprocess.run(
            [_postgres_bin("pg_dump"), "--no-owner", "--no-privileges", url],
            check=True,
            capture_output=True,
            timeout=60,
        )
        subprocess.run(
            [psql, "-q", "-v", "ON_ERROR_STOP=1", self.url(name)],
            input=dump.stdout,
            check=True,
            capture_output=True,
            timeout=60,
        )
        return self.url(name)

    def remove(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


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
