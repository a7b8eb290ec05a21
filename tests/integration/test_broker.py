"""The Redis transport (livingwell/broker.py): one Redis client per channel, every message
delivered."""

import pytest
import redis

from livingwell import broker
from livingwell.celery import ping
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
