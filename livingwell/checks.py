"""System checks for what production needs (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def production_services(app_configs, **kwargs):
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != settings.POSTGRESQL_ENGINE:
        problems.append(
            Warning(
                "DATABASE_URL does not point at PostgreSQL.",
                hint="Set DATABASE_URL=postgres://user:password@host:5432/livingwell.",
                id="livingwell.W001",
            )
        )
    if not settings.CELERY_BROKER_URL:
        problems.append(
            Warning(
                "CELERY_BROKER_URL is not set: tasks run inside the web process.",
                hint="Set CELERY_BROKER_URL=redis://host:6379/0 and run Celery workers and beat.",
                id="livingwell.W002",
            )
        )
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend")):
        problems.append(
            Warning(
                "Email is not delivered (console backend).",
                hint="Set EMAIL_URL=smtp+tls://user:password@host:587.",
                id="livingwell.W003",
            )
        )
    return problems
