"""Celery tasks for escalations: thin, named, keyword-only ids, safe to run twice.

Each task loads its row through a service that claims the work with a conditional update, so
a redelivered message (``acks_late``, a worker killed mid-task) or a sweep that enqueues the
same id again does nothing more.
"""

from __future__ import annotations

import logging
import random
import traceback

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from . import routing, services

logger = logging.getLogger(__name__)

# Errors that may pass (the database restarting, a dropped connection): retried with backoff.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def _backoff(retries: int) -> float:
    """1, 2, 4, 8... seconds (at most a minute), with jitter so retries do not stampede."""
    return min(2**retries, 60) * (0.5 + random.random())


class RoutingTask(Task):
    """A routing stopped by the hard time limit is recorded as failed at once.

    The hard limit kills the pool process (a query blocked in the database cannot be
    interrupted by the soft limit), so nothing in the task itself runs; Celery then calls
    ``on_failure`` in the worker's main process, which records the failure where coordinators
    see it. Without this the row would stay claimed, and each sweep would start the same slow
    routing again.
    """

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if not isinstance(exc, TimeLimitExceeded):
            return
        escalation_id = kwargs.get("escalation_id")
        if escalation_id is None:
            return
        logger.error("routing %s stopped by the hard time limit", escalation_id)
        try:
            services.routing_record_failure(
                escalation_id=escalation_id,
                error=f"The routing ran past its time limit ({_seconds(exc)}) and was stopped. "
                "Accept or re-route it by hand.",
            )
        finally:
            # The main process holds no connection between tasks.
            connection.close()


def _seconds(exc) -> str:
    return f"{exc.args[0]:g} s" if exc.args and isinstance(exc.args[0], int | float) else "limit"


@shared_task(
    bind=True,
    base=RoutingTask,
    name="escalations.route_escalation",
    acks_late=True,
    max_retries=6,
)
def route_escalation(self, *, escalation_id: int) -> bool:
    """Route one escalation (see ``services.escalation_route``).

    Transient database errors are retried with backoff; a routing that cannot succeed (nobody
    to triage) or an unexpected error is recorded on the row as failed, with the reason,
    where coordinators see it. Returns whether this run routed it.
    """
    try:
        outcome = services.escalation_route(escalation_id=escalation_id)
    except routing.RoutingError as exc:
        services.routing_record_failure(escalation_id=escalation_id, error=str(exc))
        return False
    except SoftTimeLimitExceeded:
        # The claim was given back on the way out; record why it stopped.
        logger.error("routing %s stopped by the soft time limit", escalation_id)
        services.routing_record_failure(
            escalation_id=escalation_id,
            error="The routing took longer than its time limit and was stopped. "
            "Accept or re-route it by hand.",
        )
        return False
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.error("routing %s gave up after %s retries", escalation_id, self.max_retries)
            services.routing_record_failure(
                escalation_id=escalation_id,
                error=f"The database kept failing ({type(exc).__name__}); tried "
                f"{self.max_retries + 1} times.",
            )
            return False
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except Exception as exc:
        # Where it failed, but not the error's text: that can quote the row (a database
        # error's DETAIL), and what a volunteer wrote must not reach the logs. The text is
        # kept on the row, for the coordinators.
        logger.error(
            "routing %s failed (%s)\n%s",
            escalation_id,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        services.routing_record_failure(
            escalation_id=escalation_id, error=f"{type(exc).__name__}: {exc}"
        )
        return False
    if not outcome.routed:
        logger.info("escalation %s not routed by this run: %s", escalation_id, outcome.reason)
        if (
            self.request.retries
            and self.request.retries < self.max_retries
            and services.routing_claim_held(escalation_id=escalation_id)
        ):
            # A retry finding the row claimed: most likely our own claim, left behind when the
            # database went away before it could be given back. Come back once it is stale,
            # rather than leave it to beat's sweep.
            raise self.retry(countdown=services.claim_timeout().total_seconds() + 1)
    if settings.ROUTING_BACKLOG_BATCH and not self.request.is_eager:
        # A worker, not a web request routing in-process: help with the routings still
        # waiting, so that a flood clears in batches (and an urgent one is not left behind it).
        try:
            services.escalations_route_backlog(limit=settings.ROUTING_BACKLOG_BATCH)
        except TRANSIENT_ERRORS as exc:
            logger.warning("routing the backlog stopped (%s)", type(exc).__name__)
    return outcome.routed


# The sweep and the reminders name their queue: the routing pattern in CELERY_TASK_ROUTES
# ("escalations.*route*") would otherwise also catch "sweep_unrouted".
@shared_task(name="escalations.sweep_unrouted", queue="maintenance", acks_late=True)
def sweep_unrouted() -> int:
    """Enqueue the routing of every escalation still unrouted after ROUTING_SWEEP_AFTER, or
    claimed by a worker that is gone. Beat runs it every 30 s (livingwell/celery.py)."""
    ids = services.unrouted_ids()
    for pk in ids:
        route_escalation.apply_async(kwargs={"escalation_id": pk})
    if ids:
        logger.info("sweep re-enqueued %s unrouted escalations", len(ids))
    return len(ids)


@shared_task(name="escalations.remind_overdue", queue="maintenance", acks_late=True)
def remind_overdue() -> dict:
    """Remind owners, then locality leads, of escalations past their due time (each once)."""
    return services.escalations_remind_overdue()


@shared_task(
    name="escalations.notify_outcome",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def notify_outcome(*, escalation_id: int) -> bool:
    """Tell the volunteer what came of their observation (in the app and by email), once."""
    return services.outcome_notify_volunteer(escalation_id=escalation_id)


@shared_task(
    name="escalations.send_urgent_sms",
    acks_late=True,
    autoretry_for=(*TRANSIENT_ERRORS, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_urgent_sms(*, escalation_id: int) -> bool:
    """Text the on-call team leader who owns an urgent escalation, once."""
    return services.urgent_sms_send(escalation_id=escalation_id)
