"""The triage queue's reads, each shape compiled once (escalations.selectors.triage_page_rows,
queue_counts): for random worlds and random filters, the rows and counts a plain ORM query
gives."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils import timezone

from escalations import selectors
from escalations.enums import EscalationState, ObservationKind, RoutingStatus, Urgency
from escalations.models import Escalation
from livingwell.enums import LOCALITY_STAFF_ROLES, Role

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


def test_each_shape_is_compiled_once_whatever_the_values(coordinator, team_leader, west):
    _world(random.Random(3), [west], [coordinator, team_leader], n=10)
    selectors._QUEUE_ROWS.clear()
    for urgencies in (["urgent", "worried"], ["worried", "keep_an_eye"], ["worried", "worried"]):
        selectors.triage_page_rows(coordinator, {"urgency": urgencies}, 0)[0:5]
    shapes = list(selectors._QUEUE_ROWS)
    assert [shape[3] for shape in shapes] == [2, 1]


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
