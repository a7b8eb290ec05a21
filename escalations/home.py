"""The home page panels for observations and the triage queue."""

from __future__ import annotations

from django.urls import reverse

from livingwell.enums import LOCALITY_STAFF_ROLES, Role
from livingwell.prepared import Prepared

from .models import Observation
from .selectors import queue_counts

# The client page's panel, compiled once (livingwell.prepared).
_MINE_ABOUT = Prepared(
    lambda client_id, user_id: (
        Observation.objects.filter(client_id=client_id, volunteer__user_id=user_id)
        .select_related("escalation")
        .only("id", "kind", "created_at", "escalation__id", "escalation__state")
        .order_by("-created_at")[:5]
    ),
    int,
    int,
    plan_once=True,
)
# A client's latest escalations: their observations newest first (observation_client), each
# with its escalation, made in the same moment. Ordered by the escalation's own time, the
# whole history of a client would be joined to find five (13 ms for one with 2,846).
_LATEST_ABOUT = Prepared(
    lambda client_id: (
        Observation.objects.filter(client_id=client_id, escalation__isnull=False)
        .select_related("escalation")
        .only(
            "id",
            "created_at",
            "escalation__id",
            "escalation__kind",
            "escalation__state",
            "escalation__created_at",
        )
        .order_by("-created_at")[:5]
    ),
    int,
    plan_once=True,
)


def escalations_panel(request) -> dict | None:
    user = request.user
    if user.role == Role.VOLUNTEER:
        return {
            "title": "Noticed something?",
            "body": "Tell us in a minute, from your phone. We will tell you what came of it.",
            "links": [
                ("Tell us what you noticed", reverse("escalations:observation_create")),
                ("My observations", reverse("escalations:my_observations")),
                ("Stories from your locality", reverse("escalations:stories_home")),
                ("Service directory", reverse("escalations:services")),
            ],
        }
    if user.role in LOCALITY_STAFF_ROLES or user.role == Role.ADMIN:
        counts = queue_counts(user)
        body = f"{counts['open']} open, {counts['urgent']} urgent, {counts['overdue']} overdue."
        if counts["failed"]:
            body += f" {counts['failed']} could not be routed."
        links = [("Triage queue", reverse("escalations:triage"))]
        if user.role in LOCALITY_STAFF_ROLES:
            links.append(("Log a volunteer's call", reverse("escalations:observation_create")))
            links.append(("On-call rota", reverse("escalations:rota")))
        links.append(("Service directory", reverse("escalations:services")))
        return {"title": "Escalations", "body": body, "links": links}
    return None


def client_page_panel(request, client) -> dict | None:
    """On a client's page: what was noticed about them and where it stands (one query).
    A volunteer sees their own observations, with a link to log another; locality staff the
    client's latest escalations."""
    from django.utils import timezone

    from .enums import EscalationState

    user = request.user
    if user.role == Role.VOLUNTEER:
        mine = _MINE_ABOUT.fetch(client.pk, user.pk)
        links = [
            (
                f"Tell us what you noticed about {client.first_name}",
                reverse("escalations:observation_create") + f"?client={client.pk}",
            )
        ]
        for o in mine:
            done = o.escalation.state == EscalationState.CLOSED
            links.append(
                (
                    f"{o.get_kind_display()}, {timezone.localtime(o.created_at):%d %b %Y}: "
                    f"{'finished' if done else 'being looked at'}",
                    reverse("escalations:my_observation", args=[o.pk]),
                )
            )
        return {"title": "What you noticed", "body": "", "links": links}
    if user.role in LOCALITY_STAFF_ROLES or user.role == Role.ADMIN:
        latest = [o.escalation for o in _LATEST_ABOUT.fetch(client.pk)]
        if not latest:
            return {"title": "Escalations", "body": "Nothing has been escalated.", "links": []}
        return {
            "title": "Escalations",
            "body": "",
            "links": [
                (
                    f"{e.get_kind_display()}, {timezone.localtime(e.created_at):%d %b %Y}: "
                    f"{e.get_state_display().lower()}",
                    reverse("escalations:detail", args=[e.pk]),
                )
                for e in latest
            ],
        }
    return None
