"""The MDT pages through the Django test client: the agenda each audience sees, its order,
adding cases with the four conditions, publishing, and the plan, actions and outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from escalations.enums import EscalationState
from escalations.models import EscalationEvent, Outcome
from mdt import services
from mdt.eligibility import FAILURE_TEXT
from mdt.enums import Condition, MeetingState, MemberRole
from mdt.models import AgendaItem, Meeting, MeetingMember, PlanAction, StandingMember
from tests.factories import MdtMeetingFactory, MeetingMemberFactory, StandingMemberFactory

from .agenda_world import case_at_mdt

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(west_practice, chair):
    west_practice.confidentiality_protocol = "What is said in the room stays in the room."
    west_practice.save()
    return MdtMeetingFactory(practice=west_practice, chair=chair)


@pytest.fixture
def agenda(meeting, chair, volunteer):
    """Three cases: Vera's client with her attending, and two members-only cases."""
    mine = case_at_mdt(meeting.practice, volunteer=volunteer.volunteer, last_name="Pascoe")
    other1 = case_at_mdt(meeting.practice, last_name="Tregenza")
    other2 = case_at_mdt(meeting.practice, last_name="Rowe")
    items = {}
    items["other1"], _ = services.item_add(
        meeting=meeting, escalation=other1, by=chair, reason="Reason ONE, falls"
    )
    items["mine"], failures = services.item_add(
        meeting=meeting,
        escalation=mine,
        by=chair,
        reason="Reason MINE, memory",
        volunteer_attends=True,
    )
    assert failures == []
    items["other2"], _ = services.item_add(
        meeting=meeting, escalation=other2, by=chair, reason="Reason TWO, carer"
    )
    assert services.meeting_publish(meeting=meeting, by=chair) == []
    meeting.refresh_from_db()
    for item in items.values():
        item.refresh_from_db()
    return items


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# ---- who sees what -------------------------------------------------------------------------


def test_member_sees_the_full_agenda(client_for, practitioner, meeting, agenda):
    body = page(client_for(practitioner), reverse("mdt:meeting_detail", args=[meeting.pk]))
    for item in agenda.values():
        assert str(item.client) in body
        assert item.client.nhs_number in body
        assert item.reason in body
    assert "What is said in the room stays in the room." in body
    assert "Members only" in body


def test_volunteer_sees_only_their_item(client_for, volunteer, meeting, agenda):
    body = page(client_for(volunteer), reverse("mdt:meeting_detail", args=[meeting.pk]))
    mine = agenda["mine"]
    assert str(mine.client) in body
    assert "What is said in the room stays in the room." in body
    assert meeting.place in body
    leave = timezone.localtime(meeting.volunteers_leave_at)
    assert f"leave at {leave:%H:%M}" in body
    for key in ("other1", "other2"):
        assert agenda[key].client.last_name not in body
        assert agenda[key].client.nhs_number not in body
    for item in agenda.values():
        assert item.reason not in body
    assert "Members only" not in body
    assert reverse("mdt:item_detail", args=[mine.pk]) not in body


def test_volunteer_cannot_open_an_item(client_for, volunteer, agenda):
    client = client_for(volunteer)
    assert client.get(reverse("mdt:item_detail", args=[agenda["mine"].pk])).status_code == 404


def test_volunteer_does_not_see_a_draft_agenda(client_for, volunteer, chair, meeting):
    mine = case_at_mdt(meeting.practice, volunteer=volunteer.volunteer)
    services.item_add(meeting=meeting, escalation=mine, by=chair, volunteer_attends=True)
    response = client_for(volunteer).get(reverse("mdt:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 404


def test_member_of_another_practice_sees_nothing(client_for, other_chair, meeting, agenda):
    client = client_for(other_chair)
    for name, args in [
        ("mdt:meeting_detail", [meeting.pk]),
        ("mdt:meeting_pdf", [meeting.pk]),
        ("mdt:meeting_ics", [meeting.pk]),
        ("mdt:item_detail", [agenda["mine"].pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
    assert str(meeting.practice) not in page(client, reverse("mdt:meetings"))


def test_agenda_puts_volunteer_items_first_with_the_leave_time(client_for, chair, meeting, agenda):
    body = page(client_for(chair), reverse("mdt:meeting_detail", args=[meeting.pk]))
    assert agenda["mine"].position == 1
    assert [agenda["other1"].position, agenda["other2"].position] == [2, 3]
    first = body.index(str(agenda["mine"].client))
    assert first < body.index(str(agenda["other1"].client))
    assert first < body.index(str(agenda["other2"].client))
    assert body.index("With volunteers attending") < first < body.index("Members only")
    leave = timezone.localtime(meeting.volunteers_leave_at)
    assert leave == timezone.localtime(meeting.starts_at) + dt.timedelta(minutes=10)
    assert f"volunteers leave at {leave:%H:%M}" in body


def test_each_item_says_what_the_agenda_holds_for_it(client_for, chair, meeting, agenda):
    mine, other1, other2 = agenda["mine"], agenda["other1"], agenda["other2"]
    AgendaItem.objects.filter(pk=other1.pk).update(
        key_worker_name="Jo Nancarrow", volunteer_note="Not visiting at the moment"
    )
    for n, item in ((1, mine), (2, other1)):
        for i in range(n):
            PlanAction.objects.create(
                item=item,
                description=f"Action {i}",
                owner_name="Dr Penhale",
                due_on=dt.date(2027, 1, 5),
                created_by=chair,
            )
    url = reverse("mdt:meeting_detail", args=[meeting.pk])
    body = page(client_for(chair), url)
    # A member's items under "With volunteers attending" are h4, as the members-only ones.
    assert f'<h4 class="govuk-heading-s govuk-!-margin-bottom-1">1. {mine.client}' in body
    assert f'<h4 class="govuk-heading-s govuk-!-margin-bottom-1">2. {other1.client}' in body
    assert f"(NHS {mine.client.nhs_number})" in body
    assert f"Volunteer attending: {mine.volunteer.user}. 1 action.</p>" in body
    assert "Key worker: Jo Nancarrow. 2 actions.</p>" in body
    assert "<strong>No volunteer:</strong> Not visiting at the moment" in body
    for item in (mine, other1, other2):
        assert reverse("mdt:item_detail", args=[item.pk]) in body
        for name in ("mdt:item_remove", "mdt:item_volunteer"):
            form = body.index(f'action="{reverse(name, args=[item.pk])}"')
            assert 'name="csrfmiddlewaretoken"' in body[form : body.index("</form>", form)]
    # Once held, nothing on the agenda can be changed from it.
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.HELD)
    held = page(client_for(chair), url)
    assert "Take off the agenda" not in held and "Plan and actions" in held


def test_a_volunteers_item_is_an_h3_under_the_agendas_h2(client_for, volunteer, meeting, agenda):
    body = page(client_for(volunteer), reverse("mdt:meeting_detail", args=[meeting.pk]))
    mine = agenda["mine"]
    assert "Your part of the agenda</h2>" in body
    assert f'<h3 class="govuk-heading-s govuk-!-margin-bottom-1">1. {mine.client}</h3>' in body
    assert "NHS" not in body and "Take off the agenda" not in body


# ---- arranging a meeting -------------------------------------------------------------------


def meeting_post(practice, chair, /, **over):
    data = {
        "practice": practice.pk,
        "chair": chair.pk,
        "date": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        "starts": "13:00",
        "ends": "15:00",
        "leave": "13:30",
        "place": "Practice meeting room",
        "call_link": "",
        "notes": "Bring the falls list",
    }
    data.update(over)
    return data


def test_chair_arranges_a_meeting_with_the_standing_members(client_for, chair, west_practice):
    StandingMemberFactory(practice=west_practice, name="Nurse Kitto")
    client = client_for(chair)
    assert "Arrange a meeting" in page(client, reverse("mdt:meetings"))
    response = client.post(reverse("mdt:meeting_new"), meeting_post(west_practice, chair))
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mdt:meeting_detail", args=[meeting.pk])
    assert meeting.state == MeetingState.DRAFT
    assert timezone.localtime(meeting.volunteers_leave_at).strftime("%H:%M") == "13:30"
    assert list(meeting.members.values_list("name", flat=True)) == ["Nurse Kitto"]


def test_practitioner_does_not_see_arrange_and_may_not(client_for, practitioner):
    client = client_for(practitioner)
    assert "Arrange a meeting" not in page(client, reverse("mdt:meetings"))
    assert client.get(reverse("mdt:meeting_new")).status_code == 403


@pytest.mark.parametrize(
    "over, field_message",
    [
        ({"date": "", "starts": "", "ends": "", "chair": ""}, "Enter the date"),
        ({"date": "2026-02-30"}, "Enter a real date"),
        ({"starts": "15:00", "ends": "14:00"}, "The meeting must end after it starts"),
        ({"leave": "16:00"}, "Volunteers must leave during the meeting"),
        ({"place": "", "call_link": ""}, "Enter the place, or a call link, or both"),
        ({"call_link": "not a link at all"}, "Enter a web address"),
        ({"starts": "25:99"}, "Enter a time"),
    ],
)
def test_meeting_form_bad_input_saves_nothing(
    client_for, chair, west_practice, over, field_message
):
    response = client_for(chair).post(
        reverse("mdt:meeting_new"), meeting_post(west_practice, chair, **over)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in body
    assert field_message in body
    assert not Meeting.objects.exists()


def test_meeting_form_refuses_another_practices_pks(
    client_for, chair, west_practice, east_practice, other_chair
):
    client = client_for(chair)
    for data in [
        meeting_post(east_practice, chair),
        meeting_post(west_practice, other_chair),
        meeting_post(west_practice, chair, practice="99999999999999999999"),
        meeting_post(west_practice, chair, chair="-1"),
    ]:
        response = client.post(reverse("mdt:meeting_new"), data)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not Meeting.objects.exists()


def test_chair_changes_a_meeting(client_for, chair, meeting):
    data = meeting_post(meeting.practice, chair, place="The library", leave="")
    del data["practice"]
    response = client_for(chair).post(reverse("mdt:meeting_edit", args=[meeting.pk]), data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.place == "The library"
    assert meeting.volunteers_leave_at is None


def test_edit_end_before_start_keeps_the_meeting(client_for, chair, meeting):
    before = (meeting.starts_at, meeting.ends_at)
    data = meeting_post(meeting.practice, chair, starts="16:00", ends="10:00")
    response = client_for(chair).post(reverse("mdt:meeting_edit", args=[meeting.pk]), data)
    assert response.status_code == 200
    assert "The meeting must end after it starts" in response.content.decode()
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.ends_at) == before


def test_another_practices_meeting_cannot_be_changed(client_for, other_chair, meeting):
    data = meeting_post(meeting.practice, other_chair)
    response = client_for(other_chair).post(reverse("mdt:meeting_edit", args=[meeting.pk]), data)
    assert response.status_code == 404


# ---- the agenda ----------------------------------------------------------------------------


def test_add_with_an_unconsented_case_shows_the_failing_conditions(client_for, chair, meeting):
    case = case_at_mdt(meeting.practice, consents=False)
    client = client_for(chair)
    add_page = page(client, reverse("mdt:item_add", args=[meeting.pk]))
    assert str(case.observation.client) in add_page
    assert FAILURE_TEXT[Condition.CLIENT_CONSENTS] in add_page
    response = client.post(
        reverse("mdt:item_add", args=[meeting.pk]),
        {"escalation": case.pk, "reason": "Lonely", "volunteer_attends": "on"},
        follow=True,
    )
    body = response.content.decode()
    assert FAILURE_TEXT[Condition.CLIENT_CONSENTS] in body
    assert FAILURE_TEXT[Condition.PRACTICE_ALLOWS] not in body
    item = AgendaItem.objects.get()
    assert item.volunteer is None
    assert FAILURE_TEXT[Condition.CLIENT_CONSENTS] in item.volunteer_note


def test_add_with_every_condition_met_brings_the_volunteer(client_for, chair, meeting):
    case = case_at_mdt(meeting.practice)
    response = client_for(chair).post(
        reverse("mdt:item_add", args=[meeting.pk]),
        {"escalation": case.pk, "volunteer_attends": "on"},
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get()
    assert item.volunteer == case.observation.volunteer
    assert EscalationEvent.objects.filter(
        escalation=case, summary__startswith="Added to the agenda"
    ).exists()


def test_add_refuses_a_case_of_another_practice(client_for, chair, meeting, east_practice):
    foreign = case_at_mdt(east_practice)
    for value in [foreign.pk, "", "abc", "99999999999999999999999"]:
        response = client_for(chair).post(
            reverse("mdt:item_add", args=[meeting.pk]),
            {"escalation": value, "volunteer_attends": "on"},
        )
        assert response.status_code == 200
        assert "<title>Error: " in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_publish_drops_an_ineligible_volunteer_and_says_why(client_for, chair, meeting):
    case = case_at_mdt(meeting.practice)
    item, _ = services.item_add(meeting=meeting, escalation=case, by=chair, volunteer_attends=True)
    assert item.volunteer_id
    type(meeting.practice).objects.filter(pk=meeting.practice_id).update(
        volunteers_may_attend_mdt=False
    )
    response = client_for(chair).post(
        reverse("mdt:meeting_publish", args=[meeting.pk]), follow=True
    )
    body = response.content.decode()
    assert "Agenda published" in body
    assert f"{case.observation.client}&#x27;s volunteer no longer attends" in body
    assert escape(FAILURE_TEXT[Condition.PRACTICE_ALLOWS]) in body
    item.refresh_from_db()
    assert item.volunteer is None
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PUBLISHED


def test_publish_an_empty_agenda_is_refused(client_for, chair, meeting):
    response = client_for(chair).post(
        reverse("mdt:meeting_publish", args=[meeting.pk]), follow=True
    )
    assert "Add at least one case" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.DRAFT


def test_volunteer_asked_to_attend_when_a_condition_fails(client_for, chair, meeting):
    case = case_at_mdt(meeting.practice, consents=False)
    item, _ = services.item_add(meeting=meeting, escalation=case, by=chair)
    response = client_for(chair).post(
        reverse("mdt:item_volunteer", args=[item.pk]), {"attends": "yes"}, follow=True
    )
    assert FAILURE_TEXT[Condition.CLIENT_CONSENTS] in response.content.decode()
    item.refresh_from_db()
    assert item.volunteer is None


def test_item_remove_takes_the_case_off(client_for, chair, meeting):
    item, _ = services.item_add(meeting=meeting, escalation=case_at_mdt(meeting.practice), by=chair)
    response = client_for(chair).post(reverse("mdt:item_remove", args=[item.pk]))
    assert response.status_code == 302
    assert not AgendaItem.objects.exists()


def test_mark_held(client_for, chair, meeting, agenda):
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at - dt.timedelta(days=8),
        ends_at=meeting.ends_at - dt.timedelta(days=8),
        volunteers_leave_at=meeting.volunteers_leave_at - dt.timedelta(days=8),
    )
    client = client_for(chair)
    assert client.post(reverse("mdt:meeting_held", args=[meeting.pk])).status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    past = page(client, reverse("mdt:meetings") + "?when=past")
    assert reverse("mdt:meeting_detail", args=[meeting.pk]) in past


def test_mark_held_before_it_starts_is_refused(client_for, chair, meeting, agenda):
    response = client_for(chair).post(reverse("mdt:meeting_held", args=[meeting.pk]), follow=True)
    assert "has not started yet" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PUBLISHED


# ---- members -------------------------------------------------------------------------------


def test_members_add_and_remove(client_for, chair, practitioner, meeting):
    client = client_for(chair)
    url = reverse("mdt:meeting_members", args=[meeting.pk])
    response = client.post(url, {"user": practitioner.pk, "member_role": MemberRole.GP})
    assert response.status_code == 302
    client.post(url, {"name": "PC Nance", "member_role": MemberRole.POLICE})
    body = page(client, url)
    body = body[body.index("<h1") :]
    core, additional = body.index("Core members"), body.index("Additional members")
    assert core < body.index(str(practitioner)) < additional < body.index("PC Nance")
    member = MeetingMember.objects.get(name="PC Nance")
    client.post(reverse("mdt:member_remove", args=[meeting.pk, member.pk]))
    assert list(meeting.members.values_list("user", flat=True)) == [practitioner.pk]


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose their role at the MDT"),
        ({"member_role": "gp"}, "Enter their name, or choose their account"),
        ({"member_role": "wizard", "name": "X"}, "Select a valid choice"),
        ({"member_role": "gp", "user": "12abc"}, "Select a valid choice"),
        ({"member_role": "gp", "name": "X", "email": "nope"}, "Enter an email address"),
    ],
)
def test_member_form_bad_input(client_for, chair, meeting, data, message):
    response = client_for(chair).post(reverse("mdt:meeting_members", args=[meeting.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MeetingMember.objects.exists()


def test_member_of_another_practice_cannot_be_added(client_for, chair, other_chair, meeting):
    response = client_for(chair).post(
        reverse("mdt:meeting_members", args=[meeting.pk]),
        {"user": other_chair.pk, "member_role": "gp"},
    )
    assert "Select a valid choice" in response.content.decode()
    assert not MeetingMember.objects.exists()


def test_member_of_another_meeting_cannot_be_removed(client_for, chair, meeting):
    elsewhere = MeetingMemberFactory()
    response = client_for(chair).post(reverse("mdt:member_remove", args=[meeting.pk, elsewhere.pk]))
    assert response.status_code == 404
    assert MeetingMember.objects.filter(pk=elsewhere.pk).exists()


def test_standing_members_add_and_remove(client_for, chair, west_practice, east_practice):
    client = client_for(chair)
    url = reverse("mdt:standing_members", args=[west_practice.pk])
    client.post(url, {"name": "Dr Angove", "member_role": MemberRole.GERIATRICIAN})
    member = StandingMember.objects.get()
    assert "Dr Angove" in page(client, url)
    assert client.get(reverse("mdt:standing_members", args=[east_practice.pk])).status_code == 404
    bad = client.post(url, {"name": "", "member_role": ""})
    assert "<title>Error: " in bad.content.decode()
    client.post(reverse("mdt:standing_member_remove", args=[member.pk]))
    assert not StandingMember.objects.exists()


def test_standing_member_of_another_practice_cannot_be_removed(client_for, chair, east_practice):
    theirs = StandingMemberFactory(practice=east_practice)
    response = client_for(chair).post(reverse("mdt:standing_member_remove", args=[theirs.pk]))
    assert response.status_code == 404
    assert StandingMember.objects.filter(pk=theirs.pk).exists()


# ---- at the meeting ------------------------------------------------------------------------


def test_plan_action_and_close_go_into_the_escalation_history(
    client_for, chair, practitioner, meeting, agenda
):
    item = agenda["other1"]
    MeetingMemberFactory(meeting=meeting, user=practitioner, name=str(practitioner))
    client = client_for(chair)
    response = client.post(
        reverse("mdt:item_plan", args=[item.pk]),
        {"key_worker": practitioner.pk, "care_plan": "Weekly calls", "decisions": "Refer to OT"},
    )
    assert response.status_code == 302
    due = timezone.localdate() + dt.timedelta(days=7)
    response = client.post(
        reverse("mdt:action_add", args=[item.pk]),
        {"description": "Book the OT visit", "owner_name": "Jenna, OT", "due_on": due},
    )
    assert response.status_code == 302
    action = PlanAction.objects.get()
    # A practitioner marks it done.
    client_for(practitioner).post(reverse("mdt:action_done", args=[action.pk]))
    action.refresh_from_db()
    assert action.done_at is not None
    client = client_for(chair)
    response = client.post(
        reverse("mdt:item_close", args=[item.pk]),
        {
            "summary": "OT fitted rails",
            "message_for_volunteer": "Thank you: she has rails now.",
            "went_well": "yes",
        },
    )
    assert response.status_code == 302
    summaries = list(
        EscalationEvent.objects.filter(escalation=item.escalation)
        .order_by("at", "pk")
        .values_list("summary", flat=True)
    )
    assert any(s.startswith("MDT plan") and "Refer to OT" in s for s in summaries)
    assert any("Book the OT visit" in s and "Jenna, OT" in s for s in summaries)
    assert any(s.startswith("MDT action done") for s in summaries)
    assert EscalationEvent.objects.filter(escalation=item.escalation, action="closed").exists()
    outcome = Outcome.objects.get(escalation=item.escalation)
    assert "OT fitted rails" in outcome.summary
    assert outcome.went_well is True
    assert outcome.message_for_volunteer == "Thank you: she has rails now."
    item.escalation.refresh_from_db()
    assert item.escalation.state == EscalationState.CLOSED
    body = page(client, reverse("mdt:item_detail", args=[item.pk]))
    assert "Weekly calls" in body and "Book the OT visit" in body and "OT fitted rails" in body
    # Closed: the close page sends back with a message.
    again = client.get(reverse("mdt:item_close", args=[item.pk]), follow=True)
    assert "already closed" in again.content.decode()


@pytest.mark.parametrize(
    "url_name, data, message",
    [
        ("mdt:item_plan", {}, "Enter anticipatory care plan"),
        ("mdt:item_plan", {"care_plan": "x"}, "Choose a key worker, or enter their name"),
        ("mdt:item_plan", {"care_plan": "x", "key_worker": "1e9"}, "Select a valid choice"),
        ("mdt:action_add", {}, "Say what needs doing"),
        ("mdt:action_add", {"description": "x", "owner_name": "A"}, "Enter the date it is due"),
        (
            "mdt:action_add",
            {"description": "x", "owner_name": "A", "due_on": "2026-02-30"},
            "Enter a real date",
        ),
        (
            "mdt:action_add",
            {"description": "x", "owner_name": "A", "due_on": "2001-01-01"},
            "today or later",
        ),
        (
            "mdt:action_add",
            {"description": "x", "due_on": "2099-01-01"},
            "Choose who will do it, or enter their name",
        ),
        ("mdt:item_close", {}, "Say whether it went well"),
        ("mdt:item_close", {"summary": "x", "went_well": "maybe"}, "Select a valid choice"),
    ],
)
def test_item_forms_bad_input_change_nothing(
    client_for, chair, meeting, agenda, url_name, data, message
):
    item = agenda["other1"]
    events = EscalationEvent.objects.filter(escalation=item.escalation).count()
    response = client_for(chair).post(reverse(url_name, args=[item.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in body
    assert message in body
    assert EscalationEvent.objects.filter(escalation=item.escalation).count() == events
    assert not PlanAction.objects.exists()
    assert not Outcome.objects.exists()


def test_key_worker_must_be_a_member_of_the_meeting(
    client_for, chair, other_chair, practitioner, meeting, agenda
):
    item = agenda["other1"]
    client = client_for(chair)
    for user in (other_chair, practitioner):  # practitioner: of the practice, not a member
        response = client.post(
            reverse("mdt:item_plan", args=[item.pk]), {"key_worker": user.pk, "care_plan": "x"}
        )
        assert "Select a valid choice" in response.content.decode()
        response = client.post(
            reverse("mdt:action_add", args=[item.pk]),
            {"description": "x", "owner": user.pk, "due_on": "2099-01-01"},
        )
        assert "Select a valid choice" in response.content.decode()
    item.refresh_from_db()
    assert item.plan_updated_at is None
    assert not PlanAction.objects.exists()


def test_practitioner_reads_items_but_does_not_change_them(
    client_for, practitioner, meeting, agenda
):
    item = agenda["other1"]
    client = client_for(practitioner)
    body = page(client, reverse("mdt:item_detail", args=[item.pk]))
    assert item.reason in body
    assert reverse("mdt:item_plan", args=[item.pk]) not in body
    for name in ("mdt:item_plan", "mdt:action_add", "mdt:item_close"):
        assert client.get(reverse(name, args=[item.pk])).status_code == 403


def test_other_practices_item_is_not_found(client_for, chair, east_practice, other_chair):
    theirs = MdtMeetingFactory(practice=east_practice, chair=other_chair)
    item, _ = services.item_add(
        meeting=theirs, escalation=case_at_mdt(east_practice), by=other_chair
    )
    action = PlanAction.objects.create(
        item=item,
        description="x",
        owner_name="y",
        due_on=timezone.localdate(),
        created_by=other_chair,
    )
    client = client_for(chair)
    for name, args in [
        ("mdt:item_detail", [item.pk]),
        ("mdt:item_plan", [item.pk]),
        ("mdt:action_add", [item.pk]),
        ("mdt:item_close", [item.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
    assert client.post(reverse("mdt:action_done", args=[action.pk])).status_code == 404
    assert client.post(reverse("mdt:item_remove", args=[item.pk])).status_code == 404
    assert client.post(reverse("mdt:item_volunteer", args=[item.pk])).status_code == 404
    action.refresh_from_db()
    assert action.done_at is None
    assert AgendaItem.objects.filter(pk=item.pk).exists()


# ---- query counts --------------------------------------------------------------------------


def add_cases(meeting, chair, n, *, volunteer=None):
    for i in range(n):
        case = case_at_mdt(meeting.practice, volunteer=volunteer)
        services.item_add(meeting=meeting, escalation=case, by=chair, volunteer_attends=i % 2 == 0)


@pytest.mark.parametrize("who", ["chair", "volunteer"])
def test_agenda_page_costs_the_same_for_one_or_many_items(
    client_for, chair, volunteer, meeting, django_assert_max_num_queries, who
):
    user = chair if who == "chair" else volunteer
    add_cases(meeting, chair, 1, volunteer=volunteer.volunteer)
    PlanAction.objects.create(
        item=AgendaItem.objects.first(),
        description="x",
        owner_name="y",
        due_on=timezone.localdate(),
        created_by=chair,
    )
    services.meeting_publish(meeting=meeting, by=chair)
    client = client_for(user)
    url = reverse("mdt:meeting_detail", args=[meeting.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        page(client, url)
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.DRAFT)
    add_cases(meeting, chair, 6, volunteer=volunteer.volunteer)
    MeetingMemberFactory.create_batch(4, meeting=meeting)
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.PUBLISHED)
    with django_assert_max_num_queries(len(one)):
        body = page(client, url)
    assert body.count("lw-card") >= (7 if who == "chair" else 4)


def test_meeting_list_costs_the_same_for_one_or_many(
    client_for, chair, meeting, django_assert_max_num_queries
):
    client = client_for(chair)
    url = reverse("mdt:meetings")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        page(client, url)
    for _ in range(8):
        m = MdtMeetingFactory(practice=meeting.practice, chair=chair)
        MeetingMemberFactory(meeting=m)
    with django_assert_max_num_queries(len(one)):
        body = page(client, url)
    assert body.count(reverse("mdt:meeting_detail", args=[meeting.pk])) == 1
    assert body.count("govuk-table__row") == 10


def test_meeting_list_bad_filter_shows_coming(client_for, chair, meeting):
    body = page(client_for(chair), reverse("mdt:meetings") + "?when=nonsense&page=zz")
    assert "<title>Error: " in body
    assert reverse("mdt:meeting_detail", args=[meeting.pk]) in body


def test_meeting_list_paginates(client_for, chair, meeting):
    for _ in range(20):
        MdtMeetingFactory(practice=meeting.practice, chair=chair)
    client = client_for(chair)
    assert "Page 1 of 2" in page(client, reverse("mdt:meetings"))
    second = page(client, reverse("mdt:meetings") + "?when=coming&page=2")
    assert second.count("govuk-table__row") == 2


def test_agenda_prints_without_navigation_or_buttons(client_for, chair, meeting, agenda):
    """The page itself is the printout: print.css hides the header, menu, back link,
    buttons and forms; every control of the page is one of those."""
    import re
    from pathlib import Path

    from django.conf import settings

    body = page(client_for(chair), reverse("mdt:meeting_detail", args=[meeting.pk]))
    assert 'href="/static/css/print.css" media="print"' in body
    css = (Path(settings.BASE_DIR) / "static" / "css" / "print.css").read_text()
    hidden = css.split("{ display: none", 1)[0]
    for selector in (".govuk-button", ".govuk-back-link", ".lw-no-print", "form", ".govuk-header"):
        assert selector in hidden
    main = body[body.index("<main") : body.index("</main>")]
    without_forms = re.sub(r"<form.*?</form>", "", main, flags=re.S)
    assert "<button" not in without_forms  # every button sits in a form, which is hidden
    assert "Publish the agenda" not in without_forms


def test_add_case_page_costs_the_same_for_one_or_many_waiting_cases(
    client_for, chair, meeting, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case_at_mdt(meeting.practice, consents=False)
    client = client_for(chair)
    url = reverse("mdt:item_add", args=[meeting.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        page(client, url)
    waiting = [case_at_mdt(meeting.practice, consents=bool(i % 2)) for i in range(6)]
    with django_assert_max_num_queries(len(one)):
        body = page(client, url)
    for case in waiting:
        assert str(case.observation.client) in body
    # Each case still says which of the four conditions fails for it.
    assert body.count(FAILURE_TEXT[Condition.CLIENT_CONSENTS]) == 4
