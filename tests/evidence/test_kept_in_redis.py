"""The dashboard's figures kept in Redis as production keeps them (django-redis), and the
dashboard still working when that Redis cannot be reached."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from django.urls import reverse

from evidence import metrics
from evidence.scope import Period, locality_columns
from tests.workers import redis_available

from ..conftest import require_or_skip
from .conftest import at
from .test_views import MARCH, observations_shown

pytestmark = pytest.mark.django_db


def redis_cache(url: str, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }


@pytest.fixture
def real_redis_cache(settings):
    url = settings.TEST_CELERY_BROKER_URL
    if not url or not redis_available(url):
        require_or_skip("Redis is needed for the kept figures (set CELERY_BROKER_URL)")
    import redis

    prefix = f"lwtest-{uuid.uuid4().hex[:12]}"  # only this test's keys: nothing flushed
    settings.CACHES = redis_cache(url, prefix)
    yield url, prefix
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def test_figures_are_kept_in_redis_and_read_back(
    real_redis_cache, client_for, coordinator, west, make_escalation
):
    import redis

    url, prefix = real_redis_cache
    make_escalation(west, at("2026-03-10 09:00"), triage=1)
    c = client_for(coordinator)
    page = reverse("evidence:dashboard") + MARCH
    assert observations_shown(c.get(page)) == ["1"]
    key = metrics.figures_key(
        locality_columns([west], Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    )
    stored = redis.Redis.from_url(url).keys(f"{prefix}:*{key}")
    assert len(stored) == 1  # the figures, under this test's prefix
    make_escalation(west, at("2026-03-11 09:00"), triage=1)
    assert observations_shown(c.get(page)) == ["1"]  # read back from Redis
    csv_page = c.get(reverse("evidence:dashboard_csv") + MARCH).content.decode()
    assert "Observations,Observations,1" in csv_page


def test_the_dashboard_works_when_its_cache_cannot_be_reached(
    settings, client_for, coordinator, west, make_escalation
):
    settings.CACHES = redis_cache("redis://127.0.0.1:1/0", "lwtest-unreachable")
    make_escalation(west, at("2026-03-10 09:00"), triage=1)
    c = client_for(coordinator)
    page = reverse("evidence:dashboard") + MARCH
    started = time.monotonic()
    first = c.get(page)
    assert first.status_code == 200
    assert observations_shown(first) == ["1"]
    make_escalation(west, at("2026-03-11 09:00"), triage=1)
    assert observations_shown(c.get(page)) == ["2"]  # nothing kept: worked out each time
    assert time.monotonic() - started < 5  # no waiting for a lock no one can hold
