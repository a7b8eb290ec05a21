"""Writes for signing in: authenticator devices and ending a user's sessions."""

from __future__ import annotations

import logging
import time
from base64 import b32encode

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from livingwell.models import Session

logger = logging.getLogger(__name__)

DEVICE_NAME = "Authenticator app"


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_device_for_setup(*, user) -> TOTPDevice:
    """The unconfirmed device a user is setting up: the same key until they confirm it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_device_check(*, user, device: TOTPDevice, code: str) -> bool:
    """Check a code against a device (throttled, and never accepting a code twice)."""
    return verify_token(user, device.persistent_id, code) is not None


@transaction.atomic
def totp_device_confirm(*, user, device: TOTPDevice) -> TOTPDevice:
    """Make a checked device the user's one authenticator; drop any other half-set-up ones."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    logger.info("second factor set up for user %s", user.pk)
    return device


def next_accepted_code(device: TOTPDevice, now: float | None = None) -> tuple[str, float]:
    """The code of the first step ``device`` will accept, and the seconds until it does (0 if
    it would now): for signing in without an app (``demo_otp_code``, the benchmark, tests).

    The device's steps are the clock's shifted by the drift it learnt from codes accepted off
    the clock (one a step ahead, after a sign-in moments before, moves it one on), and a step's
    code works once: after a sign-in the next one is the following step's, accepted within the
    device's tolerance of its own present step."""
    now = time.time() if now is None else now
    now_t = int((now - device.t0) // device.step) + device.drift
    t = max(now_t, device.last_t + 1)
    # The device's step t is the clock's step t - drift.
    ready = device.t0 + (t - device.tolerance - device.drift) * device.step
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = device.t0 + (t - device.drift) * device.step
    return f"{totp.token():0{device.digits}d}", max(0.0, ready - now)


def base32_key(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32 in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def user_sessions_end(*, user) -> int:
    """End every session of ``user`` (they are signed out everywhere); returns how many.

    Each session row names its user (``livingwell.models.Session``, written from the session
    data whenever the session is saved), so they are removed by user, in one statement.
    """
    ended, _ = Session.objects.filter(user_id=user.pk).delete()
    if ended:
        logger.info("ended %s session(s) of user %s", ended, user.pk)
    return ended


def invitation_email(*, user, by) -> bool:
    """Email a new user a link to choose their password (the password-reset link: it works
    once, for PASSWORD_RESET_TIMEOUT). Sends nothing, and returns False, to a user without
    email or who has chosen a password already (a task run twice sends one link)."""
    if not user.email or user.has_usable_password():
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("account:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    context = {
        "user": user,
        "by": by.get_full_name() or by.get_username(),
        "link": settings.SITE_URL + path,
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    subject = render_to_string("security/password/invite_subject.txt", context).strip()
    body = render_to_string("security/password/invite_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    logger.info("invitation emailed to user %s for user %s", user.pk, by.pk)
    return True
