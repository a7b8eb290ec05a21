"""May a volunteer attend an MDT for their client? The one answer every part of the app uses.

Four conditions must all hold (seed s4.2 point 4 and recommendation 2): the practice's protocol
allows volunteers, the volunteer wants to attend MDTs, their confidentiality agreement is
current, and the client consents now to their volunteer speaking for them at an MDT. The
answer lists the conditions that fail, in words shown to the chair.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clients.consent import latest_consent_action
from clients.enums import ConsentAction, ConsentScope
from clients.models import Client
from volunteers.enums import MdtWish
from volunteers.models import AgreementSignature
from volunteers.selectors import current_agreement

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
    return attendance_failures_for(practice=practice, cases=[(volunteer, client)], on=on)[0]


def attendance_failures_for(*, practice, cases, on: dt.date | None = None) -> list[list[Failure]]:
    """``attendance_failures`` for many ``(volunteer, client)`` pairs of one practice, in two
    queries whatever their number (a page listing the cases waiting for an agenda)."""
    volunteer_ids = {v.pk for v, _ in cases if v is not None}
    client_ids = {c.pk for _, c in cases}
    agreement = current_agreement(on)
    signed = (
        set(
            AgreementSignature.objects.filter(
                agreement=agreement, volunteer_id__in=volunteer_ids
            ).values_list("volunteer_id", flat=True)
        )
        if agreement is not None and volunteer_ids
        else set()
    )
    consenting = set(
        Client.objects.filter(pk__in=client_ids)
        .annotate(mdt=latest_consent_action(ConsentScope.MDT_CHAMPION))
        .filter(mdt=ConsentAction.GIVEN)
        .values_list("pk", flat=True)
    )
    answers = []
    for volunteer, client in cases:
        failures = []
        if not practice.volunteers_may_attend_mdt:
            failures.append(Failure(Condition.PRACTICE_ALLOWS))
        if volunteer is None or volunteer.mdt_wish != MdtWish.YES:
            failures.append(Failure(Condition.VOLUNTEER_WANTS))
        if volunteer is None or volunteer.pk not in signed:
            failures.append(Failure(Condition.AGREEMENT_CURRENT))
        if client.pk not in consenting:
            failures.append(Failure(Condition.CLIENT_CONSENTS))
        answers.append(failures)
    return answers


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
