"""The Celery app, wired to Django settings (``CELERY_*``), and the one beat schedule."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livingwell.settings")

app = Celery("livingwell")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery's Django fix-up closes every database connection around every task, whatever
# CONN_MAX_AGE says: a new PostgreSQL connection per routing was a sixth of its cost. It now
# closes them only once per thousand tasks, and between tasks the connections are checked the
# way Django checks them between requests (below): dropped when older than CONN_MAX_AGE or after
# an error, and health-checked before the next query (CONN_HEALTH_CHECKS), so a database restart
# costs a retry, never a worker stuck on a dead connection.
app.conf.CELERY_DB_REUSE_MAX = 1000  # the key the fix-up reads, as spelt there


@app.on_after_configure.connect
def _in_process_broker(sender, **kwargs) -> None:
    """No broker configured (a laptop, the tests): tasks run in-process, but Celery still takes
    a producer for each, and on kombu's default transport every connection it made logged "No
    hostname was supplied". kombu's in-memory transport stands in, reached by nothing."""
    if sender.conf.task_always_eager and not sender.conf.broker_url:
        sender.conf.broker_url = "memory://localhost/"
        sender.conf.broker_transport = None


@task_prerun.connect
@task_postrun.connect
def close_old_connections(task=None, **kwargs) -> None:
    if task is not None and getattr(task.request, "is_eager", False):
        # In-process (no broker, or a test): the caller owns the connection and may be inside
        # a transaction.
        return
    from django.db import close_old_connections as close

    close()


# Every periodic job lives here, one entry each, with why it runs when it does.
app.conf.beat_schedule = {
    # Observations whose routing never ran (broker down at submit, worker lost) are picked up
    # again within a minute or so: nothing is lost.
    "escalations-sweep-unrouted": {
        "task": "escalations.sweep_unrouted",
        "schedule": 30.0,
    },
    # Owners, then the locality's lead, hear of escalations past their due time.
    "escalations-remind-overdue": {
        "task": "escalations.remind_overdue",
        "schedule": 300.0,
    },
    # Notifications whose email failed to send are retried.
    "livingwell-sweep-notifications": {
        "task": "livingwell.sweep_unsent_notifications",
        "schedule": 300.0,
    },
    # A confidentiality agreement published ahead comes into force at midnight: the volunteers
    # whose signature lapsed come off MDT agendas before the day's meetings.
    "volunteers-agreements-in-force": {
        "task": "volunteers.sweep_agreements_in_force",
        "schedule": crontab(hour=0, minute=5),
    },
    # The evidence dashboard's default figures are worked out ahead, more often than they are
    # kept (EVIDENCE_FIGURES_SECONDS, 600 s), so a board never waits seconds for a region's.
    "evidence-keep-figures-ready": {
        "task": "evidence.keep_figures_ready",
        "schedule": 300.0,
    },
    # Sessions past their expiry (12 hours at most after signing in) are removed, at night.
    "livingwell-clear-expired-sessions": {
        "task": "livingwell.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Clients with no contact for the retention period are anonymised, at night.
    "clients-retention": {
        "task": "clients.retention_anonymise",
        "schedule": crontab(hour=2, minute=30),
    },
}


@app.task(name="livingwell.ping", ignore_result=False)
def ping(*, value: int = 0) -> int:
    """A trivial task: the health check and the benchmark's baseline."""
    return value
