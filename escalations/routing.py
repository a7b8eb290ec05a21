"""Where an observation goes: the routing rules, the on-call rota and the due time.

Reads only; ``escalations.services.escalation_route`` applies the answer to the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q

from livingwell.enums import Role
from livingwell.models import Locality, User

from .enums import OPEN_STATES, TriageRole, Urgency
from .models import OnCallShift, RoutingRule, Service, UrgencyPolicy

# Used when an urgency has no UrgencyPolicy row (the admin can set their own).
DEFAULT_DUE_WITHIN = {
    Urgency.URGENT: timedelta(hours=4),
    Urgency.WORRIED: timedelta(days=2),
    Urgency.KEEP_AN_EYE: timedelta(days=7),
}


class RoutingError(Exception):
    """Routing cannot succeed by trying again (nobody to triage in the locality, for example).
    The task records it on the row, where coordinators and admins see it."""


@dataclass(frozen=True)
class Route:
    service: Service | None
    owner: User
    triage_role: str
    due_within: timedelta
    rule: RoutingRule | None
    reason: str


def due_within(urgency: str) -> timedelta:
    policy = UrgencyPolicy.objects.filter(urgency=urgency).values_list("due_within", flat=True)
    return policy.first() or DEFAULT_DUE_WITHIN[urgency]


def matching_rule(*, kind: str, locality_id: int, urgency: str) -> RoutingRule | None:
    """The most specific active rule for this kind, locality and urgency (blank = any), then
    the lowest priority. A rule whose service is inactive is skipped."""
    rules = list(
        RoutingRule.objects.filter(active=True, kind__in=[kind, ""], urgency__in=[urgency, ""])
        .filter(Q(locality_id=locality_id) | Q(locality__isnull=True))
        .filter(Q(service__isnull=True) | Q(service__active=True))
        .select_related("service", "locality")  # both named in the routing's history
    )
    if not rules:
        return None

    def specificity(rule: RoutingRule) -> int:
        return bool(rule.kind) + bool(rule.locality_id) + bool(rule.urgency)

    rules.sort(key=lambda r: (-specificity(r), r.priority, r.pk))
    return rules[0]


def on_call_now(*, locality_id: int, at: datetime) -> User | None:
    """The team leader on duty for the locality at ``at`` (the latest to start, if several)."""
    shift = (
        OnCallShift.objects.filter(
            locality_id=locality_id,
            starts_at__lte=at,
            ends_at__gt=at,
            team_leader__is_active=True,
            team_leader__role=Role.TEAM_LEADER,
        )
        .select_related("team_leader")
        .order_by("-starts_at", "-pk")
        .first()
    )
    return shift.team_leader if shift else None


def locality_coordinator(*, locality: Locality) -> User | None:
    """The locality's lead if they are an active coordinator there, otherwise its active
    coordinator with the fewest open escalations (ties: the longest-standing account)."""
    if locality.lead_id:
        lead = locality.lead  # read with the locality where the caller selected it
        if lead.is_active and lead.role == Role.COORDINATOR and lead.locality_id == locality.pk:
            return lead
    return (
        User.objects.filter(locality=locality, role=Role.COORDINATOR, is_active=True)
        .annotate(
            open_count=Count(
                "owned_escalations", filter=Q(owned_escalations__state__in=OPEN_STATES)
            )
        )
        .order_by("open_count", "pk")
        .first()
    )


def choose_route(*, kind: str, urgency: str, locality: Locality, at: datetime) -> Route:
    """Pick the service, the person who triages and the time allowed.

    The rule picks the service and who triages. An urgent observation always goes to the team
    leader on call in its locality, whatever the rule says (seed s4.1: the team leader is the
    one on duty now); a rule may also send other observations to them. With no rule at all
    the built-in fallback applies (no service). With nobody on call, a coordinator.
    """
    rule = matching_rule(kind=kind, locality_id=locality.pk, urgency=urgency)
    if rule is not None:
        triage_role = rule.triage_role
        service = rule.service
        reason = f"rule: {rule}"
    else:
        triage_role = TriageRole.COORDINATOR
        service = None
        reason = "no rule matched: built-in fallback"
    if urgency == Urgency.URGENT:
        triage_role = TriageRole.TEAM_LEADER_ON_CALL

    owner = None
    if triage_role == TriageRole.TEAM_LEADER_ON_CALL:
        owner = on_call_now(locality_id=locality.pk, at=at)
        if owner is None:
            triage_role = TriageRole.COORDINATOR
            reason += "; nobody on call, so a coordinator"
    if owner is None:
        owner = locality_coordinator(locality=locality)
    if owner is None:
        # Last resort: a team leader on call even where the rule asked for a coordinator.
        owner = on_call_now(locality_id=locality.pk, at=at)
        if owner is not None:
            triage_role = TriageRole.TEAM_LEADER_ON_CALL
    if owner is None:
        raise RoutingError(
            f"Nobody can triage this in {locality}: there is no active coordinator and no team "
            "leader on call. Add a coordinator or an on-call shift, then route it again."
        )
    return Route(
        service=service,
        owner=owner,
        triage_role=triage_role,
        due_within=due_within(urgency),
        rule=rule,
        reason=reason,
    )
