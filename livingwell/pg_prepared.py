"""The statements of every signed-in page, planned by PostgreSQL once per connection.

Django's PostgreSQL backend, on psycopg2, sends every statement as text with its values written
in, so the server parses and plans it afresh on every request. For a lookup by key, planning
costs more than running it: on the 1,000,000-observation world (pgbench, one client) the
escalation page's 17 reads took 3.9 ms as text and 1.5 ms prepared, and the server shares the
machine's cores with gunicorn.

A statement is prepared only if it has been declared safe to plan once (``plan_once``): its
values are ids and the like, compared by equality with indexed columns, and every fixed value
(a state, a flag) is written into the SQL, not sent as a value. That matters: a plan made once
for any value cannot use a partial index whose condition it cannot see (``state <> 'closed'``),
and PostgreSQL then prefers a sequential scan of a million rows. ``livingwell.prepared`` does
both for the lookups marked ``plan_once=True``, and ``livingwell.prepared``'s inserts are
declared too (``plan_once(sql, insert=True)``): an INSERT of values has one plan whatever they
are, and parsing and planning it cost the server more than writing the rows: the observation
POST's four rows in one statement took 730 us of its CPU as text and 496 prepared (pgbench, 450
a second, 16 at once). Nothing else is ever prepared.

``PreparingConnection`` and ``PreparingCursor`` (psycopg2's ``connection_factory`` and
``cursor_factory``, set in ``DATABASES["default"]["OPTIONS"]``) send ``PREPARE`` the first
time a connection runs such a statement and ``EXECUTE`` with the values from then on. The
parameters are declared with the values' types, so the server never guesses one; an insert's
take their columns' types, which the server reads from where each stands. A statement
the server refuses to prepare runs as text and is not tried again on that connection; inside a
transaction the attempt is made in a savepoint, so a refusal never aborts the transaction.
Prepared statements last as long as the connection (``CONN_MAX_AGE``) and survive a rollback;
one the server no longer has (``DISCARD ALL``) or whose tables changed (a migration) is
prepared again. Django's query log shows the statement with its values, not ``EXECUTE``.

Behind a pooler that does not keep a server connection per client (PgBouncer in transaction
mode), turn this off: ``DATABASE_PREPARE=0``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable

import psycopg2
from psycopg2 import errors, extensions

_PLACEHOLDER = re.compile(r"%[s%]")
_INT8 = (-(2**63), 2**63)
_TYPE_NAMES: dict[type, str] = {str: "text", int: "int8"}
# A plan that no longer fits its tables (a migration changed a column's type), or a statement
# the server no longer has (``DISCARD ALL``): forget it and, outside a transaction, run again.
_STALE = (errors.FeatureNotSupported, errors.InvalidSqlStatementName)

# The statements declared safe to plan once, exactly as their callers send them; and those
# whose every value is a column's in an INSERT's VALUES, whose types the server takes from the
# columns.
_PLAN_ONCE: set[str] = set()
_INSERTS: set[str] = set()


def plan_once(sql: str, *, insert: bool = False) -> str:
    """Declare ``sql`` safe to plan once per connection (see the module's docstring) and
    return it. Its ``%s`` values must be whole numbers, text or aware datetimes; with
    ``insert=True``, each of them must stand for a column in an INSERT's ``VALUES``: the
    server gives each parameter its column's type, so a value may be anything Django writes
    into one (None, a flag, a UUID, an address, JSON), as it would be written in as text."""
    (_INSERTS if insert else _PLAN_ONCE).add(sql)
    return sql


def written_in(sql: str, params, keep, quote: Callable[[object], str]) -> str:
    """``sql`` with each value of ``params`` written into it (``quote(value)`` gives it as SQL)
    but those at the positions ``keep``, which stay ``%s`` placeholders."""
    numbers = iter(range(len(params)))

    def fill(match) -> str:
        if match.group() == "%%":
            return "%%"
        i = next(numbers)
        return "%s" if i in keep else quote(params[i]).replace("%", "%%")

    return _PLACEHOLDER.sub(fill, sql)


def _types(params) -> tuple[str, ...] | None:
    """The SQL type of each value, or None if one of them is not a type this module declares."""
    names = []
    for value in params:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            names.append("timestamptz")
            continue
        name = _TYPE_NAMES.get(value.__class__)
        if name is None or (name == "int8" and not _INT8[0] <= value < _INT8[1]):
            return None
        names.append(name)
    return tuple(names)


def _numbered(sql: str) -> tuple[str, int]:
    """psycopg2's ``%s`` placeholders as the server's ``$1``, ``$2``... and ``%%`` as ``%``, and
    how many placeholders there were."""
    count = 0

    def number(match):
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql), count


_sent = extensions.cursor.query.__get__


class PreparingConnection(extensions.connection):
    """A psycopg2 connection that remembers the statements it has prepared on the server."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (sql, types) -> (name, the EXECUTE statement), or None: the server refused it.
        self.prepared: dict[tuple, tuple[str, str] | None] = {}
        self.serial = 0


class PreparingCursor(extensions.cursor):
    """Runs a statement declared with ``plan_once`` as ``EXECUTE`` of one prepared on the
    server; any other statement as psycopg2 does."""

    _executed: tuple | None = None  # the statement and values behind the last EXECUTE

    @property
    def query(self) -> bytes | None:
        """The last statement with its values, as sent without preparing: what Django logs
        (``connection.queries``, ``CaptureQueriesContext``) reads, rather than ``EXECUTE``."""
        if self._executed is not None:
            return self.mogrify(*self._executed)
        return _sent(self)

    def execute(self, query, vars=None):  # noqa: A002 (psycopg2's own argument names)
        self._executed = None
        if not vars or self.name is not None:
            return super().execute(query, vars)
        if query in _PLAN_ONCE:
            types = _types(vars)
            if types is None:
                return super().execute(query, vars)
        elif query in _INSERTS:
            types = None  # the columns'
        else:
            return super().execute(query, vars)
        conn = self.connection
        key = (query, types)
        try:
            entry = conn.prepared[key]
        except KeyError:
            entry = self._prepare(conn, key)
        if entry is None:
            return super().execute(query, vars)
        try:
            result = super().execute(entry[1], vars)
        except _STALE:
            conn.prepared.pop(key, None)
            if not self._idle(conn):
                raise
            self._deallocate(entry[0])
            return super().execute(query, vars)
        self._executed = (query, vars)
        return result

    @staticmethod
    def _idle(conn) -> bool:
        """Outside any transaction: a failed statement aborts nothing."""
        return (
            conn.autocommit and conn.info.transaction_status == extensions.TRANSACTION_STATUS_IDLE
        )

    def _prepare(self, conn, key) -> tuple[str, str] | None:
        query, types = key
        conn.serial += 1
        name = f"lw_{conn.serial}"
        declared = f" ({', '.join(types)})" if types is not None else ""
        numbered, count = _numbered(query)
        prepare = f"PREPARE {name}{declared} AS {numbered}"
        entry = (name, f"EXECUTE {name} ({', '.join(['%s'] * count)})")
        try:
            if self._idle(conn):
                super().execute(prepare)
            else:
                super().execute(f"SAVEPOINT lw_prepare; {prepare}; RELEASE SAVEPOINT lw_prepare")
        except psycopg2.Error:
            entry = None
            if not self._idle(conn):
                try:
                    super().execute(
                        "ROLLBACK TO SAVEPOINT lw_prepare; RELEASE SAVEPOINT lw_prepare"
                    )
                except psycopg2.Error:
                    # The transaction had failed already: the statement itself will say so.
                    return None
        conn.prepared[key] = entry
        return entry

    def _deallocate(self, name: str) -> None:
        # Outside a transaction, or inside one that is still good; in a failed one it stays
        # on the server until the connection closes.
        with contextlib.suppress(psycopg2.Error):
            super().execute(f"DEALLOCATE {name}")
