"""A task goes through a real Redis broker to a real Celery worker and changes a row."""

import pytest
from django.core import mail

from livingwell.models import Notification
from livingwell.services import notify
from tests.factories import UserFactory
from tests.workers import celery_worker, real_broker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("celery")]


def test_notification_email_sent_by_real_worker(postgres, broker_url):
    user = UserFactory(email="colin@example.org")
    with celery_worker(broker_url, queues="notifications"), real_broker(broker_url):
        notification = notify(user=user, subject="A volunteer needs you", key="it-1")
        sent = wait_for(
            lambda: Notification.objects.filter(
                pk=notification.pk, emailed_at__isnull=False
            ).exists(),
            timeout=30,
        )
    assert sent
    # The email left from the worker process, not this one.
    assert mail.outbox == []


def test_same_key_notifies_once_through_worker(postgres, broker_url):
    user = UserFactory(email="colin@example.org")
    with celery_worker(broker_url, queues="notifications"), real_broker(broker_url):
        first = notify(user=user, subject="Overdue", key="it-2")
        again = notify(user=user, subject="Overdue", key="it-2")
        wait_for(lambda: Notification.objects.filter(emailed_at__isnull=False).count() == 1)
    assert first.pk == again.pk
    assert Notification.objects.filter(user=user).count() == 1
