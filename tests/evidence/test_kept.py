"""Kept evidence figures: one request works them out, others wait for it; the key."""

import datetime as dt

import pytest

from evidence import kept
from evidence.metrics import Row
from evidence.scope import Period, locality_columns

from .conftest import at

pytestmark = pytest.mark.django_db

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
NOW = at("2026-04-15 12:00")


# --- kept figures ------------------------------------------------------------------------------


def test_a_request_waits_for_the_figures_another_is_working_out(west, monkeypatch, settings):
    """While one request holds the right to work the figures out, another asking for the same
    figures waits for them instead of running the same aggregates beside it."""
    from django.core.cache import cache

    settings.EVIDENCE_FIGURES_SECONDS = 600
    columns = locality_columns([west], MARCH)
    key = kept.figures_key(columns)
    assert cache.add(f"{key}:working", 1)  # another request is working them out
    theirs = kept.compute(columns, NOW)
    worked = []
    monkeypatch.setattr(kept, "compute", lambda *a: worked.append(a))

    def sleep(_seconds):  # they finish while this request waits
        cache.set(key, theirs)

    monkeypatch.setattr(kept.time, "sleep", sleep)
    assert kept.figures(columns) is not None
    assert kept.figures(columns).at == NOW
    assert worked == []
    assert cache.get(f"{key}:working") == 1  # their right, not this request's to give back


def test_a_request_that_waits_too_long_works_the_figures_out_itself(west, monkeypatch, settings):
    from django.core.cache import cache

    settings.EVIDENCE_FIGURES_SECONDS = 600
    monkeypatch.setattr(kept, "WAIT_SECONDS", 0)
    columns = locality_columns([west], MARCH)
    key = kept.figures_key(columns)
    cache.add(f"{key}:working", 1)
    got = kept.figures(columns)
    assert got.row("Observations").values == [0]
    assert cache.get(key) is not None
    assert cache.get(f"{key}:working") == 1


def test_the_key_names_the_localities_the_windows_and_the_labels(west, east):
    assert kept.figures_key(locality_columns([west], MARCH)) != kept.figures_key(
        locality_columns([east], MARCH)
    )
    april = Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert kept.figures_key(locality_columns([west], MARCH)) != kept.figures_key(
        locality_columns([west], april)
    )
    assert kept.figures_key(locality_columns([west], MARCH)) == kept.figures_key(
        locality_columns([west], MARCH)
    )


def test_the_key_changes_with_the_fields_of_what_is_kept(west, monkeypatch):
    """Figures pickled by code whose classes had other fields are never read back."""
    columns = locality_columns([west], MARCH)
    before = kept.figures_key(columns)
    monkeypatch.setattr(kept, "KEPT_SHAPE", kept._kept_shape())
    assert kept.figures_key(columns) == before
    monkeypatch.setattr(Row, "__dataclass_fields__", {})
    monkeypatch.setattr(kept, "KEPT_SHAPE", kept._kept_shape())
    assert kept.figures_key(columns) != before
