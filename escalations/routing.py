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
    return _most_specific(rules)


def _most_specific(rules: list[RoutingRule]) -> RoutingRule | None:
    if not rules:
        return None

    def specificity(rule: RoutingRule) -> int:
        return bool(rule.kind) + bool(rule.locality_id) + bool(rule.urgency)

    return min(rules, key=lambda r: (-specificity(r), r.priority, r.pk))


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
    lead = _valid_lead(locality)
    if lead is not None:
        return lead
    return _coordinators_by_load(locality).first()


def _coordinators_by_load(locality: Locality):
    return (
        User.objects.filter(locality=locality, role=Role.COORDINATOR, is_active=True)
        .annotate(
            open_count=Count(
                "owned_escalations", filter=Q(owned_escalations__state__in=OPEN_STATES)
            )
        )
        .order_by("open_count", "pk")
    )


def _valid_lead(locality: Locality) -> User | None:
    if locality.lead_id:
        lead = locality.lead  # read with the locality where the caller selected it
        if lead.is_active and lead.role == Role.COORDINATOR and lead.locality_id == locality.pk:
            return lead
    return None


class RoutingTables:
    """The rules, urgency policies, rota and coordinators read once, for routing many
    escalations one after another in one transaction (a backed-up queue): the functions above
    answer each routing with its own queries, these with a query a table.

    The answers are the ones those functions would give routing the same rows in the same
    order: coordinators' open counts are read once a locality and then counted up with each
    escalation routed to them (``assigned``), as the database would count them row by row.
    """

    def __init__(self, *, at: datetime):
        self.at = at
        self.rules = list(
            RoutingRule.objects.filter(active=True)
            .filter(Q(service__isnull=True) | Q(service__active=True))
            .select_related("service", "locality")
        )
        self.policies = dict(UrgencyPolicy.objects.values_list("urgency", "due_within"))
        self._on_call: dict[int, User | None] = {}
        self._loads: dict[int, dict[int, list]] = {}  # locality -> coordinator -> [count, user]

    def matching_rule(self, *, kind: str, locality_id: int, urgency: str) -> RoutingRule | None:
        return _most_specific(
            [
                rule
                for rule in self.rules
                if rule.kind in (kind, "")
                and rule.urgency in (urgency, "")
                and rule.locality_id in (locality_id, None)
            ]
        )

    def due_within(self, urgency: str) -> timedelta:
        return self.policies.get(urgency) or DEFAULT_DUE_WITHIN[urgency]

    def on_call_now(self, *, locality_id: int, at: datetime) -> User | None:
        if at != self.at:
            return on_call_now(locality_id=locality_id, at=at)
        if locality_id not in self._on_call:
            self._on_call[locality_id] = on_call_now(locality_id=locality_id, at=at)
        return self._on_call[locality_id]

    def locality_coordinator(self, *, locality: Locality) -> User | None:
        lead = _valid_lead(locality)
        if lead is not None:
            return lead
        if locality.pk not in self._loads:
            self._loads[locality.pk] = {
                user.pk: [user.open_count, user] for user in _coordinators_by_load(locality)
            }
        loads = self._loads[locality.pk]
        if not loads:
            return None
        return min(loads.items(), key=lambda item: (item[1][0], item[0]))[1][1]

    def assigned(self, owner: User) -> None:
        """An escalation of this batch is now open and owned by ``owner``."""
        for loads in self._loads.values():
            if owner.pk in loads:
                loads[owner.pk][0] += 1


def choose_route(
    *,
    kind: str,
    urgency: str,
    locality: Locality,
    at: datetime,
    tables: RoutingTables | None = None,
) -> Route:
    """Pick the service, the person who triages and the time allowed.

    The rule picks the service and who triages. An urgent observation always goes to the team
    leader on call in its locality, whatever the rule says (seed s4.1: the team leader is the
    one on duty now); a rule may also send other observations to them. With no rule at all
    the built-in fallback applies (no service). With nobody on call, a coordinator.
    ``tables``: read from those instead of a query each (a batch of routings).
    """
    look = tables if tables is not None else _DATABASE
    rule = look.matching_rule(kind=kind, locality_id=locality.pk, urgency=urgency)
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
        owner = look.on_call_now(locality_id=locality.pk, at=at)
        if owner is None:
            triage_role = TriageRole.COORDINATOR
            reason += "; nobody on call, so a coordinator"
    if owner is None:
        owner = look.locality_coordinator(locality=locality)
    if owner is None:
        # Last resort: a team leader on call even where the rule asked for a coordinator.
        owner = look.on_call_now(locality_id=locality.pk, at=at)
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
        due_within=look.due_within(urgency),
        rule=rule,
        reason=reason,
    )


class _Database:
    """One query each, through the module's functions (looked up at each call)."""

    @staticmethod
    def matching_rule(**kwargs):
        return matching_rule(**kwargs)

    @staticmethod
    def on_call_now(**kwargs):
        return on_call_now(**kwargs)

    @staticmethod
    def locality_coordinator(**kwargs):
        return locality_coordinator(**kwargs)

    @staticmethod
    def due_within(urgency):
        return due_within(urgency)


_DATABASE = _Database()
