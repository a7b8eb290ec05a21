#!/usr/bin/env python
"""The Living Well benchmark: every key page and the routing worker, against baselines measured
in the same run.

On PostgreSQL and Redis it migrates, seeds a region (``manage.py seed_scale``, idempotent),
starts gunicorn with production settings (2 x cores + 1 sync workers), signs in one user per role
through the real sign-in page, and loads each page with wrk (a Lua script sends the session
cookie and CSRF token, and a fresh form for a POST) for a few seconds after a warm-up. The
baselines are ``/healthz`` (the ceiling of this stack on this machine) and the Django admin's
change list of escalations (what a coordinator would use without this app). ``/healthz`` is
loaded again after each page, and a page's share is of the mean of the two ``/healthz`` runs on
either side of it: a machine whose speed drifts between minutes then moves a page and its
ceiling together (the table shows the share of the run's first ``/healthz`` too).

Cost must not grow with the data, so each page is also compared with the same page in a second,
smaller world (10,000 observations; ``--quick``: 1,000), seeded in a database of its own and
served by a gunicorn of its own: the page is loaded here, then /healthz, then there, there,
/healthz, here, twice (5 s each; quick once, 1 s), and each world's figure is the mean of its
loads. The two sizes are then measured seconds apart, in an order that cancels a steady drift,
rather than in runs minutes apart; and a page's share of /healthz, the target, is of the
/healthz loaded between its loads (its own 10 s load's share of the /healthz on either side of
it is printed in the table too, and is the share where there is no second world). Then
two Celery worker processes route fresh observations, beside a trivial task through the same
worker. It prints a table and writes the same as JSON to ``bench/out/results-<date>.json``.

    python bench/run.py            # 1,000,000 observations, 10 s per page
    python bench/run.py --quick    # 10,000 observations, 2 s per page (CI: only errors fail)

Databases: ``BENCH_DATABASE_URL`` if set; otherwise ``DATABASE_URL``'s database with ``_quick``
appended for ``--quick`` (so the two sizes never share a database); otherwise
``postgres://postgres@127.0.0.1:5432/livingwell_bench``. The second world's is the same with
``_10000`` (quick: ``_1000``) appended, or ``--pair-database-url``; ``--pair-observations 0``
leaves the second world out. Its gunicorn shares the cache, with the key prefix ``pair``.
Redis: ``CELERY_BROKER_URL`` (required; the run empties only the ``routing`` queue of that
database).

It exits 1 if anything went wrong (a sign-in, a page answering an unexpected status, a socket
error, a routing not done): never because something was slow.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.scenario import Page

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LUA = ROOT / "bench" / "wrk.lua"
sys.path.insert(0, str(ROOT))

from bench import cpu  # noqa: E402  (the project's root is on the path only from here)

QUICK_OBSERVATIONS = 10_000
FULL_OBSERVATIONS = 1_000_000
# The second world each page is compared with (cost must not grow with the data), and the cache
# key prefix its gunicorn is given so that the two never share kept figures.
QUICK_PAIR_OBSERVATIONS = 1_000
FULL_PAIR_OBSERVATIONS = 10_000
PAIR_CACHE_PREFIX = "pair"


# --- options ---------------------------------------------------------------------------------
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="10,000 observations, 2 s per page")
    p.add_argument("--duration", type=float, help="seconds per page (10; quick 2)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up per page (3; quick 1)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--workers", type=int, help="gunicorn workers (2 x cores + 1)")
    p.add_argument("--observations", type=int, help="size of the seeded world")
    p.add_argument("--localities", type=int, default=10)
    p.add_argument("--practices", type=int, default=80)
    p.add_argument("--volunteers", type=int, default=2_000)
    p.add_argument("--clients", type=int, default=50_000)
    p.add_argument("--skip-seed", action="store_true", help="use the database as it is")
    p.add_argument("--skip-routing", action="store_true", help="pages only")
    p.add_argument("--pages", help="comma-separated page keys to run (baselines always run)")
    p.add_argument("--routing-observations", type=int, help="routed in bulk (5,000; quick 500)")
    p.add_argument("--latency-observations", type=int, help="paced, for commit-to-routed")
    p.add_argument("--database-url", help="overrides BENCH_DATABASE_URL and DATABASE_URL")
    p.add_argument("--broker-url", help="overrides CELERY_BROKER_URL")
    p.add_argument(
        "--profile",
        metavar="PAGE",
        help="record the gunicorn workers with py-spy while PAGE is measured "
        "(bench/out/profile-PAGE.txt, collapsed stacks, and a summary printed)",
    )
    p.add_argument(
        "--pair-observations",
        type=int,
        help="the size of a second world, each page loaded there too, alternated with this "
        "world's (10,000; quick 1,000; 0 for none)",
    )
    p.add_argument(
        "--pair-database-url",
        help="the second world's database (this world's with _<pair observations> appended)",
    )
    p.add_argument(
        "--pair-duration", type=float, help="seconds of each of the alternated loads (5; quick 1)"
    )
    p.add_argument(
        "--pair-rounds",
        type=int,
        help="times the alternated loads (here, /healthz, there, there, /healthz, here) are "
        "made (2; quick 1)",
    )
    p.add_argument("--compare", type=Path, help="an earlier results JSON to compare pages with")
    p.add_argument("--out", type=Path, help="where to write the JSON")
    args = p.parse_args(argv)
    quick = args.quick
    args.duration = args.duration or (2.0 if quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 3.0)
    args.observations = args.observations or (QUICK_OBSERVATIONS if quick else FULL_OBSERVATIONS)
    args.routing_observations = args.routing_observations or (500 if quick else 5_000)
    args.latency_observations = args.latency_observations or (30 if quick else 200)
    args.workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    if args.pair_observations is None:
        args.pair_observations = QUICK_PAIR_OBSERVATIONS if quick else FULL_PAIR_OBSERVATIONS
    args.pair_duration = args.pair_duration or (1.0 if quick else 5.0)
    args.pair_rounds = args.pair_rounds or (1 if quick else 2)
    return args


def database_url(args) -> str:
    if args.database_url:
        return args.database_url
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/livingwell_bench"
    return _named_with(base, "_quick") if args.quick else base


def pair_database_url(args, db_url: str) -> str:
    return args.pair_database_url or _named_with(db_url, f"_{args.pair_observations}")


def _named_with(db_url: str, suffix: str) -> str:
    """``db_url`` with ``suffix`` added to its database's name."""
    parts = urllib.parse.urlsplit(db_url)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def fail(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


# --- services --------------------------------------------------------------------------------
def preflight(db_url: str, broker_url: str) -> None:
    if not shutil.which("wrk"):
        fail("wrk is not installed (apt-get install wrk)")
    import psycopg2
    import redis

    parts = urllib.parse.urlsplit(db_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        fail(f"unexpected database name {name!r}")
    try:
        conn = psycopg2.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=urllib.parse.unquote(parts.username or "postgres"),
            password=urllib.parse.unquote(parts.password or "") or None,
            dbname="postgres",
            connect_timeout=5,
        )
    except psycopg2.OperationalError as exc:
        fail(f"PostgreSQL is not reachable at {parts.hostname}:{parts.port}: {exc}")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
            print(f"bench: created database {name}")
    conn.close()
    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=2).ping()
    except Exception as exc:
        fail(f"Redis is not reachable at {broker_url}: {exc}")


def production_env(db_url: str, broker_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "BENCH_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="livingwell.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        DATABASE_URL=db_url,
        CELERY_BROKER_URL=broker_url,
        # Shared by every gunicorn worker, as in production (the dashboard's kept figures).
        CACHE_URL=os.environ.get("CACHE_URL") or broker_url,
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
    )
    env.pop("REQUIRE_SERVICES", None)
    return env


def manage(env, *argv, quiet=False) -> None:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        if quiet:
            print(proc.stdout)
        fail(f"manage.py {' '.join(argv)} failed ({proc.returncode})")
    print(f"bench: manage.py {argv[0]} done in {time.monotonic() - started:.1f} s")


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query string."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query) + list(params.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@contextlib.contextmanager
def gunicorn(env, workers: int, log: Path):
    port = free_port()
    logf = log.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "livingwell.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=logf,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                fail(f"gunicorn exited ({proc.returncode}); see {log}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{base}/healthz", timeout=2) as r,  # noqa: S310
            ):
                if r.status == 200:
                    break
            if time.monotonic() > deadline:
                fail(f"gunicorn did not answer /healthz within 60 s; see {log}")
            time.sleep(0.3)
        print(f"bench: gunicorn with {workers} workers on {base}")
        yield proc, base
    finally:
        stop(proc)
        logf.close()


# --- signing in ------------------------------------------------------------------------------
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Session:
    username: str
    cookie: str
    csrf: str
    jar: CookieJar = field(repr=False)

    def opener(self):
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )


def _form_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token in the form")
    return match.group(1)


def _open(opener, url, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body)  # noqa: S310 - our own local server
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode(errors="replace")


def sign_in(base: str, username: str, password: str, second_factor=None) -> Session:
    """Sign in through the real sign-in page, as a browser would: GET, then POST the form."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    status, _h, html = _open(opener, f"{base}/sign-in/")
    if status != 200:
        raise RuntimeError(f"sign-in page answered {status}")
    form = {"username": username, "password": password, "csrfmiddlewaretoken": _form_token(html)}
    status, headers, html = _open(opener, f"{base}/sign-in/", form)
    if status != 302:
        raise RuntimeError(f"signing in as {username} answered {status}, not a redirect")
    if second_factor is not None:
        path, code = second_factor
        status, _h, html = _open(opener, base + path)
        if status != 200:
            raise RuntimeError(f"the code page answered {status} to {username}")
        form = {"code": code(), "csrfmiddlewaretoken": _form_token(html), "next": ""}
        status, _h, html = _open(opener, base + path, form)
        if status != 302:
            raise RuntimeError(f"{username}'s code was refused ({status})")
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies or "csrftoken" not in cookies:
        raise RuntimeError(f"no session after signing in as {username}")
    status, _h, _html = _open(opener, f"{base}/")
    if status != 200:
        raise RuntimeError(f"home page answered {status} to {username} after signing in")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return Session(username, cookie, cookies["csrftoken"], jar)


def sign_in_all(base: str) -> dict[str, Session]:
    """One session per role, as the scenario's users (of the world Django is reading)."""
    from bench import scenario

    return {
        role: sign_in(base, username, scenario.PASSWORD, scenario.second_factor(username))
        for role, username in scenario.users().items()
    }


# --- the second world ------------------------------------------------------------------------
@dataclass
class Pair:
    """The run's second world: the same region with fewer observations, its own database and
    gunicorn. Each page is loaded there too, alternated with this world's, so that the two
    sizes are compared seconds apart rather than in runs minutes apart on a machine whose speed
    drifts."""

    observations: int
    db_url: str
    env: dict
    base: str = ""
    sessions: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)
    marks: dict = field(default_factory=dict)

    def world(self):
        from bench import scenario

        return scenario.world(self.db_url, PAIR_CACHE_PREFIX)


# A page here, /healthz, the page in the second world twice, /healthz, the page here: each of the
# three loaded as much before the middle of the round as after it, so that a machine speeding up
# or slowing down steadily moves the three means alike.
ALTERNATION = ("here", "healthz", "there", "there", "healthz", "here")


def alternate(base: str, page: Page, session, pair: Pair, args, healthz: Page | None) -> dict:
    """``page`` here, /healthz (``healthz``; None: left out), the same page in the second world
    twice, /healthz, ``page`` here (``args.pair_duration`` each, ``args.pair_rounds`` times).
    The second world's figure is compared with this one's, and this one's share of /healthz is
    of the /healthz loaded between its loads, seconds apart: one load can be a fifth off the
    next here, and a second round halves each load's weight in its mean."""
    from bench import scenario

    twin = pair.pages[page.key]
    twin_session = pair.sessions.get(twin.role) if twin.role else None
    if twin.kind == "dashboard":
        with pair.world():
            scenario.forget_kept_figures()  # its first request works them out, as here
    check_page(pair.base, twin, twin_session)
    if args.warmup:
        run_wrk(pair.base, twin, twin_session, args.warmup, args)
    loads = {
        "here": (base, page, session),
        "there": (pair.base, twin, twin_session),
        "healthz": (base, healthz, None),
    }
    runs: dict[str, list] = {where: [] for where in loads}
    for where in ALTERNATION * args.pair_rounds:
        if loads[where][1] is not None:
            runs[where].append(run_wrk(*loads[where], args.pair_duration, args))
    return paired_figures(runs["here"], runs["there"], pair.observations, runs["healthz"])


def _mean_rps(loads: list[dict]) -> float:
    return sum(r["rps"] for r in loads) / len(loads)


def paired_figures(
    here: list[dict], there: list[dict], observations: int, ceilings: list[dict] = ()
) -> dict:
    """A page's requests/s here and in the second world (of ``observations``), each the mean
    of its loads (all of the same length), and how far this world's is from the other's; with
    the /healthz loaded between them (``ceilings``), this world's share of it."""
    rps = _mean_rps(here)
    pair_rps = _mean_rps(there)
    healthz_rps = _mean_rps(ceilings) if ceilings else None
    return {
        "observations": observations,
        "rps": round(rps, 1),
        "pair_rps": round(pair_rps, 1),
        "change": round(rps / pair_rps - 1, 3) if pair_rps else None,
        "runs": [r["rps"] for r in here],
        "pair_runs": [r["rps"] for r in there],
        "healthz_rps": round(healthz_rps, 1) if healthz_rps is not None else None,
        "healthz_runs": [r["rps"] for r in ceilings],
        "share": round(rps / healthz_rps, 3) if healthz_rps else None,
        "errors": sum(error_count(r) for r in [*here, *there, *ceilings]),
    }


def paired_line(paired: dict) -> str:
    change = f"{paired['change']:+.1%}" if paired["change"] is not None else "-"
    ceilings = paired.get("healthz_runs")
    return (
        f"{paired['rps']:8.1f} req/s here, {paired['pair_rps']:8.1f} at "
        f"{paired['observations']:,} observations ({change}; alternated: "
        f"{' '.join(f'{r:.0f}' for r in paired['runs'])} here, "
        f"{' '.join(f'{r:.0f}' for r in paired['pair_runs'])} there)"
        + (
            f"; {paired['share']:.1%} of the /healthz between them "
            f"({' '.join(f'{r:.0f}' for r in ceilings)})"
            if ceilings and paired.get("share") is not None
            else ""
        )
        + (f"  errors {paired['errors']}" if paired["errors"] else "")
    )


# --- pages -----------------------------------------------------------------------------------
def run_wrk(base: str, page: Page, session: Session | None, seconds: float, args) -> dict:
    env = dict(os.environ)
    env.update(
        BENCH_METHOD=page.method,
        BENCH_BODY=page.body,
        BENCH_EXPECT=str(page.expect),
        BENCH_COOKIE=session.cookie if session else "",
        BENCH_CSRF=session.csrf if session else "",
    )
    cmd = [
        "wrk",
        "-t",
        str(min(args.threads, args.connections)),
        "-c",
        str(args.connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        base + page.path,
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk gave no result for {page.key}: {proc.stdout}\n{proc.stderr}")


def measure(base: str, page: Page, session, seconds: float, args, meter: cpu.Meter) -> None:
    """Load ``page`` for ``seconds``: its result, and the CPU its requests cost by process."""
    meter.start()
    page.result = run_wrk(base, page, session, seconds, args)
    page.cpu_us = meter.per_request(page.result["requests"])


def error_count(result: dict) -> int:
    """Socket errors, timeouts and unexpected statuses; a page that answered nothing within
    the run counts as one error."""
    e = result["errors"]
    failed = e["connect"] + e["read"] + e["write"] + e["timeout"] + e["unexpected"]
    return failed + (1 if result["requests"] == 0 else 0)


def check_page(base: str, page: Page, session: Session | None) -> None:
    """One request before the load: the page must answer as expected to this user."""
    opener = session.opener() if session else urllib.request.build_opener(NoRedirect())
    if page.method == "POST":
        data = dict(urllib.parse.parse_qsl(page.body.replace("{uuid}", str(_uuid()))))
        if session is not None:  # what wrk sends as X-CSRFToken
            data.setdefault("csrfmiddlewaretoken", session.csrf)
        status, headers, html = _open(opener, base + page.path, data)
    else:
        status, headers, html = _open(opener, base + page.path)
    if status != page.expect:
        where = headers.get("Location", "") if headers else ""
        raise RuntimeError(
            f"{page.title}: {page.method} {page.path} answered {status} {where}, "
            f"expected {page.expect}"
        )
    if page.must_contain and page.must_contain not in html:
        raise RuntimeError(f"{page.title}: {page.path} does not contain {page.must_contain!r}")


def _uuid():
    import uuid

    return uuid.uuid4()


@contextlib.contextmanager
def profiling(master_pid: int, page, args):
    """py-spy on every gunicorn worker while ``page`` is measured, if asked for it."""
    if args.profile != page.key:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        fail("--profile needs py-spy (pip install py-spy)")
    out = OUT / f"profile-{page.key}.txt"
    proc = subprocess.Popen(
        [
            spy,
            "record",
            "--subprocesses",
            "--format",
            "raw",
            "--nonblocking",
            "-r",
            "200",
            "-d",
            str(int(args.duration) + 1),
            "-p",
            str(master_pid),
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        proc.wait(timeout=args.duration + 60)
        if out.exists():
            print_profile(out)


def print_profile(path: Path, top: int = 25) -> None:
    """Where the workers spent their time: each frame's share of the samples that include it
    (inclusive) and of those that end in it (self), the project's own code marked."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        total += n
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + n
    if not total:
        return
    ours = (
        "livingwell/",
        "clients/",
        "escalations/",
        "mdt/",
        "evidence/",
        "volunteers/",
        "peersupport/",
        "templates/",
    )
    print(f"Profile of {path.name}: {total} samples; inclusive share of the project's frames:")
    shown = 0
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1]):
        if "(" in frame and frame.split("(", 1)[1].startswith(ours):
            print(f"  {n / total:6.1%}  {frame}")
            shown += 1
            if shown >= top:
                break
    print("Self time, any code:")
    for frame, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {n / total:6.1%}  {frame}")


# --- the run ---------------------------------------------------------------------------------
def main(argv=None) -> int:
    args = parse_args(argv)
    db_url = database_url(args)
    broker_url = args.broker_url or os.environ.get("CELERY_BROKER_URL", "")
    if not broker_url:
        fail("set CELERY_BROKER_URL (a Redis database of your own, e.g. redis://127.0.0.1:6379/6)")
    OUT.mkdir(parents=True, exist_ok=True)
    preflight(db_url, broker_url)
    env = production_env(db_url, broker_url)
    pair = None
    if args.pair_observations:
        pair_url = pair_database_url(args, db_url)
        if pair_url == db_url:
            fail("the second world needs a database of its own (--pair-database-url)")
        preflight(pair_url, broker_url)
        pair = Pair(args.pair_observations, pair_url, production_env(pair_url, broker_url))
        pair.env["CACHE_URL"] = with_query(pair.env["CACHE_URL"], key_prefix=PAIR_CACHE_PREFIX)
    os.environ.update(env)
    started = time.monotonic()
    results: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_before": os.getloadavg(),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "database": urllib.parse.urlsplit(db_url).path.lstrip("/"),
    }
    print(f"bench: load average {results['load_before']} on {results['machine']['nproc']} cores")

    manage(env, "migrate", "--noinput", quiet=True)
    manage(env, "collectstatic", "--noinput", quiet=True)
    if pair:
        manage(pair.env, "migrate", "--noinput", quiet=True)
    if not args.skip_seed:
        for world_env, observations in [(env, args.observations)] + (
            [(pair.env, pair.observations)] if pair else []
        ):
            manage(
                world_env,
                "seed_scale",
                f"--localities={args.localities}",
                f"--practices={args.practices}",
                f"--volunteers={args.volunteers}",
                f"--clients={args.clients}",
                f"--observations={observations}",
            )

    import django

    django.setup()
    from bench import scenario

    results["sizes"] = scenario.sizes()
    marks = scenario.marks()
    if pair:
        with pair.world():
            results["pair_sizes"] = scenario.sizes()
            pair.marks = scenario.marks()
    ok = True
    try:
        with contextlib.ExitStack() as servers:
            server, base = servers.enter_context(gunicorn(env, args.workers, OUT / "gunicorn.log"))
            sessions = sign_in_all(base)
            print(f"bench: signed in as {', '.join(s.username for s in sessions.values())}")
            pages = scenario.pages(quick=args.quick)
            if pair:
                # Idle while this world is loaded: its workers wait on their sockets.
                _, pair.base = servers.enter_context(
                    gunicorn(pair.env, args.workers, OUT / "gunicorn-pair.log")
                )
                with pair.world():
                    pair.sessions = sign_in_all(pair.base)
                    pair.pages = {p.key: p for p in scenario.pages(quick=args.quick)}
                print(f"bench: signed in to the world of {pair.observations:,} observations too")
            if args.pages:
                wanted = set(args.pages.split(","))
                pages = [p for p in pages if p.kind == "baseline" or p.key in wanted]
            # /healthz again after each page: each page's share is of the ceiling measured on
            # either side of it, minutes apart from the first on a machine whose speed drifts.
            healthz = next((p for p in pages if p.key == "healthz"), None)
            ceilings: list[float] = []
            for page in pages:
                if page.skipped:
                    print(f"  {page.title:50} skipped: {page.skipped}")
                    continue
                session = sessions.get(page.role) if page.role else None
                if page.kind == "dashboard":
                    # The first request with nothing kept works the figures out; the load
                    # after it is served the kept figures, as a board would be.
                    scenario.forget_kept_figures()
                    cold = time.monotonic()
                    check_page(base, page, session)
                    page.cold_ms = round((time.monotonic() - cold) * 1000, 1)
                    print(f"  {page.title:50} first request, nothing kept: {page.cold_ms} ms")
                else:
                    check_page(base, page, session)
                if args.warmup:
                    run_wrk(base, page, session, args.warmup, args)
                meter = cpu.Meter(app_pgrp=server.pid)  # gunicorn leads its own group
                with profiling(server.pid, page, args):
                    measure(base, page, session, args.duration, args, meter)
                seconds = args.duration
                while page.result["requests"] == 0 and seconds < 60:
                    # Slower than the run is long (a loaded machine): measure for longer rather
                    # than report nothing. Slowness is never an error here.
                    seconds *= 4
                    measure(base, page, session, seconds, args, meter)
                errors = error_count(page.result)
                ok &= errors == 0
                if page is healthz:
                    ceilings.append(page.result["rps"])
                elif healthz is not None and healthz.result and page.kind != "baseline":
                    after = run_wrk(base, healthz, None, args.duration, args)
                    ok &= error_count(after) == 0
                    page.healthz_next = bracketing_ceiling(ceilings[-1], after["rps"])
                    ceilings.append(after["rps"])
                print(
                    f"  {page.title:50} {page.result['rps']:8.1f} req/s  "
                    f"p50 {page.result['p50_ms']:7.1f} ms  p95 {page.result['p95_ms']:7.1f} ms"
                    f"  errors {errors}"
                    + (
                        f"  /healthz next to it {page.healthz_next:.0f}"
                        if page.healthz_next
                        else ""
                    )
                )
                if pair and page.kind != "baseline" and page.key in pair.pages:
                    page.paired = alternate(base, page, session, pair, args, healthz)
                    ok &= page.paired["errors"] == 0
                    print(f"  {'':50} {paired_line(page.paired)}")
            results["pages"] = [asdict(p) for p in pages]
            results["memory"] = {
                "gunicorn_workers": [
                    scenario.memory_mb(pid) for pid in scenario.process_tree(server.pid)
                ]
            }
        if not args.skip_routing:
            results["routing"] = scenario.routing(env, args, OUT)
            ok &= results["routing"].get("ok", True)
            results["memory"]["celery_workers"] = results["routing"].pop("memory", [])
    finally:
        scenario.clean_up(marks)
        if pair and pair.marks:
            with pair.world():
                scenario.clean_up(pair.marks)
    results["load_after"] = os.getloadavg()
    results["seconds"] = round(time.monotonic() - started, 1)
    results["targets"] = targets(results)
    if args.compare:
        results["compared_with"] = compare(results, json.loads(args.compare.read_text()))
    print_report(results)
    out = (
        args.out or OUT / f"results-{dt.date.today():%Y-%m-%d}{'-quick' if args.quick else ''}.json"
    )
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"bench: wrote {out}")
    if not ok:
        print("bench: FAILED: errors above", file=sys.stderr)
    return 0 if ok else 1


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(Path("/proc/meminfo").read_text().splitlines()[0].split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": sys.version.split()[0],
    }


# --- figures ---------------------------------------------------------------------------------
def measured(results) -> dict[str, dict]:
    return {p["key"]: p for p in results.get("pages", []) if p["result"]}


def bracketing_ceiling(before: float, after: float) -> float:
    """The /healthz ceiling for a page measured between two /healthz runs: their mean."""
    return round((before + after) / 2, 1)


def ceiling(page: dict, health: dict | None) -> float | None:
    """The /healthz requests/s a page's share is of: the runs on either side of it, else the
    run's one /healthz (an older results file, or a page run alone)."""
    if page.get("healthz_next"):
        return page["healthz_next"]
    return health["rps"] if health and health["rps"] else None


def share_of_healthz(page: dict, health: dict | None) -> float | None:
    """The share of /healthz a page is held to: where it was alternated with /healthz
    (``paired``), its loads' mean over the mean of the /healthz loaded between them, seconds
    apart; else its own load over the /healthz runs on either side of it (``ceiling``)."""
    paired = page.get("paired") or {}
    if paired.get("share") is not None:
        return paired["share"]
    top = ceiling(page, health)
    return page["result"]["rps"] / top if top else None


def targets(results) -> list[dict]:
    """Each target of the benchmark issue: met or missed, and by how much. Never fails a run."""
    pages = measured(results)
    out = []
    health = pages.get("healthz", {}).get("result")
    admin = pages.get("admin_escalations", {}).get("result")

    def add(name, value, limit, met, unit=""):
        out.append({"target": name, "value": value, "limit": limit, "met": bool(met), "unit": unit})

    for key, page in pages.items():
        r = page["result"]
        if page["kind"] == "baseline":
            continue
        share = share_of_healthz(page, health)
        if page["kind"] == "post":
            if share is not None:
                add(f"{page['title']}: share of /healthz", round(share, 3), 0.15, share >= 0.15)
            add(f"{page['title']}: p95", r["p95_ms"], 100, r["p95_ms"] < 100, "ms")
        else:
            if share is not None:
                add(f"{page['title']}: share of /healthz", round(share, 3), 0.10, share >= 0.10)
            if admin and admin["rps"]:
                ratio = r["rps"] / admin["rps"]
                add(f"{page['title']}: times the admin list", round(ratio, 2), 1.5, ratio >= 1.5)
        paired = page.get("paired")
        if paired and paired["change"] is not None and page["kind"] != "post":
            add(
                f"{page['title']}: within 15% of its figure at {paired['observations']:,} "
                "observations",
                paired["change"],
                0.15,
                abs(paired["change"]) <= 0.15,
            )
        add(f"{page['title']}: errors", error_count(r), 0, error_count(r) == 0)
        if key == "evidence_dashboard" and "triage_queue" in pages:
            limit = 3 * pages["triage_queue"]["result"]["p50_ms"]
            add(
                "Evidence dashboard p50 vs 3 x triage queue p50",
                r["p50_ms"],
                limit,
                r["p50_ms"] < limit,
                "ms",
            )
    routing = results.get("routing") or {}
    if routing.get("routed_per_s") and routing.get("trivial_per_s"):
        share = routing["routed_per_s"] / routing["trivial_per_s"]
        add("Routing: share of the trivial task's throughput", round(share, 3), 0.5, share >= 0.5)
    if routing.get("commit_to_routed_ms"):
        p95 = routing["commit_to_routed_ms"]["p95"]
        add("Routing: commit to routed p95", p95, 1000, p95 < 1000, "ms")
    memory = results.get("memory", {})
    for what in ("gunicorn_workers", "celery_workers"):
        peaks = [m["peak_rss_mb"] for m in memory.get(what, [])]
        if peaks:
            add(
                f"Peak resident memory, {what.replace('_', ' ')}",
                max(peaks),
                200,
                max(peaks) < 200,
                "MB",
            )
    return out


def compare(results, earlier) -> dict:
    """Each page's requests/s against an earlier run (for example at 10,000 observations)."""
    before = {p["key"]: p for p in earlier.get("pages", []) if p.get("result")}
    out = {}
    for key, page in measured(results).items():
        if key in before:
            then = before[key]["result"]["rps"]
            out[key] = {
                "rps": page["result"]["rps"],
                "earlier_rps": then,
                "change": round(page["result"]["rps"] / then - 1, 3) if then else None,
            }
            # The same for each run's share of the /healthz next to the page: runs minutes
            # apart on a machine whose speed drifts compare better so.
            if page.get("healthz_next") and before[key].get("healthz_next"):
                share = page["result"]["rps"] / page["healthz_next"]
                earlier_share = then / before[key]["healthz_next"]
                out[key]["share"] = round(share, 3)
                out[key]["earlier_share"] = round(earlier_share, 3)
                out[key]["share_change"] = round(share / earlier_share - 1, 3)
    return out


def print_report(results) -> None:
    pages = measured(results)
    health = pages.get("healthz", {}).get("result", {}).get("rps")
    admin = pages.get("admin_escalations", {}).get("result", {}).get("rps")
    sizes = results.get("sizes", {})
    print()
    print(
        f"Living Well benchmark, {results['date']}, {results['machine']['nproc']} cores "
        f"({results['machine']['cpu']}), load {results['load_before'][0]:.2f} before, "
        f"{results['load_after'][0]:.2f} after; {sizes.get('observations', 0):,} observations"
    )
    print(
        f"| {'page':50} | {'req/s':>8} | {'p50 ms':>8} | {'p95 ms':>8} | {'p99 ms':>8} | "
        f"{'errors':>6} | {'/healthz':>8} | {'next to':>8} | {'/admin':>6} |"
    )
    print(
        f"|{'-' * 52}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 8}|{'-' * 10}|{'-' * 10}"
        f"|{'-' * 8}|"
    )
    for page in results.get("pages", []):
        r = page["result"]
        if not r:
            print(f"| {page['title']:50} | skipped: {page['skipped']}")
            continue
        rh = f"{r['rps'] / health:.3f}" if health else "-"
        rn = f"{r['rps'] / page['healthz_next']:.3f}" if page.get("healthz_next") else "-"
        ra = f"{r['rps'] / admin:.2f}" if admin else "-"
        print(
            f"| {page['title']:50} | {r['rps']:8.1f} | {r['p50_ms']:8.1f} | {r['p95_ms']:8.1f} | "
            f"{r['p99_ms']:8.1f} | {error_count(r):6} | {rh:>8} | {rn:>8} | {ra:>6} |"
        )
    print_cpu(results)
    for page in results.get("pages", []):
        if page.get("cold_ms") is not None:
            print(
                f"{page['title']}: the first request, with no figures kept, took "
                f"{page['cold_ms']:.1f} ms; the load above was served the kept figures"
            )
    routing = results.get("routing")
    if routing:
        print()
        if "trivial_per_s" in routing:
            print(
                f"Trivial task: {routing['trivial_per_s']:.1f}/s ({routing['trivial_tasks']} tasks "
                "through the routing worker, 2 processes)"
            )
        if routing.get("skipped_routing"):
            print(f"Routing: skipped: {routing['skipped_routing']}")
        elif "routed_per_s" in routing:
            lat = routing["commit_to_routed_ms"]
            print(
                f"Routing: {routing['routed_per_s']:.1f} observations routed/s "
                f"({routing['observations']} observations); commit to routed p50 "
                f"{lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms ({lat['n']} paced observations)"
            )
            if routing.get("routing_tasks_left_when_routed"):
                print(
                    f"Routing tasks: {routing['routing_tasks_left_when_routed']} still queued "
                    "when every observation was routed (each finds its row routed), emptied in "
                    f"{routing['routing_queue_emptied_s']:.1f} s more: "
                    f"{routing['routing_tasks_per_s']:.1f} tasks/s in all"
                )
    memory = results.get("memory", {})
    for what, rows in memory.items():
        if rows:
            print(
                f"Peak resident memory, {what.replace('_', ' ')}: "
                + ", ".join(f"{m['peak_rss_mb']:.0f} MB" for m in rows)
            )
    paired = [p for p in results.get("pages", []) if p.get("paired")]
    if paired:
        print()
        print(
            f"Each page here and at {paired[0]['paired']['observations']:,} observations, loaded "
            "here, there, there, here"
        )
        for page in paired:
            print(f"  {page['title']:50} {paired_line(page['paired'])}")
    print()
    for t in results["targets"]:
        mark = "met   " if t["met"] else "MISSED"
        print(f"  {mark} {t['target']}: {t['value']}{t['unit']} (limit {t['limit']}{t['unit']})")
    if results.get("compared_with"):
        print()
        for key, c in results["compared_with"].items():
            shares = (
                f"; share of /healthz {c['share']:.3f}, earlier {c['earlier_share']:.3f} "
                f"({c['share_change']:+.1%})"
                if "share_change" in c
                else ""
            )
            print(
                f"  {key:30} {c['rps']:8.1f} req/s, earlier {c['earlier_rps']:8.1f} "
                f"({c['change']:+.1%}){shares}"
            )


def print_cpu(results) -> None:
    """Each page's CPU a request by process, and the requests/s that allows on these cores:
    what a page's requests/s is made of where everything shares the machine."""
    rows = [p for p in results.get("pages", []) if p.get("cpu_us")]
    if not rows:
        return
    cores = results["machine"]["nproc"] or 1
    print()
    print(
        f"CPU a request, by process (microseconds), and the requests/s it allows on {cores} cores"
    )
    print(
        f"| {'page':50} | {'app':>6} | {'Postgres':>8} | {'Redis':>6} | {'wrk':>6} | "
        f"{'total':>6} | {'allows':>7} |"
    )
    print(f"|{'-' * 52}|{'-' * 8}|{'-' * 10}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 9}|")
    for page in rows:
        c = page["cpu_us"]
        print(
            f"| {page['title']:50} | {c['app']:6.0f} | {c['postgres']:8.0f} | {c['redis']:6.0f} | "
            f"{c['wrk']:6.0f} | {cpu.total(c):6.0f} | {cpu.ceiling(c, cores) or 0:7.0f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
