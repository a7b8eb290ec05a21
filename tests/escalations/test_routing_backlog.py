"""A backed-up routing queue: each routing task also routes what is still waiting, the urgent
ones first and the others in one batch, with the answers routing them one by one would give."""

from __future__ import annotations

import datetime as dt
import logging
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from escalations import routing, services, tasks
from escalations.enums import (
    Action,
    EscalationState,
    ObservationKind,
    RoutingStatus,
    TriageRole,
    Urgency,
)
from escalations.models import Escalation, EscalationEvent, UrgencyPolicy
from livingwell.enums import Role
from livingwell.models import Notification

from ..factories import OnCallShiftFactory, RoutingRuleFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

KINDS = [ObservationKind.TRANSPORT, ObservationKind.FALL, ObservationKind.LONELINESS]
LEVELS = [Urgency.WORRIED, Urgency.KEEP_AN_EYE]


class Rollback(Exception):
    pass


@pytest.fixture
def world(west, east, coordinator):
    """Rules by kind, locality and urgency (one inactive, one sending to the team leader on
    call), a due-time policy, a second coordinator in the west and a team leader on call."""
    transport = ServiceFactory(name="Community transport", localities=[west, east])
    falls = ServiceFactory(name="Falls team", localities=[west])
    RoutingRuleFactory(service=ServiceFactory(name="Anything", localities=[west, east]))
    RoutingRuleFactory(kind=ObservationKind.TRANSPORT, service=transport)
    RoutingRuleFactory(
        kind=ObservationKind.FALL,
        locality=west,
        service=falls,
        triage_role=TriageRole.TEAM_LEADER_ON_CALL,
    )
    RoutingRuleFactory(
        kind=ObservationKind.LONELINESS,
        urgency=Urgency.KEEP_AN_EYE,
        service=ServiceFactory(name="Befriending", localities=[west]),
        priority=5,
    )
    RoutingRuleFactory(
        kind=ObservationKind.LONELINESS, service=ServiceFactory(name="Closed"), active=False
    )
    UrgencyPolicy.objects.create(urgency=Urgency.WORRIED, due_within=dt.timedelta(hours=30))
    UserFactory(role=Role.COORDINATOR, locality=west, username="cora")
    OnCallShiftFactory(locality=west)
    return west


def waiting(make_escalation, n, *, urgent_every=0):
    rows = []
    for i in range(n):
        urgent = urgent_every and i % urgent_every == urgent_every - 1
        rows.append(
            make_escalation(
                kind=KINDS[i % len(KINDS)],
                urgency=Urgency.URGENT if urgent else LEVELS[i % len(LEVELS)],
            )
        )
    return [e.pk for e in rows]


def what_routing_did(ids):
    """Every column, event and notification that routing these escalations wrote."""
    rows = list(
        Escalation.objects.filter(pk__in=ids)
        .order_by("pk")
        .values(
            "pk",
            "state",
            "owner_id",
            "service_id",
            "due_at",
            "routed_at",
            "routing_status",
            "routing_error",
            "version",
        )
    )
    events = list(
        EscalationEvent.objects.filter(escalation_id__in=ids, action=Action.ROUTED)
        .order_by("escalation_id")
        .values("escalation_id", "actor_id", "summary", "volunteer_summary", "data", "at")
    )
    notices = list(
        Notification.objects.filter(key__startswith="escalation-")
        .order_by("key")
        .values("user_id", "subject", "body", "url", "key", "send_email", "read_at")
    )
    return rows, events, notices


def test_a_batch_routes_as_routing_one_by_one_would(world, make_escalation):
    ids = waiting(make_escalation, 12)
    now = timezone.now()
    try:
        with transaction.atomic():
            for pk in ids:  # the order the batch takes them in: oldest first
                assert services.escalation_route(escalation_id=pk, now=now).routed
            one_by_one = what_routing_did(ids)
            raise Rollback
    except Rollback:
        pass
    assert Escalation.objects.filter(pk__in=ids, routing_status=RoutingStatus.PENDING).count() == 12

    assert services.escalations_route_backlog(limit=50, now=now) == 12

    in_a_batch = what_routing_did(ids)
    assert in_a_batch == one_by_one
    rows, events, notices = in_a_batch
    # The world gave them different answers: the test compares something.
    assert len({(r["owner_id"], r["service_id"]) for r in rows}) >= 4
    assert {r["state"] for r in rows} == {EscalationState.ROUTED}
    assert len(events) == len(notices) == 12


def test_coordinators_share_a_batch_as_they_would_share_the_rows_one_by_one(
    west, make_escalation, coordinator
):
    cora = UserFactory(role=Role.COORDINATOR, locality=west, username="cora")
    ids = waiting(make_escalation, 6)
    assert services.escalations_route_backlog(limit=50) == 6
    owners = list(Escalation.objects.filter(pk__in=ids).order_by("pk").values_list("owner_id"))
    assert owners == [(coordinator.pk,), (cora.pk,)] * 3


def test_the_routing_tables_answer_as_the_queries_do(world, east, routed):
    now = timezone.now()
    tables = routing.RoutingTables(at=now)
    for locality in (world, east):
        for kind in ObservationKind:
            for urgency in Urgency:
                assert tables.matching_rule(
                    kind=kind, locality_id=locality.pk, urgency=urgency
                ) == routing.matching_rule(kind=kind, locality_id=locality.pk, urgency=urgency)
        assert tables.on_call_now(locality_id=locality.pk, at=now) == routing.on_call_now(
            locality_id=locality.pk, at=now
        )
        assert tables.locality_coordinator(locality=locality) == routing.locality_coordinator(
            locality=locality
        )
    for urgency in Urgency:
        assert tables.due_within(urgency) == routing.due_within(urgency)


def test_urgent_ones_go_first_and_are_routed_as_their_own_task_would(world, make_escalation):
    leader = OnCallShiftFactory(locality=world, team_leader__phone="07700900123").team_leader
    ids = waiting(make_escalation, 6, urgent_every=3)
    urgent = list(
        Escalation.objects.filter(pk__in=ids, urgency=Urgency.URGENT).values_list("pk", flat=True)
    )
    # Room for two: the two urgent ones, although they were made after others.
    assert services.escalations_route_backlog(limit=2) == 2
    routed = Escalation.objects.filter(routing_status=RoutingStatus.DONE)
    assert sorted(routed.values_list("pk", flat=True)) == sorted(urgent)
    assert set(routed.values_list("owner_id", flat=True)) == {leader.pk}
    assert Notification.objects.filter(user=leader, send_email=True).count() == 2


def test_a_row_nobody_can_triage_is_recorded_failed_and_the_rest_are_routed(
    east, east_client, make_escalation, coordinator, other_volunteer
):
    # The east has no coordinator and nobody on call.
    east_row = make_escalation(client=east_client, by=other_volunteer)
    ids = waiting(make_escalation, 3)
    assert services.escalations_route_backlog(limit=50) == 3
    east_row.refresh_from_db()
    assert east_row.routing_status == RoutingStatus.FAILED
    assert "no active coordinator" in east_row.routing_error
    assert EscalationEvent.objects.filter(
        escalation=east_row, action=Action.ROUTING_FAILED
    ).exists()
    assert Escalation.objects.filter(pk__in=ids, state=EscalationState.ROUTED).count() == 3


def test_a_failed_batch_is_rolled_back_and_given_back_to_its_own_tasks(
    world, make_escalation, caplog
):
    ids = waiting(make_escalation, 4)
    with (
        caplog.at_level(logging.ERROR, logger="escalations.services"),
        mock.patch.object(
            EscalationEvent.objects, "bulk_create", side_effect=ValueError("Mary Trelawny")
        ),
    ):
        assert services.escalations_route_backlog(limit=50) == 0
    rows = Escalation.objects.filter(pk__in=ids)
    assert set(rows.values_list("routing_status", "state")) == {
        (RoutingStatus.PENDING, EscalationState.NEW)
    }
    assert not Notification.objects.exists()
    assert "ValueError" in caplog.text
    assert "Mary" not in caplog.text
    # Their own tasks then route them.
    for pk in ids:
        assert services.escalation_route(escalation_id=pk).routed


def test_rows_staff_acted_on_first_are_left_as_they_are(world, make_escalation, coordinator):
    first, second = waiting(make_escalation, 2)
    services.escalation_accept(
        escalation=Escalation.objects.get(pk=first), by=coordinator, expected_version=0
    )
    assert services.escalations_route_backlog(limit=50) == 1
    accepted = Escalation.objects.get(pk=first)
    assert (accepted.state, accepted.routing_status) == (
        EscalationState.ACCEPTED,
        RoutingStatus.DONE,
    )
    assert not EscalationEvent.objects.filter(escalation=accepted, action=Action.ROUTED).exists()


def test_their_own_tasks_then_do_nothing(world, make_escalation):
    ids = waiting(make_escalation, 3)
    services.escalations_route_backlog(limit=50)
    before = what_routing_did(ids)
    for pk in ids:
        assert tasks.route_escalation.apply(kwargs={"escalation_id": pk}).get() is False
    assert what_routing_did(ids) == before


def test_a_batch_costs_a_statement_a_row_not_eleven(
    world, make_escalation, django_assert_max_num_queries
):
    waiting(make_escalation, 40)
    services.escalations_route_backlog(limit=1)  # reversing and caches warmed
    # Locking and claiming, the batch and the tables, a conditional update a row, the
    # events, the notifications.
    with django_assert_max_num_queries(39 + 15):
        assert services.escalations_route_backlog(limit=50) == 39


def test_nothing_waiting_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert services.escalations_route_backlog(limit=50) == 0
    assert services.escalations_route_backlog(limit=0) == 0


def test_a_task_run_in_process_leaves_the_backlog_to_the_workers(world, make_escalation):
    first, *others = waiting(make_escalation, 3)
    # Eager (a web request routing in-process, as on a laptop): its own escalation only.
    assert tasks.route_escalation.apply(kwargs={"escalation_id": first}).get() is True
    assert Escalation.objects.filter(pk__in=others, routing_status=RoutingStatus.PENDING).count()


def test_a_task_in_a_worker_routes_the_backlog_too(world, make_escalation, settings):
    first, *others = waiting(make_escalation, 3)
    with mock.patch.object(tasks.route_escalation, "request_stack") as stack:
        stack.top = mock.Mock(retries=0, is_eager=False)
        assert tasks.route_escalation.run(escalation_id=first) is True
    assert set(
        Escalation.objects.filter(pk__in=[first, *others]).values_list("state", flat=True)
    ) == {EscalationState.ROUTED}
    settings.ROUTING_BACKLOG_BATCH = 0
    more = waiting(make_escalation, 2)
    with mock.patch.object(tasks.route_escalation, "request_stack") as stack:
        stack.top = mock.Mock(retries=0, is_eager=False)
        assert tasks.route_escalation.run(escalation_id=more[0]) is True
    assert Escalation.objects.get(pk=more[1]).routing_status == RoutingStatus.PENDING


@pytest.mark.parametrize("seed", range(12))
def test_in_any_world_a_batch_routes_as_one_by_one(seed, west, east, make_escalation, mary):
    """Random rules (any kind, place and urgency, some inactive, some with a closed service,
    some for the team leader on call), coordinators with and without a lead, a rota or none,
    and a random backlog: a batch writes what routing the rows one by one writes."""
    import random

    from clients.models import Client

    from ..factories import ClientFactory, PracticeFactory, VolunteerFactory
    from .helpers import visit

    rnd = random.Random(seed)
    places = [west, east]
    services_ = [
        ServiceFactory(name=f"Service {i}", localities=places, active=rnd.random() > 0.2)
        for i in range(4)
    ]
    for _ in range(rnd.randint(0, 8)):
        RoutingRuleFactory(
            kind=rnd.choice(["", *KINDS]),
            locality=rnd.choice([None, *places]),
            urgency=rnd.choice(["", *LEVELS]),
            service=rnd.choice([None, *services_]),
            triage_role=rnd.choice(list(TriageRole)),
            priority=rnd.randint(1, 3),
            active=rnd.random() > 0.15,
        )
    if rnd.random() > 0.5:
        UrgencyPolicy.objects.create(
            urgency=Urgency.KEEP_AN_EYE, due_within=dt.timedelta(hours=rnd.randint(1, 200))
        )
    for place in places:
        coordinators = [
            UserFactory(role=Role.COORDINATOR, locality=place) for _ in range(rnd.randint(1, 3))
        ]
        if rnd.random() > 0.6:
            place.lead = rnd.choice(coordinators)
            place.save()
        if rnd.random() > 0.5:
            OnCallShiftFactory(locality=place)
    east_client = visit(
        VolunteerFactory(locality=east).user,
        ClientFactory(practice=PracticeFactory(locality=east)),
    )
    clients = [mary, east_client]
    ids = []
    for _ in range(rnd.randint(5, 25)):
        client = rnd.choice(clients)
        by = client.assignments.first().volunteer.user
        ids.append(
            make_escalation(
                client=Client.objects.get(pk=client.pk),
                by=by,
                kind=rnd.choice(KINDS),
                urgency=rnd.choice(LEVELS),
            ).pk
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            for pk in ids:
                services.escalation_route(escalation_id=pk, now=now)
            one_by_one = what_routing_did(ids)
            raise Rollback
    except Rollback:
        pass
    assert services.escalations_route_backlog(limit=50, now=now) == len(ids)
    assert what_routing_did(ids) == one_by_one
