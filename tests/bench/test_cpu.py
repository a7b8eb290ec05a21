"""The benchmark's CPU a request, by process: read from /proc around a page's run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import cpu
from bench.run import print_cpu

linux = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")

# Spends about a fifth of a second of CPU once told to, then waits to be told to stop.
BURNER = """
import sys, time
sys.stdin.readline()
end = time.process_time() + 0.2
while time.process_time() < end:
    pass
print("done", flush=True)
sys.stdin.readline()
"""


def test_a_process_is_the_apps_by_its_group_else_postgres_or_redis_by_name():
    assert cpu.kind_of("python", pgrp=4242, app_pgrp=4242) == "app"
    assert cpu.kind_of("postgres", pgrp=10, app_pgrp=4242) == "postgres"
    assert cpu.kind_of("postgres: walwriter", pgrp=10, app_pgrp=4242) == "postgres"
    assert cpu.kind_of("redis-server", pgrp=11, app_pgrp=4242) == "redis"
    assert cpu.kind_of("python", pgrp=12, app_pgrp=4242) is None


def test_a_stat_line_is_read_past_a_name_with_spaces_and_parentheses():
    # utime 150, stime 50, and its ended children's: cutime 30, cstime 20 (clock ticks).
    fields = ["S", "1", "777", "777"] + ["0"] * 7 + ["150", "50", "30", "20"] + ["0"] * 20
    line = "123 (a (b) c) " + " ".join(fields)
    comm, pgrp, seconds = cpu._stat(line)
    assert (comm, pgrp) == ("a (b) c", 777)
    assert seconds == pytest.approx(250 / cpu._TICKS)


# Once told to, runs a child that spends about a fifth of a second of CPU and ends (as one of
# PostgreSQL's parallel workers does), then waits to be told to stop.
PARENT = f"""
import subprocess, sys
sys.stdin.readline()
burn = {BURNER.replace("sys.stdin.readline()", "")!r}
subprocess.run([sys.executable, "-c", burn], stdout=subprocess.DEVNULL, check=True)
print("done", flush=True)
sys.stdin.readline()
"""


def _metered(script: str, requests: int) -> dict[str, float]:
    """What the meter counts while ``script``, in a process group of its own as gunicorn is
    started, does its work (told "go", answering "done")."""
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        meter = cpu.Meter(app_pgrp=process.pid)
        meter.start()
        process.stdin.write("go\n")
        process.stdin.flush()
        assert process.stdout.readline().strip() == "done"
        return meter.per_request(requests=requests)
    finally:
        process.communicate("stop\n", timeout=10)


@linux
def test_the_cpu_of_the_apps_process_group_is_counted_as_the_apps():
    spent = _metered(BURNER, requests=10)
    # 0.2 s over ten requests: about 20,000 us each (a tick is 10 ms).
    assert spent["app"] >= 15_000
    assert set(spent) == set(cpu.KINDS)


@linux
def test_a_process_of_the_app_that_ends_during_the_run_is_still_counted():
    spent = _metered(PARENT, requests=1)
    # The child has ended: its CPU is in its parent's count of ended children.
    assert spent["app"] >= 150_000


@linux
def test_a_child_that_has_ended_is_counted_as_the_load_generators():
    meter = cpu.Meter(app_pgrp=-1)
    meter.start()
    burn = "import time\nend = time.process_time() + 0.2\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)
    spent = meter.per_request(requests=1)
    assert spent["wrk"] >= 150_000
    assert spent["app"] == 0


def test_nothing_is_measured_without_requests_or_a_start():
    meter = cpu.Meter(app_pgrp=-1)
    assert meter.per_request(requests=10) is None
    meter.start()
    assert meter.per_request(requests=0) is None


def test_the_report_shows_each_pages_cpu_and_the_requests_s_it_allows(capsys):
    results = {
        "machine": {"nproc": 2},
        "pages": [
            {
                "title": "/healthz (baseline)",
                "cpu_us": {"app": 320.0, "postgres": 0.0, "redis": 0.0, "wrk": 80.0},
            },
            {
                "title": "Observation POST",
                "cpu_us": {"app": 2100.0, "postgres": 700.0, "redis": 40.0, "wrk": 90.0},
            },
            {"title": "skipped", "cpu_us": None},
        ],
    }
    print_cpu(results)
    out = capsys.readouterr().out
    healthz = next(line for line in out.splitlines() if "/healthz" in line)
    post = next(line for line in out.splitlines() if "Observation POST" in line)
    # 400 us a request on two cores: 5,000 requests/s at most.
    assert healthz.split("|")[-3:-1] == ["    400 ", "    5000 "]
    assert [cell.strip() for cell in post.split("|")[2:-1]] == [
        "2100",
        "700",
        "40",
        "90",
        "2930",
        "683",
    ]
    assert "skipped" not in out


def test_every_measured_load_of_a_page_says_its_cpu_the_longer_one_of_a_slow_page_too(
    monkeypatch,
):
    """A page too slow for the run's length is loaded again for longer; the CPU reported is
    that longer load's, not nothing (the first load had no request to divide by)."""
    from bench import run
    from bench.scenario import Page

    loads = iter([{"requests": 0}, {"requests": 8}])
    monkeypatch.setattr(run, "run_wrk", lambda *args: next(loads))

    class Meter:
        def start(self):
            self.started = True

        def per_request(self, requests):
            return {"app": 1000.0 / requests} if requests and self.started else None

    page, meter = Page("slow", "A slow page", None, "/slow"), Meter()
    run.measure("http://x", page, None, 2.0, None, meter)
    assert page.cpu_us is None
    run.measure("http://x", page, None, 8.0, None, meter)
    assert page.result == {"requests": 8} and page.cpu_us == {"app": 125.0}
