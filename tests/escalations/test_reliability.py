"""Routing survives its services failing: a Celery time limit shorter than a routing, Redis
restarting with routings queued, and PostgreSQL restarting under a worker routing a batch.

Real services of the test's own (a redis-server and a PostgreSQL cluster on private ports):
the shared ones are never stopped. Transactional tests, so the worker (another process) sees
the committed rows.
"""

# ruff: noqa: S608 (the raw SQL on the private cluster names tables from the models' _meta)
from __future__ import annotations

import time
from unittest import mock

import pytest
from django.db import connection, transaction
from django.urls import reverse

from escalations import services, tasks
from escalations.enums import Action, EscalationState, RoutingStatus
from escalations.models import Escalation, EscalationEvent, RoutingRule
from livingwell.models import Notification
from tests.workers import wait_for

from ..conftest import require_or_skip
from .worker import PrivatePostgres, PrivateRedis, broker, free_port

pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("celery"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def private_redis(postgres):
    """A redis-server of our own that keeps what it holds across a restart (append-only
    file), as the README asks of production's."""
    if not PrivateRedis.available():
        require_or_skip("redis-server is needed to restart a broker of our own")
    server = PrivateRedis(free_port(), appendonly=True).start()
    yield server
    server.stop()
    server.remove()


def observe(volunteer, client, n=1, noticed="Observation"):
    """Save ``n`` observations through the service, their routing not enqueued."""
    with mock.patch("escalations.services.enqueue"):
        return [
            services.observation_create(
                client=client,
                volunteer=volunteer.volunteer,
                logged_by=volunteer,
                kind="transport",
                urgency="worried",
                noticed=f"{noticed} {i}",
            )[0].escalation.pk
            for i in range(n)
        ]


def routed_once(ids) -> None:
    """Every escalation routed, each with exactly one routing event and one notification."""
    events = list(
        EscalationEvent.objects.filter(action=Action.ROUTED).values_list("escalation_id", flat=True)
    )
    assert sorted(events) == sorted(ids), "an escalation was routed twice or not at all"
    assert Escalation.objects.filter(pk__in=ids, state=EscalationState.ROUTED).count() == len(ids)
    keys = list(
        Notification.objects.filter(key__contains="-routed-to-").values_list("key", flat=True)
    )
    assert len(keys) == len(set(keys)) == len(ids)


def test_a_routing_past_the_hard_time_limit_ends_failed_and_shown_to_coordinators(
    services_up, workers, client, volunteer, mary, coordinator
):
    (escalation_id,) = observe(volunteer, mary)
    worker = workers(services_up, CELERY_TASK_TIME_LIMIT=3, CELERY_TASK_SOFT_TIME_LIMIT=2)

    with broker(services_up), transaction.atomic():
        # The routing rules cannot be read while this lock is held: the routing blocks inside
        # a database query, where the soft limit cannot interrupt it, until the hard limit
        # kills it.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {RoutingRule._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        # The limits travel in the message, from the publisher's settings (the web's, which
        # production shares with the workers); this process has the defaults, so name them.
        tasks.route_escalation.apply_async(
            kwargs={"escalation_id": escalation_id}, time_limit=3, soft_time_limit=2
        )
        try:
            wait_for(
                lambda: Escalation.objects.filter(
                    pk=escalation_id, routing_status=RoutingStatus.FAILED
                ).exists(),
                timeout=20,
                interval=0.25,
            )
        except AssertionError:
            row = Escalation.objects.get(pk=escalation_id)
            raise AssertionError(
                f"routing {row.routing_status}, not failed; worker said:\n{worker.output()}"
            ) from None
        took = time.monotonic() - started
    assert took < 10, f"failed after {took:.1f}s"
    assert "Hard time limit" in worker.output()

    # The lock is gone; nothing routes it behind the coordinators' backs.
    with broker(services_up):
        tasks.sweep_unrouted.apply_async()
        time.sleep(3)
    escalation = Escalation.objects.get(pk=escalation_id)
    assert escalation.routing_status == RoutingStatus.FAILED
    assert escalation.state == EscalationState.NEW
    assert "time limit" in escalation.routing_error
    assert not EscalationEvent.objects.filter(action=Action.ROUTED).exists()
    assert EscalationEvent.objects.filter(
        escalation_id=escalation_id, action=Action.ROUTING_FAILED
    ).exists()

    client.force_login(coordinator)
    queue = client.get(reverse("escalations:triage")).content.decode()
    assert "Routing failed" in queue
    assert reverse("escalations:detail", args=[escalation_id]) in queue
    page = client.get(reverse("escalations:detail", args=[escalation_id])).content.decode()
    assert "ran past its time limit (3 s)" in page


def test_routings_queued_while_redis_restarts_are_all_routed(
    private_redis, workers, volunteer, mary, coordinator
):
    import redis

    ids = observe(volunteer, mary, 20)
    with broker(private_redis.url):
        for pk in ids:  # no worker yet: the messages wait in Redis
            tasks.route_escalation.apply_async(kwargs={"escalation_id": pk})
    queued = redis.Redis(port=private_redis.port)
    assert queued.llen("routing") == 20

    # Redis dies without a chance to save (SIGKILL) and comes back on the same files.
    private_redis.kill()
    private_redis.start()
    assert queued.llen("routing") == 20, "the append-only file did not keep the queue"
    assert Escalation.objects.filter(routing_status=RoutingStatus.PENDING).count() == 20

    started = time.monotonic()
    worker = workers(private_redis.url)
    try:
        wait_for(
            lambda: not Escalation.objects.exclude(routing_status=RoutingStatus.DONE).exists(),
            timeout=30,
            interval=0.25,
        )
    except AssertionError:
        left = Escalation.objects.exclude(routing_status=RoutingStatus.DONE).count()
        raise AssertionError(f"{left} not routed; worker said:\n{worker.output()}") from None
    assert time.monotonic() - started < 15
    routed_once(ids)


def _private_rows(url: str, sql: str, *params):
    """Rows from the private cluster, or None while it is down or restarting."""
    import psycopg2

    try:
        with psycopg2.connect(url, connect_timeout=1) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        conn.close()
        return rows
    except psycopg2.OperationalError:
        return None


def test_postgres_restarting_under_a_worker_routing_a_batch_loses_and_repeats_nothing(
    services_up, workers, volunteer, mary, coordinator
):
    import psycopg2

    from tests.workers import test_database_url

    if not PrivatePostgres.available():
        require_or_skip("initdb and pg_ctl are needed to restart a PostgreSQL of our own")
    ids = observe(volunteer, mary, 30)
    pg = PrivatePostgres(free_port()).start()
    try:
        # The worker's database is a copy of this test's, on a cluster we may restart.
        url = pg.copy_from(test_database_url())
        escalations = Escalation._meta.db_table
        events = EscalationEvent._meta.db_table
        # Persistent connections, as in production: the worker's must not outlive the restart.
        worker = workers(services_up, DATABASE_URL=url, CONN_MAX_AGE=600)

        # Hold the routing rules so the batch is mid-routing (claimed, in a transaction) when
        # the database goes away.
        holder = psycopg2.connect(url)
        with holder.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {RoutingRule._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        with broker(services_up):
            for pk in ids:
                tasks.route_escalation.apply_async(kwargs={"escalation_id": pk})
        wait_for(
            lambda: _private_rows(
                url, f"SELECT 1 FROM {escalations} WHERE routing_status = %s", "claimed"
            ),
            timeout=15,
        )
        started = time.monotonic()
        pg.stop("fast")  # every session ends, the workers' and the lock's
        holder.close()
        time.sleep(1)
        pg.start()

        def all_done():
            rows = _private_rows(
                url,
                f"SELECT routing_status, count(*) FROM {escalations} GROUP BY routing_status",
            )
            return rows is not None and dict(rows) == {"done": 30}

        try:
            wait_for(all_done, timeout=30, interval=0.5)
        except AssertionError:
            rows = _private_rows(
                url, f"SELECT routing_status, count(*) FROM {escalations} GROUP BY 1"
            )
            raise AssertionError(f"{rows}; worker said:\n{worker.output()}") from None
        took = time.monotonic() - started
        time.sleep(1)  # a duplicate would have landed by now

        routed = _private_rows(
            url,
            f"SELECT escalation_id, count(*) FROM {events} WHERE action = %s GROUP BY 1",
            Action.ROUTED.value,
        )
        assert sorted(pk for pk, _ in routed) == sorted(ids)
        assert {n for _, n in routed} == {1}, "an escalation was routed twice"
        notified = _private_rows(
            url,
            f"SELECT count(*) FROM {Notification._meta.db_table} WHERE key LIKE %s",
            "%-routed-to-%",
        )
        assert notified == [(30,)]
        states = _private_rows(url, f"SELECT DISTINCT state FROM {escalations}")
        assert states == [(EscalationState.ROUTED.value,)]
        assert "OperationalError" in worker.output() or "retry" in worker.output().lower()
        assert took < 20, f"routed {took:.1f}s after the restart"
    finally:
        pg.remove()
