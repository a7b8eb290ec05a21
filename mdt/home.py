"""The home-page panel: the user's coming MDTs."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from livingwell.enums import Role

from .selectors import meetings_for

PANEL_ROLES = {Role.VOLUNTEER, Role.COORDINATOR, Role.MDT_CHAIR, Role.PRACTITIONER}


def mdt_panel(request) -> dict | None:
    user = request.user
    if user.role not in PANEL_ROLES:
        return None
    coming = list(
        meetings_for(user)
        .filter(ends_at__gte=timezone.now())
        .select_related("practice")
        .order_by("starts_at")
        .only("pk", "starts_at", "practice__name")[:3]
    )
    if user.role == Role.VOLUNTEER and not coming:
        return None
    links = [
        (
            f"{m.practice.name}, {timezone.localtime(m.starts_at):%a %-d %b, %H:%M}",
            reverse("mdt:meeting_detail", args=[m.pk]),
        )
        for m in coming
    ]
    links.append(("All MDT meetings", reverse("mdt:meetings")))
    return {
        "title": "MDT meetings",
        "body": "Coming up:" if coming else "No MDT meetings are coming up.",
        "links": links,
    }
