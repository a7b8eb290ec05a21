"""Fixtures for observations and escalations: West's clients visited by Vera, East's by Jory,
and a way to make an escalation in any state through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection

from clients.enums import ConsentScope
from escalations import services
from escalations.enums import ObservationKind, Urgency
from escalations.models import Escalation
from tests.workers import redis_available

from ..conftest import require_or_skip
from ..factories import ClientFactory
from .helpers import consent, visit
from .worker import WORKER_ENV, Worker


@pytest.fixture
def mary(west_practice, volunteer):
    """Vera's client in West, with every identifying detail the story check looks for."""
    client = ClientFactory(
        practice=west_practice,
        first_name="Mary",
        last_name="Trevithick",
        date_of_birth=dt.date(1938, 5, 17),
        nhs_number="9434765919",
        address="Rose Cottage, 1 Fore Street\nPenzance",
        postcode="TR18 2AA",
    )
    return visit(volunteer, client)


@pytest.fixture
def east_client(east_practice, other_volunteer):
    client = ClientFactory(practice=east_practice, first_name="Jenifer", last_name="Polglase")
    return visit(other_volunteer, client)


@pytest.fixture
def make_escalation(volunteer, mary):
    """``make_escalation(urgency=..., kind=..., client=..., by=...)``: an observation saved
    through the service (routing runs when the test's on-commit callbacks run)."""

    def make(*, client=None, by=None, kind=ObservationKind.TRANSPORT, urgency=Urgency.WORRIED):
        user = by or volunteer
        observation, _ = services.observation_create(
            client=client or mary,
            volunteer=user.volunteer,
            logged_by=user,
            kind=kind,
            urgency=urgency,
            noticed="The bus no longer runs and she has missed two appointments.",
            client_wants="A lift to the surgery",
        )
        return Escalation.objects.get(observation=observation)

    return make


@pytest.fixture
def routed(make_escalation, coordinator):
    """A routed escalation of Mary's, owned by Colin (the coordinator)."""
    escalation = make_escalation()
    services.escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    return escalation


@pytest.fixture
def story_consent(mary):
    return consent(mary, ConsentScope.ANONYMISED_STORY)


# ---- real workers (the integration and reliability tests) ---------------------------------


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        require_or_skip("PostgreSQL is needed (set DATABASE_URL)")


@pytest.fixture
def services_up(postgres):
    """The test broker's URL, emptied; skips (or fails under REQUIRE_SERVICES) without
    PostgreSQL and Redis."""
    url = settings.TEST_CELERY_BROKER_URL
    if not url:
        require_or_skip("Redis is needed (set CELERY_BROKER_URL)")
    if not redis_available(url):
        require_or_skip(f"Redis at {url} is not reachable")
    import redis

    redis.Redis.from_url(url).flushdb()  # this test run's own database number
    return url


@pytest.fixture
def workers():
    """``workers(broker_url, **env)`` starts a real Celery worker; all are stopped after."""
    started: list[Worker] = []

    def start(broker_url, **env):
        worker = Worker(broker_url, **{**WORKER_ENV, **env}).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
