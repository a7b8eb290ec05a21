"""PostgreSQL plans each query the ORM sends afresh; this makes it plan a repeated one once.

Django's PostgreSQL backend, on psycopg2, sends every statement as plain text with its values
written in, so the server parses and plans it on every request. For the joins and ``EXISTS``
of a list page, planning costs more than running: measured on the 1,000,000-observation world
(pgbench, one client), the volunteer's client choice 0.55 ms as sent against 0.14 ms prepared,
the MDT agenda's items 1.6 against 0.24 ms, the triage queue's page 1.5 against 0.5 ms. The
server shares the machine's cores with gunicorn, so that time is taken from the pages too.

``PreparingConnection`` and ``PreparingCursor`` (psycopg2's ``connection_factory`` and
``cursor_factory``, set in ``DATABASES["default"]["OPTIONS"]``) do what psycopg 3 does with
its ``prepare_threshold``: the second time a connection runs the same ``SELECT`` with values
of the same types, it sends ``PREPARE`` once, and from then on ``EXECUTE`` with the values. A
connection keeps its ``PREPARED_MAX`` most recently used statements and deallocates older ones.

What is never prepared, and runs as before: statements other than ``SELECT``/``WITH``, a
statement without values, server-side (named) cursors, and values of a type not in
``_TYPE_NAMES`` (lists, JSON, ``None``, floats, ...). The parameters are declared with the
values' types, so the server never guesses one (an undeclared value in a select list would
come back as text). A statement the server refuses to prepare (a type it cannot compare, a
value grouped by) runs as before and is not tried again on that connection; inside a
transaction the attempt is made in a savepoint, so a refusal never aborts the transaction.
Prepared statements last as long as the connection (``CONN_MAX_AGE``) and survive a rollback.

Behind a pooler that does not keep a server connection per client (PgBouncer in transaction
mode), turn this off: ``DATABASE_PREPARE=0``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import uuid
from collections import OrderedDict
from decimal import Decimal

import psycopg2
from psycopg2 import errors, extensions

PREPARE_THRESHOLD = 2  # runs of the same statement before it is prepared
PREPARED_MAX = 100  # prepared statements kept per connection
_SEEN_MAX = 500  # statements counted towards the threshold per connection

_PLACEHOLDER = re.compile(r"%[s%]")
_INT8 = (-(2**63), 2**63)
_TYPE_NAMES: dict[type, str | None] = {
    str: "text",
    bool: "boolean",
    int: "int8",
    dt.date: "date",
    uuid.UUID: "uuid",
    Decimal: "numeric",
}
# A plan that no longer fits its tables (a migration changed a column's type), or a statement
# the server no longer has (``DISCARD ALL``): forget it and, outside a transaction, run again.
_STALE = (errors.FeatureNotSupported, errors.InvalidSqlStatementName)


def _type_name(kind: type) -> str | None:
    """The SQL type of a class of value, learnt once per class: a subclass of ``str`` or
    ``int`` (a model's choices are enums of either) is its base's type."""
    try:
        return _TYPE_NAMES[kind]
    except KeyError:
        base = next((b for b in (bool, str, int) if issubclass(kind, b)), None)
        name = _TYPE_NAMES[kind] = _TYPE_NAMES[base] if base is not None else None
        return name


def _types(params) -> tuple[str, ...] | None:
    """The SQL type of each value, or None if one of them is not a type this module prepares."""
    names = []
    for value in params:
        kind = value.__class__
        if kind is dt.datetime:
            names.append("timestamptz" if value.tzinfo is not None else "timestamp")
            continue
        name = _type_name(kind)
        if name is None or (name == "int8" and not _INT8[0] <= value < _INT8[1]):
            return None
        names.append(name)
    return tuple(names)


def _numbered(sql: str) -> str:
    """psycopg2's ``%s`` placeholders as the server's ``$1``, ``$2``... and ``%%`` as ``%``."""
    count = 0

    def number(match):
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


_sent = extensions.cursor.query.__get__


class PreparingConnection(extensions.connection):
    """A psycopg2 connection that remembers the statements it has prepared on the server."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (sql, types) -> (name, the EXECUTE statement), or None: the server refused it.
        self.prepared: OrderedDict[tuple, tuple[str, str] | None] = OrderedDict()
        self.seen: OrderedDict[tuple, int] = OrderedDict()
        self.serial = 0


class PreparingCursor(extensions.cursor):
    """Runs a repeated ``SELECT`` as ``EXECUTE`` of a statement prepared on the server."""

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
        if (
            not vars
            or self.name is not None
            or query[:4] not in ("SELE", "WITH")
            or not isinstance(vars, list | tuple)
        ):
            return super().execute(query, vars)
        types = _types(vars)
        if types is None:
            return super().execute(query, vars)
        conn = self.connection
        key = (query, types)
        try:
            entry = conn.prepared[key]
        except KeyError:
            entry = self._prepare(conn, key)
        else:
            conn.prepared.move_to_end(key)
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
        seen = conn.seen.pop(key, 0) + 1
        if seen < PREPARE_THRESHOLD:
            conn.seen[key] = seen
            if len(conn.seen) > _SEEN_MAX:
                conn.seen.popitem(last=False)
            return None
        query, types = key
        conn.serial += 1
        name = f"lw_{conn.serial}"
        prepare = f"PREPARE {name} ({', '.join(types)}) AS {_numbered(query)}"
        entry = (name, f"EXECUTE {name} ({', '.join(['%s'] * len(types))})")
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
        if len(conn.prepared) > PREPARED_MAX:
            _, old = conn.prepared.popitem(last=False)
            if old is not None:
                self._deallocate(old[0])
        return entry

    def _deallocate(self, name: str) -> None:
        # Outside a transaction, or inside one that is still good; in a failed one it stays
        # on the server until the connection closes.
        with contextlib.suppress(psycopg2.Error):
            super().execute(f"DEALLOCATE {name}")
