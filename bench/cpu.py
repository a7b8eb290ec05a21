"""The CPU a page's requests cost, by the process that spent it.

On a machine where the app server, PostgreSQL, Redis and wrk share the cores, a page's
requests/s is set by the CPU all of them spend on one request: the app server's share says what
Python costs, PostgreSQL's what the page's statements cost (all its processes: the backends, and
the WAL writer and checkpointer a write keeps busy), wrk's what the load itself costs. Read from
/proc around each measured run (Linux only); PostgreSQL and Redis only where they run on this
machine. A process that ends during the run (one of PostgreSQL's parallel workers, a count
over a million rows; a gunicorn worker restarted) is still counted: its CPU passes to its
parent's count of its ended children, which is read too.
"""

from __future__ import annotations

import os
import resource
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
KINDS = ("app", "postgres", "redis", "wrk")
_TICKS = os.sysconf("SC_CLK_TCK")  # /proc counts CPU in clock ticks


def kind_of(comm: str, pgrp: int, app_pgrp: int) -> str | None:
    """Whose a process is: the app server's (its process group), PostgreSQL's, Redis's, or none
    of these (None)."""
    if pgrp == app_pgrp:
        return "app"
    if comm.startswith("postgres"):
        return "postgres"
    if comm.startswith("redis-server"):
        return "redis"
    return None


def _stat(text: str) -> tuple[str, int, float]:
    """The command name, process group and CPU seconds of a /proc stat line: its own (user and
    system) and its ended children's that it has waited for."""
    # The name may hold spaces and parentheses: the fields after it start past the last ")".
    comm = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return comm, int(fields[2]), (utime + stime + cutime + cstime) / _TICKS


def sample(app_pgrp: int) -> Counter:
    """CPU seconds spent so far by each kind of process, and by this process's children that
    have ended (wrk, once it has)."""
    spent: Counter = Counter()
    if not PROC.is_dir():
        return spent
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, pgrp, seconds = _stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # ended while being read
        kind = kind_of(comm, pgrp, app_pgrp)
        if kind:
            spent[kind] += seconds
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent["wrk"] = children.ru_utime + children.ru_stime
    return spent


@dataclass
class Meter:
    """CPU spent between ``start()`` and ``per_request(n)``, in microseconds per request."""

    app_pgrp: int
    _before: Counter | None = None

    def start(self) -> None:
        self._before = sample(self.app_pgrp)

    def per_request(self, requests: int) -> dict[str, float] | None:
        if self._before is None or not requests or not PROC.is_dir():
            return None
        after = sample(self.app_pgrp)
        return {
            kind: round((after[kind] - self._before[kind]) / requests * 1e6, 1) for kind in KINDS
        }


def total(cpu: dict[str, float]) -> float:
    return round(sum(cpu.get(kind, 0.0) for kind in KINDS), 1)


def ceiling(cpu: dict[str, float], cores: int) -> float | None:
    """The requests/s the cores allow at this much CPU a request, if nothing else ran."""
    spent = total(cpu)
    return round(cores * 1e6 / spent, 1) if spent else None
