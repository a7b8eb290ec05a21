"""The producer each process keeps for its sends (livingwell/queue.py)."""

import base64
import json
import os
import threading

import pytest
import redis
from kombu import Producer

from escalations.tasks import route_escalation
from livingwell import queue
from livingwell.queue import KeptProducer, enqueue
from tests.conftest import require_or_skip
from tests.escalations.worker import PrivateRedis, broker, free_port
from tests.workers import real_broker

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def revived(monkeypatch):
    """Each time a producer is given a channel (made or taken from Celery's pool)."""
    calls = []
    revive = Producer.revive

    def counting(self, channel):
        calls.append(self)
        return revive(self, channel)

    monkeypatch.setattr(Producer, "revive", counting)
    return calls


@pytest.fixture
def kept(monkeypatch):
    """A kept producer of the test's own, so that no other test's is reused."""
    kept = KeptProducer()
    monkeypatch.setattr(queue, "_KEPT", kept)
    return kept


def _send(capture, *ids):
    with capture(execute=True):
        for pk in ids:
            enqueue(route_escalation, escalation_id=pk)


def _queued(url) -> list[int]:
    """The escalations whose routing waits on the queue."""
    return [
        json.loads(base64.b64decode(json.loads(raw)["body"]))[1]["escalation_id"]
        for raw in redis.Redis.from_url(url).lrange("routing", 0, -1)
    ]


def _refused(**options):
    raise ConnectionError("the broker went away")


def test_sends_share_one_producer_and_all_arrive(
    broker_url, kept, revived, django_capture_on_commit_callbacks
):
    with real_broker(broker_url):
        _send(django_capture_on_commit_callbacks, 1, 2, 3, 4, 5)
    # Given its channel once; Celery's pool gives a producer its channel again for every send.
    assert len(revived) == 1
    assert sorted(_queued(broker_url)) == [1, 2, 3, 4, 5]


def test_a_new_producer_for_a_new_broker(
    broker_url, kept, revived, django_capture_on_commit_callbacks
):
    with real_broker(broker_url):
        _send(django_capture_on_commit_callbacks, 1)
        first = kept._producer
    with real_broker(broker_url):  # the app's pools replaced, as a change of broker does
        _send(django_capture_on_commit_callbacks, 2)
        second = kept._producer
    assert first is not second
    assert sorted(_queued(broker_url)) == [1, 2]


def test_a_forked_process_takes_its_own(
    broker_url, kept, monkeypatch, django_capture_on_commit_callbacks
):
    with real_broker(broker_url):
        _send(django_capture_on_commit_callbacks, 1)
        parents = kept._producer
        released = []
        monkeypatch.setattr(
            parents.__connection__, "release", lambda: released.append(True), raising=False
        )
        kept.after_fork_in_child()  # what the fork hook does in a child
        _send(django_capture_on_commit_callbacks, 2)
        assert kept._producer is not parents
    assert released == [], "the parent's connection is not the child's to give back"
    assert sorted(_queued(broker_url)) == [1, 2]


def test_a_child_forked_during_a_send_sends_with_its_own(broker_url):
    """A real fork while the parent's producer is in use: the child neither waits for the
    parent's lock nor uses the parent's producer."""
    from livingwell.celery import app

    with real_broker(broker_url), queue._KEPT.producer(app) as parents:
        assert parents is not None
        pid = os.fork()
        if pid == 0:  # the child: report by exit code, never return into pytest
            code = 1
            try:
                with queue._KEPT.producer(app) as childs:
                    code = 0 if childs is not None and childs is not parents else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_failed_send_drops_the_producer(
    broker_url, kept, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    with real_broker(broker_url):
        _send(django_capture_on_commit_callbacks, 1)
        first = kept._producer
        given_back = []
        release = first.__connection__.release
        monkeypatch.setattr(
            first.__connection__, "release", lambda: given_back.append(release()), raising=False
        )
        send = route_escalation.apply_async
        monkeypatch.setattr(route_escalation, "apply_async", _refused)
        _send(django_capture_on_commit_callbacks, 2)  # logged, not raised
        monkeypatch.setattr(route_escalation, "apply_async", send)
        assert kept._producer is None and len(given_back) == 1
        _send(django_capture_on_commit_callbacks, 3)
        assert kept._producer is not None and kept._producer is not first
    assert "could not enqueue" in caplog.text
    assert sorted(_queued(broker_url)) == [1, 3]


def test_a_second_thread_sends_through_celerys_pool(broker_url, kept):
    from livingwell.celery import app

    got = []
    with real_broker(broker_url), kept.producer(app) as mine:
        other = threading.Thread(target=lambda: got.append(kept.producer(app).__enter__()))
        other.start()
        other.join()
    assert mine is not None and got == [None]


def test_sends_go_on_after_redis_restarts(kept, django_capture_on_commit_callbacks):
    if not PrivateRedis.available():
        require_or_skip("redis-server is needed to restart a broker of our own")
    server = PrivateRedis(free_port()).start()
    try:
        with broker(server.url):
            _send(django_capture_on_commit_callbacks, 1)
            producer = kept._producer
            server.stop()
            server.start()  # empty: it keeps nothing on disk
            _send(django_capture_on_commit_callbacks, 2)
            # Celery's retry connected again and revived the kept producer.
            assert kept._producer is producer
            assert _queued(server.url) == [2]
    finally:
        server.stop()
        server.remove()
