"""Each user's private calendar feed (.ics) and the contract that fills it.

Higher apps register a source in their ``AppConfig.ready()``: a function ``(user) ->
iterable of CalendarEvent`` giving that user's own events (volunteer meetings they signed up
for, MDTs they sit on). This module builds the feed and never imports them.

The feed is fetched by calendar programs that cannot sign in, so its URL carries the user's
``calendar_token`` (32 random bytes). Whoever holds the URL sees the events, so events hold
no client names or health details: a title, a time, a place and a link that needs a sign-in.
Resetting the token makes the old URL a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import User, new_calendar_token

# How far back the feed reaches: calendar programs keep what they already fetched.
FEED_PAST = timedelta(days=365)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across fetches, e.g. "volunteer-meeting-12@livingwell"
    summary: str
    starts_at: datetime
    ends_at: datetime
    location: str = ""
    description: str = ""
    path: str = ""  # a page of the app, e.g. "/meetings/12/"
    last_modified: datetime | None = None


CalendarSource = Callable[[User], Iterable[CalendarEvent]]
CALENDAR_SOURCES: list[CalendarSource] = []


def feed_since() -> datetime:
    return timezone.now() - FEED_PAST


def calendar_events_for(user: User) -> list[CalendarEvent]:
    """Every registered source's events for ``user``, in time order."""
    if not user.is_active:
        return []
    events: list[CalendarEvent] = []
    for source in CALENDAR_SOURCES:
        events.extend(source(user))
    return sorted(events, key=lambda e: (e.starts_at, e.uid))


def calendar_ics(user: User) -> bytes:
    """The user's events as an iCalendar document."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Living Well//Calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Living Well")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for item in calendar_events_for(user):
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_at.astimezone(UTC))
        event.add("dtend", item.ends_at.astimezone(UTC))
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        description = item.description
        if item.path:
            url = f"{settings.SITE_URL}{item.path}"
            event.add("url", url)
            description = f"{description}\n\n{url}".strip()
        if description:
            event.add("description", description)
        if item.last_modified:
            event.add("last-modified", item.last_modified.astimezone(UTC))
        cal.add_component(event)
    return cal.to_ical()


@transaction.atomic
def calendar_token_reset(*, user: User) -> str:
    """Give ``user`` a new feed token; the old feed URL stops working at once."""
    user.calendar_token = new_calendar_token()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token
