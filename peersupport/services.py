"""Every write to volunteer meetings: arranging, signing up, topics, invitations, attendance,
notes and follow-up actions. Rules that the views rely on live here and raise
``MeetingError`` with a message fit to show."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from livingwell.models import Locality, User
from livingwell.services import notify
from volunteers.models import Volunteer

from .enums import AttendeeRole, MeetingKind
from .models import (
    FollowUpAction,
    MeetingAttendance,
    MeetingInvitation,
    MeetingSignUp,
    MeetingTopic,
    VolunteerMeeting,
)


class MeetingError(Exception):
    """A request the meeting's state does not allow; the message is shown to the user."""


def _meeting_url(meeting: VolunteerMeeting) -> str:
    return reverse("peersupport:meeting_detail", args=[meeting.pk])


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise MeetingError("The meeting must end after it starts.")


@transaction.atomic
def meeting_create(
    *,
    locality: Locality,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    by: User,
    title: str = "",
    facilitator: User | None = None,
    invited: Iterable[User] = (),
) -> VolunteerMeeting:
    """Arrange a meeting; invited medical staff are told in the app and by email."""
    _check_times(starts_at, ends_at)
    meeting = VolunteerMeeting.objects.create(
        locality=locality,
        kind=MeetingKind(kind),
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        facilitator=facilitator,
        created_by=by,
    )
    meeting_set_invitations(meeting=meeting, users=invited, by=by)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: VolunteerMeeting,
    by: User,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    facilitator: User | None,
    invited: Iterable[User] = (),
) -> VolunteerMeeting:
    """Change a meeting's details and who is invited."""
    _check_times(starts_at, ends_at)
    meeting.kind = MeetingKind(kind)
    meeting.title = title
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    meeting.place = place
    meeting.facilitator = facilitator
    meeting.save(update_fields=["kind", "title", "starts_at", "ends_at", "place", "facilitator"])
    meeting_set_invitations(meeting=meeting, users=invited, by=by)
    return meeting


def meeting_set_invitations(
    *, meeting: VolunteerMeeting, users: Iterable[User], by: User
) -> list[MeetingInvitation]:
    """Make the invited medical staff exactly ``users``; notify those newly invited."""
    wanted = {u.pk: u for u in users}
    existing = set(meeting.invitations.values_list("user_id", flat=True))
    meeting.invitations.exclude(user_id__in=wanted).delete()
    created = []
    for user_id, user in wanted.items():
        if user_id in existing:
            continue
        created.append(MeetingInvitation.objects.create(meeting=meeting, user=user, invited_by=by))
        when = timezone.localtime(meeting.starts_at)
        notify(
            user=user,
            subject=f"You are invited to a volunteer {meeting.get_kind_display().lower()}",
            body=(
                f"{meeting.display_title} at {meeting.place}, {when:%A %d %B %Y at %H:%M}. "
                "Volunteers would value hearing from you (a trial under the programme's "
                "recommendation 4)."
            ),
            url=_meeting_url(meeting),
            key=f"meeting-invitation:{meeting.pk}:{user_id}:{when.isoformat()}",
        )
    return created


@transaction.atomic
def meeting_set_notes(*, meeting: VolunteerMeeting, notes: str, by: User) -> VolunteerMeeting:
    """Record what was discussed. Only once the meeting has started."""
    if not meeting.has_started:
        raise MeetingError("Notes can be written once the meeting has started.")
    meeting.notes = notes
    meeting.save(update_fields=["notes"])
    return meeting


def meeting_sign_up(*, meeting: VolunteerMeeting, volunteer: Volunteer) -> MeetingSignUp:
    """A volunteer says they will come. Signing up twice is one sign-up."""
    if meeting.has_started:
        raise MeetingError("This meeting has already started, so sign-up has closed.")
    if volunteer.locality_id != meeting.locality_id:
        raise MeetingError("This meeting is for another locality's volunteers.")
    signup, _ = MeetingSignUp.objects.get_or_create(meeting=meeting, volunteer=volunteer)
    return signup


def meeting_withdraw(*, meeting: VolunteerMeeting, volunteer: Volunteer) -> int:
    """A volunteer can no longer come. Returns how many sign-ups were removed (0 or 1)."""
    if meeting.has_started:
        raise MeetingError("This meeting has already started.")
    deleted, _ = MeetingSignUp.objects.filter(meeting=meeting, volunteer=volunteer).delete()
    return deleted


def meeting_raise_topic(*, meeting: VolunteerMeeting, by: User, text: str) -> MeetingTopic:
    """Put a topic on the meeting's list, before it starts."""
    text = text.strip()
    if not text:
        raise MeetingError("Enter the topic you would like to talk about.")
    if meeting.has_started:
        raise MeetingError(
            "This meeting has already started. Raise your topic at the meeting or the next one."
        )
    return MeetingTopic.objects.create(meeting=meeting, raised_by=by, text=text)


@transaction.atomic
def meeting_record_attendance(
    *,
    meeting: VolunteerMeeting,
    by: User,
    volunteers: Iterable[User] = (),
    staff: Iterable[User] = (),
    medical: Iterable[User] = (),
    guests: Iterable[tuple[str, str]] = (),
) -> list[MeetingAttendance]:
    """Replace the meeting's attendance with exactly these people.

    ``guests`` are ``(name, role)`` pairs for people without an account. A person named in two
    roles is recorded once, in the first: volunteers, then staff, then medical staff.
    """
    if not meeting.has_started:
        raise MeetingError("Attendance can be recorded once the meeting has started.")
    rows: list[MeetingAttendance] = []
    seen: set[int] = set()
    for role, people in (
        (AttendeeRole.VOLUNTEER, volunteers),
        (AttendeeRole.STAFF, staff),
        (AttendeeRole.MEDICAL, medical),
    ):
        for person in people:
            if person.pk in seen:
                continue
            seen.add(person.pk)
            rows.append(MeetingAttendance(meeting=meeting, user=person, role=role, recorded_by=by))
    for name, role in guests:
        name = name.strip()
        if name:
            rows.append(
                MeetingAttendance(
                    meeting=meeting, name=name, role=AttendeeRole(role), recorded_by=by
                )
            )
    meeting.attendance.all().delete()
    return MeetingAttendance.objects.bulk_create(rows)


@transaction.atomic
def action_add(
    *,
    meeting: VolunteerMeeting,
    description: str,
    owner: User,
    by: User,
    due_on: date | None = None,
) -> FollowUpAction:
    """Add a follow-up action; its owner is told."""
    action = FollowUpAction.objects.create(
        meeting=meeting, description=description, owner=owner, due_on=due_on, created_by=by
    )
    due = f" by {due_on:%d %B %Y}" if due_on else ""
    notify(
        user=owner,
        subject=f"An action for you from {meeting.display_title}{due}",
        body=description,
        url=_meeting_url(meeting),
        key=f"meeting-action:{action.pk}",
    )
    return action


def action_complete(*, action: FollowUpAction, by: User) -> FollowUpAction:
    """Mark an action done (once: a second call changes nothing)."""
    FollowUpAction.objects.filter(pk=action.pk, done_at__isnull=True).update(done_at=timezone.now())
    action.refresh_from_db(fields=["done_at"])
    return action
