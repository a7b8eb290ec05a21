"""The clients panel on the home page: a volunteer's clients; a coordinator's unvisited ones."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse

from livingwell.enums import Role

from .enums import ClientStatus
from .models import Assignment
from .selectors import clients_for


def clients_panel(request) -> dict | None:
    user = request.user
    if user.role == Role.VOLUNTEER:
        clients = list(
            clients_for(user).only("id", "first_name", "last_name").order_by("last_name")[:8]
        )
        links = [
            (f"{c.first_name} {c.last_name}", reverse("clients:detail", args=[c.pk]))
            for c in clients
        ]
        return {
            "title": "Your clients",
            "body": "" if clients else "You have no clients at the moment.",
            "links": links,
        }
    if user.role in (Role.COORDINATOR, Role.TEAM_LEADER):
        unvisited = (
            clients_for(user)
            .filter(status=ClientStatus.ACTIVE)
            .exclude(
                Exists(Assignment.objects.filter(client=OuterRef("pk"), ended_on__isnull=True))
            )
            .count()
        )
        links = [("Clients", reverse("clients:list"))]
        if unvisited:
            links.append(
                (
                    "Clients without a volunteer",
                    reverse("clients:list") + "?status=active&has_volunteer=no",
                )
            )
        return {
            "title": "Clients",
            "body": (
                f"{unvisited} active client{'s' if unvisited != 1 else ''} without a volunteer."
                if unvisited
                else "Every active client has a volunteer."
            ),
            "links": links,
        }
    return None
