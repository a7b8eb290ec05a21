"""Panels on the role-aware home page. Higher apps register theirs in ``HOME_PANELS``.

A panel is a function ``(request) -> dict | None`` returning ``{"title", "body", "links": [(label,
url)]}`` for the roles it serves, or None.
"""

from __future__ import annotations

HOME_PANELS: list = []


def panels_for(request) -> list[dict]:
    panels = []
    for panel in HOME_PANELS:
        result = panel(request)
        if result:
            panels.append(result)
    return panels
