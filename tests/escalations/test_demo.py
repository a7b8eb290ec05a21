"""The demo seed: every state on show, and running it again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from escalations.enums import EscalationState, StoryState
from escalations.models import (
    Escalation,
    EscalationEvent,
    OnCallShift,
    Outcome,
    RoutingRule,
    Service,
    Story,
)

pytestmark = pytest.mark.django_db


def counts():
    return [
        m.objects.count()
        for m in (Service, RoutingRule, OnCallShift, Escalation, EscalationEvent, Outcome, Story)
    ]


def test_seed_demo_shows_every_state_and_is_idempotent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = counts()
    states = set(Escalation.objects.values_list("state", flat=True))
    assert states >= {
        EscalationState.ROUTED,
        EscalationState.ACCEPTED,
        EscalationState.REFERRED,
        EscalationState.AT_MDT,
        EscalationState.CLOSED,
    }
    from mdt.demo import CASES as MDT_CASES

    # Ten of this app's demo, and the cases the MDT demo puts forward (one it closes).
    assert Escalation.objects.count() == 10 + len(MDT_CASES)
    assert RoutingRule.objects.filter(kind="", locality=None, urgency="").exists()  # fallback
    assert OnCallShift.objects.filter(
        team_leader__username="teamleader",
        starts_at__lte=timezone.now(),
        ends_at__gt=timezone.now(),
    ).exists()
    assert Story.objects.filter(state=StoryState.PUBLISHED).count() == 1
    assert Outcome.objects.filter(volunteer_notified_at__isnull=False).count() == 3 + 1
    assert any(e.is_overdue for e in Escalation.objects.all())
    urgent = Escalation.objects.get(urgency="urgent")
    assert urgent.owner.username == "teamleader"

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first
