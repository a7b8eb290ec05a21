from __future__ import annotations

import pytest

from clients.services import assignment_create
from tests.factories import ClientFactory, ConsentRecordFactory, NeedFactory, VolunteerFactory
from tests.volunteers.helpers import make_ready, ready_volunteer


@pytest.fixture
def west_client(west_practice, volunteer, coordinator):
    """A West client visited by the ``volunteer`` fixture (through the service, so the object
    permission is real), with a need and consent to share with partners."""
    client = ClientFactory(
        first_name="Elowen", last_name="Trewin", practice=west_practice, nhs_number="9434765870"
    )
    NeedFactory(client=client, description="A lift to the surgery")
    ConsentRecordFactory(client=client)
    make_ready(volunteer.volunteer)
    assignment_create(client=client, volunteer=volunteer.volunteer, by=coordinator)
    return client


@pytest.fixture
def assignment(west_client, volunteer):
    return west_client.assignments.get(volunteer=volunteer.volunteer, ended_on__isnull=True)


@pytest.fixture
def other_west_volunteer(west):
    """A second volunteer in West, with a client of their own."""
    return ready_volunteer(west, user__username="wenna", user__first_name="Wenna")


@pytest.fixture
def other_volunteers_client(other_west_volunteer, west_practice, coordinator):
    client = ClientFactory(first_name="Hedra", last_name="Polglase", practice=west_practice)
    assignment_create(client=client, volunteer=other_west_volunteer, by=coordinator)
    return client


@pytest.fixture
def unassigned_volunteer(west):
    return VolunteerFactory(locality=west, user__username="kerensa", user__first_name="Kerensa")
