"""Volunteer meetings in a user's calendar feed (registered in ``PeersupportConfig.ready``)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from livingwell.calendar import CalendarEvent, feed_since

from .models import MeetingAttendance, MeetingInvitation, MeetingSignUp, VolunteerMeeting


def meetings_in_calendar(user):
    """A user's own meetings: those they facilitate, signed up for, were invited to, or
    attended. Not every meeting they could see: the feed is their diary, not a noticeboard."""
    signed_up = MeetingSignUp.objects.filter(meeting=OuterRef("pk"), volunteer__user=user)
    invited = MeetingInvitation.objects.filter(meeting=OuterRef("pk"), user=user)
    attended = MeetingAttendance.objects.filter(meeting=OuterRef("pk"), user=user)
    return (
        VolunteerMeeting.objects.filter(ends_at__gte=feed_since())
        .filter(Q(facilitator=user) | Exists(signed_up) | Exists(invited) | Exists(attended))
        .select_related("locality")
        .order_by("starts_at", "pk")
    )


def meeting_events(user) -> list[CalendarEvent]:
    return [
        CalendarEvent(
            uid=f"volunteer-meeting-{m.pk}@livingwell",
            summary=f"{m.display_title} ({m.locality})",
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            location=m.place,
            description=f"Living Well volunteer {m.get_kind_display().lower()}.",
            path=reverse("peersupport:meeting_detail", args=[m.pk]),
        )
        for m in meetings_in_calendar(user)
    ]
