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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.apps import apps
from django.db import connection
from django.db.models import Count, Max
from django.urls import NoReverseMatch, reverse

from clients.models import Client
from escalations.enums import OPEN_STATES, RoutingStatus
from escalations.models import Escalation, EscalationEvent, Observation, Referral
from escalations.selectors import callers_for
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
    cold_ms: float | None = None  # the dashboard: its first request, with nothing kept
    # /healthz's requests/s on either side of this page's load (their mean): the ceiling its
    # share is of, measured seconds from it rather than once at the start of the run.
    healthz_next: float | None = None
    # CPU microseconds a request, by process (bench/cpu.py): app, postgres, redis, wrk.
    cpu_us: dict | None = None
    result: dict = field(default_factory=dict)
    # The same page in the run's second world, alternated with this one (bench/run.py).
    paired: dict | None = None


def users() -> dict[str, str]:
    """The one user per role the benchmark signs in as (made by seed_scale)."""
    return {str(role): username for role, username in REPRESENTATIVES.items()}


def second_factor(username: str) -> tuple[str, Callable[[], str]] | None:
    """How this user passes the second factor after the password: the code page's path and a
    function giving a code it accepts now, or None if this user is not asked for one."""
    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return None
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from livingwell.security.services import next_accepted_code

    device = (
        TOTPDevice.objects.filter(user__username=username, confirmed=True).order_by("pk").first()
    )
    path = _url("account:otp_verify")
    if device is None or path is None or _user_role(username) == Role.VOLUNTEER:
        return None

    def code() -> str:
        # A code works once: the first step not used yet, waiting if it is ahead.
        device.refresh_from_db()
        code, wait = next_accepted_code(device)
        if wait:
            time.sleep(wait + 0.1)
        return code

    return path, code


def _user_role(username: str) -> str:
    return User.objects.filter(username=username).values_list("role", flat=True).first() or ""


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _user(role) -> User:
    return User.objects.get(username=REPRESENTATIVES[role])


def pages(*, quick: bool) -> list[Page]:
    """Every page measured: the baselines first, the observation POST last (it adds rows that
    the queues would show; the run removes them afterwards)."""
    volunteer = _user(Role.VOLUNTEER)
    coordinator = _user(Role.COORDINATOR)
    chair = _user(Role.MDT_CHAIR)
    own_client = (
        Client.objects.filter(assignments__volunteer__user=volunteer, assignments__ended_on=None)
        .order_by("pk")
        .first()
    )
    # The client of the coordinator's locality with the most observations: the heaviest page.
    busy_client = (
        Client.objects.filter(locality_id=coordinator.locality_id)
        .annotate(n=Count("observations"))
        .order_by("-n", "pk")
        .first()
    )
    # The escalation at the top of the coordinator's queue, the one they open first.
    top = (
        Escalation.objects.filter(locality_id=coordinator.locality_id, state__in=OPEN_STATES)
        .order_by("urgency_rank", "created_at")
        .first()
    )
    # The team leader's call from the benchmark's volunteer, or from any volunteer the team
    # leader may log a call for.
    callers = callers_for(_user(Role.TEAM_LEADER))
    caller = callers.filter(user=volunteer).first() or callers.order_by("pk").first()
    volunteer_role, coordinator_role = str(Role.VOLUNTEER), str(Role.COORDINATOR)
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
        _page(
            "observation_form",
            "Observation form (volunteer, GET)",
            volunteer_role,
            "escalations:observation_create",
            kind="detail",
            must_contain='name="submission_key"',
        ),
        _page(
            "call_form",
            "Phoned-in observation form (team leader, GET)",
            str(Role.TEAM_LEADER),
            "escalations:observation_create",
            kind="detail",
            # The form's second step: the caller chosen, their clients offered.
            must_contain='<input type="hidden" name="volunteer"',
            query=f"?volunteer={caller.pk}" if caller else None,
        ),
        _page(
            "my_observations",
            "My observations (volunteer)",
            volunteer_role,
            "escalations:my_observations",
            kind="list",
        ),
        _page(
            "triage_queue",
            "Triage queue (coordinator)",
            coordinator_role,
            "escalations:triage",
            kind="list",
        ),
        _page(
            "triage_queue_filtered",
            "Triage queue, filtered (coordinator)",
            coordinator_role,
            "escalations:triage",
            kind="list",
            # Worried or keep-an-eye: most of a queue, so the page is full at 10,000 observations
            # as at 1,000,000, and the two sizes compare the data, not the length of the page.
            query="?urgency=worried&urgency=keep_an_eye",
        ),
        _page(
            "escalation_page",
            "Escalation page (coordinator)",
            coordinator_role,
            "escalations:detail",
            top.pk if top else None,
            kind="detail",
        ),
        _page(
            "client_list",
            "Client list (coordinator)",
            coordinator_role,
            "clients:list",
            kind="list",
            must_contain='<h1 class="govuk-heading-l">Clients</h1>',
        ),
        _page(
            "client_page",
            "Client page (coordinator)",
            coordinator_role,
            "clients:detail",
            busy_client.pk if busy_client else None,
            kind="detail",
            must_contain=busy_client.last_name if busy_client else "",
        ),
        _page(
            "mdt_agenda",
            "MDT agenda (chair)",
            str(Role.MDT_CHAIR),
            "mdt:meeting_detail",
            _busiest_meeting(chair),
            kind="detail",
        ),
        _page(
            "stories",
            "Stories page (volunteer)",
            volunteer_role,
            "escalations:stories",
            volunteer.locality.slug,
            kind="list",
        ),
        _page(
            "evidence_dashboard",
            "Evidence dashboard, whole period (coordinator)",
            coordinator_role,
            "evidence:dashboard",
            kind="dashboard",
            query=_whole_period(coordinator),
        ),
        _page(
            "observation_post",
            "Observation POST (volunteer: save, audit, enqueue)",
            volunteer_role,
            "escalations:observation_create",
            method="POST",
            expect=302,
            kind="post",
            body=urlencode(
                {
                    "client": own_client.pk if own_client else "",
                    "noticed": "She has missed two appointments because the bus no longer runs.",
                    "kind": "transport",
                    "urgency": "worried",
                    "client_wants": "A lift to the surgery",
                }
            )
            + "&submission_key={uuid}",
        ),
    ]
    return out


def _busiest_meeting(chair) -> int | None:
    """The chair's next MDT meeting with the most items on its agenda, once MDTs exist."""
    try:
        meeting_model = apps.get_model("mdt", "Meeting")
    except LookupError:
        return None
    from django.utils import timezone

    qs = meeting_model.objects.filter(practice__in=chair.practices.all())
    if "items" in {f.name for f in meeting_model._meta.get_fields()}:
        qs = qs.annotate(n=Count("items")).order_by("-n", "starts_at", "pk")
    # A coming meeting first (the agenda a chair works on); a past one only if none is coming.
    first = qs.filter(ends_at__gte=timezone.now()).first() or qs.first()
    return first.pk if first else None


def _page(key, title, role, url_name, *args, query="", **kwargs) -> Page:
    """A page at ``url_name``, or a skipped one if that view (or its data: an argument or the
    query is None) is not there yet."""
    path = _url(url_name, *args) if None not in args and query is not None else None
    if path is None:
        why = f"no URL {url_name} yet" if _url_exists(url_name) is False else "no data for it"
        return Page(key, title, str(role), skipped=why, **kwargs)
    return Page(key, title, str(role), path + query, **kwargs)


def _whole_period(user) -> str:
    """The dashboard's query for every day of the user's locality that has an observation."""
    from django.utils import timezone

    first = (
        Escalation.objects.filter(locality_id=user.locality_id)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    today = timezone.localdate()
    first = timezone.localdate(first) if first else today
    return "?" + urlencode(
        {"first": first.isoformat(), "last": today.isoformat(), "by": "locality"}
    )


def forget_kept_figures() -> int:
    """Delete the evidence figures kept in the cache, and their rendered table (nothing else),
    of the world Django is reading only: the keys under its cache's prefix (``world``)."""
    import redis
    from django.conf import settings
    from django.core.cache import cache

    location = settings.CACHES["default"].get("LOCATION", "")
    if not str(location).startswith("redis"):
        cache.clear()  # a process's own memory: nothing shared to spare
        return 0
    r = redis.Redis.from_url(location)
    keys = [
        k
        for pattern in ("*evidence:figures:*", '*"evidence-figures"*')
        for k in r.scan_iter(match=f"{cache.key_prefix}:{pattern}")
    ]
    return r.delete(*keys) if keys else 0


@contextlib.contextmanager
def world(database_url: str, cache_key_prefix: str):
    """Django's default database and cache are another seeded world's inside the block: the
    benchmark's second world, at another size, whose users and pages are read there. The
    database is ``database_url``'s on the same engine and settings; the cache is the same one
    with ``cache_key_prefix`` (the prefix that world's gunicorn is given), so that neither
    world is served the other's kept figures."""
    import environ
    from django.core.cache import caches
    from django.db import connections
    from django.db.utils import load_backend
    from django.utils.module_loading import import_string

    here, here_cache = connections["default"], caches["default"]
    url = environ.Env.db_url_config(database_url)
    there_settings = {
        **here.settings_dict,
        **{k: url[k] for k in ("NAME", "USER", "PASSWORD", "HOST", "PORT") if k in url},
    }
    there = load_backend(there_settings["ENGINE"]).DatabaseWrapper(there_settings, "default")
    params = {**caches.settings["default"], "KEY_PREFIX": cache_key_prefix}
    backend, location = params.pop("BACKEND"), params.pop("LOCATION", "")
    connections["default"], caches["default"] = there, import_string(backend)(location, params)
    try:
        yield
    finally:
        there.close()
        caches["default"].close()
        connections["default"], caches["default"] = here, here_cache


def _url_exists(url_name: str) -> bool:
    from django.urls import get_resolver

    namespace, _, name = url_name.rpartition(":")
    resolver = get_resolver()
    if namespace:
        if namespace not in resolver.namespace_dict:
            return False
        resolver = resolver.namespace_dict[namespace][1]
    return name in resolver.reverse_dict


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
    if connection.vendor == "postgresql":
        # The deleted rows' dead tuples and index entries, removed now rather than left for the
        # next run's queries to step over (autovacuum waits for a fifth of a table to change):
        # each run adds thousands at the end of the escalations' indexes.
        tables = (Escalation, Observation, EscalationEvent, Referral, Notification)
        names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {names}")


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


def _queue_length(queue: str) -> int:
    from livingwell.celery import app

    with app.connection_for_write() as conn:
        try:
            return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
        except conn.channel_errors:  # no such queue: Redis drops an empty list
            return 0


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
        result["skipped_routing"] = "the representative volunteer visits no client"
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
            # Tasks whose escalation a batch routed are still queued: each finds its row
            # routed and does nothing. Timed to the empty queue, and not left to slow the
            # paced measurement below.
            result["routing_tasks_left_when_routed"] = left = _queue_length("routing")
            t0 = time.monotonic()
            result["ok"] &= _wait(lambda: _queue_length("routing") == 0, 600, "routing queue")
            result["routing_queue_emptied_s"] = round(time.monotonic() - t0, 1) if left else 0
            result["routing_tasks_per_s"] = round(
                n_obs
                / ((routed[-1] - routed[0]).total_seconds() + result["routing_queue_emptied_s"]),
                1,
            )
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
    """A function making observation number ``i`` through the app's service (which saves it,
    audits it and enqueues its routing after the commit), by the representative volunteer
    about their own clients in turn, over every kind and the two non-urgent levels (urgent
    ones also text the team leader on call, which is another queue's work)."""
    from escalations.enums import ObservationKind, Urgency
    from escalations.services import observation_create

    volunteer_user = _user(Role.VOLUNTEER)
    volunteer = volunteer_user.volunteer
    clients = list(
        Client.objects.filter(assignments__volunteer=volunteer, assignments__ended_on=None)
        .order_by("pk")
        .distinct()
    )
    if not clients:
        return None
    kinds = list(ObservationKind)
    urgencies = [Urgency.WORRIED, Urgency.KEEP_AN_EYE]

    def make(i: int) -> None:
        observation_create(
            client=clients[i % len(clients)],
            volunteer=volunteer,
            logged_by=volunteer_user,
            kind=kinds[i % len(kinds)],
            urgency=urgencies[i % len(urgencies)],
            noticed=f"Benchmark observation {i}: she seemed more tired than usual.",
        )

    return make
