"""Periodic work on clients: thin tasks that call a service."""

from __future__ import annotations

from celery import shared_task

from .services import clients_anonymise_inactive


@shared_task(name="clients.retention_anonymise", acks_late=True)
def retention_anonymise() -> int:
    """Anonymise clients with no contact for RETENTION_YEARS (beat, nightly). Idempotent."""
    return clients_anonymise_inactive()
