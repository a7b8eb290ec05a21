"""Liveness and readiness probes for the proxy and the orchestrator."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse


def healthz(request):
    """The process answers. No database, no session: the ceiling of this stack."""
    return HttpResponse("ok", content_type="text/plain")


def _database_ok() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means not ready
        return type(exc).__name__
    return None


def _broker_ok() -> str | None:
    url = settings.CELERY_BROKER_URL
    if not url:
        return None  # tasks run in-process: there is no broker to reach
    from livingwell.celery import app

    try:
        with app.connection_for_write(url) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises several kinds when the broker is down
        return type(exc).__name__
    return None


def readyz(request):
    """The database and the broker are reachable: 200, or 503 naming what is down."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    down = sorted(name for name, error in checks.items() if error)
    body = {
        "status": "ok" if not down else "unavailable",
        "down": down,
        "checks": {
            name: ("ok" if not error else f"down ({error})") for name, error in checks.items()
        },
    }
    return JsonResponse(body, status=200 if not down else 503)
