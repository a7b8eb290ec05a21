"""The navigation each role sees. Apps add their pages here as they land.

Hiding a link is never the protection: every view checks access itself.
"""

from __future__ import annotations

from .enums import Role

# (label, url name, roles that see it)
NAV_ITEMS: list[tuple[str, str, frozenset[str]]] = [
    ("Home", "home", frozenset(Role)),
    ("My clients", "clients:mine", frozenset({Role.VOLUNTEER})),
    ("Clients", "clients:list", frozenset({Role.COORDINATOR, Role.TEAM_LEADER, Role.ADMIN})),
    ("Volunteers", "volunteers:list", frozenset({Role.COORDINATOR, Role.TEAM_LEADER, Role.ADMIN})),
    ("My workload", "volunteers:me", frozenset({Role.VOLUNTEER})),
    ("Log an observation", "escalations:observation_create", frozenset({Role.VOLUNTEER})),
    ("My observations", "escalations:my_observations", frozenset({Role.VOLUNTEER})),
    (
        "Triage",
        "escalations:triage",
        frozenset({Role.COORDINATOR, Role.TEAM_LEADER, Role.ADMIN}),
    ),
    ("Log a call", "escalations:observation_create", frozenset({Role.TEAM_LEADER})),
    ("On call", "escalations:rota", frozenset({Role.COORDINATOR, Role.TEAM_LEADER})),
    ("Services", "escalations:services", frozenset(Role)),
    (
        "Stories",
        "escalations:stories_home",
        frozenset({Role.VOLUNTEER, Role.COORDINATOR, Role.TEAM_LEADER, Role.ADMIN}),
    ),
    (
        "MDT meetings",
        "mdt:meetings",
        frozenset(
            {Role.VOLUNTEER, Role.COORDINATOR, Role.MDT_CHAIR, Role.PRACTITIONER, Role.ADMIN}
        ),
    ),
    ("Volunteer meetings", "peersupport:meeting_list", frozenset(Role)),
    ("Calendar", "calendar", frozenset(Role)),
    ("Evidence", "evidence:dashboard", frozenset({Role.COORDINATOR, Role.ADMIN})),
]


def nav_for(user) -> list[tuple[str, str]]:
    if not user.is_authenticated:
        return []
    return [(label, name) for label, name, roles in NAV_ITEMS if user.role in roles]
