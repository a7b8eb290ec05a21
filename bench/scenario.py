"""The Django side of the benchmark: who signs in, which pages are loaded, and routing.

Imported by ``bench/run.py`` after ``django.setup()`` with the same production settings as the
gunicorn it starts. A page whose view has not been built yet is listed as skipped, with the URL
name it waits for.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Max
from django.urls import NoReverseMatch, reverse

from escalations.enums import OPEN_STATES, RoutingStatus
from escalations.models import Escalation, Observation
from livingwell.enums import Role
from livingwell.management.commands.seed_scale import (
    REPRESENTATIVES,
    SCALE_PASSWORD,
    seeded_observations,
)
from livingwell.models import Locality, Notification, User

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = SCALE_PASSWORD


@dataclass
class Page:
    key: str
    title: str
    role: str | None  # whose session; None: anonymous
    path: str = ""
    method: str = "GET"
    body: str = ""
    expect: int = 200
    kind: str = "page"  # baseline, list, detail, post, dashboard
    must_contain: str = ""
    skipped: str = ""
    result: dict = field(default_factory=dict)


def users() -> dict[str, str]:
    """The one user per role the benchmark signs in as (made by seed_scale)."""
    return {str(role): username for role, username in REPRESENTATIVES.items()}


def second_factor(username: str):
    """How this user passes the second factor after the password, or None if none is asked."""
    return None


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _user(role) -> User:
    return User.objects.get(username=REPRESENTATIVES[role])


def pages(*, quick: bool) -> list[Page]:
    """Every page measured, baselines first."""
    out = [
        Page(
            "healthz", "/healthz (baseline)", None, "/healthz", kind="baseline", must_contain="ok"
        ),
        Page(
            "admin_escalations",
            "Admin: escalations change list (baseline)",
            str(Role.ADMIN),
            "/admin/escalations/escalation/",
            kind="baseline",
            must_contain="Select escalation to change",
        ),
        Page(
            "home_volunteer",
            "Home page (volunteer)",
            str(Role.VOLUNTEER),
            reverse("home"),
            kind="detail",
        ),
    ]
    return out


# --- sizes, marks and clean-up -----------------------------------------------------------------
def sizes() -> dict[str, int]:
    scale = Locality.objects.filter(slug__startswith="scale-")
    return {
        "observations": seeded_observations().count(),
        "escalations": Escalation.objects.count(),
        "open_escalations": Escalation.objects.filter(state__in=OPEN_STATES).count(),
        "localities": scale.count(),
    }


def marks() -> dict[str, int]:
    """The highest ids before the run: everything the run makes above them is removed after."""
    return {
        "observation": Observation.objects.aggregate(m=Max("pk"))["m"] or 0,
        "escalation": Escalation.objects.aggregate(m=Max("pk"))["m"] or 0,
        "notification": Notification.objects.aggregate(m=Max("pk"))["m"] or 0,
    }


def clean_up(marks: dict[str, int]) -> None:
    """Remove what the run made (observations posted, routed, notified), so a second run
    measures the same data. Audit entries stay: the audit log is never edited."""
    Escalation.objects.filter(pk__gt=marks["escalation"]).delete()
    Observation.objects.filter(pk__gt=marks["observation"]).delete()
    Notification.objects.filter(pk__gt=marks["notification"]).delete()


# --- routing ---------------------------------------------------------------------------------
def percentile(values, q: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def memory_mb(pid: int) -> dict[str, float]:
    fields = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return {
        "pid": pid,
        "rss_mb": round(fields.get("VmRSS", 0), 1),
        "peak_rss_mb": round(fields.get("VmHWM", 0), 1),
    }


def process_tree(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True, check=False
    ).stdout
    return [int(x) for x in out.split()]


def _purge(queue: str) -> int:
    from livingwell.celery import app

    with app.connection_for_write() as conn:
        return conn.default_channel.queue_purge(queue) or 0


def _wait(predicate, timeout: float, what: str) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    print(f"bench: {what} not done within {timeout:.0f} s")
    return False


@contextlib.contextmanager
def routing_worker(env: dict, log: Path):
    """One Celery worker with two processes on the routing queue, plus the trivial task."""
    logf = log.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "livingwell",
            "worker",
            "-Q",
            "routing",
            "-c",
            "2",
            "-n",
            f"bench-routing-{os.getpid()}@%h",
            "--include",
            "bench.tasks",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=logf,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        logf.close()


def routing(env: dict, args, out: Path) -> dict:
    """Trivial tasks, then fresh observations, queued before the worker starts: each kind's
    rate is timed from its first to its last row written by the worker. Then observations made
    one at a time, with the worker idle, time commit to routed."""
    from livingwell.celery import app

    result: dict = {"ok": True}
    purged = _purge("routing")
    if purged:
        print(f"bench: emptied {purged} old tasks from the routing queue")
    run_id = uuid.uuid4().hex[:12]
    prefix = f"bench-touch-{run_id}-"
    admin_id = _user(Role.ADMIN).pk
    n_touch = args.routing_observations
    t0 = time.monotonic()
    for i in range(n_touch):
        app.send_task(
            "bench.touch", kwargs={"user_id": admin_id, "key": f"{prefix}{i}"}, queue="routing"
        )
    result["trivial_tasks"] = n_touch
    result["trivial_enqueue_s"] = round(time.monotonic() - t0, 2)
    maker = observation_maker()
    if maker is None:
        result["skipped_routing"] = "the observation service that enqueues routing is not built yet"
    n_obs = args.routing_observations if maker else 0
    mark = Escalation.objects.aggregate(m=Max("pk"))["m"] or 0
    t0 = time.monotonic()
    for i in range(n_obs):
        maker(i)
    if n_obs:
        result["observations"] = n_obs
        result["observations_made_per_s"] = round(n_obs / (time.monotonic() - t0), 1)
    touches = Notification.objects.filter(key__startswith=prefix)
    fresh = Escalation.objects.filter(pk__gt=mark)
    with routing_worker(env, out / "celery-routing.log") as worker:
        result["ok"] &= _wait(lambda: touches.count() >= n_touch, 600, "trivial tasks")
        stamps = sorted(touches.values_list("created_at", flat=True))
        if len(stamps) > 1:
            result["trivial_per_s"] = round(
                (len(stamps) - 1) / (stamps[-1] - stamps[0]).total_seconds(), 1
            )
        if n_obs:
            result["ok"] &= _wait(
                lambda: fresh.filter(routing_status=RoutingStatus.DONE).count() >= n_obs,
                900,
                "routing",
            )
            routed = sorted(
                fresh.filter(routed_at__isnull=False).values_list("routed_at", flat=True)
            )
            if len(routed) > 1:
                result["routed_per_s"] = round(
                    (len(routed) - 1) / (routed[-1] - routed[0]).total_seconds(), 1
                )
            result["failed"] = fresh.filter(routing_status=RoutingStatus.FAILED).count()
            result["ok"] &= result["failed"] == 0
            # Not backed up: one observation every 100 ms, well under the worker's rate.
            mark2 = Escalation.objects.aggregate(m=Max("pk"))["m"] or 0
            m = args.latency_observations
            t0 = time.monotonic()
            for i in range(m):
                maker(n_obs + i)
                time.sleep(max(0.0, t0 + (i + 1) * 0.1 - time.monotonic()))
            paced = Escalation.objects.filter(pk__gt=mark2)
            result["ok"] &= _wait(
                lambda: paced.filter(routing_status=RoutingStatus.DONE).count() >= m,
                120,
                "paced routing",
            )
            lat = [
                (r - c).total_seconds() * 1000
                for c, r in paced.filter(routed_at__isnull=False).values_list(
                    "created_at", "routed_at"
                )
            ]
            result["commit_to_routed_ms"] = {
                "n": len(lat),
                "p50": round(percentile(lat, 50), 1),
                "p95": round(percentile(lat, 95), 1),
                "max": round(max(lat), 1) if lat else 0,
            }
        result["memory"] = [memory_mb(pid) for pid in process_tree(worker.pid)]
        result["memory_main"] = memory_mb(worker.pid)
    touches.delete()
    return result


def observation_maker():
    """A function making observation number ``i`` through the app's service (which enqueues
    its routing after the commit), or None if that service does not exist yet."""
    return None
