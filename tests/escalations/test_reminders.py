"""Follow-up: the owner is reminded when an escalation passes its due time, the locality's
lead LEAD_REMINDER_AFTER later; each reminder once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from escalations import services, tasks
from escalations.enums import Action
from livingwell.models import Notification

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(west):
    from livingwell.enums import Role

    lead = UserFactory(username="lowen", role=Role.COORDINATOR, locality=west)
    west.lead = lead
    west.save()
    return lead


def reminders(user):
    return list(
        Notification.objects.filter(user=user, subject__startswith="Overdue").values_list(
            "subject", flat=True
        )
    )


def test_owner_then_lead_each_once(
    routed, coordinator, lead, settings, django_capture_on_commit_callbacks
):
    settings.LEAD_REMINDER_AFTER = dt.timedelta(hours=24)
    routed.owner = coordinator  # routing chose the lead; the owner is Colin
    routed.save(update_fields=["owner"])
    due = routed.due_at

    with django_capture_on_commit_callbacks(execute=True):
        # Not due yet: nothing.
        assert services.escalations_remind_overdue(now=due - dt.timedelta(minutes=1)) == {
            "owner": 0,
            "lead": 0,
        }
        # Past due: the owner, once, however often the task runs.
        after_due = due + dt.timedelta(minutes=5)
        assert services.escalations_remind_overdue(now=after_due) == {"owner": 1, "lead": 0}
        assert services.escalations_remind_overdue(now=after_due) == {"owner": 0, "lead": 0}
        # The lead only after the further period.
        assert services.escalations_remind_overdue(now=after_due + dt.timedelta(hours=23)) == {
            "owner": 0,
            "lead": 0,
        }
        later = after_due + dt.timedelta(hours=24, minutes=1)
        assert services.escalations_remind_overdue(now=later) == {"owner": 0, "lead": 1}
        assert services.escalations_remind_overdue(now=later + dt.timedelta(days=3)) == {
            "owner": 0,
            "lead": 0,
        }

    assert reminders(coordinator) == ["Overdue: Transport (Worried) in West Cornwall"]
    assert reminders(lead) == ["Overdue: Transport (Worried) in West Cornwall"]
    assert sorted(m.to[0] for m in mail.outbox if m.subject.startswith("Overdue")) == [
        coordinator.email,
        lead.email,
    ]
    actions = list(routed.events.values_list("action", flat=True))
    assert actions.count(Action.OWNER_REMINDED) == 1
    assert actions.count(Action.LEAD_REMINDED) == 1


def test_the_beat_task_reminds_once(routed, coordinator):
    with time_machine.travel(routed.due_at + dt.timedelta(hours=1)):
        assert tasks.remind_overdue() == {"owner": 1, "lead": 0}
        assert tasks.remind_overdue() == {"owner": 0, "lead": 0}
    assert len(reminders(routed.owner)) == 1


def test_closed_escalations_are_not_chased(routed, coordinator):
    services.escalation_close(
        escalation=routed,
        by=coordinator,
        expected_version=1,
        summary="done",
        message_for_volunteer="done",
        went_well=True,
    )
    assert services.escalations_remind_overdue(now=routed.due_at + dt.timedelta(days=5)) == {
        "owner": 0,
        "lead": 0,
    }


def test_no_owner_reminds_the_lead_instead(make_escalation, lead):
    escalation = make_escalation()
    escalation.due_at = timezone.now() - dt.timedelta(hours=1)
    escalation.created_at = timezone.now() - dt.timedelta(days=3)
    escalation.save()
    assert services.escalations_remind_overdue() == {"owner": 1, "lead": 0}
    assert reminders(lead) == ["Overdue: Transport (Worried) in West Cornwall"]
