"""The world the access matrix visits: one of each thing in West, owned by West's users."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from clients.services import assignment_create
from livingwell.models import Notification
from tests.factories import (
    ClientFactory,
    ConsentRecordFactory,
    FollowUpActionFactory,
    NeedFactory,
    VolunteerMeetingFactory,
)
from tests.volunteers.helpers import make_ready


@pytest.fixture
def world(users, west, east, west_practice, east_practice):
    """Objects that URL rows build their arguments from (``row(kwargs=lambda w: ...)``).

    Everything here belongs to West and its users, so the ``other_*`` users (East) are the
    outsiders of every row.
    """
    w = SimpleNamespace(users=users, west=west, east=east)
    w.west_practice = west_practice
    w.east_practice = east_practice
    coordinator, volunteer = users["coordinator"], users["volunteer"]
    w.notification = Notification.objects.create(
        user=coordinator, subject="A new escalation", url="/"
    )
    # A West client visited by the West volunteer, with a need and consent to share.
    w.volunteer = make_ready(volunteer.volunteer)
    w.client = ClientFactory(first_name="Elowen", last_name="Trewin", practice=west_practice)
    w.need = NeedFactory(client=w.client, description="A lift to the surgery")
    ConsentRecordFactory(client=w.client)
    w.assignment = assignment_create(client=w.client, volunteer=w.volunteer, by=coordinator)
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
