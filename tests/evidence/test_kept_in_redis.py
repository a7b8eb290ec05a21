"""The dashboard's figures kept in Redis as production keeps them (django-redis), and the
dashboard still working when that Redis cannot be reached."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evidence import kept
from evidence.scope import (
    Period,
    default_period,
    evidence_localities,
    evidence_locality_list,
    evidence_scopes,
    locality_columns,
)
from evidence.tasks import keep_figures_ready
from livingwell.enums import CoproductionModel, Role
from livingwell.models import LocalityModel
from tests.factories import LocalityFactory, UserFactory
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
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,  # what production runs with
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
    key = kept.figures_key(
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


# --- kept ready ahead ----------------------------------------------------------------------------


def _leads(west, east):
    """North Cornwall led by a coordinator of West; East led by one of its team leaders."""
    north = LocalityFactory(name="North Cornwall", slug="north-cornwall")
    lead = UserFactory(role=Role.COORDINATOR, locality=west)
    north.lead = lead
    north.save()
    team_lead = UserFactory(role=Role.TEAM_LEADER, locality=east)
    east.lead = team_lead
    east.save()
    return north, lead, team_lead


def test_the_scopes_are_what_each_person_opens_the_dashboard_over(
    west, east, coordinator, admin_user
):
    north, lead, team_lead = _leads(west, east)
    UserFactory(role=Role.COORDINATOR, locality=east, is_active=False)  # opens nothing
    UserFactory(role=Role.VOLUNTEER, locality=east)  # sees no evidence
    # Name order, as the dashboard's columns: East, North, West.
    assert evidence_scopes() == [
        (east.pk,),
        (west.pk,),
        (north.pk, west.pk),
        (east.pk, north.pk, west.pk),
    ]


def test_with_each_process_its_own_cache_nothing_is_kept_ahead(west, coordinator, settings):
    settings.EVIDENCE_FIGURES_SECONDS = 600
    assert keep_figures_ready.delay().get() == 0


def test_figures_are_kept_ready_ahead_for_each_scope(
    real_redis_cache, client_for, coordinator, admin_user, west, east, make_escalation, settings
):
    settings.EVIDENCE_FIGURES_SECONDS = 600
    LocalityModel.objects.create(
        locality=west, model=CoproductionModel.FORMAL_MEETING, started_on=dt.date(2020, 1, 1)
    )
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    make_escalation(west, yesterday, triage=1)
    with time_machine.travel(timezone.now(), tick=False):
        kept_at = timezone.now()
        # West alone (the coordinator's), both (the admin's), and both by model.
        assert keep_figures_ready.delay().get() == 3
    make_escalation(west, yesterday, triage=1)  # after: not in the kept figures
    for user, query in [(coordinator, ""), (admin_user, ""), (admin_user, "?by=model")]:
        if query:  # the by-model view of the default period
            period = default_period()
            query = f"?first={period.first}&last={period.last}&by=model"
        with CaptureQueriesContext(connection) as queries:
            response = client_for(user).get(reverse("evidence:dashboard") + query)
        assert not any("escalations_escalation" in q["sql"] for q in queries.captured_queries)
        assert response.context["figures"].at == kept_at
    shown = client_for(coordinator).get(reverse("evidence:dashboard"))
    assert observations_shown(shown) == ["1"]


def test_nothing_is_kept_ahead_when_figures_are_not_kept(
    real_redis_cache, west, coordinator, settings
):
    settings.EVIDENCE_FIGURES_SECONDS = 0
    assert keep_figures_ready.delay().get() == 0


def test_keeping_ready_runs_on_the_maintenance_queue_every_five_minutes():
    from livingwell.celery import app

    entry = app.conf.beat_schedule["evidence-keep-figures-ready"]
    assert entry["task"] == keep_figures_ready.name
    assert entry["schedule"] < 600  # more often than figures are kept: they never lapse
    assert keep_figures_ready.queue == "maintenance"


def test_the_scopes_cost_three_queries_however_many_people(west, east, django_assert_num_queries):
    for _ in range(2):
        UserFactory(role=Role.COORDINATOR, locality=west)
    with django_assert_num_queries(3):
        few = evidence_scopes()
    for _ in range(20):
        UserFactory(role=Role.COORDINATOR, locality=east)
        UserFactory(role=Role.ADMIN, locality=None)
    with django_assert_num_queries(3):
        many = evidence_scopes()
    assert few == [(west.pk,)]
    assert many == [(east.pk,), (west.pk,), (east.pk, west.pk)]


def test_the_dashboards_lookup_of_localities_is_evidence_localities_for_everyone(
    west, east, coordinator, admin_user
):
    """``evidence_locality_list`` (compiled once) gives each person the localities, in name
    order, that ``evidence_localities`` gives them."""
    north, lead, team_lead = _leads(west, east)
    people = [
        coordinator,
        admin_user,
        lead,
        team_lead,
        UserFactory(role=Role.COORDINATOR, locality=east, is_active=False),
        UserFactory(role=Role.VOLUNTEER, locality=east),
        UserFactory(role=Role.COORDINATOR, locality=None),
        AnonymousUser(),
    ]
    for person in people:
        expected = list(evidence_localities(person).order_by("name"))
        assert evidence_locality_list(person) == expected, person
    assert [loc.pk for loc in evidence_locality_list(lead)] == [north.pk, west.pk]
    assert evidence_locality_list(people[4]) == [] == evidence_locality_list(people[5])
