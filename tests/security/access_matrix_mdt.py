"""Rows of the access matrix for MDT meetings (merged into MATRIX).

The objects are made the first time a row asks for them, all in West's practice: a published
meeting a week from now, chaired by West's MDT chair, with West's volunteer attending for one
client's item and two members-only items, one with an action; a member, a standing member,
and a case put forward and not yet on an agenda. ``other_*`` users (East) are outsiders of
every row: the other practice's chair gets 404 everywhere.

Who sees what: members of the practice's MDT (its chair and practitioners, the locality's
coordinators, admins) the whole meeting; the attending volunteer the meeting (their own item
only) but never an item's page; chairs, coordinators and admins change things (practitioners
and the volunteer get 403 on the pages of a meeting they can see); team leaders sit on no MDT.
"""

from __future__ import annotations

import datetime as dt

from .access_matrix import row


def mdt(w):
    """West's MDT and what hangs off it (made once per world)."""
    if not hasattr(w, "mdt_meeting"):
        from django.utils import timezone

        from escalations.enums import EscalationState
        from mdt.enums import MeetingState, MemberRole
        from tests.factories import (
            AgendaItemFactory,
            ClientFactory,
            EscalationFactory,
            MdtMeetingFactory,
            MeetingMemberFactory,
            PlanActionFactory,
            StandingMemberFactory,
        )

        practice, chair = w.west_practice, w.users["mdt_chair"]
        volunteer = w.users["volunteer"].volunteer
        start = (timezone.now() + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
        meeting = MdtMeetingFactory(
            practice=practice,
            chair=chair,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            volunteers_leave_at=start + dt.timedelta(minutes=20),
            state=MeetingState.PUBLISHED,
            published_at=timezone.now(),
        )

        def case(**kwargs):
            return EscalationFactory(
                observation__client=ClientFactory(practice=practice),
                state=EscalationState.AT_MDT,
                put_to_mdt_at=timezone.now(),
                **kwargs,
            )

        w.mdt_meeting = meeting
        w.mdt_item_volunteer = AgendaItemFactory(
            meeting=meeting,
            escalation=case(observation__volunteer=volunteer),
            volunteer=volunteer,
            position=1,
        )
        w.mdt_item = AgendaItemFactory(meeting=meeting, escalation=case(), position=2)
        w.mdt_item_spare = AgendaItemFactory(meeting=meeting, escalation=case(), position=3)
        w.mdt_action = PlanActionFactory(item=w.mdt_item)
        w.mdt_member = MeetingMemberFactory(
            meeting=meeting, name="Dr Jago", member_role=MemberRole.GP
        )
        w.mdt_standing = StandingMemberFactory(practice=practice, name="Nurse Kitto")
        w.mdt_candidate = case()
    return w


def meeting_pk(w):
    return {"pk": mdt(w).mdt_meeting.pk}


def item_pk(w):
    return {"item_pk": mdt(w).mdt_item.pk}


# Who opens West's meeting; the rest (team leaders, East's users) get 404.
READ = dict(all=404, volunteer=200, coordinator=200, mdt_chair=200, practitioner=200, admin=200)
# Pages that change the meeting: the volunteer and practitioners see it but may not (403).
EDIT = dict(all=404, volunteer=403, coordinator=200, mdt_chair=200, practitioner=403, admin=200)
EDIT_POST = {**EDIT, "coordinator": 302, "mdt_chair": 302, "admin": 302}
# An item's pages are for members only: the attending volunteer too gets 404.
ITEM_READ = {**READ, "volunteer": 404}
ITEM_EDIT = {**EDIT, "volunteer": 404}
ITEM_POST = {**EDIT_POST, "volunteer": 404}

MDT_ROWS = {
    "mdt:meetings": row(all=200, team_leader=403, other_team_leader=403),
    "mdt:meeting_new": row(
        all=403,
        coordinator=200,
        mdt_chair=200,
        admin=200,
        other_coordinator=200,
        other_mdt_chair=200,
        form=True,
    ),
    "mdt:meeting_detail": row(kwargs=meeting_pk, **READ),
    "mdt:meeting_pdf": row(kwargs=meeting_pk, **READ),
    "mdt:meeting_ics": row(kwargs=meeting_pk, **READ),
    "mdt:meeting_edit": row(kwargs=meeting_pk, form=True, fuzz_as="mdt_chair", **EDIT),
    "mdt:meeting_members": row(kwargs=meeting_pk, form=True, fuzz_as="mdt_chair", **EDIT),
    "mdt:member_remove": row(
        kwargs=lambda w: {"pk": mdt(w).mdt_meeting.pk, "member_pk": w.mdt_member.pk},
        method="post",
        **EDIT_POST,
    ),
    "mdt:item_add": row(kwargs=meeting_pk, form=True, fuzz_as="mdt_chair", **EDIT),
    "mdt:meeting_publish": row(
        kwargs=meeting_pk, method="post", **EDIT_POST, notes="published already: a message"
    ),
    "mdt:meeting_held": row(
        kwargs=meeting_pk, method="post", **EDIT_POST, notes="not started yet: a message"
    ),
    "mdt:item_detail": row(kwargs=item_pk, **ITEM_READ),
    "mdt:item_volunteer": row(
        kwargs=item_pk, method="post", data=lambda w: {"attends": "yes"}, **ITEM_POST
    ),
    "mdt:item_remove": row(
        kwargs=lambda w: {"item_pk": mdt(w).mdt_item_spare.pk}, method="post", **ITEM_POST
    ),
    "mdt:item_plan": row(kwargs=item_pk, form=True, fuzz_as="mdt_chair", **ITEM_EDIT),
    "mdt:action_add": row(kwargs=item_pk, form=True, fuzz_as="mdt_chair", **ITEM_EDIT),
    "mdt:item_close": row(kwargs=item_pk, form=True, fuzz_as="mdt_chair", **ITEM_EDIT),
    "mdt:action_done": row(
        kwargs=lambda w: {"action_pk": mdt(w).mdt_action.pk},
        method="post",
        **{**ITEM_POST, "practitioner": 302},
        notes="practitioners mark actions done",
    ),
    "mdt:standing_members": row(
        kwargs=lambda w: {"practice_pk": w.west_practice.pk},
        form=True,
        fuzz_as="mdt_chair",
        **{**EDIT, "volunteer": 404},
    ),
    "mdt:standing_member_remove": row(
        kwargs=lambda w: {"member_pk": mdt(w).mdt_standing.pk},
        method="post",
        **{**EDIT_POST, "volunteer": 404},
    ),
}
