"""Celery tasks of the evidence dashboard."""

from __future__ import annotations

from celery import shared_task

from . import kept


@shared_task(name="evidence.keep_figures_ready", queue="maintenance", acks_late=True)
def keep_figures_ready() -> int:
    """Work out and keep the dashboard's default figures for everyone who opens it
    (``kept.keep_ready``); sends nothing. Returns how many views were kept."""
    return kept.keep_ready()
