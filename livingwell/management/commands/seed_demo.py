"""Fill the database with demo data for the whole product; running it again changes nothing.

Each app that has demo data keeps it in its own ``demo.py`` with a ``seed(stdout)`` function;
they run in the order of INSTALLED_APPS, so an app's data can lean on the apps below it.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create demo localities, practices, users and data for every capability (idempotent)."

    def handle(self, *args, **options):
        from livingwell.demo import DEMO_PASSWORD, USERS

        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if find_spec(config.name) and find_spec(module_name):
                    import_module(module_name).seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with:"))
        for username, _first, _last, role, locality, _ in USERS:
            where = f", {locality}" if locality else ""
            self.stdout.write(f"  {username:22} {DEMO_PASSWORD}   ({role.label}{where})")
        from livingwell.security.demo import describe

        describe(self.stdout)
