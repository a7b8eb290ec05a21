"""kombu's Redis transport, with one Redis client per channel for the commands it sends.

kombu's Redis channel makes a new ``redis.Redis`` for every command it sends outside its
consumer (each publish, each queue length it asks for). redis-py builds a client's table of
about 170 reply parsers when it is made: 0.2-0.3 ms here, more than the publish's own round
trip to Redis, on every observation sent. A client holds no connection of its own (each command
takes one from the channel's pool and gives it back, and is thread-safe for it), so one client
made when first needed serves every command of the channel, until the channel's pool is
replaced (after a fork, or once the channel has dropped its connections) or the channel is
replaced (after a lost connection).

Used when the broker is Redis (``CELERY_BROKER_TRANSPORT`` in the settings).

On this transport a task sent to a queue by its name (Celery sends every task routed to a direct
queue so, by the default exchange) is pushed straight onto the queue's list: declaring the queue
first only records its binding to its exchange, which that path never reads, and which the
worker records itself as it starts. kombu still checks on every publish whether it declared the
queue on this connection, binding a copy of the queue and of its exchange to find out: a fifth
of a publish's instructions. ``livingwell.queue.enqueue`` sends without it here.
"""

from __future__ import annotations

from contextlib import contextmanager

from kombu.transport import redis

TRANSPORT = f"{__name__}:Transport"


class Channel(redis.Channel):
    _commands_client = None

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client:
            yield client
            return
        kept = self._commands_client
        if kept is None or kept.connection_pool is not self.pool:
            kept = self._commands_client = self._create_client()
        yield kept


class Transport(redis.Transport):
    Channel = Channel
