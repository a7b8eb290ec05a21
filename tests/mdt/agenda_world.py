"""Cases put forward to a practice's MDT, for the page tests: each one an escalation at_mdt of
a named client, raised by a volunteer who (unless told otherwise) may attend."""

from __future__ import annotations

import itertools

from django.utils import timezone

from clients.enums import ConsentScope
from escalations.enums import EscalationState
from tests.escalations.helpers import consent
from tests.factories import ClientFactory, EscalationFactory
from tests.volunteers.helpers import make_ready, ready_volunteer
from volunteers.selectors import missing_requirements

_serial = itertools.count(1)


def nhs_number(seed: int) -> str:
    """A valid NHS number (modulus 11 check digit) made from ``seed``."""
    while True:
        body = f"{943000000 + seed:09d}"
        total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return body + str(check)
        seed += 1000


def case_at_mdt(practice, *, volunteer=None, consents=True, first_name=None, last_name=None):
    """An escalation at_mdt for a new client of ``practice``. ``volunteer`` (a Volunteer) raised
    it; made ready (current agreement, wanting MDTs) when not given."""
    n = next(_serial)
    if volunteer is None:
        volunteer = ready_volunteer(practice.locality)
    elif missing_requirements(volunteer):
        make_ready(volunteer)
    client = ClientFactory(
        practice=practice,
        first_name=first_name or f"Morwenna{n}",
        last_name=last_name or f"Trevithick{n}",
        nhs_number=nhs_number(n * 7 + 11),
    )
    if consents:
        consent(client, ConsentScope.MDT_CHAMPION)
    return EscalationFactory(
        observation__client=client,
        observation__volunteer=volunteer,
        state=EscalationState.AT_MDT,
        put_to_mdt_at=timezone.now(),
    )
