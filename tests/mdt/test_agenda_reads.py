"""The agenda page's reads, compiled once (mdt.selectors.meeting_page_for, agenda, members_of):
for every role and every meeting, what meetings_for, audience, can_edit, agenda_items and the
meeting's members say."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from mdt import selectors, services
from mdt.enums import MeetingState
from tests.factories import (
    AgendaItemFactory,
    MdtMeetingFactory,
    MeetingMemberFactory,
    PlanActionFactory,
)

from .agenda_world import case_at_mdt

pytestmark = pytest.mark.django_db


@pytest.fixture
def meetings(west_practice, east_practice, chair, other_chair, volunteer, other_volunteer):
    """West: a published meeting Vera attends for one of three items, a draft with her item,
    a held one without her. East: a published meeting Jory attends."""
    made = []
    for practice, by, attendee, state in (
        (west_practice, chair, volunteer, MeetingState.PUBLISHED),
        (west_practice, chair, volunteer, MeetingState.DRAFT),
        (west_practice, chair, None, MeetingState.HELD),
        (east_practice, other_chair, other_volunteer, MeetingState.PUBLISHED),
    ):
        meeting = MdtMeetingFactory(practice=practice, chair=by)
        for i in range(3):
            case = case_at_mdt(
                practice, volunteer=attendee.volunteer if attendee and i == 0 else None
            )
            item, failures = services.item_add(
                meeting=meeting,
                escalation=case,
                by=by,
                reason=f"Reason {i}",
                volunteer_attends=i == 0,
            )
            assert failures == []
            for _ in range(i):
                PlanActionFactory(item=item)
        MeetingMemberFactory(meeting=meeting)
        meeting.state = state
        meeting.save(update_fields=["state"])
        made.append(meeting)
    return made


def test_each_role_opens_the_meetings_meetings_for_gives_it_and_sees_what_audience_says(
    users, meetings
):
    inactive = users["other_practitioner"]
    inactive.is_active = False
    for user in [*users.values(), AnonymousUser()]:
        for meeting in meetings:
            scoped = selectors.meetings_for(user).filter(pk=meeting.pk).first()
            found = selectors.meeting_page_for(user, meeting.pk)
            if scoped is None or selectors.audience(user, scoped) is None:
                assert found is None, (user, meeting)
                continue
            got, who = found
            assert got.pk == meeting.pk and who == selectors.audience(user, scoped)
            assert selectors.may_edit_found(user, who) == selectors.can_edit(user, scoped)
            assert got.practice.name == meeting.practice.name and got.chair == meeting.chair


def test_the_agenda_is_agenda_items_and_the_members_the_meetings_members(
    users, meetings, django_assert_num_queries
):
    for user in users.values():
        for meeting in meetings:
            found = selectors.meeting_page_for(user, meeting.pk)
            if found is None:
                continue
            got, who = found
            expected = list(selectors.agenda_items(meeting, user, who))
            with django_assert_num_queries(1):
                items = selectors.agenda(got, user, who)
                rows = [
                    (i.pk, i.position, i.n_actions, i.client.last_name, i.meeting.pk) for i in items
                ]
                names = [i.volunteer.user.username for i in items if i.volunteer_id]
            assert rows == [
                (i.pk, i.position, i.n_actions, i.client.last_name, i.meeting_id) for i in expected
            ]
            assert names == [i.volunteer.user.username for i in expected if i.volunteer_id]
            assert [m.pk for m in selectors.members_of(got)] == [
                m.pk for m in meeting.members.all()
            ]
    assert {i.n_actions for i in selectors.agenda(meetings[0], users["mdt_chair"], "member")} == {
        0,
        1,
        2,
    }


@pytest.mark.parametrize("pk", [0, 2**63, 10**30])
def test_an_id_no_meeting_can_have_is_not_found(chair, pk):
    assert selectors.meeting_page_for(chair, pk) is None


def test_an_id_out_of_range_is_a_404_not_a_server_error(client_for, chair):
    response = client_for(chair).get("/mdt/99999999999999999999999/")
    assert response.status_code == 404


def test_the_agenda_page_sends_as_many_statements_for_nine_items_as_for_three(
    client_for, chair, west_practice, django_assert_max_num_queries
):
    sizes = []
    for n in (3, 9):
        meeting = MdtMeetingFactory(practice=west_practice, chair=chair)
        for i in range(n):
            AgendaItemFactory(meeting=meeting, position=i + 1)
        web = client_for(chair)
        url = reverse("mdt:meeting_detail", args=[meeting.pk])
        web.get(url)
        with django_assert_max_num_queries(15) as queries:
            assert web.get(url).status_code == 200
        sizes.append(len(queries))
    assert sizes[0] == sizes[1]
