"""Demo data for observations and escalations (part of ``manage.py seed_demo``; idempotent).

The service directory for the three localities, routing rules with a fallback, urgency
policies, 'teamleader' on call now, and ten observations by the demo volunteers on the
clients demo's clients, in every state, some closed with outcomes, one with a published story.
Everything goes through the services, so the history reads as it would in use.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from clients.consent import client_consents_to
from clients.enums import ConsentScope
from clients.models import Client
from livingwell.models import Locality, User
from volunteers.models import Volunteer

from . import services
from .enums import ObservationKind as K
from .enums import ReferralChannel, TriageRole, Urgency
from .models import (
    Escalation,
    EscalationEvent,
    Observation,
    OnCallShift,
    Outcome,
    QuestionMessage,
    Referral,
    RoutingRule,
    Service,
    Story,
    UrgencyPolicy,
)

ALL = ("west-cornwall", "central-cornwall", "east-cornwall")

# name, medical, kinds, localities, who, phone, email, organisation, helps with, hours
SERVICES = [
    (
        "Living Well hub",
        False,
        [K.OTHER],
        ALL,
        "Duty coordinator",
        "01872 322000",
        "hub@livingwell.example",
        "Age UK Cornwall and the Isles of Scilly",
        "Anything that does not fit elsewhere: we find the right person.",
        "Mon-Fri 9:00-17:00",
    ),
    (
        "Penwith district nursing team",
        True,
        [K.HEALTH_CHANGE, K.FALL, K.MEDICATION, K.EATING],
        ("west-cornwall",),
        "Jo Pascoe",
        "01736 575555",
        "penwith.dn@nhs.example",
        "Cornwall Partnership NHS Foundation Trust",
        "Visits at home: wounds, medicines, falls, changes in health.",
        "Every day 8:00-20:00",
    ),
    (
        "Truro district nursing team",
        True,
        [K.HEALTH_CHANGE, K.FALL, K.MEDICATION, K.EATING],
        ("central-cornwall",),
        "Sam Nance",
        "01872 252000",
        "truro.dn@nhs.example",
        "Cornwall Partnership NHS Foundation Trust",
        "Visits at home: wounds, medicines, falls, changes in health.",
        "Every day 8:00-20:00",
    ),
    (
        "Liskeard district nursing team",
        True,
        [K.HEALTH_CHANGE, K.FALL, K.MEDICATION, K.EATING],
        ("east-cornwall",),
        "Kerensa Hicks",
        "01579 335000",
        "liskeard.dn@nhs.example",
        "Cornwall Partnership NHS Foundation Trust",
        "Visits at home: wounds, medicines, falls, changes in health.",
        "Every day 8:00-20:00",
    ),
    (
        "Community pharmacist, Penzance",
        True,
        [K.MEDICATION],
        ("west-cornwall",),
        "Raj Patel",
        "01736 363000",
        "",
        "Market Jew Street Pharmacy",
        "Medicine reviews, blister packs, delivery of prescriptions.",
        "Mon-Sat 9:00-18:00",
    ),
    (
        "Memory Matters café",
        False,
        [K.MEMORY, K.LONELINESS],
        ("west-cornwall", "central-cornwall"),
        "Ann Tonkin",
        "01736 111222",
        "",
        "Alzheimer's Society",
        "A friendly afternoon for people with memory problems and their carers.",
        "Wednesdays 14:00-16:00",
    ),
    (
        "Cornwall community transport",
        False,
        [K.TRANSPORT],
        ALL,
        "Bookings desk",
        "0300 1234 100",
        "bookings@transport.example",
        "Cornwall Community Transport Partnership",
        "Door-to-door lifts to appointments, shops and clubs.",
        "Mon-Fri 8:30-16:30",
    ),
    (
        "Citizens Advice Cornwall",
        False,
        [K.MONEY],
        ALL,
        "Adviceline",
        "0800 144 8848",
        "",
        "Citizens Advice",
        "Benefits, debts, bills, Attendance Allowance claims.",
        "Mon-Fri 9:00-17:00",
    ),
    (
        "Cornwall Carers Service",
        False,
        [K.CARER_STRAIN],
        ALL,
        "Carers' support line",
        "0800 587 8191",
        "",
        "Carers Trust",
        "Support and breaks for family carers; carers' assessments.",
        "Mon-Fri 9:00-17:00",
    ),
    (
        "Adult safeguarding, Cornwall Council",
        False,
        [K.SAFEGUARDING],
        ALL,
        "Access team",
        "0300 1234 131",
        "",
        "Cornwall Council",
        "Concerns about abuse or neglect of an adult. In danger now: 999.",
        "Every day, 24 hours",
    ),
    (
        "Home improvement agency",
        False,
        [K.HOME_ACCESS],
        ALL,
        "Duty officer",
        "0300 1234 141",
        "",
        "Cornwall Council",
        "Grab rails, ramps, repairs, heating; adaptations grants.",
        "Mon-Fri 9:00-17:00",
    ),
    (
        "Age UK befriending",
        False,
        [K.LONELINESS, K.MOOD],
        ALL,
        "Befriending coordinator",
        "01872 223388",
        "",
        "Age UK Cornwall and the Isles of Scilly",
        "Telephone and visiting befriending; lunch clubs.",
        "Mon-Fri 9:00-17:00",
    ),
]

# kind, locality slug, urgency, service name, triage role, priority
RULES = [
    (K.SAFEGUARDING, None, "", "Adult safeguarding, Cornwall Council", TriageRole.COORDINATOR, 10),
    (K.FALL, "west-cornwall", "", "Penwith district nursing team", TriageRole.COORDINATOR, 50),
    (K.FALL, "central-cornwall", "", "Truro district nursing team", TriageRole.COORDINATOR, 50),
    (K.FALL, "east-cornwall", "", "Liskeard district nursing team", TriageRole.COORDINATOR, 50),
    (
        K.MEDICATION,
        "west-cornwall",
        "",
        "Community pharmacist, Penzance",
        TriageRole.COORDINATOR,
        50,
    ),
    (K.TRANSPORT, None, "", "Cornwall community transport", TriageRole.COORDINATOR, 60),
    (K.MONEY, None, "", "Citizens Advice Cornwall", TriageRole.COORDINATOR, 60),
    (K.CARER_STRAIN, None, "", "Cornwall Carers Service", TriageRole.COORDINATOR, 60),
    (K.MEMORY, None, "", "Memory Matters café", TriageRole.COORDINATOR, 60),
    (K.LONELINESS, None, "", "Age UK befriending", TriageRole.COORDINATOR, 60),
    (K.HOME_ACCESS, None, "", "Home improvement agency", TriageRole.COORDINATOR, 60),
    # The fallback: any kind, any locality, any urgency.
    ("", None, "", "Living Well hub", TriageRole.COORDINATOR, 1000),
]

POLICIES = {
    Urgency.URGENT: dt.timedelta(hours=4),
    Urgency.WORRIED: dt.timedelta(days=2),
    Urgency.KEEP_AN_EYE: dt.timedelta(days=7),
}

# key, volunteer, client index among theirs, kind, urgency, noticed, wants, days ago, steps
OBSERVATIONS = [
    (
        "fall-garden",
        "volunteer",
        0,
        K.FALL,
        Urgency.URGENT,
        "She had fallen in the garden yesterday and could not get up for an hour. She has a "
        "bruise on her hip and is walking more slowly.",
        "Not to go into hospital",
        0.1,
        [],
    ),
    (
        "bus-stopped",
        "volunteer",
        1,
        K.TRANSPORT,
        Urgency.WORRIED,
        "The bus to the surgery stopped running. He has missed two appointments.",
        "A lift to the surgery",
        1,
        ["accept"],
    ),
    (
        "tablets-muddled",
        "volunteer",
        0,
        K.MEDICATION,
        Urgency.WORRIED,
        "Her tablets were in three different boxes and she was not sure which to take when.",
        "Someone to sort her tablets with her",
        3,
        ["accept", "refer"],
    ),
    (
        "forgetting-meals",
        "volunteer",
        2,
        K.MEMORY,
        Urgency.KEEP_AN_EYE,
        "She forgot she had a pan on and did not remember my last visit.",
        "To stay at home",
        5,
        ["accept", "ask"],
    ),
    (
        "daughter-exhausted",
        "volunteer",
        1,
        K.CARER_STRAIN,
        Urgency.WORRIED,
        "His daughter does everything and said she is at the end of her tether.",
        "Help for his daughter",
        9,
        ["mdt"],
    ),
    (
        "cold-house",
        "volunteer2",
        0,
        K.HOME_ACCESS,
        Urgency.KEEP_AN_EYE,
        "The heating has broken and she is using a fan heater in one room.",
        "Heating fixed before winter",
        4,
        [],
    ),
    (
        "lonely-since",
        "volunteer",
        2,
        K.LONELINESS,
        Urgency.KEEP_AN_EYE,
        "Since her friend moved away she sees nobody from one week to the next.",
        "Company, maybe a lunch club",
        30,
        ["accept", "refer", "close-well", "story"],
    ),
    (
        "bills-unopened",
        "volunteer",
        1,
        K.MONEY,
        Urgency.WORRIED,
        "A pile of unopened letters, some red. He is worried about money.",
        "Help with the letters",
        21,
        ["accept", "refer", "close-well"],
    ),
    (
        "not-eating",
        "volunteer2",
        0,
        K.EATING,
        Urgency.WORRIED,
        "The fridge was nearly empty and she said she was not hungry.",
        "",
        14,
        ["accept", "close-poorly"],
    ),
    (
        "steps-slippery",
        "volunteer.central",
        0,
        K.HOME_ACCESS,
        Urgency.WORRIED,
        "The steps to his front door are slippery and have no rail.",
        "A rail by the door",
        6,
        ["accept"],
    ),
]

OUTCOMES = {
    "close-well": (
        "Referred and taken up; the service confirmed the first contact.",
        "Thank you for telling us. She is now going to a weekly lunch club and enjoys it.",
        True,
    ),
    "close-poorly": (
        "Declined a dietitian visit and meals on wheels; GP aware; we will keep in touch.",
        "Thank you. She did not want the help we offered this time; her GP knows, and we "
        "will keep in touch. Do tell us if things change.",
        False,
    ),
}

STORY = (
    "From one week to the next, nobody",
    "A volunteer noticed that the lady she visits had seen nobody since a friend moved away. "
    "She told us, we put her in touch with a befriending service, and now she goes to a lunch "
    "club every Thursday. 'I have something to get dressed for,' she says.",
)


def seed(stdout) -> None:
    localities = {loc.slug: loc for loc in Locality.objects.filter(slug__in=ALL)}
    if len(localities) < len(ALL):
        stdout.write("escalations: the organisation demo is missing; skipped")
        return
    _directory(localities)
    _rules(localities)
    for urgency, within in POLICIES.items():
        UrgencyPolicy.objects.get_or_create(urgency=urgency, defaults={"due_within": within})
    _on_call(localities["west-cornwall"])
    clients = _clients()
    made = _observations(clients)
    stdout.write(
        f"escalations: {Service.objects.count()} services, {RoutingRule.objects.count()} rules, "
        f"{made} new observations"
    )


def _directory(localities):
    for name, medical, kinds, slugs, who, phone, email, org, helps, hours in SERVICES:
        service, created = Service.objects.get_or_create(
            name=name,
            defaults={
                "is_medical": medical,
                "kinds": [str(k) for k in kinds],
                "contact_name": who,
                "phone": phone,
                "email": email,
                "organisation": org,
                "helps_with": helps,
                "hours": hours,
            },
        )
        if created:
            service.localities.set([localities[s] for s in slugs])


def _rules(localities):
    for kind, slug, urgency, service_name, role, priority in RULES:
        RoutingRule.objects.get_or_create(
            kind=kind,
            locality=localities[slug] if slug else None,
            urgency=urgency,
            service=Service.objects.get(name=service_name) if service_name else None,
            defaults={"triage_role": role, "priority": priority},
        )


def _on_call(west):
    leader = User.objects.filter(username="teamleader").first()
    if leader is None:
        return
    if not leader.phone:
        leader.phone = "07700 900123"
        leader.save(update_fields=["phone"])
    now = timezone.now()
    if not OnCallShift.objects.filter(
        team_leader=leader, starts_at__lte=now, ends_at__gt=now
    ).exists():
        start = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2)
        OnCallShift.objects.create(
            locality=west,
            team_leader=leader,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=12),
        )
        # and tomorrow's day shift
        OnCallShift.objects.create(
            locality=west,
            team_leader=leader,
            starts_at=start + dt.timedelta(hours=24),
            ends_at=start + dt.timedelta(hours=36),
        )


def _clients() -> dict[str, list[Client]]:
    """Each demo volunteer's clients, from the clients demo (which runs before this one)."""
    result: dict[str, list[Client]] = {}
    for username in ("volunteer", "volunteer2", "volunteer.central"):
        result[username] = list(
            Client.objects.filter(
                assignments__volunteer__user__username=username,
                assignments__ended_on__isnull=True,
            )
            .distinct()
            .order_by("pk")
        )
    return result


def _observations(clients) -> int:
    made = 0
    namespace = uuid.UUID("6f1c2a4e-8d0b-4c55-9a51-3f1e0b7d2c10")
    for key, username, index, kind, urgency, noticed, wants, days_ago, steps in OBSERVATIONS:
        theirs = clients.get(username) or []
        if not theirs:
            continue
        submission_key = uuid.uuid5(namespace, key)
        if Observation.objects.filter(submission_key=submission_key).exists():
            continue
        client = theirs[index % len(theirs)]
        if "story" in steps:
            # A story needs a client who consents to one.
            client = next(
                (c for c in theirs if client_consents_to(c, ConsentScope.ANONYMISED_STORY)),
                client,
            )
        volunteer = Volunteer.objects.select_related("user").get(user__username=username)
        staff = User.objects.filter(locality=client.locality, role="coordinator").first()
        observation, _ = services.observation_create(
            client=client,
            volunteer=volunteer,
            logged_by=volunteer.user,
            kind=kind,
            urgency=urgency,
            noticed=noticed,
            client_wants=wants,
            submission_key=submission_key,
        )
        escalation = observation.escalation
        services.escalation_route(escalation_id=escalation.pk)
        escalation.refresh_from_db()
        actor = staff or escalation.owner
        for step in steps:
            escalation = Escalation.objects.select_related("observation__client").get(
                pk=escalation.pk
            )
            _step(step, escalation, actor)
        _age(Escalation.objects.get(pk=escalation.pk), dt.timedelta(days=days_ago))
        made += 1
    return made


def _step(step, escalation, by):
    version = escalation.version
    if step == "accept":
        services.escalation_accept(escalation=escalation, by=by, expected_version=version)
    elif step == "refer":
        service = escalation.service or Service.objects.get(name="Living Well hub")
        services.escalation_refer(
            escalation=escalation,
            by=by,
            expected_version=version,
            service=service,
            channel=ReferralChannel.PHONE,
            what_was_shared="Name, address and phone number, and what the volunteer noticed.",
            without_consent_reason="She asked us to arrange it; consent given by phone.",
        )
    elif step == "ask":
        services.escalation_ask_volunteer(
            escalation=escalation, by=by, text="Does anyone else visit her during the week?"
        )
    elif step == "mdt":
        services.escalation_put_to_mdt(
            escalation=escalation,
            by=by,
            expected_version=version,
            reason="Carer under strain; needs the practice team's plan.",
        )
    elif step.startswith("close"):
        summary, message, went_well = OUTCOMES[step]
        services.escalation_close(
            escalation=escalation,
            by=by,
            expected_version=version,
            summary=summary,
            message_for_volunteer=message,
            went_well=went_well,
        )
    elif step == "story":
        title, body = STORY
        try:
            story = services.story_save(escalation=escalation, by=by, title=title, body=body)
            services.story_publish(story=story, by=by)
        except services.StoryRefused:
            pass  # the client (from the clients demo) has not consented: no story


def _age(escalation, delta):
    """Move an escalation and its history back in time, so the demo has old and overdue work:
    reported ``delta`` ago, each later step spread over the following days."""
    if not delta:
        return
    from .enums import Action
    from .routing import due_within

    start = escalation.created_at - delta
    events = list(EscalationEvent.objects.filter(escalation=escalation).order_by("at", "id"))
    step = delta * 0.7 / max(len(events) - 1, 1)
    when = {}
    for i, event in enumerate(events):
        event.at = start + step * i
        event.save(update_fields=["at"])
        when.setdefault(event.action, event.at)
    escalation.created_at = start
    if escalation.due_at is not None:
        escalation.due_at = start + due_within(escalation.urgency)
    escalation.routed_at = when.get(Action.ROUTED, escalation.routed_at and start)
    escalation.routing_claimed_at = escalation.routed_at
    triaged = [when[a] for a in (Action.ACCEPTED, Action.REFERRED, Action.PUT_TO_MDT) if a in when]
    escalation.triaged_at = min(triaged) if triaged else when.get(Action.CLOSED)
    escalation.referred_at = when.get(Action.REFERRED)
    escalation.put_to_mdt_at = when.get(Action.PUT_TO_MDT)
    escalation.closed_at = when.get(Action.CLOSED)
    escalation.save()
    Observation.objects.filter(pk=escalation.observation_id).update(created_at=start)
    if Action.REFERRED in when:
        Referral.objects.filter(escalation=escalation).update(sent_at=when[Action.REFERRED])
    if Action.QUESTION_ASKED in when:
        QuestionMessage.objects.filter(escalation=escalation).update(at=when[Action.QUESTION_ASKED])
    if Action.CLOSED in when:
        Outcome.objects.filter(escalation=escalation).update(recorded_at=when[Action.CLOSED])
    if Action.STORY_PUBLISHED in when:
        Story.objects.filter(escalation=escalation).update(
            published_at=when[Action.STORY_PUBLISHED],
            created_at=when[Action.STORY_PUBLISHED],
            updated_at=when[Action.STORY_PUBLISHED],
        )
