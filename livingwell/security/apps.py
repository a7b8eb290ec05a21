from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SecurityConfig(AppConfig):
    name = "livingwell.security"
    label = "security"
    verbose_name = "Security"

    def ready(self):
        from . import signals  # noqa: F401  (connects the sign-in and deactivation receivers)


class SecondFactorAdminConfig(admin_apps.AdminConfig):
    """The Django admin, on a site that asks for the second factor too (see admin_site.py)."""

    default = False
    default_site = "livingwell.security.admin_site.SecondFactorAdminSite"
