"""The world the access matrix visits: one of each thing in West, owned by West's users."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from livingwell.models import Notification
from tests.factories import FollowUpActionFactory, VolunteerMeetingFactory


@pytest.fixture
def world(users, west, east, west_practice, east_practice):
    """Objects that URL rows build their arguments from (``row(kwargs=lambda w: ...)``).

    Everything here belongs to West and its users, so the ``other_*`` users (East) are the
    outsiders of every row.
    """
    w = SimpleNamespace(users=users, west=west, east=east)
    w.west_practice = west_practice
    w.east_practice = east_practice
    w.notification = Notification.objects.create(
        user=users["coordinator"], subject="A new escalation", url="/"
    )
    # peersupport: a West coffee morning next week, a formal meeting held last week with an
    # action for the coordinator.
    w.meeting = VolunteerMeetingFactory(locality=west, facilitator=users["coordinator"])
    start = timezone.now() - timedelta(days=7)
    w.held_meeting = VolunteerMeetingFactory(
        locality=west, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    w.meeting_action = FollowUpActionFactory(meeting=w.held_meeting, owner=users["coordinator"])
    return w
