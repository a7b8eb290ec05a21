"""Print a code a demo staff user can enter now, for a newcomer without an authenticator app."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from livingwell.security.demo import DEMO_TOTP_KEY
from livingwell.security.services import next_accepted_code


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
        code, wait = next_accepted_code(device)
        if wait:
            raise CommandError(f"The last code was used just now; try again in {int(wait) + 1} s.")
        self.stdout.write(code)
