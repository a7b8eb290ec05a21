"""Enqueueing Celery tasks after the commit, without ever failing the request."""

from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager

from django.db import transaction

from livingwell.broker import TRANSPORT as REDIS_TRANSPORT

logger = logging.getLogger(__name__)


def enqueue(task, **kwargs) -> None:
    """Send ``task`` with keyword arguments once the current transaction commits.

    A broker that is down is logged, not raised: the row that needs the work is already
    committed, and the periodic sweep for that kind of work picks it up later.
    """

    options = _reprs(kwargs)

    def send():
        try:
            if task.app.conf.broker_transport == REDIS_TRANSPORT:
                # Pushed straight onto the queue's list, with no declaration to check
                # (livingwell/broker.py), by the producer this process keeps.
                with _KEPT.producer(task.app) as producer:
                    task.apply_async(kwargs=kwargs, producer=producer, declare=[], **options)
            else:
                task.apply_async(kwargs=kwargs, **options)
        except Exception:  # broker unreachable: kombu raises several kinds
            logger.warning(
                "could not enqueue %s; the sweep will pick it up", task.name, exc_info=True
            )

    transaction.on_commit(send)


class KeptProducer:
    """A producer this process keeps between sends, used by one thread at a time.

    Celery takes a producer from the app's pool for each send and gives it back afterwards;
    kombu's pool drops the producer's connection as it comes back and takes one again, binding
    the producer anew, as it goes out: about a tenth of a send's instructions. The producer kept
    here takes its connection from the app's pool once and keeps it.

    Its sends are Celery's own (``apply_async`` with ``producer``), retry included: on a lost
    connection (Redis restarted) kombu connects again and revives this producer before it gives
    up, as it does for a pooled one. A send that still fails drops the kept producer, its
    connection given back, and the next send takes a new one. A new producer is also taken when
    the app's producer pool is replaced (its broker changed); a process forked from the one
    that took it starts with none (``os.register_at_fork``). A thread that finds the producer
    in use by another gets None, and Celery takes one from the pool for it as before.
    """

    def __init__(self):
        self.after_fork_in_child()

    @contextmanager
    def producer(self, app):
        if not self._lock.acquire(blocking=False):
            yield None
            return
        try:
            pool = app.amqp.producer_pool
            if self._pool is not pool:  # none yet, dropped, or the broker changed
                self._drop()
                self._producer = pool.create_producer()
                self._pool = pool
            try:
                yield self._producer
            except BaseException:
                self._drop()
                raise
        finally:
            self._lock.release()

    def after_fork_in_child(self) -> None:
        """A forked child's own lock (a thread of the parent's may have held it, and that
        thread is not in the child) and no producer (the parent's connection is not the
        child's to use or give back)."""
        self._lock = threading.Lock()
        self._producer = self._pool = None

    def _drop(self) -> None:
        producer, self._producer, self._pool = self._producer, None, None
        if producer is not None and producer.__connection__ is not None:
            try:
                producer.__connection__.release()
            except Exception:  # a connection already lost: nothing to give back
                logger.debug("dropping a kept producer's connection failed", exc_info=True)


_KEPT = KeptProducer()
os.register_at_fork(after_in_child=_KEPT.after_fork_in_child)


def _reprs(kwargs: dict) -> dict:
    """The arguments as a task message shows them (its ``argsrepr`` and ``kwargsrepr``), for
    the ids our tasks take: what Celery's ``saferepr`` would write, for a fraction of its cost
    (about a tenth of a publish). Anything else is left to ``saferepr``."""
    if all(type(value) is int for value in kwargs.values()):
        return {"argsrepr": "()", "kwargsrepr": repr(kwargs)}
    return {}
