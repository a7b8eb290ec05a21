"""Current consent, derived from the records: the latest record per scope wins.

This is the one place the rest of the app asks "does this client consent to X now?".
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from .enums import ConsentAction, ConsentScope
from .models import ConsentRecord


def current_consents(client) -> dict[str, bool]:
    """Every scope mapped to whether the client consents to it now (no record: False)."""
    latest: dict[str, str] = {}
    for scope, action in (
        ConsentRecord.objects.filter(client=client)
        .order_by("scope", "-recorded_at", "-id")
        .values_list("scope", "action")
    ):
        latest.setdefault(scope, action)
    return {scope: latest.get(scope) == ConsentAction.GIVEN for scope in ConsentScope.values}


def client_consents_to(client, scope: str) -> bool:
    """Whether ``client`` consents to ``scope`` now."""
    action = (
        ConsentRecord.objects.filter(client=client, scope=scope)
        .order_by("-recorded_at", "-id")
        .values_list("action", flat=True)
        .first()
    )
    return action == ConsentAction.GIVEN


def latest_consent_action(scope: str):
    """A subquery of the latest action for ``scope``, to annotate a client queryset:
    ``Client.objects.annotate(story_ok=latest_consent_action(ConsentScope.ANONYMISED_STORY))``
    then filter ``story_ok=ConsentAction.GIVEN``. One query for a whole list."""
    return Subquery(
        ConsentRecord.objects.filter(client=OuterRef("pk"), scope=scope)
        .order_by("-recorded_at", "-id")
        .values("action")[:1]
    )


def current_consent_records(client) -> dict[str, ConsentRecord | None]:
    """Every scope mapped to its latest record (who, when, how), or None: for pages that say
    more than yes or no. One query."""
    latest: dict[str, ConsentRecord] = {}
    for record in (
        ConsentRecord.objects.filter(client=client)
        .select_related("recorded_by")
        .order_by("scope", "-recorded_at", "-id")
    ):
        latest.setdefault(record.scope, record)
    return {scope: latest.get(scope) for scope in ConsentScope.values}
