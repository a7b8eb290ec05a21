import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from livingwell.calendar import CALENDAR_SOURCES, CalendarEvent
from peersupport.enums import AttendeeRole
from peersupport.models import MeetingAttendance, MeetingInvitation
from tests.factories import MeetingSignUpFactory, VolunteerMeetingFactory

pytestmark = pytest.mark.django_db


def feed(client, user):
    response = client.get(reverse("calendar_feed", args=[user.calendar_token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_feed_holds_exactly_the_volunteers_meetings(client, volunteer, west, east, coordinator):
    mine = VolunteerMeetingFactory(locality=west, title="Coffee in Newlyn", place="Tolcarne Inn")
    MeetingSignUpFactory(meeting=mine, volunteer=volunteer.volunteer)
    past = timezone.now() - dt.timedelta(days=30)
    attended = VolunteerMeetingFactory(
        locality=west, starts_at=past, ends_at=past + dt.timedelta(hours=1)
    )
    MeetingAttendance.objects.create(meeting=attended, user=volunteer, role=AttendeeRole.VOLUNTEER)
    VolunteerMeetingFactory(locality=west, title="Not signed up")  # visible, not theirs
    VolunteerMeetingFactory(locality=east, title="Elsewhere")
    long_ago = timezone.now() - dt.timedelta(days=400)
    old = VolunteerMeetingFactory(
        locality=west, starts_at=long_ago, ends_at=long_ago + dt.timedelta(hours=1)
    )
    MeetingAttendance.objects.create(meeting=old, user=volunteer, role=AttendeeRole.VOLUNTEER)

    got = events(feed(client, volunteer))
    assert set(got) == {
        f"volunteer-meeting-{mine.pk}@livingwell",
        f"volunteer-meeting-{attended.pk}@livingwell",
    }
    event = got[f"volunteer-meeting-{mine.pk}@livingwell"]
    assert str(event["SUMMARY"]) == "Coffee in Newlyn (West Cornwall)"
    assert str(event["LOCATION"]) == "Tolcarne Inn"
    assert event.decoded("DTSTART") == mine.starts_at.replace(microsecond=0)
    assert event.decoded("DTEND") == mine.ends_at.replace(microsecond=0)
    assert str(event["URL"]).endswith(f"/meetings/{mine.pk}/")


def test_feed_of_facilitator_and_invited_practitioner(client, coordinator, practitioner, west):
    facilitated = VolunteerMeetingFactory(locality=west, facilitator=coordinator)
    invited = VolunteerMeetingFactory(locality=west)
    MeetingInvitation.objects.create(meeting=invited, user=practitioner)
    assert set(events(feed(client, coordinator))) == {
        f"volunteer-meeting-{facilitated.pk}@livingwell"
    }
    assert set(events(feed(client, practitioner))) == {f"volunteer-meeting-{invited.pk}@livingwell"}


def test_feed_holds_no_client_details(client, volunteer, west):
    meeting = VolunteerMeetingFactory(locality=west)
    MeetingSignUpFactory(meeting=meeting, volunteer=volunteer.volunteer)
    meeting.notes = "Mrs Trewin's fall"
    meeting.save()
    body = client.get(reverse("calendar_feed", args=[volunteer.calendar_token])).content
    assert b"Trewin" not in body


def test_feed_merges_other_sources(client, volunteer, monkeypatch):
    """Higher apps (MDT meetings) add their events through CALENDAR_SOURCES."""
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)

    def mdt_source(user):
        if user == volunteer:
            yield CalendarEvent(
                uid="mdt-item-1@livingwell",
                summary="MDT meeting",
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
            )

    monkeypatch.setattr("livingwell.calendar.CALENDAR_SOURCES", [*CALENDAR_SOURCES, mdt_source])
    assert set(events(feed(client, volunteer))) == {"mdt-item-1@livingwell"}


def test_empty_feed_is_a_valid_calendar(client, team_leader):
    cal = feed(client, team_leader)
    assert str(cal["X-WR-CALNAME"]) == "Living Well"
    assert events(cal) == {}


@pytest.mark.parametrize("token", ["nope", "x" * 43, "../../etc/passwd"])
def test_unknown_token_is_404(client, volunteer, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_inactive_users_feed_is_404(client, volunteer):
    volunteer.is_active = False
    volunteer.save()
    assert client.get(reverse("calendar_feed", args=[volunteer.calendar_token])).status_code == 404


def test_reset_kills_the_old_url(client_for, volunteer):
    c = client_for(volunteer)
    old = reverse("calendar_feed", args=[volunteer.calendar_token])
    assert c.get(old).status_code == 200
    page = c.post(reverse("calendar_reset"), follow=True)
    assert "Your calendar link has been reset" in page.content.decode()
    volunteer.refresh_from_db()
    new = reverse("calendar_feed", args=[volunteer.calendar_token])
    assert new != old
    assert new in page.content.decode()
    c.logout()
    assert c.get(old).status_code == 404
    assert c.get(new).status_code == 200


def test_calendar_page_shows_the_users_own_link(users, client_for):
    for role, user in users.items():
        body = client_for(user).get(reverse("calendar")).content.decode()
        assert f"/calendar/{user.calendar_token}.ics" in body, role


def test_tokens_are_long_and_distinct(users):
    tokens = {u.calendar_token for u in users.values()}
    assert len(tokens) == len(users)
    assert all(len(t) >= 40 for t in tokens)


def test_calendar_pages_need_sign_in(client):
    assert client.get(reverse("calendar")).status_code == 302
    assert client.post(reverse("calendar_reset")).status_code == 302


def test_reset_needs_post(client_for, volunteer):
    token = volunteer.calendar_token
    assert client_for(volunteer).get(reverse("calendar_reset")).status_code == 405
    volunteer.refresh_from_db()
    assert volunteer.calendar_token == token
