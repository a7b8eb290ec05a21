"""Second-factor helpers for tests: a known key, codes from it, and a verified session.

Browser tests sign in through the pages: give the user a device with ``give_totp_device``
(or use the demo's), then type ``next_code(device)`` into the code step. ``KNOWN_KEY_BASE32``
is the same key as an authenticator app would take it.
"""

from __future__ import annotations

import time
from base64 import b32encode

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from livingwell.security.policy import is_staff_user
from livingwell.security.services import next_accepted_code

KNOWN_KEY = b"Living Well test key".hex()  # 20 bytes, hex as django-otp stores it
KNOWN_KEY_BASE32 = b32encode(bytes.fromhex(KNOWN_KEY)).decode()


def give_totp_device(user, *, key: str = KNOWN_KEY, confirmed: bool = True) -> TOTPDevice:
    """The user's authenticator device with ``key`` (made once)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=confirmed, defaults={"name": "Test app", "key": key}
    )
    return device


def totp_code(key: str = KNOWN_KEY, *, at: float | None = None, steps: int = 0) -> str:
    """The 6-digit code for ``key`` at time ``at`` (now), ``steps`` periods later."""
    totp = TOTP(bytes.fromhex(key))
    totp.time = (time.time() if at is None else at) + steps * 30
    return f"{totp.token():06d}"


def next_code(device: TOTPDevice) -> str:
    """A code the device will accept now: never the one used last (a code works once).

    After a sign-in in the same 30 seconds this is the next period's code (within the
    tolerance of one period); only when that one is used too does it wait.
    """
    device.refresh_from_db()
    code, wait = next_accepted_code(device)
    if wait:
        time.sleep(wait + 0.05)
    return code


def verify_session(client, user) -> None:
    """Mark the test client's session as having entered the second factor, as the code step
    does. Only for users who need one; others are left as they are."""
    if not is_staff_user(user):
        return
    device = give_totp_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def force_login_verified(client, user):
    """``client.force_login(user)`` plus the second factor: a fully signed-in client. (Under
    pytest tests/conftest.py makes ``force_login`` do this already; this helper says it.)"""
    client.force_login(user)
    verify_session(client, user)
    return client
