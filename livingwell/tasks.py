"""Tasks for notifications: thin, named, idempotent."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification, User

logger = logging.getLogger(__name__)

# Emails: acknowledged when sent, retried with backoff while the mail server fails.
EMAIL_TASK = {
    "acks_late": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(
    name="livingwell.send_notification_email",
    **EMAIL_TASK,
)
def send_notification_email(*, notification_id: int) -> None:
    """Email one notification, once: a conditional update claims it before sending."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, send_email=True, emailed_at__isnull=True
    ).update(emailed_at=now)
    if not claimed:
        logger.info("notification %s already emailed or gone", notification_id)
        return
    n = Notification.objects.select_related("user").get(pk=notification_id)
    body = n.body
    if n.url:
        body = f"{body}\n\n{settings.SITE_URL}{n.url}"
    try:
        send_mail(n.subject, body, None, [n.user.email])
    except OSError:
        # Give the claim back so a retry (or the sweep) can send it.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise


@shared_task(
    name="livingwell.send_invitation_email",
    **EMAIL_TASK,
)
def send_invitation_email(*, user_id: int, by_id: int) -> bool:
    """Email a new user the link to choose their password (``invitation_email``). The link is
    made here, in the worker: the token never travels through the broker."""
    from .security.services import invitation_email

    users = User.objects.in_bulk([user_id, by_id])
    if user_id not in users or by_id not in users:
        return False
    return invitation_email(user=users[user_id], by=users[by_id])


@shared_task(name="livingwell.sweep_unsent_notifications", acks_late=True)
def sweep_unsent_notifications() -> int:
    """Re-enqueue emails that were never sent (broker down when they were made)."""
    cutoff = timezone.now() - timedelta(minutes=2)
    ids = list(
        Notification.objects.filter(send_email=True, emailed_at__isnull=True, created_at__lt=cutoff)
        .exclude(user__email="")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        send_notification_email.delay(notification_id=pk)
    return len(ids)


@shared_task(name="livingwell.clear_expired_sessions", acks_late=True)
def clear_expired_sessions() -> int:
    """Remove the sessions past their expiry (``manage.py clearsessions``, as a task): nobody
    can use them, and each names who signed in with it and when. Returns how many."""
    from .models import Session

    removed, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return removed
