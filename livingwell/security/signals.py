"""Receivers for signing in and out, failed sign-ins, and deactivation.

Deactivation can happen in the admin, a service, a shell or a data migration; a signal on the
user model is the one place all of them meet, so it is where sessions are ended.
"""

from __future__ import annotations

import logging
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from .middleware import SEEN_AT, SIGNED_IN_AT
from .policy import OPTED_IN_SESSION_KEY, is_staff_user
from .services import confirmed_totp_device, user_sessions_end

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="security_stamp_session")
def stamp_session(sender, request, user, **kwargs):
    """Start the session clocks, and remember whether a volunteer opted in to a code."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    if not is_staff_user(user) and confirmed_totp_device(user) is not None:
        request.session[OPTED_IN_SESSION_KEY] = True
    logger.info("user %s signed in", user.pk)


@receiver(user_login_failed, dispatch_uid="security_log_failure")
def log_failure(sender, credentials, request=None, **kwargs):
    """Every failed sign-in is logged with the username tried and the address; never the
    password (Django already hides it in ``credentials``; it is not read here at all)."""
    username = str(credentials.get("username", ""))[:150]
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    locked = bool(getattr(request, "axes_locked_out", False))
    logger.warning(
        "sign-in failed for username %r from %s%s",
        username,
        address,
        " (locked out)" if locked else "",
    )


@receiver(post_save, sender=get_user_model(), dispatch_uid="security_end_sessions")
def end_sessions_of_inactive_user(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        user_sessions_end(user=instance)
