"""Current consent, derived from the records: the latest record per scope wins.

This is the one place the rest of the app asks "does this client consent to X now?".
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from livingwell.prepared import Prepared

from .enums import ConsentAction, ConsentScope
from .models import ConsentRecord

_ACTIONS = Prepared(
    lambda client_id: (
        ConsentRecord.objects.filter(client_id=client_id)
        .order_by("scope", "-recorded_at", "-id")
        .values_list("scope", "action")
    ),
    int,
    plan_once=True,
)
# Every record of a client, newest first, with who recorded it: the first of each scope is
# the one in force.
_RECORDS = Prepared(
    lambda client_id: (
        ConsentRecord.objects.filter(client_id=client_id)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")
    ),
    int,
    plan_once=True,
)


def _client_id(client) -> int:
    return client if isinstance(client, int) else client.pk


def current_consents(client) -> dict[str, bool]:
    """Every scope mapped to whether the client consents to it now (no record: False). One
    statement, compiled once (``livingwell.prepared``)."""
    latest: dict[str, str] = {}
    for scope, action in _ACTIONS.fetch(_client_id(client)):
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


def latest_consent_action(scope: str, client: str = "pk"):
    """A subquery of the latest action for ``scope``, to annotate a client queryset:
    ``Client.objects.annotate(story_ok=latest_consent_action(ConsentScope.ANONYMISED_STORY))``
    then filter ``story_ok=ConsentAction.GIVEN``. One query for a whole list. ``client`` names
    the client's id in another model's queryset (``"observation__client_id"``)."""
    return Subquery(
        ConsentRecord.objects.filter(client=OuterRef(client), scope=scope)
        .order_by("-recorded_at", "-id")
        .values("action")[:1]
    )


def current_consent_records(client) -> dict[str, ConsentRecord | None]:
    """Every scope mapped to its latest record (who, when, how), or None: for pages that say
    more than yes or no. One statement, compiled once."""
    return _in_force(_RECORDS.fetch(_client_id(client)))


def consents_with_history(client, *, latest: int = 50):
    """``current_consent_records(client)`` and the client's ``latest`` records, newest first,
    with who recorded them (the history a client's page shows), from the same statement."""
    records = _RECORDS.fetch(_client_id(client))
    return _in_force(records), records[:latest]


def _in_force(records) -> dict[str, ConsentRecord | None]:
    latest: dict[str, ConsentRecord] = {}
    for record in records:  # newest first
        latest.setdefault(record.scope, record)
    return {scope: latest.get(scope) for scope in ConsentScope.values}
