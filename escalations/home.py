"""The home page panels for observations and the triage queue."""

from __future__ import annotations

from django.urls import reverse

from livingwell.enums import LOCALITY_STAFF_ROLES, Role

from .selectors import queue_counts


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
