import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peersupport.enums import AttendeeRole, MeetingKind
from peersupport.models import (
    FollowUpAction,
    MeetingAttendance,
    MeetingInvitation,
    MeetingSignUp,
    MeetingTopic,
    VolunteerMeeting,
)
from tests.factories import (
    FollowUpActionFactory,
    MeetingSignUpFactory,
    MeetingTopicFactory,
    VolunteerMeetingFactory,
)

pytestmark = pytest.mark.django_db

EVERYONE = [
    "volunteer",
    "coordinator",
    "team_leader",
    "mdt_chair",
    "practitioner",
    "admin",
    "other_volunteer",
    "other_coordinator",
    "other_team_leader",
    "other_mdt_chair",
    "other_practitioner",
]

# Who sees a West meeting that no medical staff were invited to.
SEES_WEST_MEETING = {"volunteer", "coordinator", "team_leader", "admin"}
# Who runs it.
MANAGES_WEST_MEETING = {"coordinator", "admin"}


def expected_for_managing(role):
    if role in MANAGES_WEST_MEETING:
        return 200
    if role in SEES_WEST_MEETING:
        return 403  # sees the meeting, may not run it
    return 404  # outside their scope


def title(response):
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


# --- anonymous -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("meeting_list", "get"),
        ("meeting_create", "get"),
        ("meeting_detail", "get"),
        ("meeting_edit", "get"),
        ("meeting_sign_up", "post"),
        ("meeting_withdraw", "post"),
        ("meeting_add_topic", "post"),
        ("meeting_attendance", "get"),
        ("meeting_notes", "get"),
        ("meeting_add_action", "post"),
    ],
)
def test_anonymous_is_sent_to_sign_in(client, upcoming, name, method):
    args = [] if name in {"meeting_list", "meeting_create"} else [upcoming.pk]
    url = reverse(f"peersupport:{name}", args=args)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_anonymous_action_done_is_sent_to_sign_in(client, held):
    action = FollowUpActionFactory(meeting=held)
    response = client.post(reverse("peersupport:action_done", args=[held.pk, action.pk]))
    assert response.status_code == 302
    assert FollowUpAction.objects.get().done_at is None


# --- list ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EVERYONE)
def test_list_shows_exactly_the_meetings_in_scope(users, client_for, upcoming, east_meeting, role):
    body = client_for(users[role]).get(reverse("peersupport:meeting_list")).content.decode()
    assert ("Coffee at the Honey Pot" in body) == (role in SEES_WEST_MEETING)
    east_roles = {"other_volunteer", "other_coordinator", "other_team_leader", "admin"}
    assert ("Liskeard coffee morning" in body) == (role in east_roles)


def test_list_shows_invited_practitioner_their_meeting(client_for, upcoming, practitioner):
    MeetingInvitation.objects.create(meeting=upcoming, user=practitioner)
    body = client_for(practitioner).get(reverse("peersupport:meeting_list")).content.decode()
    assert "Coffee at the Honey Pot" in body


def test_list_past_and_upcoming(client_for, coordinator, upcoming, held):
    c = client_for(coordinator)
    upcoming_body = c.get(reverse("peersupport:meeting_list")).content.decode()
    past_body = c.get(reverse("peersupport:meeting_list") + "?when=past").content.decode()
    assert "Coffee at the Honey Pot" in upcoming_body and "Monthly meeting" not in upcoming_body
    assert "Monthly meeting" in past_body and "Coffee at the Honey Pot" not in past_body


def test_list_marks_the_volunteers_sign_ups(client_for, volunteer, upcoming):
    MeetingSignUpFactory(meeting=upcoming, volunteer=volunteer.volunteer)
    body = client_for(volunteer).get(reverse("peersupport:meeting_list")).content.decode()
    assert "You&#x27;re going" in body or "You're going" in body


@pytest.mark.parametrize(
    "query",
    ["when=soon", "locality=abc", "locality=999999", "locality=9223372036854775808", "page=x"],
)
def test_list_bad_filter_is_reported_and_shows_defaults(client_for, admin_user, upcoming, query):
    response = client_for(admin_user).get(reverse("peersupport:meeting_list") + "?" + query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Coffee at the Honey Pot" in body
    if not query.startswith("page"):
        assert title(response).startswith("Error: ")
        assert "There is a problem" in body


def test_list_admin_filters_by_locality(client_for, admin_user, upcoming, east_meeting, east):
    body = (
        client_for(admin_user)
        .get(reverse("peersupport:meeting_list") + f"?locality={east.pk}")
        .content.decode()
    )
    assert "Liskeard coffee morning" in body
    assert "Coffee at the Honey Pot" not in body


def test_list_has_no_n_plus_one(client_for, coordinator, west):
    def count():
        c = client_for(coordinator)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("peersupport:meeting_list")).status_code == 200
        return len(ctx)

    meeting = VolunteerMeetingFactory(locality=west)
    MeetingSignUpFactory(meeting=meeting)
    one = count()
    for _ in range(6):
        m = VolunteerMeetingFactory(locality=west, facilitator=coordinator)
        MeetingSignUpFactory(meeting=m)
        MeetingTopicFactory(meeting=m)
    assert count() == one


# --- detail ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EVERYONE)
def test_detail_permission_matrix(users, client_for, upcoming, role):
    response = client_for(users[role]).get(
        reverse("peersupport:meeting_detail", args=[upcoming.pk])
    )
    if role in SEES_WEST_MEETING:
        assert response.status_code == 200
        assert '<h1 class="govuk-heading-l">Coffee at the Honey Pot</h1>' in (
            response.content.decode()
        )
    else:
        assert response.status_code == 404


def test_detail_invited_practitioner_sees_it(client_for, upcoming, practitioner):
    MeetingInvitation.objects.create(meeting=upcoming, user=practitioner)
    response = client_for(practitioner).get(
        reverse("peersupport:meeting_detail", args=[upcoming.pk])
    )
    assert response.status_code == 200


def test_detail_shows_coordinator_names_and_volunteer_counts(
    client_for, coordinator, volunteer, held, matron
):
    MeetingAttendance.objects.create(meeting=held, user=volunteer, role=AttendeeRole.VOLUNTEER)
    MeetingAttendance.objects.create(meeting=held, user=matron, role=AttendeeRole.MEDICAL)
    MeetingAttendance.objects.create(meeting=held, name="Dr Lowen, GP", role=AttendeeRole.MEDICAL)
    url = reverse("peersupport:meeting_detail", args=[held.pk])
    staff_body = client_for(coordinator).get(url).content.decode()
    assert "Medical staff (invited) (2)" in staff_body
    assert "Dr Lowen, GP" in staff_body
    volunteer_body = client_for(volunteer).get(url).content.decode()
    assert "Medical staff (invited) (2)" in volunteer_body
    assert "Dr Lowen, GP" not in volunteer_body


def test_detail_has_no_n_plus_one(client_for, coordinator, held):
    def count():
        c = client_for(coordinator)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("peersupport:meeting_detail", args=[held.pk])).status_code == 200
        return len(ctx)

    MeetingSignUpFactory(meeting=held)
    MeetingTopicFactory(meeting=held)
    FollowUpActionFactory(meeting=held)
    one = count()
    for _ in range(5):
        MeetingSignUpFactory(meeting=held)
        MeetingTopicFactory(meeting=held)
        FollowUpActionFactory(meeting=held)
    assert count() == one


# --- arranging and changing ------------------------------------------------------------------


@pytest.mark.parametrize("role", EVERYONE)
def test_create_permission_matrix(users, client_for, role):
    response = client_for(users[role]).get(reverse("peersupport:meeting_create"))
    may = role in {"coordinator", "other_coordinator", "admin"}
    assert response.status_code == (200 if may else 403)


def meeting_post(**overrides):
    day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    data = {
        "kind": MeetingKind.COFFEE_MORNING,
        "title": "Coffee in Newlyn",
        "date": day,
        "starts": "10:30",
        "ends": "12:00",
        "place": "The Tolcarne Inn",
        "facilitator": "",
    }
    data.update(overrides)
    return data


def test_coordinator_arranges_a_meeting_in_their_locality(
    client_for, coordinator, west, matron, east
):
    response = client_for(coordinator).post(
        reverse("peersupport:meeting_create"),
        meeting_post(facilitator=coordinator.pk, invited=[matron.pk], locality=east.pk),
    )
    meeting = VolunteerMeeting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("peersupport:meeting_detail", args=[meeting.pk])
    assert meeting.locality == west  # a coordinator's locality is fixed, whatever is posted
    local = timezone.localtime(meeting.starts_at)
    assert (local.hour, local.minute) == (10, 30)
    assert meeting.ends_at - meeting.starts_at == dt.timedelta(minutes=90)
    assert list(meeting.invitations.values_list("user", flat=True)) == [matron.pk]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": "2026-02-30"}, "Enter a real date"),
        ({"date": ""}, "This field is required"),
        ({"starts": "25:00"}, "Enter a time"),
        ({"ends": "09:00"}, "The meeting must end after it starts"),
        ({"kind": "rave"}, "Select a valid choice"),
        ({"place": ""}, "This field is required"),
        ({"facilitator": "999999"}, "Select a valid choice"),
        ({"facilitator": "not-a-number"}, "Select a valid choice"),
        ({"invited": ["999999"]}, "Select a valid choice"),
        ({"invited": ["9223372036854775808"]}, "Select a valid choice"),
        ({"facilitator": "9223372036854775808"}, "Select a valid choice"),
        ({"title": "x" * 201}, "at most 200 characters"),
    ],
)
def test_create_bad_input_changes_nothing(client_for, coordinator, overrides, message):
    response = client_for(coordinator).post(
        reverse("peersupport:meeting_create"), meeting_post(**overrides)
    )
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    assert message in response.content.decode()
    assert not VolunteerMeeting.objects.exists()


def test_create_refuses_facilitator_or_invitee_of_another_locality(
    client_for, coordinator, other_coordinator, other_practitioner
):
    response = client_for(coordinator).post(
        reverse("peersupport:meeting_create"),
        meeting_post(facilitator=other_coordinator.pk, invited=[other_practitioner.pk]),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not VolunteerMeeting.objects.exists()


def test_admin_arranges_for_any_locality_but_checks_the_facilitator(
    client_for, admin_user, east, coordinator, other_coordinator
):
    c = client_for(admin_user)
    bad = c.post(
        reverse("peersupport:meeting_create"),
        meeting_post(locality=east.pk, facilitator=coordinator.pk),
    )
    assert "Choose someone from the meeting&#x27;s locality" in bad.content.decode()
    assert not VolunteerMeeting.objects.exists()
    good = c.post(
        reverse("peersupport:meeting_create"),
        meeting_post(locality=east.pk, facilitator=other_coordinator.pk),
    )
    assert good.status_code == 302
    assert VolunteerMeeting.objects.get().locality == east


@pytest.mark.parametrize("role", EVERYONE)
def test_edit_permission_matrix(users, client_for, upcoming, role):
    response = client_for(users[role]).get(reverse("peersupport:meeting_edit", args=[upcoming.pk]))
    assert response.status_code == expected_for_managing(role)


def test_edit_changes_the_meeting(client_for, coordinator, upcoming):
    response = client_for(coordinator).post(
        reverse("peersupport:meeting_edit", args=[upcoming.pk]),
        meeting_post(title="Moved to Newlyn", facilitator=coordinator.pk),
    )
    assert response.status_code == 302
    upcoming.refresh_from_db()
    assert upcoming.title == "Moved to Newlyn"
    assert upcoming.place == "The Tolcarne Inn"


def test_edit_form_shows_current_values(client_for, coordinator, upcoming):
    body = (
        client_for(coordinator)
        .get(reverse("peersupport:meeting_edit", args=[upcoming.pk]))
        .content.decode()
    )
    assert 'value="Coffee at the Honey Pot"' in body
    assert f'value="{timezone.localtime(upcoming.starts_at):%Y-%m-%d}"' in body


def test_edit_bad_input_changes_nothing(client_for, coordinator, upcoming):
    response = client_for(coordinator).post(
        reverse("peersupport:meeting_edit", args=[upcoming.pk]), meeting_post(ends="01:00")
    )
    assert title(response).startswith("Error: ")
    upcoming.refresh_from_db()
    assert upcoming.title == "Coffee at the Honey Pot"


# --- signing up and topics -------------------------------------------------------------------


@pytest.mark.parametrize("role", EVERYONE)
def test_sign_up_permission_matrix(users, client_for, upcoming, role):
    response = client_for(users[role]).post(
        reverse("peersupport:meeting_sign_up", args=[upcoming.pk])
    )
    if role == "volunteer":
        assert response.status_code == 302
        assert MeetingSignUp.objects.filter(meeting=upcoming).count() == 1
    else:
        assert response.status_code == (403 if role in SEES_WEST_MEETING else 404)
        assert not MeetingSignUp.objects.exists()


def test_sign_up_and_withdraw_journey(client_for, volunteer, upcoming):
    c = client_for(volunteer)
    url = reverse("peersupport:meeting_detail", args=[upcoming.pk])
    assert "Sign up for this meeting" in c.get(url).content.decode()
    page = c.post(reverse("peersupport:meeting_sign_up", args=[upcoming.pk]), follow=True)
    assert "You are signed up" in page.content.decode()
    assert "I can no longer come" in page.content.decode()
    page = c.post(reverse("peersupport:meeting_withdraw", args=[upcoming.pk]), follow=True)
    assert "You are no longer signed up" in page.content.decode()
    assert not MeetingSignUp.objects.exists()


def test_sign_up_after_start_is_refused_with_a_message(client_for, volunteer, held):
    page = client_for(volunteer).post(
        reverse("peersupport:meeting_sign_up", args=[held.pk]), follow=True
    )
    assert "sign-up has closed" in page.content.decode()
    assert not MeetingSignUp.objects.exists()


@pytest.mark.parametrize("role", EVERYONE)
def test_topic_permission_matrix(users, client_for, upcoming, role):
    response = client_for(users[role]).post(
        reverse("peersupport:meeting_add_topic", args=[upcoming.pk]), {"text": "Buses"}
    )
    if role in SEES_WEST_MEETING:
        assert response.status_code == 302
        assert MeetingTopic.objects.get().raised_by == users[role]
    else:
        assert response.status_code == 404
        assert not MeetingTopic.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Enter the topic you would like to talk about"), ("x" * 1001, "at most 1000")],
)
def test_topic_bad_input(client_for, volunteer, upcoming, text, message):
    response = client_for(volunteer).post(
        reverse("peersupport:meeting_add_topic", args=[upcoming.pk]), {"text": text}
    )
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    assert message in response.content.decode()
    assert not MeetingTopic.objects.exists()


def test_volunteer_sees_topics_without_other_volunteers_names(
    client_for, volunteer, coordinator, upcoming
):
    MeetingTopicFactory(meeting=upcoming, text="Christmas visits", raised_by__first_name="Zennor")
    MeetingTopicFactory(meeting=upcoming, raised_by=volunteer, text="Buses")
    url = reverse("peersupport:meeting_detail", args=[upcoming.pk])
    body = client_for(volunteer).get(url).content.decode()
    assert "Christmas visits" in body and "Zennor" not in body
    assert 'Buses <span class="govuk-body-s">(yours)</span>' in body
    assert "Zennor" in client_for(coordinator).get(url).content.decode()


# --- attendance, notes and actions -----------------------------------------------------------


@pytest.mark.parametrize("role", EVERYONE)
def test_attendance_permission_matrix(users, client_for, held, role):
    response = client_for(users[role]).get(
        reverse("peersupport:meeting_attendance", args=[held.pk])
    )
    assert response.status_code == expected_for_managing(role)


def test_attendance_form_starts_from_sign_ups(client_for, coordinator, volunteer, held):
    MeetingSignUp.objects.create(meeting=held, volunteer=volunteer.volunteer)
    body = (
        client_for(coordinator)
        .get(reverse("peersupport:meeting_attendance", args=[held.pk]))
        .content.decode()
    )
    assert re.search(rf'value="{volunteer.pk}"[^>]*checked', body)


def test_record_attendance(client_for, coordinator, volunteer, team_leader, matron, held):
    response = client_for(coordinator).post(
        reverse("peersupport:meeting_attendance", args=[held.pk]),
        {
            "volunteers": [volunteer.pk],
            "staff": [coordinator.pk, team_leader.pk],
            "medical": [matron.pk],
            "guest_name": "Dr Lowen, GP",
            "guest_role": "medical",
        },
    )
    assert response.status_code == 302
    counts = {
        role: MeetingAttendance.objects.filter(meeting=held, role=role).count()
        for role in AttendeeRole
    }
    assert counts == {"volunteer": 1, "staff": 2, "medical": 2}
    # Saving again keeps the guest unless removed.
    guest = MeetingAttendance.objects.get(name="Dr Lowen, GP")
    client_for(coordinator).post(
        reverse("peersupport:meeting_attendance", args=[held.pk]),
        {"volunteers": [volunteer.pk], "staff": [], "medical": []},
    )
    assert MeetingAttendance.objects.filter(name="Dr Lowen, GP").count() == 1
    client_for(coordinator).post(
        reverse("peersupport:meeting_attendance", args=[held.pk]),
        {
            "volunteers": [volunteer.pk],
            "remove_guest": [str(MeetingAttendance.objects.get(name="Dr Lowen, GP").pk)],
        },
    )
    assert not MeetingAttendance.objects.filter(name=guest.name).exists()


def test_attendance_bad_input_changes_nothing(client_for, coordinator, other_volunteer, held):
    response = client_for(coordinator).post(
        reverse("peersupport:meeting_attendance", args=[held.pk]),
        {"volunteers": [other_volunteer.pk, "abc"], "medical": ["9223372036854775808"]},
    )
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    assert not MeetingAttendance.objects.exists()


def test_attendance_before_the_meeting_is_refused(client_for, coordinator, upcoming):
    page = client_for(coordinator).get(
        reverse("peersupport:meeting_attendance", args=[upcoming.pk]), follow=True
    )
    assert "Attendance can be recorded once the meeting has started" in page.content.decode()


@pytest.mark.parametrize("role", EVERYONE)
def test_notes_permission_matrix(users, client_for, held, role):
    response = client_for(users[role]).get(reverse("peersupport:meeting_notes", args=[held.pk]))
    assert response.status_code == expected_for_managing(role)


def test_notes_are_saved_and_shown_to_volunteers(client_for, coordinator, volunteer, held):
    client_for(coordinator).post(
        reverse("peersupport:meeting_notes", args=[held.pk]), {"notes": "We talked about buses."}
    )
    body = (
        client_for(volunteer)
        .get(reverse("peersupport:meeting_detail", args=[held.pk]))
        .content.decode()
    )
    assert "We talked about buses." in body


def test_notes_too_long(client_for, coordinator, held):
    response = client_for(coordinator).post(
        reverse("peersupport:meeting_notes", args=[held.pk]), {"notes": "x" * 20001}
    )
    assert title(response).startswith("Error: ")
    held.refresh_from_db()
    assert held.notes == ""


@pytest.mark.parametrize("role", EVERYONE)
def test_add_action_permission_matrix(users, client_for, held, coordinator, role):
    response = client_for(users[role]).post(
        reverse("peersupport:meeting_add_action", args=[held.pk]),
        {"description": "Leaflets", "owner": coordinator.pk},
    )
    expected = expected_for_managing(role)
    assert response.status_code == (302 if expected == 200 else expected)
    assert FollowUpAction.objects.exists() == (expected == 200)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": "", "owner": "OWNER"}, "This field is required"),
        ({"description": "x", "owner": "999999"}, "Select a valid choice"),
        ({"description": "x", "owner": "OTHER"}, "Select a valid choice"),
        ({"description": "x", "owner": "OWNER", "due_on": "2026-13-01"}, "Enter a real date"),
    ],
)
def test_add_action_bad_input(client_for, coordinator, other_coordinator, held, data, message):
    data = {
        k: (coordinator.pk if v == "OWNER" else other_coordinator.pk if v == "OTHER" else v)
        for k, v in data.items()
    }
    response = client_for(coordinator).post(
        reverse("peersupport:meeting_add_action", args=[held.pk]), data
    )
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    assert message in response.content.decode()
    assert not FollowUpAction.objects.exists()


def test_action_done_by_owner_or_manager_only(client_for, users, held, volunteer, team_leader):
    action = FollowUpActionFactory(meeting=held, owner=volunteer)
    url = reverse("peersupport:action_done", args=[held.pk, action.pk])
    assert client_for(team_leader).post(url).status_code == 403
    assert client_for(users["other_coordinator"]).post(url).status_code == 404
    action.refresh_from_db()
    assert action.done_at is None
    assert client_for(volunteer).post(url).status_code == 302
    action.refresh_from_db()
    assert action.done_at is not None


def test_action_of_another_meeting_is_404(client_for, coordinator, held, upcoming):
    action = FollowUpActionFactory(meeting=upcoming)
    url = reverse("peersupport:action_done", args=[held.pk, action.pk])
    assert client_for(coordinator).post(url).status_code == 404


def test_get_on_post_only_pages_is_refused(client_for, volunteer, upcoming):
    c = client_for(volunteer)
    assert c.get(reverse("peersupport:meeting_sign_up", args=[upcoming.pk])).status_code == 405
    assert c.get(reverse("peersupport:meeting_add_topic", args=[upcoming.pk])).status_code == 405
