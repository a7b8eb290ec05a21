"""The world the access matrix visits: one of each thing in West, owned by West's users."""

from __future__ import annotations

import datetime as dt
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
    coordinator = users["coordinator"]
    w.notification = Notification.objects.create(
        user=coordinator, subject="A new escalation", url="/"
    )
    # West's client, need, assignment and volunteer profile: access_matrix_people.people().
    # A West volunteer meeting held last week, run by the coordinator, with an action.
    start = timezone.now() - dt.timedelta(days=7)
    w.meeting = VolunteerMeetingFactory(
        locality=west,
        title="Monthly meeting",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        facilitator=coordinator,
    )
    w.action = FollowUpActionFactory(meeting=w.meeting, owner=coordinator)
    return w
