import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require_or_skip
from tests.workers import redis_available


@pytest.fixture
def broker_url():
    """The Redis broker for integration tests (CELERY_BROKER_URL, kept by the test settings)."""
    url = settings.TEST_CELERY_BROKER_URL
    if not url:
        require_or_skip("CELERY_BROKER_URL is not set")
    if not redis_available(url):
        require_or_skip(f"Redis is not reachable at {url}")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def postgres(django_db_serialized_rollback, transactional_db):
    """A transactional test on PostgreSQL; the data migrations' rows (role groups) are restored."""
    if connection.vendor != "postgresql":
        require_or_skip("integration tests need DATABASE_URL pointing at PostgreSQL")
