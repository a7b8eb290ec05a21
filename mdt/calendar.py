"""MDTs in a user's private calendar feed (registered in ``MdtConfig.ready``).

The feed can be read by whoever holds its URL, so an event names the practice and the time,
never a client.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from livingwell.calendar import CalendarEvent, feed_since
from livingwell.enums import Role

from .enums import MeetingState
from .models import AgendaItem, Meeting


def meetings_in_calendar(user):
    """The MDTs a user is expected at: chairing, a member of, or (volunteers) attending for a
    client on a published agenda."""
    base = Meeting.objects.filter(ends_at__gte=feed_since()).select_related("practice")
    if user.role == Role.VOLUNTEER:
        own = AgendaItem.objects.filter(meeting=OuterRef("pk"), volunteer__user=user)
        return base.filter(
            Exists(own), state__in=[MeetingState.PUBLISHED, MeetingState.HELD]
        ).order_by("starts_at", "pk")
    return base.filter(Q(chair=user) | Q(members__user=user)).distinct().order_by("starts_at", "pk")


def mdt_events(user) -> list[CalendarEvent]:
    events = []
    for m in meetings_in_calendar(user):
        volunteer = user.role == Role.VOLUNTEER
        ends = m.volunteers_leave_at if volunteer and m.volunteers_leave_at else m.ends_at
        events.append(
            CalendarEvent(
                uid=f"mdt-{m.pk}@livingwell",
                summary=f"MDT, {m.practice}",
                starts_at=m.starts_at,
                ends_at=ends,
                location=m.place or m.call_link,
                description=(
                    "Multidisciplinary team meeting. Open the agenda in Living Well."
                    if not volunteer
                    else "You attend for your client's item. Open it in Living Well."
                ),
                path=reverse("mdt:meeting_detail", args=[m.pk]),
            )
        )
    return events
