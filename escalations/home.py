"""The home page panels for observations and the triage queue."""

from __future__ import annotations

from django.urls import reverse

from livingwell.choices import labels_of
from livingwell.enums import LOCALITY_STAFF_ROLES, Role
from livingwell.prepared import Prepared
from livingwell.reversing import reverser

from .models import Escalation, Observation
from .selectors import queue_counts

# The client page's panel, compiled once (livingwell.prepared).
_MINE_ABOUT = Prepared(
    lambda client_id, user_id: (
        Observation.objects.filter(client_id=client_id, volunteer__user_id=user_id)
        .order_by("-created_at")
        .values_list("id", "kind", "created_at", "escalation__state")[:5]
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
        .order_by("-created_at")
        .values_list(
            "escalation__id", "escalation__kind", "escalation__state", "escalation__created_at"
        )[:5]
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
        kinds, here = labels_of(Observation, "kind"), timezone.get_current_timezone()
        yours = reverser("escalations:my_observation", 1)
        links = [
            (
                f"Tell us what you noticed about {client.first_name}",
                reverse("escalations:observation_create") + f"?client={client.pk}",
            )
        ]
        for pk, kind, created_at, state in mine:
            label = f"{kinds.get(kind, kind)}, {created_at.astimezone(here):%d %b %Y}"
            # An observation whose escalation an admin deleted says no more than that.
            if state is not None:
                done = state == EscalationState.CLOSED
                label += f": {'finished' if done else 'being looked at'}"
            links.append((label, yours(pk)))
        return {"title": "What you noticed", "body": "", "links": links}
    if user.role in LOCALITY_STAFF_ROLES or user.role == Role.ADMIN:
        # Rows, not model instances, and the links' paths by the kept reverser: on the busiest
        # client's page this panel was an eighth of the page's Python.
        latest = _LATEST_ABOUT.fetch(client.pk)
        if not latest:
            return {"title": "Escalations", "body": "Nothing has been escalated.", "links": []}
        kinds, states = labels_of(Escalation, "kind"), labels_of(Escalation, "state")
        here, detail = timezone.get_current_timezone(), reverser("escalations:detail", 1)
        return {
            "title": "Escalations",
            "body": "",
            "links": [
                (
                    f"{kinds.get(kind, kind)}, {created_at.astimezone(here):%d %b %Y}: "
                    f"{str(states.get(state, state)).lower()}",
                    detail(pk),
                )
                for pk, kind, state, created_at in latest
            ],
        }
    return None
