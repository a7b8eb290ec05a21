"""The audit log: who saw or changed what, when."""

from __future__ import annotations

from .models import AuditEntry
from .prepared import PreparedInsert

# Pages that show a client's data write an entry on every request: its INSERT compiled once.
_NEW_ENTRY = PreparedInsert(AuditEntry)


def audit(
    *, actor, action: str, obj, client_id: int | None = None, summary: str = "", request=None
):
    """Record one audit entry for ``obj``. Call it from services and from views that show
    a client's data."""
    return _NEW_ENTRY.create(
        **audit_values(
            actor=actor,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            client_id=client_id,
            summary=summary,
            request=request,
        )
    )


def audit_values(
    *, actor, action: str, object_type: str, object_id, client_id=None, summary="", request=None
) -> dict:
    """An audit entry's values, for a service that writes it with other rows in one statement
    (``livingwell.prepared.PreparedInserts``)."""
    return {
        "actor": actor if (actor is not None and actor.is_authenticated) else None,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "client_id": client_id,
        "summary": summary[:300],
        "ip_address": request.META.get("REMOTE_ADDR") if request is not None else None,
    }
