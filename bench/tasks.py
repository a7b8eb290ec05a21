"""The benchmark's trivial task: the baseline that routing throughput is compared with.

The routing worker loads it with ``celery worker --include bench.tasks``; it is not part of the
app. It writes one row, as routing does, so the baseline pays for a database round trip too.
"""

from celery import shared_task


@shared_task(name="bench.touch", acks_late=True)
def touch(*, user_id: int, key: str) -> None:
    """Write one notification row (never emailed); its ``created_at`` times the task."""
    from livingwell.models import Notification

    Notification.objects.create(user_id=user_id, subject="Benchmark", key=key, send_email=False)
