"""The evidence figures kept: worked out at most once in ``EVIDENCE_FIGURES_SECONDS`` for the
same columns, and worked out ahead by beat for the views the dashboard opens with.

The dashboard's aggregates read every escalation of the period: over five years of a region
that is the heaviest read in the app, and a board opening the same figures together would run
it once per person. What is kept is aggregate counts and times, never a person's data.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import fields

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .metrics import Figures, Row, compute
from .scope import (
    Column,
    Window,
    default_period,
    evidence_scopes,
    locality_columns,
    model_columns,
)

# Raise when the figures change meaning or rows, so that none kept from before are shown. A
# change to the classes kept (their fields) changes the key by itself: figures pickled with
# other fields are never read back into these.
FIGURES_VERSION = 1
# How long the request working the figures out holds the right to, and how long another
# request asking for the same figures meanwhile waits for them before working them out too.
WORKING_SECONDS = 120
WAIT_SECONDS = 30


def _kept_shape() -> str:
    kept = (Figures, Row, Column, Window)
    names = ";".join(f"{c.__name__}:{','.join(f.name for f in fields(c))}" for c in kept)
    return hashlib.sha256(names.encode()).hexdigest()[:12]


KEPT_SHAPE = _kept_shape()


def figures_key(columns: list[Column]) -> str:
    """The cache key of these columns' figures: their localities, windows and labels."""
    digest = hashlib.sha256(repr(columns).encode()).hexdigest()
    return f"evidence:figures:{FIGURES_VERSION}.{KEPT_SHAPE}:{digest}"


def figures(columns: list[Column]) -> Figures:
    """``compute``'s figures for ``columns`` now, worked out at most once in
    ``EVIDENCE_FIGURES_SECONDS`` for the same columns (0: every time). Kept figures say when
    they were worked out (``Figures.at``). While one request works them out, others asking for
    the same figures wait for its answer instead of running the same aggregates beside it."""
    seconds = settings.EVIDENCE_FIGURES_SECONDS
    if seconds <= 0 or not columns:
        return compute(columns, timezone.now())
    key = figures_key(columns)
    kept = cache.get(key)
    if kept is not None:
        return kept
    working = f"{key}:working"
    mine = cache.add(working, 1, timeout=WORKING_SECONDS)
    if mine is None:
        # The cache cannot be reached (django-redis answers None instead of failing): work
        # them out here, rather than wait for an answer no one can leave there.
        return compute(columns, timezone.now())
    if not mine:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.05)
            kept = cache.get(key)
            if kept is not None:
                return kept
    try:
        result = compute(columns, timezone.now())
        cache.set(key, result, seconds)
    finally:
        if mine:
            cache.delete(working)
    return result


# Caches that a web process and a worker do not share: figures kept there by a worker would
# help no page.
PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def keep_ready() -> int:
    """Work out afresh, and keep, the figures the dashboard opens with (the default period, by
    locality) over every set of localities someone opens it over (``evidence_scopes``), and
    all localities by coproduction model (a board comparing the models): nobody then waits for
    them. Beat runs it more often than figures are kept, so they never lapse and are never
    older than ``EVIDENCE_FIGURES_SECONDS``. Returns how many views it kept; none where figures
    are not kept or the cache is each process's own."""
    seconds = settings.EVIDENCE_FIGURES_SECONDS
    if seconds <= 0 or settings.CACHES["default"]["BACKEND"] in PROCESS_CACHES:
        return 0
    from livingwell.models import Locality

    period = default_period()
    by_pk = Locality.objects.in_bulk()
    views = []
    for ids in evidence_scopes():
        localities = [by_pk[pk] for pk in ids]
        views.append(locality_columns(localities, period))
        if len(localities) == len(by_pk) > 1:
            views.append(model_columns(localities, period))
    kept = 0
    for columns in views:
        if columns:
            cache.set(figures_key(columns), compute(columns, timezone.now()), seconds)
            kept += 1
    return kept
