from __future__ import annotations

from django.urls import reverse

from .scope import evidence_localities


def evidence_panel(request) -> dict | None:
    if not evidence_localities(request.user).exists():
        return None
    return {
        "title": "Evidence",
        "body": "How each locality and each way of working is doing, for a board to review.",
        "links": [
            ("The evidence dashboard", reverse("evidence:dashboard")),
            ("Coproduction models by locality", reverse("evidence:models")),
        ],
    }
