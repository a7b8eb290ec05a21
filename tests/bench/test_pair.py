"""The benchmark's second world: its database and cache, and how the run finds them."""

from __future__ import annotations

import argparse
import uuid

from django.core.cache import cache
from django.db import connection, connections

from bench.run import pair_database_url, parse_args, with_query
from bench.scenario import forget_kept_figures, world
from tests.conftest import require_or_skip
from tests.workers import redis_available


def test_the_second_world_has_its_own_database_unless_one_is_named():
    args = parse_args([])
    assert args.pair_observations == 10_000 and args.pair_duration == 5.0
    assert args.pair_rounds == 2
    url = "postgres://postgres@127.0.0.1:5432/livingwell_bench"
    assert pair_database_url(args, url).endswith("/livingwell_bench_10000")
    quick = parse_args(["--quick"])
    assert quick.pair_observations == 1_000 and quick.pair_duration == 1.0
    assert quick.pair_rounds == 1
    assert parse_args(["--pair-observations", "0"]).pair_observations == 0
    named = argparse.Namespace(pair_database_url="postgres:///other", pair_observations=5)
    assert pair_database_url(named, url) == "postgres:///other"


def test_the_second_worlds_cache_url_keeps_its_own_query():
    assert with_query("redis://h:6379/3", key_prefix="pair") == "redis://h:6379/3?key_prefix=pair"
    assert (
        with_query("redis://h:6379/3?db=1", key_prefix="pair")
        == "redis://h:6379/3?db=1&key_prefix=pair"
    )


def test_inside_a_world_django_reads_its_database_and_prefixes_its_cache_keys():
    here, here_cache = connections["default"], cache.make_key("k")
    with world("postgres://someone@db.example:6543/elsewhere", "pair"):
        there = connection.settings_dict
        assert (there["NAME"], there["HOST"], there["PORT"]) == ("elsewhere", "db.example", 6543)
        assert there["USER"] == "someone"
        # Everything else is this world's: the engine, options (the prepared statements'
        # connection), time zone.
        assert there["OPTIONS"] == here.settings_dict["OPTIONS"]
        assert there["ENGINE"] == here.settings_dict["ENGINE"]
        assert cache.make_key("k") == "pair:1:k"
    assert connections["default"] is here
    assert cache.make_key("k") == here_cache


def test_each_world_forgets_only_its_own_kept_figures(settings):
    url = settings.TEST_CELERY_BROKER_URL
    if not url or not redis_available(url):
        require_or_skip("Redis is needed for the kept figures (set CELERY_BROKER_URL)")
    import redis

    prefix = f"lwtest-{uuid.uuid4().hex[:12]}"  # only this test's keys: nothing flushed
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    figures = "evidence:figures:1.x:abc"
    try:
        cache.set(figures, "here")
        with world("postgres:///elsewhere", f"{prefix}-pair"):
            cache.set(figures, "there")
            cache.set("something-else", "kept")
            assert forget_kept_figures() == 1
            assert cache.get(figures) is None
            assert cache.get("something-else") == "kept"
        assert cache.get(figures) == "here"
        assert forget_kept_figures() == 1
        assert cache.get(figures) is None
    finally:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
