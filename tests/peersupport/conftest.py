from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from livingwell.enums import Role
from peersupport.enums import MeetingKind
from tests.factories import UserFactory, VolunteerMeetingFactory


@pytest.fixture
def upcoming(west, coordinator):
    """A West coffee morning a week from now."""
    return VolunteerMeetingFactory(
        locality=west,
        kind=MeetingKind.COFFEE_MORNING,
        title="Coffee at the Honey Pot",
        facilitator=coordinator,
    )


@pytest.fixture
def held(west, coordinator):
    """A West formal meeting held last week."""
    start = timezone.now() - dt.timedelta(days=7)
    return VolunteerMeetingFactory(
        locality=west,
        kind=MeetingKind.FORMAL,
        title="Monthly meeting",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        facilitator=coordinator,
    )


@pytest.fixture
def east_meeting(east):
    return VolunteerMeetingFactory(locality=east, title="Liskeard coffee morning")


@pytest.fixture
def matron(west, west_practice):
    """A practitioner of a West practice, not yet invited to anything."""
    return UserFactory(
        username="morwen",
        role=Role.PRACTITIONER,
        locality=west,
        practices=[west_practice],
        job_title="Community matron",
    )
