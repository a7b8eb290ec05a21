import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from livingwell.models import Notification
from peersupport import services
from peersupport.enums import AttendeeRole, MeetingKind
from peersupport.models import MeetingAttendance, MeetingSignUp, MeetingTopic, VolunteerMeeting
from tests.factories import MeetingAttendanceFactory, VolunteerFactory, VolunteerMeetingFactory

pytestmark = pytest.mark.django_db


def test_meeting_create_invites_and_notifies_medical_staff(
    west, coordinator, matron, django_capture_on_commit_callbacks
):
    start = timezone.now() + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_create(
            locality=west,
            kind=MeetingKind.FORMAL,
            title="",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            place="St John's Hall",
            facilitator=coordinator,
            invited=[matron],
            by=coordinator,
        )
    assert meeting.display_title == "Formal monthly meeting"
    assert list(meeting.invitations.values_list("user__username", flat=True)) == ["morwen"]
    note = Notification.objects.get(user=matron)
    assert note.subject == "You are invited to a volunteer formal monthly meeting"
    assert note.url == f"/meetings/{meeting.pk}/"
    assert [m.to for m in mail.outbox] == [["morwen@example.org"]]


def test_meeting_must_end_after_it_starts(west, coordinator):
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(services.MeetingError, match="end after it starts"):
        services.meeting_create(
            locality=west,
            kind=MeetingKind.FORMAL,
            starts_at=start,
            ends_at=start,
            place="Hall",
            by=coordinator,
        )
    assert VolunteerMeeting.objects.count() == 0


def test_database_refuses_a_meeting_ending_before_it_starts(west):
    start = timezone.now()
    with pytest.raises(IntegrityError):
        VolunteerMeetingFactory(locality=west, starts_at=start, ends_at=start)


def test_reinviting_the_same_people_notifies_once(upcoming, coordinator, matron):
    services.meeting_set_invitations(meeting=upcoming, users=[matron], by=coordinator)
    services.meeting_set_invitations(meeting=upcoming, users=[matron], by=coordinator)
    assert Notification.objects.filter(user=matron).count() == 1
    services.meeting_set_invitations(meeting=upcoming, users=[], by=coordinator)
    assert upcoming.invitations.count() == 0


def test_sign_up_is_idempotent_and_withdrawable(upcoming, volunteer):
    services.meeting_sign_up(meeting=upcoming, volunteer=volunteer.volunteer)
    services.meeting_sign_up(meeting=upcoming, volunteer=volunteer.volunteer)
    assert MeetingSignUp.objects.filter(meeting=upcoming).count() == 1
    assert services.meeting_withdraw(meeting=upcoming, volunteer=volunteer.volunteer) == 1
    assert services.meeting_withdraw(meeting=upcoming, volunteer=volunteer.volunteer) == 0


def test_sign_up_closes_when_the_meeting_starts(held, volunteer):
    with pytest.raises(services.MeetingError, match="sign-up has closed"):
        services.meeting_sign_up(meeting=held, volunteer=volunteer.volunteer)
    assert not MeetingSignUp.objects.exists()


def test_sign_up_refuses_another_localitys_volunteer(upcoming, other_volunteer):
    with pytest.raises(services.MeetingError, match="another locality"):
        services.meeting_sign_up(meeting=upcoming, volunteer=other_volunteer.volunteer)


def test_topics_are_raised_before_the_meeting_only(upcoming, held, volunteer):
    topic = services.meeting_raise_topic(meeting=upcoming, by=volunteer, text="  Buses  ")
    assert topic.text == "Buses"
    with pytest.raises(services.MeetingError, match="already started"):
        services.meeting_raise_topic(meeting=held, by=volunteer, text="Late")
    with pytest.raises(services.MeetingError, match="Enter the topic"):
        services.meeting_raise_topic(meeting=upcoming, by=volunteer, text="   ")
    assert list(MeetingTopic.objects.values_list("text", flat=True)) == ["Buses"]


def test_record_attendance_replaces_and_dedupes(held, coordinator, volunteer, matron):
    MeetingAttendanceFactory(meeting=held, user=coordinator, role=AttendeeRole.VOLUNTEER)
    services.meeting_record_attendance(
        meeting=held,
        by=coordinator,
        volunteers=[volunteer],
        staff=[coordinator, volunteer],  # a person is recorded once, in the first role
        medical=[matron],
        guests=[("Dr Lowen, GP", AttendeeRole.MEDICAL), ("   ", AttendeeRole.STAFF)],
    )
    rows = sorted(
        (r.user.username if r.user else r.name, r.role) for r in MeetingAttendance.objects.all()
    )
    assert rows == [
        ("Dr Lowen, GP", "medical"),
        ("colin", "staff"),
        ("morwen", "medical"),
        ("vera", "volunteer"),
    ]


def test_attendance_waits_for_the_meeting(upcoming, coordinator, volunteer):
    with pytest.raises(services.MeetingError, match="once the meeting has started"):
        services.meeting_record_attendance(meeting=upcoming, by=coordinator, volunteers=[volunteer])
    with pytest.raises(services.MeetingError, match="once the meeting has started"):
        services.meeting_set_notes(meeting=upcoming, by=coordinator, notes="x")


def test_attendance_row_must_name_someone(held):
    with pytest.raises(IntegrityError):
        MeetingAttendance.objects.create(meeting=held, role=AttendeeRole.MEDICAL)


def test_action_owner_is_told_once_and_completion_is_idempotent(held, coordinator, volunteer):
    action = services.action_add(
        meeting=held,
        description="Bring the new bus timetable",
        owner=volunteer,
        due_on=dt.date(2030, 1, 31),
        by=coordinator,
    )
    note = Notification.objects.get(user=volunteer)
    assert note.subject == "An action for you from Monthly meeting by 31 January 2030"
    assert note.body == "Bring the new bus timetable"
    services.action_complete(action=action, by=volunteer)
    first = action.done_at
    assert first is not None
    services.action_complete(action=action, by=coordinator)
    assert action.done_at == first


def test_overdue_action(held, coordinator):
    action = services.action_add(
        meeting=held,
        description="x",
        owner=coordinator,
        due_on=timezone.localdate() - dt.timedelta(days=1),
        by=coordinator,
    )
    assert action.is_overdue
    services.action_complete(action=action, by=coordinator)
    assert not action.is_overdue


def test_signup_unique_per_volunteer(upcoming, west):
    vol = VolunteerFactory(locality=west)
    MeetingSignUp.objects.create(meeting=upcoming, volunteer=vol)
    with pytest.raises(IntegrityError):
        MeetingSignUp.objects.create(meeting=upcoming, volunteer=vol)
