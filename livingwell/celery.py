"""The Celery app, wired to Django settings (``CELERY_*``), and the one beat schedule."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livingwell.settings")

app = Celery("livingwell")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
