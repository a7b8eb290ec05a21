"""The triage queue's reads, each shape compiled once (escalations.selectors.triage_page_rows,
queue_counts): for random worlds and random filters, the rows and counts a plain ORM query
gives."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from escalations import selectors
from escalations.enums import EscalationState, ObservationKind, RoutingStatus, Urgency
from escalations.models import Escalation
from livingwell.enums import LOCALITY_STAFF_ROLES, Role
from tests.conftest import require_or_skip

from ..factories import ClientFactory, EscalationFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def _world(rng, localities, owners, n=60):
    now = timezone.now()
    practices = [PracticeFactory(locality=loc) for loc in localities]
    clients = [ClientFactory(practice=p) for p in practices for _ in range(3)]
    for _ in range(n):
        client = rng.choice(clients)
        urgency = rng.choice(Urgency.values)
        state = rng.choice(EscalationState.values)
        EscalationFactory(
            observation__client=client,
            observation__volunteer__locality=client.locality,
            kind=rng.choice(ObservationKind.values[:4]),
            urgency=urgency,
            created_at=now - dt.timedelta(days=1, minutes=rng.randint(0, 600)),
            state=state,
            closed_at=now if state == EscalationState.CLOSED else None,
            owner=rng.choice([None, *[o for o in owners if o.locality_id == client.locality_id]]),
            due_at=rng.choice([None, now - dt.timedelta(hours=3), now + dt.timedelta(hours=3)]),
            routing_status=rng.choice([RoutingStatus.DONE, RoutingStatus.FAILED]),
        )


def _orm_queue(user, filters):
    """The queue as a plain chain of ORM filters (the queue before it was compiled once)."""
    qs = selectors.escalations_for(user)
    states = filters.get("state") or []
    qs = qs.filter(state__in=states) if states else qs.exclude(state=EscalationState.CLOSED)
    if filters.get("kind"):
        qs = qs.filter(kind__in=filters["kind"])
    if filters.get("urgency"):
        qs = qs.filter(urgency__in=filters["urgency"])
    owner = filters.get("owner")
    if owner == "me":
        qs = qs.filter(owner=user)
    elif owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif owner is not None:
        qs = qs.filter(owner=owner)
    if filters.get("locality"):
        qs = qs.filter(locality=filters["locality"])
    if filters.get("overdue"):
        qs = qs.filter(due_at__lt=timezone.now())
    return qs.order_by("urgency_rank", "created_at", "id")


def _random_filters(rng, user, owners, localities) -> dict:
    filters = {}
    for name, values in (
        ("state", EscalationState.values),
        ("kind", ObservationKind.values[:4]),
        ("urgency", Urgency.values),
    ):
        if rng.random() < 0.5:
            filters[name] = rng.sample(values, rng.randint(1, len(values)))
            if rng.random() < 0.2:
                filters[name] += filters[name][:1]  # sent twice
    if rng.random() < 0.5:
        filters["owner"] = rng.choice(["me", "none", *owners])
    if user.role == Role.ADMIN and rng.random() < 0.5:
        filters["locality"] = rng.choice(localities)
    if rng.random() < 0.3:
        filters["overdue"] = True
    return filters


def test_rows_and_counts_are_the_orms_for_random_filters(users, west, east):
    rng = random.Random(11)
    staff = [u for u in users.values() if u.role in LOCALITY_STAFF_ROLES]
    _world(rng, [west, east], staff)
    viewers = [users["coordinator"], users["team_leader"], users["other_coordinator"]]
    viewers.append(users["admin"])
    for _ in range(40):
        user = rng.choice(viewers)
        filters = _random_filters(rng, user, staff, [west, east])
        expected = _orm_queue(user, filters)
        counts = selectors.queue_counts(user)
        rows = selectors.triage_page_rows(user, filters, counts["open"])
        want = list(selectors.triage_values(expected))
        assert len(rows) == expected.count() == len(want), filters
        paginator = Paginator(rows, 7)
        got = [row for n in paginator.page_range for row in paginator.page(n).object_list]
        assert got == want, filters


def test_each_set_of_choices_is_one_shape_whatever_its_order(coordinator, team_leader, west):
    _world(random.Random(3), [west], [coordinator, team_leader], n=10)
    selectors._QUEUE_ROWS.clear()
    for urgencies in (["urgent", "worried"], ["worried", "urgent"], ["worried", "worried"]):
        selectors.triage_page_rows(coordinator, {"urgency": urgencies}, 0)[0:5]
    shapes = list(selectors._QUEUE_ROWS)
    assert [shape[3] for shape in shapes] == [("urgent", "worried"), ("worried",)]


def test_the_choices_are_written_into_the_sql_and_the_locality_sent(coordinator, west):
    _world(random.Random(4), [west], [coordinator], n=20)
    selectors._QUEUE_ROWS.clear()
    filters = {"state": ["routed", "new"], "kind": ["transport"], "urgency": ["worried"]}
    selectors.triage_page_rows(coordinator, filters, 0)[0:5]
    (shape,) = selectors._QUEUE_ROWS
    assert shape[1:4] == (("new", "routed"), ("transport",), ("worried",))
    assert selectors._QUEUE_ROWS[shape].kinds == (int,)  # the locality alone is sent


def test_past_the_limit_of_shapes_the_choices_are_sent_as_values(
    coordinator, team_leader, west, east, monkeypatch
):
    rng = random.Random(12)
    staff = [coordinator, team_leader]
    _world(rng, [west, east], staff)
    selectors._QUEUE_ROWS.clear()
    selectors._QUEUE_COUNTS.clear()
    monkeypatch.setattr(selectors, "WRITTEN_IN_SHAPES", 2)
    sets = [["urgent"], ["worried"], ["keep_an_eye"], ["urgent", "worried"], ["worried", "urgent"]]
    for urgencies in sets:
        filters = {"urgency": urgencies, "state": ["new", "routed", "accepted"]}
        rows = selectors.triage_page_rows(coordinator, filters, 0)
        want = list(selectors.triage_values(_orm_queue(coordinator, filters)))
        assert list(rows[0 : len(want)]) == want and len(rows) == len(want)
    # Two sets written in; then one shape per number of urgencies, the values sent.
    assert [shape[1:4] for shape in selectors._QUEUE_ROWS] == [
        (("accepted", "new", "routed"), (), ("urgent",)),
        (("accepted", "new", "routed"), (), ("worried",)),
        (3, 0, 1),
        (3, 0, 2),
    ]


def test_a_filtered_queue_is_planned_once_by_postgresql(coordinator, west):
    """Written in, the choices leave PostgreSQL a statement it plans once and reuses (a generic
    plan); sent as values, it planned a filtered queue's rows on every request."""
    if connection.vendor != "postgresql":
        require_or_skip("statements are prepared on PostgreSQL only (set DATABASE_URL)")
    _world(random.Random(6), [west], [coordinator])
    selectors._QUEUE_ROWS.clear()
    filters = {"urgency": ["worried", "keep_an_eye"], "state": ["routed", "accepted"]}
    for _ in range(8):
        list(selectors.triage_page_rows(coordinator, filters, 0)[0:50])
    sql = selectors._QUEUE_ROWS[next(iter(selectors._QUEUE_ROWS))]
    assert sql.kinds == (int,)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%INNER JOIN%('accepted', 'routed')%('keep_an_eye', 'worried')%"],
        )
        ((generic, custom),) = cur.fetchall()
    assert generic >= 2, (generic, custom)


def test_counts_are_the_orms_aggregate_for_every_user(users, west, east):
    rng = random.Random(5)
    staff = [u for u in users.values() if u.role in LOCALITY_STAFF_ROLES]
    _world(rng, [west, east], staff)
    now = timezone.now()
    for user in [*users.values(), AnonymousUser()]:
        expected = (
            selectors.escalations_for(user)
            .exclude(state=EscalationState.CLOSED)
            .aggregate(
                open=Count("*"),
                urgent=Count("locality", filter=Q(urgency="urgent")),
                overdue=Count("locality", filter=Q(due_at__lt=now)),
                failed=Count("locality", filter=Q(routing_status="failed")),
            )
        )
        assert selectors.queue_counts(user) == expected, user
    assert selectors.queue_counts(users["coordinator"])["open"] > 0
    assert (
        Escalation.objects.exclude(state=EscalationState.CLOSED).count()
        == (selectors.queue_counts(users["admin"])["open"])
    )
