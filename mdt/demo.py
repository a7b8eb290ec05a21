"""Demo MDTs (part of ``manage.py seed_demo``; running it again changes nothing).

Penwith Surgery, the demo chair's practice, gets standing members, a past meeting that was
held (plans, actions, and a case closed with an outcome the volunteer was told) and a coming
published meeting with three cases: the demo volunteer attends for one (her client consents,
her agreement is current, she wants to attend); the other two are discussed without a
volunteer, one of them because the client has not consented. Cases are put forward through
``escalations.services`` and the agendas built through ``mdt.services``, so every history
reads as it would in use.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from escalations import services as esc
from escalations.enums import EscalationState, Urgency
from escalations.enums import ObservationKind as K
from escalations.models import Escalation, EscalationEvent, Observation, Outcome
from livingwell.models import Notification, Practice, User
from volunteers.enums import MdtWish
from volunteers.models import ConfidentialityAgreement, Volunteer
from volunteers.selectors import volunteer_agreement_is_current
from volunteers.services import agreement_sign, volunteer_update

from . import services
from .enums import MemberRole
from .models import AgendaItem, Meeting, PlanAction, StandingMember

PRACTICE = "L82001"  # Penwith Surgery: the demo chair's, and its protocol allows volunteers
NAMESPACE = uuid.UUID("0d7f6b1e-3c2a-4f8e-9b57-6a4c1e2d9f30")

# (name, role, username of their account or None, email)
STANDING = [
    ("Dr Pat Jago", MemberRole.GP, "practitioner", ""),
    ("Jo Pascoe", MemberRole.DISTRICT_NURSE, None, "penwith.dn@nhs.example"),
    ("Lowenna Hicks", MemberRole.COMMUNITY_MATRON, None, "l.hicks@nhs.example"),
    ("Colin Tregear", MemberRole.LIVING_WELL_COORDINATOR, "coordinator", ""),
    ("Gwen Rowe", MemberRole.SOCIAL_WORKER, None, "g.rowe@cornwall.example"),
    ("Raj Patel", MemberRole.COMMUNITY_PHARMACIST, None, ""),
]

# key, client (first, last), raised by, kind, urgency, noticed, wants, why put forward
CASES = [
    (
        "elowen-falls",
        ("Elowen", "Trewin"),
        "volunteer",
        K.FALL,
        Urgency.WORRIED,
        "She has fallen twice this month, both times at night on the way to the bathroom.",
        "To stay in her own home",
        "Repeated falls at night; needs a joined-up plan.",
    ),
    (
        "hedra-isolated",
        ("Hedra", "Polglase"),
        "volunteer2",
        K.LONELINESS,
        Urgency.KEEP_AN_EYE,
        "The farm track was flooded and nobody had been for nine days.",
        "Someone to check on her when the track floods",
        "Isolated farm; no one checks on her in bad weather.",
    ),
    (
        "morwenna-memory",
        ("Morwenna", "Pender"),
        "volunteer",
        K.MEMORY,
        Urgency.WORRIED,
        "She asked me twice who I was, and the oven had been left on.",
        "To stay at home with her cat",
        "Memory getting worse; family far away.",
    ),
]
# The case the escalations demo puts forward (Jowan's daughter, under strain): the coming
# meeting's item with the volunteer attending. Made here if that demo did not.
CARER_CASE = (
    "jowan-carer",
    ("Jowan", "Angove"),
    "volunteer",
    K.CARER_STRAIN,
    Urgency.WORRIED,
    "His daughter does everything and said she is at the end of her tether.",
    "Help for his daughter",
    "Carer under strain; needs the practice team's plan.",
)


def seed(stdout) -> None:
    practice = Practice.objects.filter(ods_code=PRACTICE).first()
    chair = User.objects.filter(username="chair").first()
    coordinator = User.objects.filter(username="coordinator").first()
    vera = Volunteer.objects.filter(user__username="volunteer").select_related("user").first()
    if not (practice and chair and coordinator and vera):
        stdout.write("mdt: the organisation or volunteers demo is missing; skipped")
        return
    _chair_and_volunteer_ready(practice, chair, coordinator, vera)
    _standing_members(practice, chair)
    if Meeting.objects.filter(practice=practice).exists():
        stdout.write("MDT: demo meetings already there.")
        return
    started = timezone.now()
    cases = {row[0]: _case(row, coordinator) for row in CASES}
    carer = _carer_case(coordinator)
    if None in cases.values() or carer is None:
        stdout.write("mdt: the clients demo is missing; skipped the meetings")
        return
    past = _past_meeting(practice, chair, coordinator, cases, started)
    coming = _coming_meeting(practice, chair, cases, carer)
    stdout.write(
        f"MDT: {StandingMember.objects.filter(practice=practice).count()} standing members; "
        f"held {past}, coming {coming} ({coming.items.count()} cases)."
    )


def _chair_and_volunteer_ready(practice, chair, coordinator, vera) -> None:
    """The demo chair sits on the practice; the demo volunteer wants to attend MDTs and has
    signed the agreement in force."""
    if not chair.practices.filter(pk=practice.pk).exists():
        chair.practices.add(practice)
    if vera.mdt_wish != MdtWish.YES:
        volunteer_update(volunteer=vera, by=coordinator, fields={"mdt_wish": MdtWish.YES})
    current = ConfidentialityAgreement.objects.current()
    if current is not None and not volunteer_agreement_is_current(vera):
        agreement_sign(
            volunteer=vera, agreement=current, signed_on=timezone.localdate(), by=coordinator
        )


def _standing_members(practice, chair) -> None:
    for name, role, username, email in STANDING:
        if StandingMember.objects.filter(practice=practice, name=name).exists():
            continue
        user = User.objects.filter(username=username).first() if username else None
        if user is not None and StandingMember.objects.filter(practice=practice, user=user):
            continue
        services.standing_member_add(
            practice=practice, by=chair, name=name, member_role=role, user=user, email=email
        )


def _case(row, coordinator) -> Escalation | None:
    """An escalation put forward to the MDT, from an observation by the client's volunteer."""
    key, (first, last), username, kind, urgency, noticed, wants, why = row
    submission_key = uuid.uuid5(NAMESPACE, key)
    existing = Observation.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return Escalation.objects.get(observation=existing)
    client = Client.objects.filter(first_name=first, last_name=last).first()
    volunteer = Volunteer.objects.filter(user__username=username).select_related("user").first()
    if client is None or volunteer is None:
        return None
    observation, _ = esc.observation_create(
        client=client,
        volunteer=volunteer,
        logged_by=volunteer.user,
        kind=kind,
        urgency=urgency,
        noticed=noticed,
        client_wants=wants,
        submission_key=submission_key,
    )
    escalation = Escalation.objects.get(observation=observation)
    esc.escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    esc.escalation_put_to_mdt(
        escalation=escalation, by=coordinator, expected_version=escalation.version, reason=why
    )
    # Reported weeks ago and put forward before the held meeting.
    from escalations.demo import _age

    _age(Escalation.objects.get(pk=escalation.pk), dt.timedelta(days=60))
    return Escalation.objects.get(pk=escalation.pk)


def _carer_case(coordinator) -> Escalation | None:
    first, last = CARER_CASE[1]
    found = (
        Escalation.objects.filter(
            state=EscalationState.AT_MDT,
            observation__client__first_name=first,
            observation__client__last_name=last,
            observation__volunteer__user__username="volunteer",
        )
        .order_by("pk")
        .first()
    )
    return found or _case(CARER_CASE, coordinator)


def _at(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _past_meeting(practice, chair, coordinator, cases, started) -> Meeting:
    """Held a fortnight ago: Vera attended for Elowen, whose case was closed with an outcome;
    Hedra's was planned and comes back to the next meeting."""
    starts = _at(-14, 13)
    meeting = services.meeting_create(
        practice=practice,
        chair=chair,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        by=chair,
        place="Penwith Surgery, meeting room 1",
    )
    elowen, _ = services.item_add(
        meeting=meeting,
        escalation=cases["elowen-falls"],
        by=chair,
        reason="Two falls at night this month.",
        volunteer_attends=True,
    )
    hedra, _ = services.item_add(
        meeting=meeting,
        escalation=cases["hedra-isolated"],
        by=coordinator,
        reason="Cut off when the farm track floods.",
    )
    services.meeting_publish(meeting=meeting, by=chair)
    services.meeting_mark_held(meeting=meeting, by=chair)
    pat = User.objects.filter(username="practitioner").first()
    elowen = AgendaItem.objects.get(pk=elowen.pk)
    services.plan_save(
        item=elowen,
        by=chair,
        care_plan="Falls clinic assessment; night light and a commode by the bed; "
        "medication review for the tablets that make her dizzy.",
        decisions="Refer to the falls clinic. Pharmacist to review her medication.",
        key_worker_name="Jo Pascoe",
    )
    review = services.action_add(
        item=elowen,
        by=chair,
        description="Medication review",
        due_on=starts.date() + dt.timedelta(days=7),
        owner=pat,
        owner_name="" if pat else "Dr Pat Jago",
    )
    services.action_add(
        item=elowen,
        by=chair,
        description="Falls clinic referral and a night light",
        due_on=starts.date() + dt.timedelta(days=10),
        owner_name="Jo Pascoe",
    )
    services.action_mark_done(action=review, by=pat or chair)
    services.item_close_escalation(
        item=AgendaItem.objects.select_related("escalation", "meeting").get(pk=elowen.pk),
        by=chair,
        summary="Falls clinic booked, night light fitted, medication changed.",
        message_for_volunteer=(
            "Thank you for telling us about Elowen's falls. The care team has made a plan with "
            "her: a falls clinic, a night light and a change to her tablets."
        ),
        went_well=True,
    )
    hedra = AgendaItem.objects.get(pk=hedra.pk)
    services.plan_save(
        item=hedra,
        by=chair,
        care_plan="Neighbour to phone when the track floods; social worker to visit.",
        decisions="Social worker to assess; back at the next meeting.",
        key_worker_name="Gwen Rowe",
    )
    services.action_add(
        item=hedra,
        by=coordinator,
        description="Ask the neighbour at the farm gate to phone in bad weather",
        due_on=starts.date() + dt.timedelta(days=21),
        owner=coordinator,
    )
    _backdate(meeting, since=started, to=starts)
    return meeting


def _backdate(meeting: Meeting, *, since: dt.datetime, to: dt.datetime) -> None:
    """Move what the seeding did for ``meeting`` (from ``since``) to the day it was held."""
    held = to + dt.timedelta(hours=2)
    Meeting.objects.filter(pk=meeting.pk).update(
        created_at=to - dt.timedelta(days=10), published_at=to - dt.timedelta(days=7), held_at=held
    )
    items = AgendaItem.objects.filter(meeting=meeting)
    items.update(added_at=to - dt.timedelta(days=10))
    items.filter(plan_updated_at__isnull=False).update(plan_updated_at=held)
    PlanAction.objects.filter(item__meeting=meeting).update(created_at=held)
    PlanAction.objects.filter(item__meeting=meeting, done_at__isnull=False).update(
        done_at=held + dt.timedelta(days=3)
    )
    escalations = Escalation.objects.filter(mdt_items__meeting=meeting)
    for i, event in enumerate(
        EscalationEvent.objects.filter(escalation__in=escalations, at__gte=since).order_by("pk")
    ):
        event.at = held + dt.timedelta(minutes=i)
        event.save(update_fields=["at"])
    closed = escalations.filter(state=EscalationState.CLOSED)
    closed.update(closed_at=held)
    Outcome.objects.filter(escalation__in=closed).update(recorded_at=held)
    # What was sent about a meeting long past (this is the first the seeding made) is read.
    sent = Notification.objects.filter(read_at__isnull=True, created_at__gte=since)
    sent.filter(url__startswith=reverse("mdt:meetings")).update(read_at=held)
    sent.filter(key__startswith="outcome-").update(read_at=held)


def _coming_meeting(practice, chair, cases, carer) -> Meeting:
    """Next week: Vera attends for Jowan; Morwenna's is discussed without her (no consent);
    Hedra's comes back."""
    starts = _at(7, 13)
    meeting = services.meeting_create(
        practice=practice,
        chair=chair,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        by=chair,
        place="Penwith Surgery, meeting room 1",
        call_link="https://meet.example/penwith-mdt",
        notes="Volunteers' items first; they leave before the other cases.",
    )
    services.item_add(
        meeting=meeting,
        escalation=carer,
        by=chair,
        reason="His daughter is his only carer and is exhausted.",
        volunteer_attends=True,
    )
    services.item_add(
        meeting=meeting,
        escalation=cases["morwenna-memory"],
        by=chair,
        reason="Memory getting worse; lives alone.",
        volunteer_attends=True,  # refused: she has not consented; the reason is kept
    )
    services.item_add(
        meeting=meeting,
        escalation=cases["hedra-isolated"],
        by=chair,
        reason="Back from the last meeting: the social worker's assessment.",
    )
    services.meeting_publish(meeting=meeting, by=chair)
    return Meeting.objects.get(pk=meeting.pk)
