"""Routing without services: rules, fallback, on-call choice, due times, the claim that makes
it idempotent, retries and terminal failures, and the sweep."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError
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
from livingwell.sms import outbox

from ..factories import OnCallShiftFactory, RoutingRuleFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


def routed_events(escalation):
    return EscalationEvent.objects.filter(escalation=escalation, action=Action.ROUTED).count()


def test_most_specific_rule_wins(west, make_escalation, coordinator):
    any_rule = RoutingRuleFactory(service=ServiceFactory(name="Anything", localities=[west]))
    by_kind = RoutingRuleFactory(
        kind=ObservationKind.TRANSPORT, service=ServiceFactory(name="Transport", localities=[west])
    )
    by_kind_and_place = RoutingRuleFactory(
        kind=ObservationKind.TRANSPORT,
        locality=west,
        service=ServiceFactory(name="West transport", localities=[west]),
        priority=500,
    )
    RoutingRuleFactory(  # another kind: never matches
        kind=ObservationKind.FALL,
        locality=west,
        urgency=Urgency.WORRIED,
        service=ServiceFactory(name="Falls"),
    )
    rule = routing.matching_rule(
        kind=ObservationKind.TRANSPORT, locality_id=west.pk, urgency=Urgency.WORRIED
    )
    assert rule == by_kind_and_place
    assert {any_rule, by_kind} and rule.service.name == "West transport"


def test_priority_breaks_ties_and_inactive_rules_and_services_are_skipped(west):
    low = RoutingRuleFactory(kind=ObservationKind.MONEY, priority=10)
    RoutingRuleFactory(kind=ObservationKind.MONEY, priority=5, active=False)
    RoutingRuleFactory(kind=ObservationKind.MONEY, priority=1, service__active=False)
    RoutingRuleFactory(kind=ObservationKind.MONEY, priority=50)
    rule = routing.matching_rule(
        kind=ObservationKind.MONEY, locality_id=west.pk, urgency=Urgency.KEEP_AN_EYE
    )
    assert rule == low


def test_routing_applies_the_rule_service_owner_and_due_time(make_escalation, coordinator, west):
    service = ServiceFactory(name="Community transport", localities=[west])
    RoutingRuleFactory(kind=ObservationKind.TRANSPORT, service=service)
    escalation = make_escalation(urgency=Urgency.WORRIED)

    outcome = services.escalation_route(escalation_id=escalation.pk)

    escalation.refresh_from_db()
    assert outcome.routed is True
    assert escalation.state == EscalationState.ROUTED
    assert escalation.routing_status == RoutingStatus.DONE
    assert escalation.service == service
    assert escalation.owner == coordinator
    assert escalation.due_at == escalation.created_at + dt.timedelta(days=2)
    assert escalation.version == 1
    assert routed_events(escalation) == 1
    note = Notification.objects.get(user=coordinator)
    assert note.subject == "Transport in West Cornwall for you to triage"
    assert note.send_email is False  # only urgent ones are emailed


def test_no_rule_falls_back_to_a_coordinator(make_escalation, coordinator):
    escalation = make_escalation(urgency=Urgency.KEEP_AN_EYE)
    services.escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.owner == coordinator
    assert escalation.service is None
    assert escalation.due_at == escalation.created_at + dt.timedelta(days=7)
    event = EscalationEvent.objects.get(escalation=escalation, action=Action.ROUTED)
    assert "built-in fallback" in event.summary


def test_the_fallback_rule_in_the_database_is_used(make_escalation, coordinator, west):
    fallback = RoutingRuleFactory(service=ServiceFactory(name="Living Well hub", localities=[west]))
    escalation = make_escalation(kind=ObservationKind.OTHER)
    services.escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.service == fallback.service


def test_urgent_goes_to_the_team_leader_on_call_and_is_texted(
    make_escalation, coordinator, team_leader, west, django_capture_on_commit_callbacks
):
    team_leader.phone = "07700 900123"
    team_leader.save()
    OnCallShiftFactory(locality=west, team_leader=team_leader)
    RoutingRuleFactory(
        urgency=Urgency.URGENT, service=None, triage_role=TriageRole.TEAM_LEADER_ON_CALL
    )
    outbox.clear()
    escalation = make_escalation(urgency=Urgency.URGENT, kind=ObservationKind.FALL)

    with django_capture_on_commit_callbacks(execute=True):
        services.escalation_route(escalation_id=escalation.pk)

    escalation.refresh_from_db()
    assert escalation.owner == team_leader
    assert escalation.due_at == escalation.created_at + dt.timedelta(hours=4)
    assert len(outbox) == 1
    to, text = outbox[0]
    assert to == "07700 900123"
    assert "urgent fall in West Cornwall" in text
    assert "Mary" not in text and "Trevithick" not in text  # no client on a lock screen
    # Sending again sends nothing.
    assert services.urgent_sms_send(escalation_id=escalation.pk) is False
    assert len(outbox) == 1


def test_urgent_goes_on_call_even_when_the_rule_names_a_coordinator(
    make_escalation, coordinator, team_leader, west
):
    OnCallShiftFactory(locality=west, team_leader=team_leader)
    service = ServiceFactory(name="District nurses", localities=[west])
    RoutingRuleFactory(
        kind=ObservationKind.FALL, locality=west, service=service, triage_role="coordinator"
    )
    urgent = make_escalation(urgency=Urgency.URGENT, kind=ObservationKind.FALL)
    worried = make_escalation(urgency=Urgency.WORRIED, kind=ObservationKind.FALL)
    for e in (urgent, worried):
        services.escalation_route(escalation_id=e.pk)
        e.refresh_from_db()
    assert (urgent.owner, urgent.service) == (team_leader, service)
    assert (worried.owner, worried.service) == (coordinator, service)


def test_urgent_with_nobody_on_call_goes_to_a_coordinator(make_escalation, coordinator, west):
    OnCallShiftFactory(  # a shift that ended an hour ago
        locality=west,
        starts_at=timezone.now() - dt.timedelta(hours=9),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    escalation = make_escalation(urgency=Urgency.URGENT)
    services.escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.owner == coordinator
    event = EscalationEvent.objects.get(escalation=escalation, action=Action.ROUTED)
    assert "coordinator" in event.summary


def test_on_call_is_per_locality_and_at_the_moment(west, east):
    west_leader = OnCallShiftFactory(locality=west).team_leader
    OnCallShiftFactory(locality=east)
    now = timezone.now()
    assert routing.on_call_now(locality_id=west.pk, at=now) == west_leader
    assert routing.on_call_now(locality_id=west.pk, at=now + dt.timedelta(hours=8)) is None
    assert routing.on_call_now(locality_id=west.pk, at=now - dt.timedelta(hours=2)) is None


def test_the_latest_shift_to_start_wins(west):
    OnCallShiftFactory(locality=west, starts_at=timezone.now() - dt.timedelta(hours=3))
    later = OnCallShiftFactory(locality=west, starts_at=timezone.now() - dt.timedelta(minutes=5))
    assert routing.on_call_now(locality_id=west.pk, at=timezone.now()) == later.team_leader


def test_the_locality_lead_is_preferred_then_the_least_busy_coordinator(west, routed):
    busy = routed.owner
    idle = UserFactory(role=Role.COORDINATOR, locality=west)
    assert routing.locality_coordinator(locality=west) == idle
    west.lead = busy
    west.save()
    assert routing.locality_coordinator(locality=west) == busy


def test_due_times_come_from_the_policy(make_escalation, coordinator):
    UrgencyPolicy.objects.create(urgency=Urgency.WORRIED, due_within=dt.timedelta(hours=30))
    escalation = make_escalation(urgency=Urgency.WORRIED)
    services.escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.due_at == escalation.created_at + dt.timedelta(hours=30)


@pytest.mark.parametrize(
    ("urgency", "within"),
    [
        (Urgency.URGENT, dt.timedelta(hours=4)),
        (Urgency.WORRIED, dt.timedelta(days=2)),
        (Urgency.KEEP_AN_EYE, dt.timedelta(days=7)),
    ],
)
def test_default_due_times(urgency, within):
    assert routing.due_within(urgency) == within


def test_routing_twice_routes_once(make_escalation, coordinator):
    escalation = make_escalation()
    assert services.escalation_route(escalation_id=escalation.pk).routed is True
    assert services.escalation_route(escalation_id=escalation.pk).routed is False
    tasks.route_escalation(escalation_id=escalation.pk)
    assert routed_events(escalation) == 1
    assert Notification.objects.filter(user=coordinator).count() == 1


def test_a_live_claim_is_not_taken_but_a_stale_one_is(make_escalation, coordinator, settings):
    escalation = make_escalation()
    Escalation.objects.filter(pk=escalation.pk).update(
        routing_status=RoutingStatus.CLAIMED, routing_claimed_at=timezone.now()
    )
    assert services.escalation_route(escalation_id=escalation.pk).routed is False
    later = timezone.now() + dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    assert services.escalation_route(escalation_id=escalation.pk, now=later).routed is True
    assert routed_events(escalation) == 1


def test_staff_acting_first_leaves_nothing_to_route(make_escalation, coordinator):
    escalation = make_escalation()
    services.escalation_accept(escalation=escalation, by=coordinator, expected_version=0)
    assert services.escalation_route(escalation_id=escalation.pk).routed is False
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.ACCEPTED
    assert escalation.routing_status == RoutingStatus.DONE
    assert routed_events(escalation) == 0


def test_nobody_to_triage_is_a_terminal_failure_shown_on_the_row(make_escalation):
    escalation = make_escalation()  # West has no coordinator and nobody on call

    assert tasks.route_escalation(escalation_id=escalation.pk) is False

    escalation.refresh_from_db()
    assert escalation.routing_status == RoutingStatus.FAILED
    assert escalation.state == EscalationState.NEW
    assert escalation.routing_error.startswith("Nobody can triage this in West Cornwall")
    assert EscalationEvent.objects.filter(
        escalation=escalation, action=Action.ROUTING_FAILED
    ).exists()
    # The sweep leaves a failed row alone; a person sends it back.
    assert escalation.pk not in services.unrouted_ids(now=timezone.now() + dt.timedelta(hours=1))


def test_an_unexpected_error_is_recorded_not_retried(make_escalation, coordinator):
    escalation = make_escalation()
    with mock.patch.object(routing, "choose_route", side_effect=ValueError("bad rule data")):
        assert tasks.route_escalation(escalation_id=escalation.pk) is False
    escalation.refresh_from_db()
    assert escalation.routing_status == RoutingStatus.FAILED
    assert escalation.routing_error == "ValueError: bad rule data"


@pytest.fixture
def eager_retries():
    """Eager tasks that retry the way they do in the in-process mode (errors not raised at
    once), so that ``apply`` runs each retry."""
    from livingwell.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


def test_transient_errors_are_retried_then_routed(make_escalation, coordinator, eager_retries):
    escalation = make_escalation()
    real = routing.choose_route
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    with mock.patch.object(routing, "choose_route", side_effect=flaky):
        tasks.route_escalation.apply(kwargs={"escalation_id": escalation.pk})

    escalation.refresh_from_db()
    assert calls["n"] == 3
    assert escalation.routing_status == RoutingStatus.DONE
    assert escalation.routing_attempts == 3
    assert routed_events(escalation) == 1


def test_transient_errors_give_up_after_the_retries_and_say_so(
    make_escalation, coordinator, eager_retries
):
    escalation = make_escalation()
    with mock.patch.object(routing, "choose_route", side_effect=OperationalError("db down")):
        tasks.route_escalation.apply(kwargs={"escalation_id": escalation.pk})
    escalation.refresh_from_db()
    assert escalation.routing_status == RoutingStatus.FAILED
    assert escalation.routing_attempts == tasks.route_escalation.max_retries + 1
    assert "The database kept failing (OperationalError)" in escalation.routing_error


def test_a_failed_routing_can_be_tried_again(make_escalation, coordinator, west):
    escalation = make_escalation()
    services.routing_record_failure(escalation_id=escalation.pk, error="nobody")
    services.routing_retry(escalation=escalation, by=coordinator)
    escalation.refresh_from_db()
    assert escalation.routing_status == RoutingStatus.PENDING
    assert services.escalation_route(escalation_id=escalation.pk).routed is True
    with pytest.raises(services.IllegalTransition):
        services.routing_retry(escalation=escalation, by=coordinator)


def test_the_sweep_picks_up_what_was_never_routed(make_escalation, coordinator, settings):
    settings.ROUTING_SWEEP_AFTER = dt.timedelta(seconds=60)
    fresh = make_escalation()
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=5)):
        old = make_escalation()
    assert services.unrouted_ids() == [old.pk]

    assert tasks.sweep_unrouted() == 1  # eager: the routing runs in-process

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.routing_status == RoutingStatus.DONE
    assert fresh.routing_status == RoutingStatus.PENDING
    assert tasks.sweep_unrouted() == 0


def test_the_sweep_and_reminders_use_the_maintenance_queue():
    from livingwell.celery import app

    def queue_of(task):
        return app.amqp.router.route(task._get_exec_options(), task.name)["queue"].name

    assert queue_of(tasks.route_escalation) == "routing"
    assert queue_of(tasks.sweep_unrouted) == "maintenance"
    assert queue_of(tasks.remind_overdue) == "maintenance"
    assert queue_of(tasks.notify_outcome) == "notifications"
    assert queue_of(tasks.send_urgent_sms) == "notifications"


@pytest.mark.parametrize(
    "lead_is",
    [
        {"is_active": False},
        {"role": Role.TEAM_LEADER},
        {"locality": "east"},
    ],
    ids=["inactive", "not a coordinator", "of another locality"],
)
def test_a_lead_who_cannot_triage_here_is_passed_over(west, east, lead_is, make_escalation):
    fields = {"role": Role.COORDINATOR, "locality": west, **lead_is}
    if fields["locality"] == "east":
        fields["locality"] = east
    lead = UserFactory(**fields)
    coordinator = UserFactory(role=Role.COORDINATOR, locality=west)
    west.lead = lead
    west.save()
    assert routing.locality_coordinator(locality=west) == coordinator
    escalation = make_escalation()
    services.escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.owner == coordinator
