"""Every change to MDT meetings, agendas and plans. Keyword-only; refusals raise ``MdtError``
with a message for the user."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from escalations.enums import URGENCY_RANK, EscalationState
from escalations.models import Escalation
from escalations.services import escalation_add_history, escalation_close
from livingwell.audit import audit
from livingwell.enums import AgendaOrder, AuditAction
from livingwell.services import notify

from .eligibility import Failure, attendance_failures_for, describe, item_attendance_failures
from .enums import MeetingState
from .models import AgendaItem, Meeting, MeetingMember, PlanAction, StandingMember

# Time given to each item with a volunteer attending, to work out when volunteers leave.
MINUTES_PER_VOLUNTEER_ITEM = 10


class MdtError(Exception):
    """A change refused; ``str(error)`` is for the user."""


def _local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%-d %B %Y at %H:%M}"


def _check_editable(meeting: Meeting) -> None:
    if meeting.state == MeetingState.HELD:
        raise MdtError("This meeting has been held; its agenda can no longer change.")


@transaction.atomic
def meeting_create(
    *,
    practice,
    chair,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    by,
    place: str = "",
    call_link: str = "",
    volunteers_leave_at: dt.datetime | None = None,
    notes: str = "",
) -> Meeting:
    """A draft meeting with the practice's standing members."""
    _check_times(starts_at, ends_at, volunteers_leave_at)
    meeting = Meeting.objects.create(
        practice=practice,
        chair=chair,
        starts_at=starts_at,
        ends_at=ends_at,
        volunteers_leave_at=volunteers_leave_at,
        place=place,
        call_link=call_link,
        notes=notes,
        created_by=by,
    )
    MeetingMember.objects.bulk_create(
        MeetingMember(
            meeting=meeting,
            user_id=s.user_id,
            name=s.name,
            member_role=s.member_role,
            email=s.email,
        )
        for s in StandingMember.objects.filter(practice=practice)
    )
    audit(actor=by, action=AuditAction.CREATE, obj=meeting, summary=str(meeting))
    return meeting


def _check_times(starts_at, ends_at, volunteers_leave_at) -> None:
    if ends_at <= starts_at:
        raise MdtError("The meeting must end after it starts.")
    if volunteers_leave_at and not (starts_at <= volunteers_leave_at <= ends_at):
        raise MdtError("Volunteers must leave during the meeting, between its start and end.")


# What ``meeting_update`` may change: never the practice, the state or the record of it.
UPDATABLE_FIELDS = frozenset(
    {"chair", "starts_at", "ends_at", "volunteers_leave_at", "place", "call_link", "notes"}
)


@transaction.atomic
def meeting_update(*, meeting: Meeting, by, **fields) -> Meeting:
    """Change a meeting's time, place, chair or notes (not once it is held)."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"not changeable through meeting_update: {sorted(unknown)}")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_editable(meeting)
    for name, value in fields.items():
        setattr(meeting, name, value)
    _check_times(meeting.starts_at, meeting.ends_at, meeting.volunteers_leave_at)
    meeting.save()
    audit(actor=by, action=AuditAction.UPDATE, obj=meeting, summary="meeting details changed")
    if meeting.state == MeetingState.PUBLISHED:
        _tell_attendees(meeting, changed=True)
    return meeting


def member_add(*, meeting: Meeting, by, name: str, member_role: str, user=None, email=""):
    _check_editable(meeting)
    if user is not None and meeting.members.filter(user=user).exists():
        raise MdtError(f"{user} is already a member of this meeting.")
    member = MeetingMember.objects.create(
        meeting=meeting,
        user=user,
        name=name or (str(user) if user else ""),
        member_role=member_role,
        email=email or (user.email if user else ""),
    )
    audit(actor=by, action=AuditAction.UPDATE, obj=meeting, summary=f"member added: {member}")
    return member


def member_remove(*, member: MeetingMember, by) -> None:
    _check_editable(member.meeting)
    audit(
        actor=by, action=AuditAction.UPDATE, obj=member.meeting, summary=f"member removed: {member}"
    )
    member.delete()


def standing_member_add(*, practice, by, name: str, member_role: str, user=None, email=""):
    if user is not None and StandingMember.objects.filter(practice=practice, user=user).exists():
        raise MdtError(f"{user} is already a standing member of {practice}.")
    member = StandingMember.objects.create(
        practice=practice,
        user=user,
        name=name or (str(user) if user else ""),
        member_role=member_role,
        email=email or (user.email if user else ""),
    )
    audit(actor=by, action=AuditAction.CREATE, obj=member, summary=str(member))
    return member


def standing_member_remove(*, member: StandingMember, by) -> None:
    audit(actor=by, action=AuditAction.DELETE, obj=member, summary=str(member))
    member.delete()


# ---- the agenda ----------------------------------------------------------------------------


def _renumber(meeting: Meeting) -> None:
    """Items with a volunteer attending first (their own part), then the rest; within each
    part in the order they were added, or most urgent first where the practice asks for it."""
    items = list(meeting.items.select_related("escalation").order_by("added_at", "id"))

    def key(item):
        part = 0 if item.volunteer_id else 1
        urgency = (
            URGENCY_RANK.get(item.escalation.urgency, 9)
            if meeting.practice.agenda_order == AgendaOrder.BY_URGENCY
            else 0
        )
        return (part, urgency)

    items.sort(key=key)  # stable: the added order within a part
    changed = []
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            changed.append(item)
    AgendaItem.objects.bulk_update(changed, ["position"])


@transaction.atomic
def item_add(
    *,
    meeting: Meeting,
    escalation: Escalation,
    by,
    reason: str = "",
    volunteer_attends: bool = False,
) -> tuple[AgendaItem, list[Failure]]:
    """Put a case forward from an escalation onto the agenda. With ``volunteer_attends``, its
    volunteer attends only if every condition holds; otherwise the item is added without
    them and the failing conditions are returned (and kept on the item for the chair)."""
    meeting = Meeting.objects.select_for_update().select_related("practice").get(pk=meeting.pk)
    _check_editable(meeting)
    escalation = (
        Escalation.objects.select_related("observation__client", "observation__volunteer")
        .select_for_update(of=("self",))
        .get(pk=escalation.pk)
    )
    client = escalation.observation.client
    if escalation.state != EscalationState.AT_MDT:
        raise MdtError("Only a case put forward to an MDT can go on an agenda.")
    if client.practice_id != meeting.practice_id:
        raise MdtError("This client is registered with another practice.")
    if (
        AgendaItem.objects.filter(escalation=escalation)
        .exclude(meeting__state=MeetingState.HELD)
        .exists()
    ):
        raise MdtError("This case is already on the agenda of a coming meeting.")
    item = AgendaItem(
        meeting=meeting, escalation=escalation, client=client, reason=reason, added_by=by
    )
    item.meeting = meeting
    failures: list[Failure] = []
    if volunteer_attends:
        failures = item_attendance_failures(item)
        if failures:
            item.volunteer_note = describe(failures)[:300]
        else:
            item.volunteer = escalation.observation.volunteer
    item.save()
    _renumber(meeting)
    escalation_add_history(
        escalation=escalation,
        by=by,
        summary=f"Added to the agenda of the {meeting}.",
        volunteer_summary="It is on the agenda of the practice's care meeting (MDT).",
        data={"meeting_id": meeting.pk},
    )
    audit(
        actor=by,
        action=AuditAction.UPDATE,
        obj=meeting,
        client_id=client.pk,
        summary="agenda item added",
    )
    if item.volunteer_id and meeting.state == MeetingState.PUBLISHED:
        _tell_volunteer(item)
    return item, failures


@transaction.atomic
def item_set_volunteer(*, item: AgendaItem, by, attends: bool) -> list[Failure]:
    """Ask for (or stop) the item's volunteer attending. Returns the failing conditions; when
    there are any, nothing changes but the note."""
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("meeting__practice", "escalation__observation__volunteer", "client")
        .get(pk=item.pk)
    )
    _check_editable(item.meeting)
    if not attends:
        if item.volunteer_id:
            _drop_volunteer(item, note="Taken off by the chair.", by=by, tell_chair=False)
        return []
    failures = item_attendance_failures(item)
    if failures:
        item.volunteer_note = describe(failures)[:300]
        item.save(update_fields=["volunteer_note"])
        return failures
    item.volunteer = item.escalation.observation.volunteer
    item.volunteer_note = ""
    item.save(update_fields=["volunteer", "volunteer_note"])
    _renumber(item.meeting)
    audit(
        actor=by,
        action=AuditAction.UPDATE,
        obj=item.meeting,
        client_id=item.client_id,
        summary="volunteer attending an item",
    )
    if item.meeting.state == MeetingState.PUBLISHED:
        _tell_volunteer(item)
    return []


@transaction.atomic
def item_remove(*, item: AgendaItem, by) -> None:
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    _check_editable(meeting)
    if item.volunteer_id and meeting.state == MeetingState.PUBLISHED:
        _drop_volunteer(item, note="", by=by, tell_chair=False)
    escalation_add_history(
        escalation=item.escalation,
        by=by,
        summary=f"Taken off the agenda of the {meeting}.",
        volunteer_summary="",
        data={"meeting_id": meeting.pk},
    )
    audit(
        actor=by,
        action=AuditAction.UPDATE,
        obj=meeting,
        client_id=item.client_id,
        summary="agenda item removed",
    )
    item.delete()
    _renumber(meeting)


def _drop_volunteer(item: AgendaItem, *, note: str, by, tell_chair: bool) -> None:
    """Take the volunteer off one item (the row is locked by the caller)."""
    volunteer = item.volunteer
    meeting = item.meeting
    item.volunteer = None
    item.volunteer_note = note[:300]
    item.save(update_fields=["volunteer", "volunteer_note"])
    _renumber(meeting)
    url = reverse("mdt:meeting_detail", args=[meeting.pk])
    stamp = f"{timezone.now():%Y%m%d%H%M%S%f}"  # each drop is its own event
    if tell_chair:
        notify(
            user=meeting.chair,
            subject=f"A volunteer can no longer attend the {meeting}",
            body=f"Item {item.position}: {note}",
            url=url,
            key=f"mdt-dropped-chair-{item.pk}-{stamp}",
        )
    if meeting.state == MeetingState.PUBLISHED and volunteer is not None:
        notify(
            user=volunteer.user,
            subject=f"You are no longer expected at the MDT on {_local(meeting.starts_at)}",
            body="The coordinator will explain if you would like to know more.",
            url=reverse("mdt:meetings"),
            key=f"mdt-dropped-volunteer-{item.pk}-{stamp}",
        )
    audit(
        actor=by,
        action=AuditAction.UPDATE,
        obj=meeting,
        client_id=item.client_id,
        summary="volunteer taken off an item",
    )


def _live_items(**filters):
    """Items with a volunteer attending on meetings not yet held nor over, locked. A meeting
    that has ended keeps who attended, even before the chair marks it held."""
    return (
        AgendaItem.objects.select_for_update(of=("self",))
        .filter(volunteer__isnull=False, meeting__ends_at__gte=timezone.now(), **filters)
        .exclude(meeting__state=MeetingState.HELD)
        .select_related("meeting__chair", "meeting__practice", "volunteer__user")
    )


@transaction.atomic
def items_drop_for_client(*, client, reason: str, by=None) -> int:
    """The client no longer consents: their volunteer leaves every coming agenda at once,
    and each meeting's chair is told."""
    items = list(_live_items(client=client))
    for item in items:
        _drop_volunteer(item, note=reason, by=by, tell_chair=True)
    return len(items)


@transaction.atomic
def items_drop_for_volunteer(*, volunteer, reason: str, by=None) -> int:
    """The volunteer may no longer attend (their agreement lapsed, or they stopped wishing to):
    they leave every coming agenda at once, and each meeting's chair is told."""
    items = list(_live_items(volunteer=volunteer))
    for item in items:
        _drop_volunteer(item, note=reason, by=by, tell_chair=True)
    return len(items)


@transaction.atomic
def items_drop_for_practice(*, practice, reason: str, by=None) -> int:
    """The practice's protocol no longer allows volunteers: every volunteer leaves the coming
    agendas of its MDTs at once, and each meeting's chair is told."""
    items = list(_live_items(meeting__practice=practice))
    for item in items:
        _drop_volunteer(item, note=reason, by=by, tell_chair=True)
    return len(items)


@transaction.atomic
def meeting_publish(*, meeting: Meeting, by) -> list[AgendaItem]:
    """Publish the agenda: every volunteer is checked again and dropped where a condition
    fails (returned, with the reason on the item); the rest and the members are told."""
    meeting = Meeting.objects.select_for_update().select_related("practice").get(pk=meeting.pk)
    if meeting.state != MeetingState.DRAFT:
        raise MdtError("Only a draft agenda can be published.")
    if not meeting.items.exists():
        raise MdtError("Add at least one case to the agenda before publishing it.")
    dropped = []
    attending_items = list(
        meeting.items.filter(volunteer__isnull=False).select_related("client", "volunteer__user")
    )
    answers = attendance_failures_for(
        practice=meeting.practice, cases=[(i.volunteer, i.client) for i in attending_items]
    )
    for item, failures in zip(attending_items, answers, strict=True):
        item.meeting = meeting
        if failures:
            _drop_volunteer(item, note=describe(failures), by=by, tell_chair=False)
            dropped.append(item)
    _renumber(meeting)
    attending = meeting.items.filter(volunteer__isnull=False).count()
    if attending and meeting.volunteers_leave_at is None:
        meeting.volunteers_leave_at = min(
            meeting.starts_at + dt.timedelta(minutes=MINUTES_PER_VOLUNTEER_ITEM * attending),
            meeting.ends_at,
        )
    meeting.state = MeetingState.PUBLISHED
    meeting.published_at = timezone.now()
    meeting.save(update_fields=["state", "published_at", "volunteers_leave_at"])
    audit(actor=by, action=AuditAction.UPDATE, obj=meeting, summary="agenda published")
    _tell_attendees(meeting, changed=False)
    return dropped


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting, by) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.state != MeetingState.PUBLISHED:
        raise MdtError("Only a published meeting can be marked as held.")
    if meeting.starts_at > timezone.now():
        raise MdtError("This meeting has not started yet.")
    meeting.state = MeetingState.HELD
    meeting.held_at = timezone.now()
    meeting.save(update_fields=["state", "held_at"])
    audit(actor=by, action=AuditAction.UPDATE, obj=meeting, summary="meeting held")
    return meeting


def _tell_volunteer(item: AgendaItem) -> None:
    meeting = item.meeting
    notify(
        user=item.volunteer.user,
        subject=f"You are invited to the MDT on {_local(meeting.starts_at)}",
        body=(
            "You can attend for your client. The agenda shows only your own item. "
            "Please keep everything you hear there confidential."
        ),
        url=reverse("mdt:meeting_detail", args=[meeting.pk]),
        key=f"mdt-invite-{item.pk}-{item.volunteer_id}-{meeting.starts_at:%Y%m%d%H%M}",
    )


def _tell_attendees(meeting: Meeting, *, changed: bool) -> None:
    url = reverse("mdt:meeting_detail", args=[meeting.pk])
    stamp = f"{meeting.starts_at:%Y%m%d%H%M}-{meeting.place}"[:60]
    what = "changed" if changed else "published"
    for member in meeting.members.filter(user__isnull=False).select_related("user"):
        notify(
            user=member.user,
            subject=f"The agenda of the {meeting} is {what}",
            url=url,
            key=f"mdt-{what}-{meeting.pk}-{member.user_id}-{stamp}",
        )
    for item in meeting.items.filter(volunteer__isnull=False).select_related("volunteer__user"):
        item.meeting = meeting
        _tell_volunteer(item)


# ---- at the meeting ------------------------------------------------------------------------


@transaction.atomic
def plan_save(
    *,
    item: AgendaItem,
    by,
    care_plan: str,
    decisions: str,
    key_worker=None,
    key_worker_name: str = "",
) -> AgendaItem:
    """Record the item's anticipatory care and action plan; the decision goes into the
    escalation's history."""
    if key_worker is None and not key_worker_name.strip():
        raise MdtError("Name a key worker.")
    item.key_worker = key_worker
    item.key_worker_name = "" if key_worker else key_worker_name.strip()
    item.care_plan = care_plan
    item.decisions = decisions
    item.plan_updated_at = timezone.now()
    item.plan_updated_by = by
    item.save()
    escalation_add_history(
        escalation=item.escalation,
        by=by,
        summary=(
            f"MDT plan ({item.meeting}). Key worker: {item.key_worker_display}. "
            f"Decisions: {decisions or '-'}"
        ),
        volunteer_summary="The care meeting (MDT) agreed a plan and who will lead it.",
        data={"meeting_id": item.meeting_id, "item_id": item.pk},
    )
    audit(
        actor=by,
        action=AuditAction.UPDATE,
        obj=item.meeting,
        client_id=item.client_id,
        summary="care plan recorded",
    )
    return item


@transaction.atomic
def action_add(
    *, item: AgendaItem, by, description: str, due_on: dt.date, owner=None, owner_name: str = ""
) -> PlanAction:
    if owner is None and not owner_name.strip():
        raise MdtError("Name who owns the action.")
    if not description.strip():
        raise MdtError("Say what the action is.")
    action = PlanAction.objects.create(
        item=item,
        description=description.strip(),
        owner=owner,
        owner_name="" if owner else owner_name.strip(),
        due_on=due_on,
        created_by=by,
    )
    escalation_add_history(
        escalation=item.escalation,
        by=by,
        summary=f"MDT action for {action.owner_display}, due {due_on:%-d %b %Y}: {description}",
        volunteer_summary="",
        data={"meeting_id": item.meeting_id, "action_id": action.pk},
    )
    if owner is not None:
        notify(
            user=owner,
            subject=f"An MDT action for you, due {due_on:%-d %B %Y}",
            body=description,
            url=reverse("mdt:item_detail", args=[item.pk]),
            key=f"mdt-action-{action.pk}",
        )
    return action


@transaction.atomic
def action_mark_done(*, action: PlanAction, by) -> PlanAction:
    if action.done_at is None:
        action.done_at = timezone.now()
        action.save(update_fields=["done_at"])
        escalation_add_history(
            escalation=action.item.escalation,
            by=by,
            summary=f"MDT action done: {action.description}",
            volunteer_summary="",
            data={"action_id": action.pk},
        )
    return action


@transaction.atomic
def item_close_escalation(
    *, item: AgendaItem, by, summary: str, message_for_volunteer: str, went_well: bool, request=None
):
    """Close the item's escalation with an outcome from the meeting (the volunteer is told)."""
    escalation = item.escalation
    return escalation_close(
        escalation=escalation,
        by=by,
        expected_version=escalation.version,
        summary=f"At the {item.meeting}: {summary}",
        message_for_volunteer=message_for_volunteer,
        went_well=went_well,
        request=request,
    )
