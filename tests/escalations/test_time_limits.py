"""A routing stopped by a Celery time limit ends failed, with the reason, never stuck claimed.
(The hard limit with a real worker: ``test_reliability.py``.)"""

from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded

from escalations import tasks
from escalations.enums import Action, EscalationState, RoutingStatus
from escalations.models import Escalation

pytestmark = pytest.mark.django_db


def test_the_soft_limit_records_the_routing_as_failed(make_escalation, coordinator):
    with mock.patch("escalations.services.enqueue"):
        escalation = make_escalation()
    with mock.patch("escalations.routing.choose_route", side_effect=SoftTimeLimitExceeded()):
        assert tasks.route_escalation.apply(kwargs={"escalation_id": escalation.pk}).get() is False
    escalation.refresh_from_db()
    assert escalation.routing_status == RoutingStatus.FAILED
    assert escalation.state == EscalationState.NEW
    assert "took longer than its time limit" in escalation.routing_error
    assert escalation.events.filter(action=Action.ROUTING_FAILED).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_hard_limit_records_the_routing_as_failed(make_escalation, coordinator):
    with mock.patch("escalations.services.enqueue"):
        escalation = make_escalation()
    # What the worker's main process calls after killing the pool process.
    tasks.route_escalation.on_failure(
        TimeLimitExceeded(120), "task-id", (), {"escalation_id": escalation.pk}, None
    )
    escalation.refresh_from_db()
    assert escalation.routing_status == RoutingStatus.FAILED
    assert "ran past its time limit (120 s)" in escalation.routing_error


def test_other_failures_are_left_to_the_task(make_escalation, coordinator):
    with mock.patch("escalations.services.enqueue"):
        escalation = make_escalation()
    tasks.route_escalation.on_failure(
        ValueError("x"), "task-id", (), {"escalation_id": escalation.pk}, None
    )
    assert Escalation.objects.get(pk=escalation.pk).routing_status == RoutingStatus.PENDING
