"""Periodic work for volunteers: thin, named, safe to repeat."""

from __future__ import annotations

import logging

from celery import shared_task

from .services import agreements_bring_into_force

logger = logging.getLogger(__name__)


@shared_task(name="volunteers.sweep_agreements_in_force", acks_late=True)
def sweep_agreements_in_force() -> int:
    """Tell the other apps whose confidentiality agreement lapsed because a version published
    ahead came into force today. Each version is claimed once, so a repeat does nothing."""
    told = agreements_bring_into_force()
    if told:
        logger.info("agreements in force: %d volunteers' signatures lapsed", told)
    return told
