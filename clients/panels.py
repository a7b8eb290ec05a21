"""Panels on a client's page that other apps contribute (escalations: "log what you noticed",
the client's observations; mdt: agenda items). This app may not import them, so they append a
function ``(request, client) -> dict | None`` here from their ``AppConfig.ready()``; the dict
is ``{"title", "body", "links": [(label, url)]}``. Keep each to one query at most."""

from __future__ import annotations

CLIENT_PAGE_PANELS: list = []


def panels_for(request, client) -> list[dict]:
    panels = []
    for panel in CLIENT_PAGE_PANELS:
        result = panel(request, client)
        if result:
            panels.append(result)
    return panels
