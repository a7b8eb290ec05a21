"""Fixtures for observations and escalations: West's clients visited by Vera, East's by Jory,
and a way to make an escalation in any state through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from clients.enums import ConsentScope
from escalations import services
from escalations.enums import ObservationKind, Urgency
from escalations.models import Escalation

from ..factories import ClientFactory
from .helpers import consent, visit


@pytest.fixture
def mary(west_practice, volunteer):
    """Vera's client in West, with every identifying detail the story check looks for."""
    client = ClientFactory(
        practice=west_practice,
        first_name="Mary",
        last_name="Trevithick",
        date_of_birth=dt.date(1938, 5, 17),
        nhs_number="9434765919",
        address="Rose Cottage, 1 Fore Street\nPenzance",
        postcode="TR18 2AA",
    )
    return visit(volunteer, client)


@pytest.fixture
def east_client(east_practice, other_volunteer):
    client = ClientFactory(practice=east_practice, first_name="Jenifer", last_name="Polglase")
    return visit(other_volunteer, client)


@pytest.fixture
def make_escalation(volunteer, mary):
    """``make_escalation(urgency=..., kind=..., client=..., by=...)``: an observation saved
    through the service (routing runs when the test's on-commit callbacks run)."""

    def make(*, client=None, by=None, kind=ObservationKind.TRANSPORT, urgency=Urgency.WORRIED):
        user = by or volunteer
        observation, _ = services.observation_create(
            client=client or mary,
            volunteer=user.volunteer,
            logged_by=user,
            kind=kind,
            urgency=urgency,
            noticed="The bus no longer runs and she has missed two appointments.",
            client_wants="A lift to the surgery",
        )
        return Escalation.objects.get(observation=observation)

    return make


@pytest.fixture
def routed(make_escalation, coordinator):
    """A routed escalation of Mary's, owned by Colin (the coordinator)."""
    escalation = make_escalation()
    services.escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    return escalation


@pytest.fixture
def story_consent(mary):
    return consent(mary, ConsentScope.ANONYMISED_STORY)
