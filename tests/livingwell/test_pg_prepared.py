"""Statements planned once per connection (livingwell.pg_prepared, and ``plan_once`` in
livingwell.prepared): what is declared is prepared on the server and answers as the statement
sent as text does; nothing else is; fixed values reach the server as SQL."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import psycopg2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from escalations.enums import EscalationState
from escalations.models import Escalation
from livingwell.pg_prepared import (
    _PLAN_ONCE,
    PreparingConnection,
    PreparingCursor,
    _sent,
    plan_once,
    written_in,
)
from livingwell.prepared import Prepared
from tests.conftest import require_or_skip
from tests.livingwell.test_prepared import _escalations

pytestmark = pytest.mark.django_db


def _postgresql():
    if connection.vendor != "postgresql":
        require_or_skip("statements are prepared on PostgreSQL only (set DATABASE_URL)")


@pytest.fixture
def raw():
    """A connection of its own to the test database, as the settings make them."""
    _postgresql()
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


def test_a_declared_statement_is_prepared_on_its_first_run_and_executed_after(raw):
    sql = plan_once("SELECT typname FROM pg_type WHERE typname = %s AND typlen = %s")
    first = _run(raw, sql, ["int4", 4])
    second = _run(raw, sql, ["int8", 8])
    assert first[0] == [("int4",)] and second[0] == [("int8",)]
    assert first[1].startswith("EXECUTE lw_1 ") and second[1] == first[1].replace(
        "'int4', 4", "'int8', 8"
    )
    assert _on_server(raw) == [
        "PREPARE lw_1 (text, int8) AS "
        "SELECT typname FROM pg_type WHERE typname = $1 AND typlen = $2"
    ]


def test_a_statement_not_declared_is_never_prepared(raw):
    sql = "SELECT typname FROM pg_type WHERE typname = %s AND typlen = 2"
    for _ in range(8):
        rows, sent = _run(raw, sql, ["int2"])
        assert rows == [("int2",)] and not sent.startswith("EXECUTE")
    assert _on_server(raw) == []


def test_django_logs_the_statement_with_its_values_not_execute(raw):
    sql = plan_once("SELECT typname FROM pg_type WHERE typname = %s")
    for name in ("int2", "int4"):
        with raw.cursor() as cur:
            cur.execute(sql, [name])
            assert cur.query.decode() == sql.replace("%s", f"'{name}'")
            assert _sent(cur).decode().startswith("EXECUTE")


def test_each_type_it_declares_comes_back_as_the_text_statement_gives_it(raw):
    values = ["it's 100%", -(2**63), dt.datetime(2026, 11, 29, 1, 2, 3, 456_789, tzinfo=dt.UTC)]
    sql = plan_once("SELECT %s, %s, %s WHERE '100%%' LIKE '1%%'")
    as_text = _run(psycopg2.connect(**_plain()), sql, values)[0]
    prepared, sent = _run(raw, sql, values)
    assert sent.startswith("EXECUTE")
    assert prepared == as_text
    assert [type(v) for v in prepared[0]] == [type(v) for v in as_text[0]]
    assert _on_server(raw)[0].endswith("$3 WHERE '100%' LIKE '1%'")


def _plain():
    params = connection.get_connection_params()
    params.pop("connection_factory"), params.pop("cursor_factory")
    return params


@pytest.mark.parametrize(
    "params",
    [
        None,  # no values
        [None],  # no type to declare
        [1.5],
        [2**63],  # wider than bigint
        [dt.datetime(2026, 1, 1)],  # naive: no type to declare safely
    ],
)
def test_values_it_cannot_declare_run_as_text(raw, params):
    sql = plan_once("SELECT %s" if params else "SELECT 1")
    rows, sent = _run(raw, sql, params)
    assert not sent.startswith("EXECUTE")
    assert _on_server(raw) == []
    assert rows == _run(psycopg2.connect(**_plain()), sql, params)[0]


def test_a_named_cursor_is_never_prepared(raw):
    raw.autocommit = False
    sql = plan_once("SELECT %s + 0")
    for _ in range(3):
        with raw.cursor("named") as cur:
            cur.execute(sql, [7])
            assert cur.fetchall() == [(7,)]
    raw.rollback()
    assert _on_server(raw) == []


def test_a_statement_the_server_refuses_runs_as_text_and_is_not_tried_again(raw):
    # inet = text has no operator: PREPARE fails, while the text statement's literal becomes inet.
    sql = plan_once("SELECT inet '10.0.0.1' = %s")
    for _ in range(3):
        rows, sent = _run(raw, sql, ["10.0.0.1"])
        assert rows == [(True,)] and not sent.startswith("EXECUTE")
    assert raw.prepared[(sql, ("text",))] is None
    assert _on_server(raw) == []


def test_a_refusal_inside_a_transaction_leaves_it_usable(raw):
    raw.autocommit = False
    with raw.cursor() as cur:
        cur.execute("CREATE TEMPORARY TABLE t (n int)")
        cur.execute("INSERT INTO t VALUES (1)")
    assert _run(raw, plan_once("SELECT inet '10.0.0.1' = %s"), ["10.0.0.2"])[0] == [(False,)]
    for _ in range(2):
        assert _run(raw, plan_once("SELECT n FROM t WHERE n = %s"), [1])[0] == [(1,)]
    raw.commit()
    assert _on_server(raw) == ["PREPARE lw_2 (int8) AS SELECT n FROM t WHERE n = $1"]


def test_a_statement_dropped_behind_its_back_is_prepared_again(raw):
    sql = plan_once("SELECT typname FROM pg_type WHERE typname = %s")
    _run(raw, sql, ["int4"])
    with raw.cursor() as cur:
        cur.execute("DEALLOCATE ALL")  # as a pooler's DISCARD ALL would
    assert _run(raw, sql, ["int4"])[0] == [("int4",)]
    assert _run(raw, sql, ["int4"])[1].startswith("EXECUTE lw_2 ")


def _table(conn) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "CREATE TEMPORARY TABLE t (id serial, n int, flag bool, key uuid, ip inet, data jsonb,"
            " short varchar(5), at timestamptz, note text)"
        )


_INSERT = (
    "INSERT INTO t (n, flag, key, ip, data, short, at, note) VALUES (%s, %s, %s, %s, %s, %s, %s,"
    " %s) RETURNING n, flag, key, ip, data, short, at, note, '100%%'"
)


def _written(*values):
    """The values as Django's PostgreSQL backend hands them to psycopg2."""
    n, flag, key, ip, data, short, at, note = values
    ops = connection.ops
    return [
        n,
        flag,
        key,
        ops.adapt_ipaddressfield_value(ip),
        ops.adapt_json_value(data, None) if data is not None else None,
        short,
        at,
        note,
    ]


@pytest.mark.parametrize(
    "values",
    [
        (7, True, uuid.uuid4(), "10.0.0.1", {"a": [1, None]}, "short", timezone.now(), "it's 100%"),
        (None,) * 8,
    ],
)
def test_an_insert_is_prepared_with_its_columns_types_and_takes_any_value_django_writes(
    raw, values
):
    sql = plan_once(_INSERT, insert=True)
    plain = psycopg2.connect(**_plain())
    plain.autocommit = True
    _table(raw)
    _table(plain)
    as_text, sent_as_text = _run(plain, sql, _written(*values))
    first, sent = _run(raw, sql, _written(*values))
    second, sent_again = _run(raw, sql, _written(*values))
    assert not sent_as_text.startswith("EXECUTE")
    assert sent.startswith("EXECUTE lw_1 (") and sent_again.startswith("EXECUTE lw_1 (")
    assert first == second == as_text
    assert first[0][:8] == (*values[:3], values[3], values[4], *values[5:])
    # No types declared: each parameter is its column's.
    assert _on_server(raw) == [
        "PREPARE lw_1 AS INSERT INTO t (n, flag, key, ip, data, short, at, note) VALUES ($1, $2,"
        " $3, $4, $5, $6, $7, $8) RETURNING n, flag, key, ip, data, short, at, note, '100%'"
    ]
    assert raw.prepared[(sql, None)][0] == "lw_1"


def test_an_insert_refuses_a_value_its_column_cannot_hold_as_the_text_statement_does(raw):
    sql = plan_once(_INSERT, insert=True)
    plain = psycopg2.connect(**_plain())
    plain.autocommit = True
    _table(raw)
    _table(plain)
    too_long = _written(1, False, None, None, None, "longer", None, None)
    for conn in (plain, raw, raw):
        with pytest.raises(psycopg2.errors.StringDataRightTruncation):
            _run(conn, sql, too_long)
    assert _run(raw, sql, _written(2, False, None, None, None, "fits", None, None))[0][0][:2] == (
        2,
        False,
    )
    assert _run(raw, "SELECT count(*) FROM t")[0] == [(1,)]


def test_a_statement_declared_an_insert_is_not_planned_once_as_a_lookup(raw):
    """The two declarations are apart: a lookup's values must still be of a type it declares."""
    sql = plan_once("SELECT %s::text", insert=True)
    assert sql not in _PLAN_ONCE
    rows, sent = _run(raw, sql, [None])
    assert rows == [(None,)] and sent.startswith("EXECUTE")


# --- plan_once in livingwell.prepared ---------------------------------------------------------
def _open_in(locality_id):
    return Escalation.objects.filter(locality_id=locality_id).exclude(state=EscalationState.CLOSED)


def test_plan_once_writes_the_fixed_values_into_the_sql_and_sends_only_the_callers(west):
    _postgresql()
    by_hand = Prepared(lambda locality_id: _open_in(locality_id).order_by("pk"), int)
    planned = Prepared(
        lambda locality_id: _open_in(locality_id).order_by("pk"), int, plan_once=True
    )
    planned.fetch(west.pk)
    compiled = planned._fetch["default"]
    # The state a partial index names is SQL the planner sees, not a value it cannot.
    assert "'closed'" in compiled.sql and compiled.params == (-2_000_000_011,)
    assert compiled.sql.count("%s") == 1
    by_hand.fetch(west.pk)
    assert "'closed'" not in by_hand._fetch["default"].sql


def test_plan_once_statements_are_prepared_and_answer_as_the_orm_does(volunteer, other_volunteer):
    _postgresql()
    _, made = _escalations(volunteer, n=7)
    _escalations(other_volunteer, n=3)
    Escalation.objects.filter(pk__in=[e.pk for e in made[:2]]).update(
        state=EscalationState.CLOSED, closed_at=timezone.now()
    )
    west, east = volunteer.locality, other_volunteer.locality
    planned = Prepared(
        lambda locality_id: _open_in(locality_id).order_by("pk"), int, plan_once=True
    )
    counted = Prepared(lambda locality_id: _open_in(locality_id), int, plan_once=True)
    for locality in (west, east, west):
        expected = list(_open_in(locality.pk).order_by("pk"))
        assert planned.fetch(locality.pk) == expected
        assert counted.count(locality.pk) == len(expected)
        # The first page, its limit written in, is planned once; later pages are sent as text.
        rows = planned.page(locality.pk, count=len(expected))
        assert rows[0:2] == expected[:2] and rows[2:4] == expected[2:4]
    prepared = connection.connection.prepared
    assert any(sql.endswith(" LIMIT 2") for sql, _ in prepared)
    assert not any("OFFSET" in sql for sql, _ in prepared)


def test_pages_of_the_shell_are_read_through_prepared_statements(client_for, coordinator):
    _postgresql()
    signed_in = client_for(coordinator)
    url = reverse("escalations:triage")
    with CaptureQueriesContext(connection) as queries:
        pages = [
            re.sub(rb'name="csrfmiddlewaretoken" value="\w+"', b"", signed_in.get(url).content)
            for _ in range(3)
        ]
    assert b"Triage queue" in pages[0] and pages[0] == pages[2]
    # The query log shows statements with their values, never EXECUTE.
    assert not any(q["sql"].startswith("EXECUTE") for q in queries.captured_queries)
    on_server = _on_server(connection.connection)
    assert any('"livingwell_session"' in s for s in on_server)
    assert any('"livingwell_notification"' in s for s in on_server)


def test_written_in_keeps_the_callers_placeholders_and_escapes_a_percent_it_writes():
    sql = "SELECT a FROM t WHERE a = %s AND b LIKE '1%%' AND c = %s AND d = %s"
    out = written_in(sql, ["x", "50%", 3], [0, 2], lambda v: f"'{v}'")
    assert out == "SELECT a FROM t WHERE a = %s AND b LIKE '1%%' AND c = '50%%' AND d = %s"
