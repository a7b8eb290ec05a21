"""The Redis transport (livingwell/broker.py): one Redis client per channel, every message
delivered."""

import json

import pytest
import redis
from celery.utils.saferepr import saferepr

from escalations.tasks import route_escalation
from livingwell import broker
from livingwell.celery import ping
from livingwell.queue import _reprs, enqueue
from livingwell.settings import broker_transport
from tests.workers import real_broker

pytestmark = pytest.mark.integration


@pytest.fixture
def clients_made(monkeypatch):
    """The Redis clients the transport's channels make for their commands, as they are made
    (not the one each channel keeps for its consumer's blocking reads)."""
    made = []
    create = broker.Channel._create_client

    def counting(self, asynchronous=False):
        client = create(self, asynchronous=asynchronous)
        if not asynchronous:
            made.append((self, client))
        return client

    monkeypatch.setattr(broker.Channel, "_create_client", counting)
    return made


def _publish(app, n: int) -> None:
    with app.producer_or_acquire() as producer:
        for i in range(n):
            ping.apply_async(kwargs={"value": i}, queue="default", producer=producer)


def test_publishes_share_one_client_and_all_arrive(broker_url, clients_made):
    with real_broker(broker_url) as app:
        assert app.connection_for_write().transport_cls == "livingwell.broker:Transport"
        _publish(app, 5)
    # The channel's first command made its client; the four publishes after it made none.
    assert len(clients_made) == 1
    assert redis.Redis.from_url(broker_url).llen("default") == 5


def test_new_pool_gets_a_new_client(broker_url, clients_made):
    with real_broker(broker_url) as app, app.producer_or_acquire() as producer:
        channel = producer.channel
        ping.apply_async(kwargs={"value": 1}, queue="default", producer=producer)
        first = channel._commands_client
        # As after a fork: the channel drops its pools and makes new ones when next used.
        channel._disconnect_pools()
        ping.apply_async(kwargs={"value": 2}, queue="default", producer=producer)
        second = channel._commands_client
    assert [client for made_by, client in clients_made if made_by is channel] == [first, second]
    assert first.connection_pool is not second.connection_pool
    assert redis.Redis.from_url(broker_url).llen("default") == 2


def test_transport_is_chosen_for_redis_only():
    assert broker_transport("redis://127.0.0.1:6379/0") == "livingwell.broker:Transport"
    assert broker_transport("rediss://cache.example.org:6380/0") == "livingwell.broker:Transport"
    assert broker_transport("amqp://guest@127.0.0.1//") is None
    assert broker_transport("") is None


def test_a_publish_reads_no_setting_django_lacks(broker_url, monkeypatch):
    """Celery looks a setting up in Django's settings under several names before its own
    defaults; each name Django lacks raises inside Django's settings. The settings Celery reads
    on every publish are named in ours, so a publish raises none."""
    from django.conf import LazySettings

    missing = []
    look_up = LazySettings.__getattr__

    def noting(self, name):
        try:
            return look_up(self, name)
        except AttributeError:
            missing.append(name)
            raise

    with real_broker(broker_url) as app:
        _publish(app, 1)  # the connection and its pools, made once
        monkeypatch.setattr(LazySettings, "__getattr__", noting)
        _publish(app, 2)
        route_escalation.apply_async(kwargs={"escalation_id": 1}, **_reprs({"escalation_id": 1}))
    assert missing == []
    messages = redis.Redis.from_url(broker_url).lrange("routing", 0, -1)
    headers = json.loads(messages[0])["headers"]
    assert (headers["argsrepr"], headers["kwargsrepr"]) == ("()", "{'escalation_id': 1}")


@pytest.mark.parametrize(
    "kwargs", [{"escalation_id": 12}, {"user_id": 3, "by_id": 99999999999}, {}]
)
def test_the_ids_a_task_is_sent_show_as_celery_would_show_them(kwargs):
    assert _reprs(kwargs) == {"argsrepr": saferepr(()), "kwargsrepr": saferepr(kwargs)}


@pytest.mark.parametrize("kwargs", [{"note": "a"}, {"at": 1.5}, {"flag": True}])
def test_other_arguments_are_left_to_celery(kwargs):
    assert _reprs(kwargs) == {}


def _options_sent(monkeypatch, capture) -> dict:
    sent = []
    monkeypatch.setattr(route_escalation, "apply_async", lambda **options: sent.append(options))
    with capture(execute=True):
        enqueue(route_escalation, escalation_id=7)
    (options,) = sent
    return options


@pytest.mark.django_db
def test_on_redis_a_task_is_sent_without_declaring_its_queue(
    broker_url, monkeypatch, django_capture_on_commit_callbacks
):
    with real_broker(broker_url):
        options = _options_sent(monkeypatch, django_capture_on_commit_callbacks)
    assert options["declare"] == []
    assert options["kwargs"] == {"escalation_id": 7}


@pytest.mark.django_db
def test_on_any_other_transport_celery_declares_as_it_does(
    monkeypatch, django_capture_on_commit_callbacks
):
    from livingwell.celery import app

    # The transport the broker URL's scheme names (RabbitMQ's, say): kombu's own.
    monkeypatch.setitem(app.conf, "broker_transport", None)
    options = _options_sent(monkeypatch, django_capture_on_commit_callbacks)
    assert "declare" not in options


def test_every_route_names_a_direct_queue_only():
    """Sending without declaring (above) holds for a task routed to a direct queue, which
    Celery sends by the default exchange straight to the queue's list: the routes name queues,
    never an exchange, and every queue's exchange is direct."""
    from django.conf import settings

    from livingwell.celery import app

    assert all(set(route) == {"queue"} for route in settings.CELERY_TASK_ROUTES.values())
    names = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    for name in names | {settings.CELERY_TASK_DEFAULT_QUEUE}:
        assert app.amqp.queues[name].exchange.type == "direct"
