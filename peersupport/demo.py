"""Demo volunteer meetings: a past formal meeting with attendance, notes and actions, and an
upcoming coffee morning with sign-ups and topics. Running it again changes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from livingwell.models import Locality, User
from volunteers.models import Volunteer

from . import services
from .enums import AttendeeRole, MeetingKind
from .models import VolunteerMeeting

PAST_TITLE = "Monthly volunteers' meeting"
COFFEE_TITLE = "Coffee morning at the Honey Pot"
CENTRAL_COFFEE_TITLE = "Coffee morning in Truro"


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _volunteer(user: User) -> Volunteer:
    volunteer, _ = Volunteer.objects.get_or_create(
        user=user, defaults={"locality_id": user.locality_id}
    )
    return volunteer


def seed(stdout) -> None:
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    needed = {"coordinator", "teamleader", "volunteer", "volunteer2", "practitioner", "chair"}
    if not needed <= users.keys():
        stdout.write("peersupport: demo users missing, no meetings seeded")
        return
    west = Locality.objects.get(slug="west-cornwall")
    coordinator = users["coordinator"]
    vera, wenna = _volunteer(users["volunteer"]), _volunteer(users["volunteer2"])

    if not VolunteerMeeting.objects.filter(locality=west, title=PAST_TITLE).exists():
        past = services.meeting_create(
            locality=west,
            kind=MeetingKind.FORMAL,
            title=PAST_TITLE,
            starts_at=_at(-21, 10),
            ends_at=_at(-21, 12),
            place="St John's Hall, Alverton Street, Penzance",
            facilitator=coordinator,
            invited=[users["practitioner"]],
            by=coordinator,
        )
        services.meeting_record_attendance(
            meeting=past,
            by=coordinator,
            volunteers=[vera.user, wenna.user],
            staff=[coordinator, users["teamleader"]],
            medical=[users["practitioner"]],
            guests=[("Dr Morwenna Lowen, GP", AttendeeRole.MEDICAL)],
        )
        services.meeting_set_notes(
            meeting=past,
            by=coordinator,
            notes=(
                "Pat Jago (community matron) talked about spotting dehydration in hot weather "
                "and when to call 111 rather than the surgery.\n\n"
                "Volunteers asked for a clearer way to hear back after raising a worry; the "
                "coordinator showed where outcomes appear in the app.\n\n"
                "Two volunteers would like to try attending an MDT for their own client."
            ),
        )
        services.action_add(
            meeting=past,
            description="Send round the leaflet on dehydration and who to call.",
            owner=coordinator,
            due_on=timezone.localdate() - timedelta(days=14),
            by=coordinator,
        )
        done = services.action_add(
            meeting=past,
            description="Ask Penwith Surgery about volunteers attending the next MDT.",
            owner=coordinator,
            due_on=timezone.localdate() - timedelta(days=7),
            by=coordinator,
        )
        services.action_complete(action=done, by=coordinator)
        services.action_add(
            meeting=past,
            description="Bring the bus timetable changes to the coffee morning.",
            owner=wenna.user,
            due_on=timezone.localdate() + timedelta(days=10),
            by=coordinator,
        )

    if not VolunteerMeeting.objects.filter(locality=west, title=COFFEE_TITLE).exists():
        coffee = services.meeting_create(
            locality=west,
            kind=MeetingKind.COFFEE_MORNING,
            title=COFFEE_TITLE,
            starts_at=_at(10, 10, 30),
            ends_at=_at(10, 12),
            place="The Honey Pot café, Parade Street, Penzance",
            facilitator=wenna.user,
            by=coordinator,
        )
        services.meeting_sign_up(meeting=coffee, volunteer=vera)
        services.meeting_sign_up(meeting=coffee, volunteer=wenna)
        services.meeting_raise_topic(
            meeting=coffee,
            by=vera.user,
            text="A client of mine is struggling to get to the surgery since the bus changed.",
        )
        services.meeting_raise_topic(
            meeting=coffee,
            by=wenna.user,
            text="How do others keep visits going over the Christmas weeks?",
        )

    central = Locality.objects.filter(slug="central-cornwall").first()
    central_coordinator = users.get("coordinator.central")
    if (
        central is not None
        and central_coordinator is not None
        and not VolunteerMeeting.objects.filter(
            locality=central, title=CENTRAL_COFFEE_TITLE
        ).exists()
    ):
        services.meeting_create(
            locality=central,
            kind=MeetingKind.COFFEE_MORNING,
            title=CENTRAL_COFFEE_TITLE,
            starts_at=_at(14, 10),
            ends_at=_at(14, 11, 30),
            place="Lemon Street Market café, Truro",
            facilitator=central_coordinator,
            by=central_coordinator,
        )
