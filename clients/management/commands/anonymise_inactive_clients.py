"""Anonymise clients with no contact for the retention period (the nightly task, by hand)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clients.selectors import clients_without_contact_since
from clients.services import clients_anonymise_inactive, retention_cutoff


class Command(BaseCommand):
    help = "Anonymise clients with no contact for RETENTION_YEARS (default 8). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=None, help="instead of RETENTION_YEARS")
        parser.add_argument("--dry-run", action="store_true", help="say how many, change nothing")

    def handle(self, *args, years=None, dry_run=False, **options):
        years = settings.RETENTION_YEARS if years is None else years
        if years < 1:
            raise CommandError("--years must be at least 1")
        cutoff = retention_cutoff(years=years)
        if dry_run:
            count = clients_without_contact_since(cutoff).count()
            self.stdout.write(f"{count} client(s) with no contact since {cutoff:%d %b %Y}")
            return
        count = clients_anonymise_inactive(years=years)
        self.stdout.write(f"Anonymised {count} client(s) with no contact since {cutoff:%d %b %Y}")
