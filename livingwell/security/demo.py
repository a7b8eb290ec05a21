"""Demo authenticator devices: every demo staff user shares one known key, so a newcomer adds
one entry to an authenticator app (or runs ``manage.py demo_otp_code``). Demo data only."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from livingwell.models import User

from .policy import is_staff_user

# 20 bytes, hex, as django-otp stores keys. Its base32 form is printed by seed_demo.
DEMO_TOTP_KEY = "4c6976696e672057656c6c2064656d6f206b6579"  # noqa: S105 - the demo's published key
DEMO_DEVICE_NAME = "Demo authenticator"


def seed(stdout) -> None:
    from livingwell.demo import USERS

    for user in User.objects.filter(username__in=[u[0] for u in USERS]):
        if is_staff_user(user) and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(
                user=user, name=DEMO_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True
            )


def describe(stdout) -> None:
    from .services import base32_key

    key = base32_key(TOTPDevice(key=DEMO_TOTP_KEY))
    stdout.write(
        "Staff (every role but volunteers) then enter a code from an authenticator app.\n"
        f"  Add this key to the app once (it serves every demo staff user): {key}\n"
        "  or print the current code with: DEBUG=1 .venv/bin/python manage.py demo_otp_code "
        "USERNAME"
    )
