import pytest
from django.core.management import call_command
from django.utils import timezone

from peersupport.models import (
    FollowUpAction,
    MeetingAttendance,
    MeetingSignUp,
    MeetingTopic,
    VolunteerMeeting,
)

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def counts():
    return [
        m.objects.count()
        for m in (VolunteerMeeting, MeetingAttendance, MeetingSignUp, MeetingTopic, FollowUpAction)
    ]


def test_demo_has_a_held_formal_meeting_and_an_upcoming_coffee_morning():
    seed()
    now = timezone.now()
    held = VolunteerMeeting.objects.get(kind="formal_meeting", locality__slug="west-cornwall")
    assert held.ends_at < now
    assert held.notes
    assert set(held.attendance.values_list("role", flat=True)) == {"volunteer", "staff", "medical"}
    assert held.actions.filter(done_at__isnull=True).exists()
    coffee = VolunteerMeeting.objects.get(kind="coffee_morning", locality__slug="west-cornwall")
    assert coffee.starts_at > now
    assert set(coffee.signups.values_list("volunteer__user__username", flat=True)) == {
        "volunteer",
        "volunteer2",
    }
    assert coffee.topics.count() == 2


def test_demo_twice_changes_nothing():
    seed()
    first = counts()
    seed()
    assert counts() == first
