"""Statements prepared on the server (livingwell.pg_prepared): a repeated SELECT is planned once
per connection and answers as the statement sent as text does; anything else runs as before."""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from decimal import Decimal

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse

from livingwell import pg_prepared
from livingwell.pg_prepared import PreparingConnection, PreparingCursor, _sent
from tests.conftest import require_or_skip

pytestmark = pytest.mark.django_db


class Colour(enum.StrEnum):
    RED = "red"


class Rank(enum.IntEnum):
    FIRST = 1


@pytest.fixture
def raw():
    """A connection of its own to the test database, as the settings make them."""
    if connection.vendor != "postgresql":
        require_or_skip("statements are prepared on PostgreSQL only (set DATABASE_URL)")
    params = connection.get_connection_params()
    assert params["connection_factory"] is PreparingConnection
    assert params["cursor_factory"] is PreparingCursor
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    yield conn
    conn.close()


def _on_server(conn) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
        # As sent: inside a transaction, between a savepoint and its release.
        return [
            row[0]
            .removeprefix("SAVEPOINT lw_prepare; ")
            .removesuffix("; RELEASE SAVEPOINT lw_prepare")
            for row in cur.fetchall()
        ]


def _run(conn, sql, params=None):
    """The rows, and the statement as sent (EXECUTE, once prepared)."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall(), _sent(cur).decode()


def test_a_select_is_prepared_on_its_second_run_and_executed_after(raw):
    sql = "SELECT typname FROM pg_type WHERE typname = %s AND typlen = %s"
    first = _run(raw, sql, ["int4", 4])
    assert first == (
        [("int4",)],
        "SELECT typname FROM pg_type WHERE typname = 'int4' AND typlen = 4",
    )
    assert _on_server(raw) == []

    second = _run(raw, sql, ["int8", 8])
    third = _run(raw, sql, ["bool", 1])
    assert second[0] == [("int8",)] and third[0] == [("bool",)]
    assert second[1].startswith("EXECUTE lw_") and third[1] == second[1].replace(
        "'int8', 8", "'bool', 1"
    )
    assert _on_server(raw) == [
        "PREPARE lw_1 (text, int8) AS "
        "SELECT typname FROM pg_type WHERE typname = $1 AND typlen = $2"
    ]


def test_django_logs_the_statement_with_its_values_not_execute(raw):
    sql = "SELECT typname FROM pg_type WHERE typname = %s"
    for name in ("int2", "int4", "int8"):
        with raw.cursor() as cur:
            cur.execute(sql, [name])
            assert cur.query.decode() == sql.replace("%s", f"'{name}'")
            prepared = _sent(cur).decode().startswith("EXECUTE")
    assert prepared
    with raw.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.query == b"SELECT 1"


def test_every_type_it_prepares_comes_back_as_the_text_statement_gives_it(raw):
    values = [
        "it's 100%",
        Colour.RED,
        -(2**63),
        Rank.FIRST,
        True,
        dt.datetime(2026, 11, 29, 1, 2, 3, 456_789, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 29, 1, 2, 3),
        dt.date(2026, 2, 28),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        Decimal("12.50"),
    ]
    sql = "SELECT " + ", ".join(["%s"] * len(values)) + " WHERE '100%%' LIKE '1%%'"
    as_text, _ = _run(raw, sql, values)
    _run(raw, sql, values)
    prepared, sent = _run(raw, sql, values)
    assert sent.startswith("EXECUTE")
    assert prepared == as_text
    assert [type(v) for v in prepared[0]] == [type(v) for v in as_text[0]]
    assert _on_server(raw)[0].endswith("$10 WHERE '100%' LIKE '1%'")


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT 1 WHERE 1 = 1", None),  # no values
        ("SELECT %s", [None]),  # no type to declare
        ("SELECT %s", [1.5]),
        ("SELECT 1 WHERE 2 = ANY(%s)", [[1, 2]]),
        ("SELECT %s", [2**63]),  # wider than bigint
        ("VALUES (%s)", [1]),  # not a SELECT
    ],
)
def test_what_it_does_not_prepare_runs_as_text(raw, sql, params):
    for _ in range(3):
        rows, sent = _run(raw, sql, params)
        assert not sent.startswith("EXECUTE")
    assert _on_server(raw) == []
    assert rows == _run(psycopg2.connect(**_plain(raw)), sql, params)[0]


def _plain(conn):
    params = connection.get_connection_params()
    params.pop("connection_factory"), params.pop("cursor_factory")
    return params


def test_a_named_cursor_is_never_prepared(raw):
    raw.autocommit = False
    for _ in range(3):
        with raw.cursor("named") as cur:
            cur.execute("SELECT %s", [7])
            assert cur.fetchall() == [(7,)]
    raw.rollback()
    assert _on_server(raw) == []


def test_a_statement_the_server_refuses_runs_as_text_and_is_not_tried_again(raw):
    # inet = text has no operator: PREPARE fails, while the text statement's literal becomes inet.
    sql = "SELECT inet '10.0.0.1' = %s"
    for _ in range(4):
        rows, sent = _run(raw, sql, ["10.0.0.1"])
        assert rows == [(True,)] and not sent.startswith("EXECUTE")
    assert raw.prepared[(sql, ("text",))] is None
    assert _on_server(raw) == []


def test_a_refusal_inside_a_transaction_leaves_it_usable(raw):
    raw.autocommit = False
    with raw.cursor() as cur:
        cur.execute("CREATE TEMPORARY TABLE t (n int)")
        cur.execute("INSERT INTO t VALUES (1)")
    sql = "SELECT inet '10.0.0.1' = %s"
    for _ in range(3):
        assert _run(raw, sql, ["10.0.0.2"])[0] == [(False,)]
    for _ in range(3):
        assert _run(raw, "SELECT n FROM t WHERE n = %s", [1])[0] == [(1,)]
    raw.commit()
    assert _on_server(raw) == ["PREPARE lw_2 (int8) AS SELECT n FROM t WHERE n = $1"]


def test_a_statement_dropped_behind_its_back_is_prepared_again(raw):
    sql = "SELECT typname FROM pg_type WHERE typname = %s"
    for _ in range(3):
        _run(raw, sql, ["int4"])
    with raw.cursor() as cur:
        cur.execute("DEALLOCATE ALL")  # as a pooler's DISCARD ALL would
    assert _run(raw, sql, ["int4"])[0] == [("int4",)]
    assert _run(raw, sql, ["int4"])[0] == [("int4",)]
    assert _run(raw, sql, ["int4"])[1].startswith("EXECUTE lw_2 ")


def test_a_connection_keeps_only_its_most_recently_used_statements(raw, monkeypatch):
    monkeypatch.setattr(pg_prepared, "PREPARED_MAX", 3)
    for n in range(5):
        for _ in range(2):
            assert _run(raw, f"SELECT %s + {n}", [1])[0] == [(1 + n,)]
    assert len(_on_server(raw)) == 3
    assert [name for name, _ in raw.prepared.values()] == ["lw_3", "lw_4", "lw_5"]


def test_pages_read_through_prepared_statements_give_the_same_page(client_for, coordinator):
    if connection.vendor != "postgresql":
        require_or_skip("statements are prepared on PostgreSQL only (set DATABASE_URL)")
    signed_in = client_for(coordinator)
    url = reverse("escalations:triage")
    pages = [
        re.sub(rb'name="csrfmiddlewaretoken" value="\w+"', b"", signed_in.get(url).content)
        for _ in range(4)
    ]
    assert b"Triage queue" in pages[0] and pages[0] == pages[3]
    connection.ensure_connection()
    assert any(entry is not None for entry in connection.connection.prepared.values())
