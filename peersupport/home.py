"""The home-page panel: the user's next volunteer meetings and open actions."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from livingwell.enums import Role

from .models import FollowUpAction
from .selectors import meetings_for

PANEL_ROLES = {Role.VOLUNTEER, Role.COORDINATOR, Role.TEAM_LEADER}


def meetings_panel(request) -> dict | None:
    user = request.user
    if user.role not in PANEL_ROLES:
        return None
    upcoming = list(
        meetings_for(user)
        .filter(ends_at__gte=timezone.now())
        .order_by("starts_at")
        .only("pk", "title", "kind", "starts_at")[:3]
    )
    open_actions = FollowUpAction.objects.filter(owner=user, done_at__isnull=True).count()
    links = [
        (
            f"{m.display_title}, {timezone.localtime(m.starts_at):%a %d %b, %H:%M}",
            reverse("peersupport:meeting_detail", args=[m.pk]),
        )
        for m in upcoming
    ]
    links.append(("All volunteer meetings", reverse("peersupport:meeting_list")))
    if open_actions:
        body = (
            f"You have {open_actions} open action{'s' if open_actions != 1 else ''} from meetings."
        )
    elif upcoming:
        body = "Coming up:"
    else:
        body = "No meetings are arranged yet."
    return {"title": "Volunteer meetings", "body": body, "links": links}
