"""Django's PostgreSQL backend, whose health check asks the socket before the server.

With persistent connections (``CONN_MAX_AGE``) and ``CONN_HEALTH_CHECKS``, Django sends
``SELECT 1`` before the first statement of every request and every Celery task, so that a
connection the server has closed (a restart, a fail-over, ``pg_terminate_backend``, an idle
timeout) is replaced before a statement fails on it. That is one more round trip for every
page: on the benchmark's machines 100 to 300 us of the app's CPU and some of the server's.

A server that ends a connection sends its reason and closes its end, and both leave something
to read on an idle connection's socket; a connection the server has not touched since its last
answer has nothing. So the check here first asks the operating system (``poll`` with no wait,
a few microseconds): nothing to read, and the connection is used as it is; anything at all,
and Django's own check (``SELECT 1``) decides, closing the connection if it fails. What no
check can see in time, a server gone without a word, makes ``SELECT 1`` wait as long as the
statement would.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base

# Whatever the server may have sent or done: data, urgent data, its end closed, an error.
_ANY_NEWS = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


def has_news(connection) -> bool:
    """Whether the server has sent or done anything on this idle psycopg2 connection since it
    last answered (True too if the connection is closed or has no socket)."""
    if connection.closed:
        return True
    try:
        fileno = connection.fileno()
    except Exception:  # psycopg2.InterfaceError and the like: no usable socket
        return True
    poller = select.poll()
    poller.register(fileno, _ANY_NEWS)
    return bool(poller.poll(0))


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not has_news(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
