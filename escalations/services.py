"""Every write to observations, escalations, the directory, the rota, outcomes and stories.

The escalation state machine lives here, in ``TRANSITIONS``: an action is allowed only from the
states listed for it, and every successful step bumps ``version`` (optimistic concurrency: two
coordinators acting at once, one wins and the other is told) and writes one history event with
who and when, in staff words and, where the volunteer should hear of it, in theirs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clients.consent import client_consents_to
from clients.enums import ConsentScope
from clients.models import Assignment, Client
from livingwell.audit import audit, audit_values
from livingwell.enums import AuditAction, Role
from livingwell.models import AuditEntry, Locality, User
from livingwell.prepared import Prepared, PreparedInsert, PreparedInserts, Ref
from livingwell.queue import enqueue
from livingwell.services import notify, notify_many
from volunteers.models import Volunteer

from . import routing, story_check
from .enums import (
    OPEN_STATES,
    URGENCY_RANK,
    Action,
    EscalationState,
    ReferralChannel,
    ResponseKind,
    RoutingStatus,
    StoryState,
    TriageRole,
    Urgency,
)
from .models import (
    Escalation,
    EscalationEvent,
    Observation,
    OnCallShift,
    Outcome,
    OutcomeResponse,
    QuestionMessage,
    Referral,
    Service,
    Story,
)

logger = logging.getLogger(__name__)
S = EscalationState


# --- Errors ------------------------------------------------------------------------------


class EscalationError(Exception):
    """A domain rule refused the change. ``str(error)`` is the message for the user."""


class IllegalTransition(EscalationError):
    pass


class StaleEscalation(EscalationError):
    """Someone else changed the escalation since the user loaded it."""


class StoryRefused(EscalationError):
    def __init__(self, message: str, findings=()):
        super().__init__(message)
        self.findings = list(findings)


# --- The state machine --------------------------------------------------------------------

# action -> (states it may start from, the state it leads to). Routing is done by the task,
# everything else by a person. Closed is final.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.ROUTED: (frozenset({S.NEW}), S.ROUTED),
    Action.ACCEPTED: (frozenset({S.NEW, S.ROUTED}), S.ACCEPTED),
    Action.REROUTED: (frozenset({S.NEW, S.ROUTED, S.ACCEPTED, S.REFERRED, S.AT_MDT}), S.ROUTED),
    Action.REFERRED: (frozenset({S.ROUTED, S.ACCEPTED, S.REFERRED, S.AT_MDT}), S.REFERRED),
    Action.PUT_TO_MDT: (frozenset({S.ROUTED, S.ACCEPTED, S.REFERRED}), S.AT_MDT),
    Action.CLOSED: (frozenset({S.ROUTED, S.ACCEPTED, S.REFERRED, S.AT_MDT}), S.CLOSED),
}
# Steps that add to the history without changing the state (and without bumping the version,
# so a colleague's open form stays valid): allowed while the escalation is open.
OPEN_ONLY_ACTIONS = frozenset({Action.QUESTION_ASKED, Action.QUESTION_ANSWERED})

# What the volunteer reads in "My observations" for each step ("" hides the step).
VOLUNTEER_WORDS = {
    Action.ROUTED: "It reached the person who looks at it.",
    Action.ACCEPTED: "A coordinator is looking into it.",
    Action.REROUTED: "It was passed to a colleague who is better placed to help.",
    Action.REFERRED: "We have asked a service that can help to get in touch.",
    Action.PUT_TO_MDT: "It will be talked over with the GP practice's care team.",
    Action.QUESTION_ASKED: "We asked you a question about it.",
    Action.QUESTION_ANSWERED: "You answered our question.",
    Action.CLOSED: "It is finished. See what came of it below.",
}

ACTION_VERBS = {
    Action.ACCEPTED: "accept it",
    Action.REROUTED: "re-route it",
    Action.REFERRED: "refer it",
    Action.PUT_TO_MDT: "put it forward to an MDT",
    Action.CLOSED: "close it",
    Action.ROUTED: "route it",
}


def allowed_actions(state: str) -> list[str]:
    """The state-changing actions a person may take from ``state`` (routing excluded)."""
    return [
        action
        for action, (sources, _target) in TRANSITIONS.items()
        if state in sources and action != Action.ROUTED
    ]


# The rows an observation sent writes, in one statement (livingwell.prepared), and the INSERT
# of an event, compiled once.
_OBSERVATION_ROWS = PreparedInserts(Observation, Escalation, EscalationEvent, AuditEntry)
_NEW_EVENT = PreparedInsert(EscalationEvent)


def _event(
    *, escalation, action, actor=None, summary, volunteer_summary=None, data=None, at=None
) -> EscalationEvent:
    return _NEW_EVENT.create(
        **_event_values(
            escalation=escalation,
            action=action,
            actor=actor,
            summary=summary,
            volunteer_summary=volunteer_summary,
            data=data,
            at=at,
        )
    )


def _event_values(
    *, escalation, action, actor=None, summary, volunteer_summary=None, data=None, at=None
) -> dict:
    if volunteer_summary is None:
        volunteer_summary = VOLUNTEER_WORDS.get(action, "")
    return {
        "escalation": escalation,
        "action": action,
        "actor": actor,
        "summary": summary,
        "volunteer_summary": volunteer_summary,
        "data": data or {},
        "at": at or timezone.now(),
    }


def _stale_message(escalation_id: int) -> str:
    last = (
        EscalationEvent.objects.filter(escalation_id=escalation_id)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    who = ""
    if last is not None:
        actor = last.actor or "The system"
        at = timezone.localtime(last.at)
        who = f" {actor} recorded “{last.get_action_display()}” at {at:%H:%M}."
    return (
        "Someone else changed this escalation while you had it open."
        f"{who} Nothing you entered was saved: check the page and try again."
    )


def _transition(
    *,
    escalation: Escalation,
    action: str,
    by: User | None,
    expected_version: int,
    changes: dict | None = None,
    summary: str,
    volunteer_summary: str | None = None,
    data: dict | None = None,
    now: datetime | None = None,
) -> Escalation:
    """Move ``escalation`` by ``action`` if its state allows it and nobody changed it since
    ``expected_version``; write the history event. Raise a domain error otherwise."""
    sources, target = TRANSITIONS[action]
    if escalation.version != expected_version:
        raise StaleEscalation(_stale_message(escalation.pk))
    if escalation.state not in sources:
        raise IllegalTransition(
            f"You cannot {ACTION_VERBS.get(action, action)} now: this escalation is "
            f"“{escalation.get_state_display()}”."
        )
    now = now or timezone.now()
    values = dict(changes or {})
    values["state"] = target
    values["version"] = F("version") + 1
    # The conditional update is the lock: of two people acting at once, one changes the row.
    updated = Escalation.objects.filter(
        pk=escalation.pk, version=expected_version, state__in=sources
    ).update(**values)
    if not updated:
        raise StaleEscalation(_stale_message(escalation.pk))
    for field, value in (changes or {}).items():
        setattr(escalation, field, value)
    escalation.state = target
    escalation.version = expected_version + 1
    _event(
        escalation=escalation,
        action=action,
        actor=by,
        summary=summary,
        volunteer_summary=volunteer_summary,
        data=data,
        at=now,
    )
    return escalation


# --- Observations --------------------------------------------------------------------------


# Checked on every observation sent; its SQL compiled once (``livingwell.prepared``).
_OPEN_ASSIGNMENT = Prepared(
    lambda client_id, volunteer_id: Assignment.objects.filter(
        client_id=client_id, volunteer_id=volunteer_id, ended_on__isnull=True
    ).only("id"),
    int,
    int,
    plan_once=True,
)


def _visits(volunteer: Volunteer, client: Client) -> bool:
    """Whether ``volunteer`` visits ``client`` now. A client read by the volunteer's own lookup
    of the observation form (``clients.selectors.visible_client``) was checked for it in that
    statement, moments ago: not asked again."""
    if getattr(client, "visited_by_user_id", None) == volunteer.user_id:
        return True
    return _OPEN_ASSIGNMENT.first(client.pk, volunteer.pk) is not None


def observation_create(
    *,
    client: Client,
    volunteer: Volunteer,
    logged_by: User,
    kind: str,
    urgency: str,
    noticed: str,
    client_wants: str = "",
    by_phone: bool = False,
    submission_key=None,
    request=None,
) -> tuple[Observation, bool]:
    """Save an observation and its escalation now, and enqueue its routing after the commit.

    Never depends on the broker: with Redis down the rows are committed and the sweep routes
    them later. The form's ``submission_key`` makes a double submit return the first
    observation (``created`` is False) instead of making a second.
    """
    if client.locality_id != volunteer.locality_id or not _visits(volunteer, client):
        raise EscalationError(f"{volunteer} does not visit {client}.")
    now = timezone.now()
    extra = {"submission_key": submission_key} if submission_key is not None else {}
    if by_phone:
        words = f"{logged_by} wrote this down for you from your phone call."
        summary = f"Logged by {logged_by} from a phone call with {volunteer}."
    else:
        words = "You told us about this."
        summary = f"Reported by {volunteer}."
    try:
        # The observation, its escalation, the escalation's first event and the audit entry:
        # one statement on PostgreSQL, atomic on its own.
        observation, escalation, _, _ = _OBSERVATION_ROWS.create(
            {
                "client": client,
                "volunteer": volunteer,
                "logged_by": logged_by,
                "by_phone": by_phone,
                "kind": kind,
                "urgency": urgency,
                "noticed": noticed,
                "client_wants": client_wants,
                "created_at": now,
                **extra,
            },
            {
                "observation": Ref(0),
                "locality_id": client.locality_id,
                "kind": kind,
                "urgency": urgency,
                "urgency_rank": URGENCY_RANK[urgency],
                "created_at": now,
            },
            _event_values(
                escalation=Ref(1),
                action=Action.CREATED,
                actor=logged_by,
                summary=summary,
                volunteer_summary=words,
                at=now,
            ),
            audit_values(
                actor=logged_by,
                action=AuditAction.CREATE,
                object_type=Observation._meta.label_lower,
                object_id=Ref(0),
                client_id=client.pk,
                summary=f"observation ({kind}, {urgency})",
                request=request,
            ),
        )
    except IntegrityError:
        # The form was sent before (a double tap, a resend after a lost answer), or two sends
        # raced: the first one's observation is this one. Caught rather than looked for first,
        # so that a first send, nearly every one, costs no read.
        existing = Observation.objects.filter(submission_key=submission_key).first()
        if submission_key is None or existing is None:
            raise
        return existing, False
    from .tasks import route_escalation

    enqueue(route_escalation, escalation_id=escalation.pk)
    return observation, True


# --- Routing -------------------------------------------------------------------------------


def claim_timeout() -> timedelta:
    """A routing claim older than the task's hard time limit belongs to a worker that is gone
    (killed, or lost its connection): it may be claimed again."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


@dataclass
class RouteOutcome:
    routed: bool
    reason: str


def _claimable(now: datetime) -> Q:
    return Q(routing_status=RoutingStatus.PENDING) | Q(
        routing_status=RoutingStatus.CLAIMED, routing_claimed_at__lt=now - claim_timeout()
    )


def _claim(ids: Q, now: datetime) -> int:
    return (
        Escalation.objects.filter(ids)
        .filter(_claimable(now))
        .update(
            routing_status=RoutingStatus.CLAIMED,
            routing_claimed_at=now,
            routing_attempts=F("routing_attempts") + 1,
        )
    )


def _mine(now: datetime) -> Q:
    return Q(routing_status=RoutingStatus.CLAIMED, routing_claimed_at=now)


def _apply_route(escalation: Escalation, route: routing.Route, *, now: datetime):
    """Move a claimed NEW escalation to ROUTED as ``route`` says. Returns its due time, the
    history event and what to tell the owner (neither saved yet), or None if the claim was
    lost (it went stale and another worker took it over)."""
    due_at = escalation.created_at + route.due_within
    updated = Escalation.objects.filter(_mine(now), pk=escalation.pk, state=S.NEW).update(
        state=S.ROUTED,
        service=route.service,
        owner=route.owner,
        due_at=due_at,
        routed_at=now,
        routing_status=RoutingStatus.DONE,
        routing_error="",
        version=F("version") + 1,
    )
    if not updated:
        return None
    who = route.owner
    service = route.service.name if route.service else "no service yet"
    role = TriageRole(route.triage_role).label.lower()
    event = EscalationEvent(
        escalation=escalation,
        action=Action.ROUTED,
        actor=None,
        summary=(
            f"Routed to {who} ({role}), {service}; due "
            f"{timezone.localtime(due_at):%d %b %H:%M}. Chosen by {route.reason}."
        ),
        volunteer_summary=VOLUNTEER_WORDS[Action.ROUTED],
        data={
            "owner_id": who.pk,
            "service_id": route.service.pk if route.service else None,
            "rule_id": route.rule.pk if route.rule else None,
            "triage_role": route.triage_role,
        },
        at=now,
    )
    urgent = escalation.urgency == Urgency.URGENT
    notice = {
        "user": who,
        "subject": (
            f"{'Urgent: ' if urgent else ''}{escalation.get_kind_display()} in "
            f"{escalation.locality} for you to triage"
        ),
        "body": f"Due by {timezone.localtime(due_at):%d %B %Y %H:%M}.",
        "url": reverse("escalations:detail", args=[escalation.pk]),
        "key": f"escalation-{escalation.pk}-routed-to-{who.pk}",
        "email": urgent,
    }
    return due_at, event, notice


def escalation_route(*, escalation_id: int, now: datetime | None = None) -> RouteOutcome:
    """Route one escalation, once: claim it with a conditional update on ``routing_status``,
    choose the service, the owner and the due time, then move it NEW -> ROUTED and tell the
    owner (and text the on-call team leader if it is urgent). Safe to call any number of
    times, from any number of workers. Raises ``routing.RoutingError`` when nobody can triage
    it and lets database errors through (the task retries those)."""
    now = now or timezone.now()
    if not _claim(Q(pk=escalation_id), now):
        return RouteOutcome(False, "already routed, being routed, failed or gone")
    return _route_claimed(escalation_id, now)


def _route_claimed(escalation_id: int, now: datetime) -> RouteOutcome:
    mine = Q(_mine(now), pk=escalation_id)
    try:
        with transaction.atomic():
            escalation = Escalation.objects.select_related("locality__lead").get(pk=escalation_id)
            if escalation.state != S.NEW:
                # A person accepted or re-routed it before the task ran: nothing to route.
                Escalation.objects.filter(mine).update(
                    routing_status=RoutingStatus.DONE, routing_error=""
                )
                return RouteOutcome(False, "staff acted first")
            route = routing.choose_route(
                kind=escalation.kind,
                urgency=escalation.urgency,
                locality=escalation.locality,
                at=now,
            )
            applied = _apply_route(escalation, route, now=now)
            if applied is None:
                return RouteOutcome(False, "claim lost")
            _due_at, event, notice = applied
            event.save()
            notify(**notice)
            if (
                escalation.urgency == Urgency.URGENT
                and route.triage_role == TriageRole.TEAM_LEADER_ON_CALL
                and route.owner.phone
            ):
                from .tasks import send_urgent_sms

                enqueue(send_urgent_sms, escalation_id=escalation_id)
            return RouteOutcome(True, route.reason)
    except Exception:
        # Give the claim back so that the retry (or the sweep) can take it at once. With the
        # database gone this fails too; the claim then goes stale and the sweep takes it.
        try:
            Escalation.objects.filter(mine).update(routing_status=RoutingStatus.PENDING)
        except Exception:  # the original error matters more than this one
            logger.warning("could not release the routing claim on %s", escalation_id)
        raise


def escalations_route_backlog(*, limit: int, now: datetime | None = None) -> int:
    """Route escalations still waiting for their routing task in a backed-up queue, so that a
    flood clears at the pace of a batch rather than of one task each, and an urgent one never
    waits behind it: up to ``limit`` of them, the most urgent and then the oldest first.

    They are claimed together, skipping rows another worker is claiming. The urgent ones are
    then routed one by one as ``escalation_route`` routes them (they may text the team leader
    on call); the others in one transaction, with the rules, policies and rota read once
    (``routing.RoutingTables``): the same owner, service, due time, history event and
    notification as ``escalation_route`` would give each in turn, with one statement a row
    (the conditional update) instead of eleven. One that nobody can triage is recorded as
    failed, as the task records it. If anything else fails, the batch is rolled back and its
    claims given back to the rows' own tasks. Those tasks, when they come, find their rows
    routed and do nothing. Returns how many this call routed."""
    if limit <= 0:
        return 0
    now = now or timezone.now()
    pending = Escalation.objects.filter(routing_status=RoutingStatus.PENDING)
    if not pending.exists():  # the usual answer, in one query without a transaction
        return 0
    with transaction.atomic():
        # Rows another worker is claiming right now are skipped, not waited for: two workers
        # draining at once take different rows.
        waiting = list(
            pending.select_for_update(skip_locked=True)
            .order_by("urgency_rank", "created_at")
            .values_list("pk", "urgency")[:limit]
        )
        if not waiting or not _claim(Q(pk__in=[pk for pk, _u in waiting]), now):
            return 0
    routed = 0
    for pk, urgency in waiting:
        if urgency != Urgency.URGENT:
            break
        try:
            routed += _route_claimed(pk, now).routed
        except routing.RoutingError as exc:
            routing_record_failure(escalation_id=pk, error=str(exc))
        except Exception as exc:  # its claim was given back: its own task tries and reports
            logger.error("routing %s from the backlog failed (%s)", pk, type(exc).__name__)
    ids = [pk for pk, urgency in waiting if urgency != Urgency.URGENT]
    if not ids:
        return routed
    mine = Q(_mine(now), pk__in=ids)
    try:
        with transaction.atomic():
            batch = list(
                Escalation.objects.filter(mine)
                .select_related("locality__lead")
                .order_by("created_at", "pk")
            )
            tables = routing.RoutingTables(at=now)
            events, notices, acted_on, failures = [], [], [], []
            for escalation in batch:
                if escalation.state != S.NEW:
                    acted_on.append(escalation.pk)
                    continue
                try:
                    route = routing.choose_route(
                        kind=escalation.kind,
                        urgency=escalation.urgency,
                        locality=escalation.locality,
                        at=now,
                        tables=tables,
                    )
                except routing.RoutingError as exc:
                    failures.append((escalation.pk, str(exc)))
                    continue
                applied = _apply_route(escalation, route, now=now)
                if applied is None:
                    continue
                tables.assigned(route.owner)
                events.append(applied[1])
                notices.append(applied[2])
            if acted_on:
                Escalation.objects.filter(mine, pk__in=acted_on).update(
                    routing_status=RoutingStatus.DONE, routing_error=""
                )
            EscalationEvent.objects.bulk_create(events)
            notify_many(notices)
            for pk, error in failures:
                routing_record_failure(escalation_id=pk, error=error)
    except Exception as exc:
        # Where it failed, not the error's text (it can quote a row); the rows' own tasks
        # route them again, and report what fails there.
        logger.error(
            "routing a backlog of %s failed (%s); their own tasks will route them",
            len(ids),
            type(exc).__name__,
        )
        try:
            Escalation.objects.filter(mine).update(routing_status=RoutingStatus.PENDING)
        except Exception:
            logger.warning("could not release the routing claims on %s escalations", len(ids))
        return routed
    return routed + len(events)


def routing_record_failure(*, escalation_id: int, error: str) -> bool:
    """Record a routing that cannot succeed on the row (status failed, the reason), where
    the triage queue shows it to coordinators and admins. Returns False if it was routed."""
    with transaction.atomic():
        updated = (
            Escalation.objects.filter(pk=escalation_id)
            .exclude(routing_status=RoutingStatus.DONE)
            .update(routing_status=RoutingStatus.FAILED, routing_error=error[:2000])
        )
        if not updated:
            return False
        escalation = Escalation.objects.get(pk=escalation_id)
        _event(
            escalation=escalation,
            action=Action.ROUTING_FAILED,
            summary=f"Could not be routed: {error}",
            volunteer_summary="",
        )
    return True


def routing_retry(*, escalation: Escalation, by: User) -> None:
    """Send a failed routing back to the queue (after fixing what made it fail)."""
    with transaction.atomic():
        updated = Escalation.objects.filter(
            pk=escalation.pk, routing_status=RoutingStatus.FAILED, state=S.NEW
        ).update(routing_status=RoutingStatus.PENDING, routing_error="")
        if not updated:
            raise IllegalTransition("Only an escalation whose routing failed can be routed again.")
        _event(
            escalation=escalation,
            action=Action.ROUTING_FAILED,
            actor=by,
            summary=f"{by} asked for the routing to be tried again.",
            volunteer_summary="",
            data={"retry": True},
        )
        from .tasks import route_escalation

        enqueue(route_escalation, escalation_id=escalation.pk)


def routing_claim_held(*, escalation_id: int) -> bool:
    """Whether the escalation is claimed by a routing that has not finished (or not yet gone
    stale)."""
    return Escalation.objects.filter(
        pk=escalation_id, routing_status=RoutingStatus.CLAIMED
    ).exists()


def unrouted_ids(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Escalations the sweep must enqueue again: pending for longer than
    ``ROUTING_SWEEP_AFTER`` (the broker was down at submit, or the message was lost), or
    claimed by a worker that is gone."""
    now = now or timezone.now()
    return list(
        Escalation.objects.filter(
            Q(
                routing_status=RoutingStatus.PENDING,
                created_at__lt=now - settings.ROUTING_SWEEP_AFTER,
            )
            | Q(routing_status=RoutingStatus.CLAIMED, routing_claimed_at__lt=now - claim_timeout())
        )
        .order_by("urgency_rank", "created_at")
        .values_list("pk", flat=True)[:limit]
    )


def urgent_sms_send(*, escalation_id: int) -> bool:
    """Text the owner of an urgent escalation, once (a claim on ``sms_sent_at``). The text
    names no client: a phone's lock screen is not private."""
    from livingwell.sms import send_sms

    with transaction.atomic():
        claimed = Escalation.objects.filter(pk=escalation_id, sms_sent_at__isnull=True).update(
            sms_sent_at=timezone.now()
        )
        if not claimed:
            return False
        escalation = Escalation.objects.select_related("owner", "locality").get(pk=escalation_id)
        if escalation.owner is None or not escalation.owner.phone:
            return False
        url = settings.SITE_URL + reverse("escalations:detail", args=[escalation_id])
        send_sms(
            to=escalation.owner.phone,
            text=(
                f"Living Well: urgent {escalation.get_kind_display().lower()} in "
                f"{escalation.locality} for you (escalation {escalation_id}). {url}"
            ),
        )
    return True


# --- Staff actions -------------------------------------------------------------------------


def _audit_change(*, by, escalation, summary, request=None):
    audit(
        actor=by,
        action=AuditAction.UPDATE,
        obj=escalation,
        client_id=escalation.observation.client_id,
        summary=summary,
        request=request,
    )


@transaction.atomic
def escalation_accept(
    *, escalation: Escalation, by: User, expected_version: int, request=None
) -> Escalation:
    """Take the escalation on: ``by`` becomes its owner."""
    now = timezone.now()
    changes = {"owner": by, "triaged_at": escalation.triaged_at or now}
    if escalation.state == S.NEW:
        # Accepted before the routing ran or after it failed: the routing has nothing to do.
        changes.update(routing_status=RoutingStatus.DONE, routing_error="")
    _transition(
        escalation=escalation,
        action=Action.ACCEPTED,
        by=by,
        expected_version=expected_version,
        changes=changes,
        summary=f"Accepted by {by}.",
        now=now,
    )
    _audit_change(by=by, escalation=escalation, summary="accepted", request=request)
    return escalation


@transaction.atomic
def escalation_reroute(
    *,
    escalation: Escalation,
    by: User,
    expected_version: int,
    owner: User,
    service: Service | None,
    reason: str,
    request=None,
) -> Escalation:
    """Give the escalation to another person (and service); they must accept it."""
    if owner.role not in (Role.COORDINATOR, Role.TEAM_LEADER) or (
        owner.locality_id != escalation.locality_id
    ):
        raise EscalationError(f"{owner} does not triage escalations in {escalation.locality}.")
    changes = {"owner": owner, "service": service}
    if escalation.state == S.NEW:
        changes.update(routing_status=RoutingStatus.DONE, routing_error="")
    service_name = service.name if service else "no service"
    _transition(
        escalation=escalation,
        action=Action.REROUTED,
        by=by,
        expected_version=expected_version,
        changes=changes,
        summary=f"Re-routed by {by} to {owner}, {service_name}. Why: {reason}",
        data={"owner_id": owner.pk, "service_id": service.pk if service else None},
    )
    _audit_change(by=by, escalation=escalation, summary=f"re-routed to {owner}", request=request)
    if owner.pk != by.pk:
        notify(
            user=owner,
            subject=f"{escalation.get_kind_display()} passed to you by {by}",
            body=reason,
            url=reverse("escalations:detail", args=[escalation.pk]),
            key=f"escalation-{escalation.pk}-rerouted-v{escalation.version}",
            email=escalation.urgency == Urgency.URGENT,
        )
    return escalation


@transaction.atomic
def escalation_refer(
    *,
    escalation: Escalation,
    by: User,
    expected_version: int,
    service: Service,
    channel: str,
    what_was_shared: str,
    sent_at: datetime | None = None,
    without_consent_reason: str = "",
    request=None,
) -> Referral:
    """Record a referral to a service from the directory: what was shared, when, how.

    Sharing needs the client's consent to share with Living Well partners; without it a
    referral is possible only with a recorded reason (a safeguarding concern, vital
    interests), which is kept with the referral.
    """
    now = timezone.now()
    sent_at = sent_at or now
    if sent_at > now + timedelta(minutes=5):
        raise EscalationError("A referral cannot be sent in the future.")
    if sent_at < escalation.created_at - timedelta(minutes=5):
        raise EscalationError("A referral cannot be sent before the observation was made.")
    client = escalation.observation.client
    if not client_consents_to(client, ConsentScope.SHARE_WITH_PARTNERS):
        if not without_consent_reason.strip():
            raise EscalationError(
                f"{client} has not consented to sharing with Living Well partners. Record why "
                "it is shared anyway (for example a safeguarding concern), or ask for consent."
            )
    else:
        without_consent_reason = ""
    _transition(
        escalation=escalation,
        action=Action.REFERRED,
        by=by,
        expected_version=expected_version,
        changes={
            "triaged_at": escalation.triaged_at or now,
            "referred_at": escalation.referred_at or sent_at,
            "owner": escalation.owner or by,
        },
        summary=(
            f"Referred by {by} to {service} by {ReferralChannel(channel).label.lower()} on "
            f"{timezone.localtime(sent_at):%d %b %Y %H:%M}."
            + (
                f" Shared without consent: {without_consent_reason}"
                if without_consent_reason
                else ""
            )
        ),
        data={"service_id": service.pk, "channel": channel},
        now=now,
    )
    referral = Referral.objects.create(
        escalation=escalation,
        service=service,
        channel=channel,
        what_was_shared=what_was_shared,
        without_consent_reason=without_consent_reason,
        sent_at=sent_at,
        by=by,
    )
    _audit_change(by=by, escalation=escalation, summary=f"referred to {service}", request=request)
    return referral


@transaction.atomic
def escalation_put_to_mdt(
    *, escalation: Escalation, by: User, expected_version: int, reason: str, request=None
) -> Escalation:
    """Put the case forward to its practice's MDT: it becomes an agenda candidate there."""
    now = timezone.now()
    client = escalation.observation.client
    _transition(
        escalation=escalation,
        action=Action.PUT_TO_MDT,
        by=by,
        expected_version=expected_version,
        changes={
            "put_to_mdt_at": now,
            "triaged_at": escalation.triaged_at or now,
            "owner": escalation.owner or by,
        },
        summary=f"Put forward to the MDT of {client.practice} by {by}. Why: {reason}",
        data={"practice_id": client.practice_id, "reason": reason},
        now=now,
    )
    _audit_change(by=by, escalation=escalation, summary="put forward to MDT", request=request)
    return escalation


@transaction.atomic
def escalation_close(
    *,
    escalation: Escalation,
    by: User,
    expected_version: int,
    summary: str,
    message_for_volunteer: str,
    went_well: bool,
    request=None,
) -> Outcome:
    """Close with an outcome; the volunteer who raised it is told after the commit."""
    now = timezone.now()
    _transition(
        escalation=escalation,
        action=Action.CLOSED,
        by=by,
        expected_version=expected_version,
        changes={"closed_at": now, "triaged_at": escalation.triaged_at or now},
        summary=f"Closed by {by}. {'It went well.' if went_well else 'It did not go well.'}",
        now=now,
    )
    outcome = Outcome.objects.create(
        escalation=escalation,
        summary=summary,
        message_for_volunteer=message_for_volunteer,
        went_well=went_well,
        recorded_by=by,
        recorded_at=now,
    )
    _audit_change(by=by, escalation=escalation, summary="closed with an outcome", request=request)
    from .tasks import notify_outcome

    enqueue(notify_outcome, escalation_id=escalation.pk)
    return outcome


def escalation_add_history(
    *,
    escalation: Escalation,
    by: User | None,
    summary: str,
    volunteer_summary: str = "",
    action: str = Action.MDT_UPDATE,
    data: dict | None = None,
) -> EscalationEvent:
    """Add a step to an escalation's history without changing its state: what another part
    of the app decided about it (an MDT's decision or action). ``volunteer_summary``, if
    given, is shown to the volunteer who raised it; keep it free of health detail."""
    if action in TRANSITIONS:
        raise IllegalTransition(f"“{Action(action).label}” changes the state: use its service.")
    return _event(
        escalation=escalation,
        action=action,
        actor=by,
        summary=summary,
        volunteer_summary=volunteer_summary,
        data=data,
    )


def _lock_open(escalation: Escalation, verb: str) -> Escalation:
    locked = (
        Escalation.objects.select_for_update()
        .select_related("observation__volunteer__user")
        .get(pk=escalation.pk)
    )
    if locked.state not in OPEN_STATES:
        raise IllegalTransition(f"You cannot {verb} now: this escalation is closed.")
    return locked


@transaction.atomic
def escalation_ask_volunteer(*, escalation: Escalation, by: User, text: str) -> QuestionMessage:
    """Ask the volunteer who raised it a question; they answer in "My observations"."""
    locked = _lock_open(escalation, "ask a question")
    message = QuestionMessage.objects.create(escalation=locked, author=by, text=text)
    _event(
        escalation=locked,
        action=Action.QUESTION_ASKED,
        actor=by,
        summary=f"{by} asked the volunteer: {text}",
    )
    observation = locked.observation
    notify(
        user=observation.volunteer.user,
        subject="A question about what you told us",
        body=text,
        url=reverse("escalations:my_observation", args=[observation.pk]),
        key=f"question-{message.pk}",
    )
    return message


@transaction.atomic
def escalation_volunteer_answer(*, escalation: Escalation, by: User, text: str) -> QuestionMessage:
    """The volunteer's answer to a question; the owner (or the asker) hears of it."""
    locked = _lock_open(escalation, "answer")
    if locked.observation.volunteer.user_id != by.pk:
        raise EscalationError("Only the volunteer who told us about this can answer.")
    last_question = (
        QuestionMessage.objects.filter(escalation=locked).exclude(author=by).order_by("-at").first()
    )
    if last_question is None:
        raise EscalationError("There is no question to answer.")
    message = QuestionMessage.objects.create(escalation=locked, author=by, text=text)
    _event(
        escalation=locked,
        action=Action.QUESTION_ANSWERED,
        actor=by,
        summary=f"{by} answered: {text}",
    )
    recipient = locked.owner or last_question.author
    notify(
        user=recipient,
        subject=f"{by} answered your question",
        body=text,
        url=reverse("escalations:detail", args=[locked.pk]),
        key=f"answer-{message.pk}",
        email=False,
    )
    return message


# --- Outcomes back to the volunteer --------------------------------------------------------


def outcome_notify_volunteer(*, escalation_id: int) -> bool:
    """Tell the volunteer who raised it what came of it: a notification in the app and an
    email (sent by its own task after the commit). Claimed once with a conditional update on
    ``volunteer_notified_at``: running it again sends nothing."""
    with transaction.atomic():
        claimed = Outcome.objects.filter(
            escalation_id=escalation_id, volunteer_notified_at__isnull=True
        ).update(volunteer_notified_at=timezone.now())
        if not claimed:
            return False
        outcome = Outcome.objects.select_related(
            "escalation__observation__volunteer__user", "escalation__observation__client"
        ).get(escalation_id=escalation_id)
        observation = outcome.escalation.observation
        notify(
            user=observation.volunteer.user,
            subject=f"What came of what you told us about {observation.client.first_name}",
            body=outcome.message_for_volunteer,
            url=reverse("escalations:my_observation", args=[observation.pk]),
            key=f"outcome-{escalation_id}",
        )
        _event(
            escalation=outcome.escalation,
            action=Action.VOLUNTEER_TOLD,
            summary=f"{observation.volunteer} was told the outcome.",
            volunteer_summary="",
        )
    return True


def outcome_mark_seen(*, outcome: Outcome) -> None:
    """The volunteer opened the outcome: the first time counts for the evidence figures."""
    Outcome.objects.filter(pk=outcome.pk, volunteer_seen_at__isnull=True).update(
        volunteer_seen_at=timezone.now()
    )


@transaction.atomic
def outcome_respond(*, outcome: Outcome, by: User, kind: str, text: str = "") -> OutcomeResponse:
    """A volunteer's thanks or follow-up question; whoever closed it (and the owner) sees it."""
    escalation = outcome.escalation
    if escalation.observation.volunteer.user_id != by.pk:
        raise EscalationError("Only the volunteer who told us about this can respond.")
    if kind not in (ResponseKind.THANKS, ResponseKind.QUESTION):
        raise EscalationError("Say thank you or ask a question.")
    if kind == ResponseKind.QUESTION and not text.strip():
        raise EscalationError("Write your question.")
    if (
        kind == ResponseKind.THANKS
        and outcome.responses.filter(author=by, kind=ResponseKind.THANKS).exists()
    ):
        raise EscalationError("You have already said thank you.")
    response = OutcomeResponse.objects.create(outcome=outcome, author=by, kind=kind, text=text)
    label = "said thank you" if kind == ResponseKind.THANKS else "asked a follow-up question"
    _event(
        escalation=escalation,
        action=Action.VOLUNTEER_RESPONDED,
        actor=by,
        summary=f"{by} {label}{': ' + text if text else '.'}",
        volunteer_summary="You said thank you." if kind == ResponseKind.THANKS else "",
    )
    recipients = {outcome.recorded_by_id: outcome.recorded_by}
    if escalation.owner_id:
        recipients.setdefault(escalation.owner_id, escalation.owner)
    for user in recipients.values():
        notify(
            user=user,
            subject=f"{by} {label} about escalation {escalation.pk}",
            body=text,
            url=reverse("escalations:detail", args=[escalation.pk]),
            key=f"outcome-response-{response.pk}-to-{user.pk}",
            email=kind == ResponseKind.QUESTION,
        )
    return response


@transaction.atomic
def outcome_reply(*, outcome: Outcome, by: User, text: str) -> OutcomeResponse:
    """Staff answer a volunteer's follow-up question."""
    if not outcome.responses.filter(kind=ResponseKind.QUESTION).exists():
        raise EscalationError("The volunteer has not asked a follow-up question.")
    response = OutcomeResponse.objects.create(
        outcome=outcome, author=by, kind=ResponseKind.REPLY, text=text
    )
    escalation = outcome.escalation
    observation = escalation.observation
    _event(
        escalation=escalation,
        action=Action.STAFF_REPLIED,
        actor=by,
        summary=f"{by} replied: {text}",
        volunteer_summary="We answered your question.",
    )
    notify(
        user=observation.volunteer.user,
        subject="An answer to your question",
        body=text,
        url=reverse("escalations:my_observation", args=[observation.pk]),
        key=f"outcome-reply-{response.pk}",
    )
    return response


# --- Follow-up reminders -------------------------------------------------------------------


def escalations_remind_overdue(*, now: datetime | None = None, limit: int = 500) -> dict:
    """Remind the owner of each open escalation past its due time, then, ``LEAD_REMINDER_AFTER``
    later, the locality's lead. Each reminder is claimed with a conditional update on its
    ``*_reminded_at`` column, so it is sent once however often this runs."""
    now = now or timezone.now()
    sent = {"owner": 0, "lead": 0}
    owner_due = Escalation.objects.filter(
        state__in=OPEN_STATES, due_at__lt=now, owner_reminded_at__isnull=True
    ).values_list("pk", flat=True)[:limit]
    for pk in list(owner_due):
        with transaction.atomic():
            if not Escalation.objects.filter(
                pk=pk, state__in=OPEN_STATES, owner_reminded_at__isnull=True
            ).update(owner_reminded_at=now):
                continue
            escalation = Escalation.objects.select_related("owner", "locality__lead").get(pk=pk)
            recipient = escalation.owner or escalation.locality.lead
            if recipient is not None:
                _notify_overdue(escalation=escalation, user=recipient, key="owner")
                sent["owner"] += 1
            _event(
                escalation=escalation,
                action=Action.OWNER_REMINDED,
                summary=(
                    f"Overdue since {timezone.localtime(escalation.due_at):%d %b %H:%M}: "
                    f"reminded {recipient or 'nobody (no owner and no locality lead)'}."
                ),
                volunteer_summary="",
                at=now,
            )
    lead_due = Escalation.objects.filter(
        state__in=OPEN_STATES,
        owner_reminded_at__lt=now - settings.LEAD_REMINDER_AFTER,
        lead_reminded_at__isnull=True,
    ).values_list("pk", flat=True)[:limit]
    for pk in list(lead_due):
        with transaction.atomic():
            if not Escalation.objects.filter(
                pk=pk, state__in=OPEN_STATES, lead_reminded_at__isnull=True
            ).update(lead_reminded_at=now):
                continue
            escalation = Escalation.objects.select_related("owner", "locality__lead").get(pk=pk)
            lead = escalation.locality.lead
            if lead is not None:
                _notify_overdue(escalation=escalation, user=lead, key="lead")
                sent["lead"] += 1
            _event(
                escalation=escalation,
                action=Action.LEAD_REMINDED,
                summary=(
                    f"Still without an outcome a day after the owner's reminder: told "
                    f"{lead or 'nobody (the locality has no lead)'}."
                ),
                volunteer_summary="",
                at=now,
            )
    return sent


def _notify_overdue(*, escalation: Escalation, user: User, key: str) -> None:
    owner = escalation.owner or "nobody"
    notify(
        user=user,
        subject=(
            f"Overdue: {escalation.get_kind_display()} ({escalation.get_urgency_display()}) "
            f"in {escalation.locality}"
        ),
        body=(
            f"Escalation {escalation.pk} was due by "
            f"{timezone.localtime(escalation.due_at):%d %B %Y %H:%M} and has no outcome yet. "
            f"Owner: {owner}."
        ),
        url=reverse("escalations:detail", args=[escalation.pk]),
        key=f"escalation-{escalation.pk}-{key}-reminder",
    )


# --- Service directory and rota -----------------------------------------------------------


@transaction.atomic
def service_save(*, service: Service | None = None, by: User, localities, **fields) -> Service:
    """Create or change a directory entry."""
    creating = service is None
    service = service or Service()
    for name, value in fields.items():
        setattr(service, name, value)
    service.save()
    service.localities.set(localities)
    audit(
        actor=by,
        action=AuditAction.CREATE if creating else AuditAction.UPDATE,
        obj=service,
        summary=f"service directory: {service.name}",
    )
    return service


@transaction.atomic
def on_call_shift_create(
    *, locality: Locality, team_leader: User, starts_at: datetime, ends_at: datetime, by: User
) -> OnCallShift:
    if team_leader.role != Role.TEAM_LEADER or team_leader.locality_id != locality.pk:
        raise EscalationError(f"{team_leader} is not a team leader in {locality}.")
    if ends_at <= starts_at:
        raise EscalationError("A shift must end after it starts.")
    shift = OnCallShift.objects.create(
        locality=locality, team_leader=team_leader, starts_at=starts_at, ends_at=ends_at
    )
    audit(actor=by, action=AuditAction.CREATE, obj=shift, summary=str(shift))
    return shift


@transaction.atomic
def on_call_shift_delete(*, shift: OnCallShift, by: User) -> None:
    audit(actor=by, action=AuditAction.DELETE, obj=shift, summary=str(shift))
    shift.delete()


# --- Stories -------------------------------------------------------------------------------


def story_may_be_written(escalation: Escalation) -> str | None:
    """Why a story cannot be written for this escalation now, or None."""
    if escalation.state != S.CLOSED:
        return "A story can be written once the escalation is closed with an outcome."
    client = escalation.observation.client
    if not client_consents_to(client, ConsentScope.ANONYMISED_STORY):
        return (
            "The client has not consented to an anonymised story being shared. Record their "
            "consent first."
        )
    return None


def _refuse_identifying(*, text: str, client: Client) -> None:
    findings = story_check.identifying_details(text, client)
    if findings:
        raise StoryRefused(story_check.describe(findings), findings)


@transaction.atomic
def story_save(*, escalation: Escalation, by: User, title: str, body: str) -> Story:
    """Write or edit the escalation's story. A published story is checked again and stays
    published only if it is still clean."""
    reason = story_may_be_written(escalation)
    if reason:
        raise StoryRefused(reason)
    client = escalation.observation.client
    story = Story.objects.select_for_update().filter(escalation=escalation).first()
    if story is not None and story.state == StoryState.PUBLISHED:
        _refuse_identifying(text=f"{title}\n{body}", client=client)
    now = timezone.now()
    if story is None:
        story = Story(escalation=escalation, locality_id=escalation.locality_id, written_by=by)
    story.title = title
    story.body = body
    story.updated_at = now
    story.save()
    audit(actor=by, action=AuditAction.UPDATE, obj=story, client_id=client.pk, summary="story")
    return story


@transaction.atomic
def story_publish(*, story: Story, by: User) -> Story:
    """Publish to the locality's stories page, if the client consents now and the text
    holds nothing that identifies them (``StoryRefused`` names what was found)."""
    story = Story.objects.select_for_update().select_related("escalation").get(pk=story.pk)
    escalation = story.escalation
    reason = story_may_be_written(escalation)
    if reason:
        raise StoryRefused(reason)
    if story.state == StoryState.PUBLISHED:
        raise StoryRefused("This story is already published.")
    client = escalation.observation.client
    _refuse_identifying(text=f"{story.title}\n{story.body}", client=client)
    now = timezone.now()
    story.state = StoryState.PUBLISHED
    story.published_at = now
    story.published_by = by
    story.unpublished_at = None
    story.unpublished_reason = ""
    story.save()
    _event(
        escalation=escalation,
        action=Action.STORY_PUBLISHED,
        actor=by,
        summary=f"Story “{story.title}” published by {by}.",
        volunteer_summary="",
    )
    audit(actor=by, action=AuditAction.UPDATE, obj=story, client_id=client.pk, summary="published")
    return story


@transaction.atomic
def story_unpublish(*, story: Story, by: User | None, reason: str) -> Story:
    story = Story.objects.select_for_update().select_related("escalation").get(pk=story.pk)
    if story.state != StoryState.PUBLISHED:
        raise StoryRefused("This story is not published.")
    _unpublish(stories=[story], by=by, reason=reason)
    story.refresh_from_db()
    return story


def _unpublish(*, stories, by, reason: str) -> int:
    now = timezone.now()
    count = 0
    for story in stories:
        updated = Story.objects.filter(pk=story.pk, state=StoryState.PUBLISHED).update(
            state=StoryState.UNPUBLISHED, unpublished_at=now, unpublished_reason=reason[:200]
        )
        if not updated:
            continue
        count += 1
        _event(
            escalation=story.escalation,
            action=Action.STORY_UNPUBLISHED,
            actor=by,
            summary=f"Story “{story.title}” unpublished: {reason}",
            volunteer_summary="",
            at=now,
        )
        audit(
            actor=by,
            action=AuditAction.UPDATE,
            obj=story,
            client_id=story.escalation.observation.client_id,
            summary=f"unpublished: {reason}",
        )
    return count


def stories_unpublish_for_client(*, client: Client, by: User | None = None) -> int:
    """Take every published story about ``client`` off the stories pages at once (their
    consent to an anonymised story was withdrawn). Runs inside the withdrawal's transaction."""
    stories = list(
        Story.objects.filter(
            escalation__observation__client=client, state=StoryState.PUBLISHED
        ).select_related("escalation__observation")
    )
    return _unpublish(stories=stories, by=by, reason="the client withdrew consent to the story")
