"""May a volunteer attend an MDT for their client? The one answer every part of the app uses.

Four conditions must all hold (seed s4.2 point 4 and recommendation 2): the practice's protocol
allows volunteers, the volunteer wants to attend MDTs, their confidentiality agreement is
current, and the client consents now to their volunteer speaking for them at an MDT. The
answer lists the conditions that fail, in words shown to the chair.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clients.consent import client_consents_to
from clients.enums import ConsentScope
from volunteers.enums import MdtWish
from volunteers.selectors import volunteer_agreement_is_current

from .enums import Condition

# What the chair reads when a condition fails.
FAILURE_TEXT = {
    Condition.PRACTICE_ALLOWS: "the practice's MDT protocol does not allow volunteers to attend",
    Condition.VOLUNTEER_WANTS: "the volunteer has not said they want to attend MDTs",
    Condition.AGREEMENT_CURRENT: (
        "the volunteer has not signed the current confidentiality agreement"
    ),
    Condition.CLIENT_CONSENTS: (
        "the client has not consented to their volunteer speaking for them at an MDT"
    ),
}


@dataclass(frozen=True)
class Failure:
    condition: Condition

    def __str__(self) -> str:
        return FAILURE_TEXT[self.condition]


def attendance_failures(*, practice, volunteer, client, on: dt.date | None = None) -> list[Failure]:
    """The conditions that stop ``volunteer`` attending ``practice``'s MDT for ``client``,
    in a fixed order; an empty list means they may attend."""
    failures = []
    if not practice.volunteers_may_attend_mdt:
        failures.append(Failure(Condition.PRACTICE_ALLOWS))
    if volunteer is None or volunteer.mdt_wish != MdtWish.YES:
        failures.append(Failure(Condition.VOLUNTEER_WANTS))
    if volunteer is None or not volunteer_agreement_is_current(volunteer, on):
        failures.append(Failure(Condition.AGREEMENT_CURRENT))
    if not client_consents_to(client, ConsentScope.MDT_CHAMPION):
        failures.append(Failure(Condition.CLIENT_CONSENTS))
    return failures


def item_attendance_failures(item, volunteer=None) -> list[Failure]:
    """``attendance_failures`` for an agenda item and its escalation's volunteer (or
    ``volunteer``)."""
    volunteer = volunteer or item.escalation.observation.volunteer
    return attendance_failures(
        practice=item.meeting.practice, volunteer=volunteer, client=item.client
    )


def describe(failures: list[Failure]) -> str:
    """One sentence for a message: 'A volunteer cannot attend: x; and y.'"""
    texts = [str(f) for f in failures]
    if not texts:
        return ""
    if len(texts) > 1:
        texts[-1] = "and " + texts[-1]
    return "The volunteer cannot attend because " + "; ".join(texts) + "."
