"""Routing with a real Redis and a real Celery worker on the PostgreSQL test database.

Transactional tests, so that the worker (another process) sees the committed rows. The
worker runs with production settings and short time limits, so that a lost claim goes stale
in seconds rather than minutes.
"""

from __future__ import annotations

import time
import uuid
from unittest import mock

import pytest
from django.db import connection, transaction
from django.urls import reverse

from escalations import services, tasks
from escalations.enums import Action, EscalationState, RoutingStatus
from escalations.models import Escalation, EscalationEvent
from tests.workers import wait_for

from ..conftest import require_or_skip
from .worker import PrivateRedis, broker, free_port

pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("celery"),
    # serialized_rollback: the flush between transactional tests would drop the role groups
    # that a data migration made.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def routed_count(escalation_id=None) -> int:
    qs = EscalationEvent.objects.filter(action=Action.ROUTED)
    if escalation_id is not None:
        qs = qs.filter(escalation_id=escalation_id)
    return qs.count()


def observe(volunteer, client, n=1):
    """Save ``n`` observations through the service (each commits on its own)."""
    return [
        services.observation_create(
            client=client,
            volunteer=volunteer.volunteer,
            logged_by=volunteer,
            kind="transport",
            urgency="worried",
            noticed=f"Observation {i}",
        )[0].escalation.pk
        for i in range(n)
    ]


def test_an_observation_is_routed_within_seconds(
    services_up, workers, client, volunteer, mary, coordinator
):
    workers(services_up)
    with broker(services_up):
        client.force_login(volunteer)
        started = time.monotonic()
        response = client.post(
            reverse("escalations:observation_create"),
            {
                "submission_key": str(uuid.uuid4()),
                "client": mary.pk,
                "noticed": "She has had a fall in the garden.",
                "kind": "fall",
                "urgency": "urgent",
                "client_wants": "",
            },
        )
        assert response.status_code == 302
        escalation = Escalation.objects.get()
        wait_for(
            lambda: Escalation.objects.filter(
                pk=escalation.pk, routing_status=RoutingStatus.DONE
            ).exists(),
            timeout=10,
        )
        took = time.monotonic() - started
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.ROUTED
    assert escalation.owner == coordinator
    assert routed_count(escalation.pk) == 1
    assert took < 5, f"routed in {took:.1f}s"


def test_sent_to_an_emptied_redis_before_any_worker_it_is_routed_once_one_starts(
    services_up, workers, volunteer, mary, coordinator
):
    """The routing is pushed straight onto the queue's list, without declaring the queue
    (livingwell/broker.py): on a Redis emptied while no worker runs, nothing records the
    queue's binding, and the worker started after still takes the task."""
    import redis

    server = redis.Redis.from_url(services_up)
    with broker(services_up):
        (escalation_id,) = observe(volunteer, mary)
        assert server.llen("routing") == 1
        assert server.keys("_kombu.binding*") == []
        workers(services_up)
        wait_for(lambda: routed_count(escalation_id) == 1, timeout=15)
    escalation = Escalation.objects.get(pk=escalation_id)
    assert escalation.state == EscalationState.ROUTED
    assert escalation.owner == coordinator


def test_broker_down_at_submit_then_100_routings_and_no_duplicates(
    services_up, workers, client, volunteer, mary, coordinator
):
    if not PrivateRedis.available():
        require_or_skip("redis-server is needed to stop and start a broker of our own")
    redis_server = PrivateRedis(free_port()).start()
    try:
        redis_server.stop()  # the broker is down from the start

        with broker(redis_server.url):
            # Through the page, with the production publish retries: the volunteer is told
            # it is saved.
            client.force_login(volunteer)
            response = client.post(
                reverse("escalations:observation_create"),
                {
                    "submission_key": str(uuid.uuid4()),
                    "client": mary.pk,
                    "noticed": "Her carer has not been for a week.",
                    "kind": "carer_strain",
                    "urgency": "worried",
                    "client_wants": "",
                },
                follow=True,
            )
            assert response.status_code == 200
            assert "Thank you. We have it" in response.content.decode()
        # The other 99 through the service, without the publish retries, to keep it quick.
        with broker(redis_server.url, publish_retry=False):
            observe(volunteer, mary, 99)

        assert Escalation.objects.count() == 100
        assert Escalation.objects.filter(routing_status=RoutingStatus.PENDING).count() == 100
        assert routed_count() == 0

        # The broker comes back, a worker starts, and beat's sweep runs.
        redis_server.start()
        worker = workers(redis_server.url)
        with broker(redis_server.url):
            tasks.sweep_unrouted.apply_async()
            try:
                wait_for(
                    lambda: (
                        not Escalation.objects.exclude(routing_status=RoutingStatus.DONE).exists()
                    ),
                    timeout=60,
                    interval=0.5,
                )
            except AssertionError:
                left = Escalation.objects.exclude(routing_status=RoutingStatus.DONE).count()
                raise AssertionError(
                    f"{left} not routed; worker said:\n{worker.output()}"
                ) from None
            # A second sweep (beat runs every 30 s) finds nothing to do.
            tasks.sweep_unrouted.apply_async()
            time.sleep(2)
        assert routed_count() == 100
        per_escalation = set(
            EscalationEvent.objects.filter(action=Action.ROUTED).values_list(
                "escalation_id", flat=True
            )
        )
        assert len(per_escalation) == 100
        assert Escalation.objects.filter(state=EscalationState.ROUTED).count() == 100
    finally:
        redis_server.stop()


def test_a_worker_killed_mid_routing_leaves_it_routed_exactly_once(
    services_up, workers, volunteer, mary, coordinator
):
    with mock.patch("escalations.services.enqueue"):  # enqueued by hand below
        (escalation_id,) = observe(volunteer, mary)
    first = workers(services_up)

    with broker(services_up), transaction.atomic():
        # Hold the history table so the worker blocks in the middle of its routing: after it
        # has claimed the row and updated it, before it can write the event and commit.
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE escalations_escalationevent IN EXCLUSIVE MODE")
        tasks.route_escalation.apply_async(kwargs={"escalation_id": escalation_id})

        def blocked_mid_routing():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted "
                    "AND relation = 'escalations_escalationevent'::regclass"
                )
                return cursor.fetchone()[0] > 0

        wait_for(blocked_mid_routing, timeout=15)
        claimed = Escalation.objects.get(pk=escalation_id)
        assert claimed.routing_status == RoutingStatus.CLAIMED
        first.kill()
    # The lock is released; the killed worker's transaction never commits.
    time.sleep(1)
    escalation = Escalation.objects.get(pk=escalation_id)
    assert escalation.state == EscalationState.NEW
    assert escalation.routing_status == RoutingStatus.CLAIMED
    assert routed_count(escalation_id) == 0

    workers(services_up)
    with broker(services_up):
        # Redis redelivers the unacknowledged message; beat's sweep would also find the
        # stale claim. Run the sweep as beat does until it is routed.
        def routed():
            if Escalation.objects.filter(
                pk=escalation_id, routing_status=RoutingStatus.DONE
            ).exists():
                return True
            tasks.sweep_unrouted.apply_async()
            return False

        wait_for(routed, timeout=45, interval=2)
        time.sleep(2)  # any duplicate delivery would have landed by now
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.ROUTED
    assert routed_count(escalation_id) == 1
    assert escalation.routing_attempts >= 2


def test_a_backed_up_queue_is_routed_in_batches_each_row_once(
    services_up, workers, volunteer, mary, coordinator
):
    from livingwell.models import Notification

    # Sixty routings queued before any worker is up: a backed-up queue.
    with broker(services_up):
        ids = observe(volunteer, mary, 60)
    worker = workers(services_up)
    try:
        wait_for(
            lambda: not Escalation.objects.exclude(routing_status=RoutingStatus.DONE).exists(),
            timeout=60,
            interval=0.2,
        )
    except AssertionError:
        raise AssertionError(f"not all routed; worker said:\n{worker.output()}") from None
    assert Escalation.objects.filter(pk__in=ids, state=EscalationState.ROUTED).count() == 60
    assert routed_count() == 60
    assert len(set(EscalationEvent.objects.values_list("escalation_id", flat=True))) == 60
    assert Notification.objects.filter(key__startswith="escalation-").count() == 60
    # Rows routed together share their routing's time: far fewer times than rows.
    times = set(Escalation.objects.values_list("routed_at", flat=True))
    assert len(times) < 30, f"{len(times)} routings for 60 rows"
