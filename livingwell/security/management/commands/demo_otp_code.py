"""Print a code a demo staff user can enter now, for a newcomer without an authenticator app."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from livingwell.security.demo import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the next code a demo staff user can sign in with (DEBUG only; demo key only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_otp_code works only with DEBUG=1, on demo data.")
        device = TOTPDevice.objects.filter(
            user__username=username, confirmed=True, key=DEMO_TOTP_KEY
        ).first()
        if device is None:
            raise CommandError(
                f"{username} has no demo authenticator: volunteers sign in without a code; "
                "for staff, run seed_demo first."
            )
        # The device's steps are the clock's shifted by its drift, which it learns from each
        # code accepted (one a step ahead, after a sign-in moments before, moves it one on).
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        now_t = totp.t()
        # A code is accepted once: after a sign-in, the next one is the following step's.
        t = max(now_t, device.last_t + 1)
        if t > now_t + device.tolerance:
            ready = (t - device.tolerance - device.drift) * device.step + device.t0
            wait = int(ready - time.time()) + 1
            raise CommandError(f"The last code was used just now; try again in {wait} s.")
        # The code of the device's step t: the clock's step t - drift.
        totp.time = (t - device.drift) * device.step + device.t0
        self.stdout.write(f"{totp.token():0{device.digits}d}")
