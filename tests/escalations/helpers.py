"""Helpers for tests that need escalations: a volunteer visiting a client, a consent."""

from __future__ import annotations

from clients.enums import ConsentAction
from clients.services import assignment_create
from volunteers.selectors import missing_requirements

from ..factories import ConsentRecordFactory
from ..volunteers.helpers import make_ready


def visit(volunteer_user, client):
    """Start ``volunteer_user`` visiting ``client`` through the clients app's service (which
    grants the object permission the scoped selector reads); ready them first."""
    volunteer = volunteer_user.volunteer
    if missing_requirements(volunteer):
        make_ready(volunteer)
    assignment_create(client=client, volunteer=volunteer, by=None)
    return client


def consent(client, scope, action=ConsentAction.GIVEN, **kwargs):
    return ConsentRecordFactory(client=client, scope=scope, action=action, **kwargs)
