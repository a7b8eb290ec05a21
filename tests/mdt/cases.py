"""Fixtures and helpers for the MDT app's model-level tests: Vera visiting Mary at Penwith
Surgery, consents recorded through ``clients.services``, cases put forward to the MDT
through ``escalations.services``. Import a fixture (``mary_fixture`` for ``mary``) into a
test module to use it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clients.enums import ConsentAction, ConsentMethod, ConsentScope
from clients.services import consent_record
from escalations import services as esc
from escalations.enums import ObservationKind, Urgency
from escalations.models import Escalation

from ..escalations.helpers import visit
from ..factories import ClientFactory, MdtMeetingFactory


def record_consent(client, *, by, action=ConsentAction.GIVEN, scope=ConsentScope.MDT_CHAMPION):
    return consent_record(
        client=client,
        scope=scope,
        action=action,
        method=ConsentMethod.SPOKEN,
        privacy_notice_version="2025-1",
        by=by,
    )


def withdraw(client, *, by, scope=ConsentScope.MDT_CHAMPION):
    return record_consent(client, by=by, action=ConsentAction.WITHDRAWN, scope=scope)


def put_forward(client, *, volunteer_user, by, urgency=Urgency.WORRIED, reason="Two falls"):
    """An escalation of ``client`` raised by ``volunteer_user``, routed, put to the MDT."""
    observation, _ = esc.observation_create(
        client=client,
        volunteer=volunteer_user.volunteer,
        logged_by=volunteer_user,
        kind=ObservationKind.TRANSPORT,
        urgency=urgency,
        noticed="She has fallen twice since the spring.",
        client_wants="Help at home",
    )
    escalation = Escalation.objects.get(observation=observation)
    esc.escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    esc.escalation_put_to_mdt(
        escalation=escalation, by=by, expected_version=escalation.version, reason=reason
    )
    escalation.refresh_from_db()
    return escalation


def new_client(practice, volunteer_user, **kwargs):
    return visit(volunteer_user, ClientFactory(practice=practice, **kwargs))


@pytest.fixture(name="mary")
def mary_fixture(west_practice, volunteer):
    return new_client(west_practice, volunteer, first_name="Mary", last_name="Trevithick")


@pytest.fixture(name="consenting_mary")
def consenting_mary_fixture(mary, coordinator):
    record_consent(mary, by=coordinator)
    return mary


@pytest.fixture(name="meeting")
def meeting_fixture(west_practice, chair):
    starts = (timezone.now() + dt.timedelta(days=7)).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    return MdtMeetingFactory(
        practice=west_practice,
        chair=chair,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
    )
