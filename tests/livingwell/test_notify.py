"""``livingwell.services.notify``: once per key, the email enqueued once, in the app at once."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from livingwell.models import Notification
from livingwell.services import notify

pytestmark = pytest.mark.django_db


def test_the_same_key_notifies_once_and_emails_once(
    coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(user=coordinator, subject="Routed to you", key="escalation-1-routed")
        again = notify(user=coordinator, subject="Routed to you again", key="escalation-1-routed")
    assert again.pk == first.pk
    assert Notification.objects.filter(key="escalation-1-routed").count() == 1
    assert Notification.objects.get(pk=first.pk).subject == "Routed to you"
    assert [m.subject for m in mail.outbox] == ["Routed to you"]


def test_a_repeated_key_inside_a_transaction_leaves_the_transaction_usable(coordinator):
    with transaction.atomic():
        notify(user=coordinator, subject="One", key="k-1", email=False)
        notify(user=coordinator, subject="Two", key="k-1", email=False)
        notify(user=coordinator, subject="Three", key="k-2", email=False)
    assert sorted(Notification.objects.values_list("subject", flat=True)) == ["One", "Three"]


def test_without_a_key_each_call_notifies(coordinator):
    notify(user=coordinator, subject="A", email=False)
    notify(user=coordinator, subject="A", email=False)
    assert Notification.objects.filter(user=coordinator).count() == 2


def test_an_insert_failing_for_another_reason_is_not_taken_for_a_repeat(db):
    with pytest.raises(IntegrityError):  # no user: NOT NULL fails, not the key
        notify(user=None, subject="Lost", key="k-3", email=False)
    assert not Notification.objects.filter(key="k-3").exists()
