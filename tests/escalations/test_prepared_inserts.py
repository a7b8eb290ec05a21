"""Rows inserted together (livingwell.prepared.PreparedInserts): on PostgreSQL one statement,
atomic on its own; the rows those of ``create`` one by one, on every database."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalations.models import Escalation, EscalationEvent, Observation
from livingwell.models import AuditEntry
from livingwell.prepared import PreparedInsert, PreparedInserts, Ref, _as_is, db_values, writers
from tests.conftest import require_or_skip

from .test_prepared_insert import _observation

pytestmark = pytest.mark.django_db

MODELS = (Observation, Escalation, EscalationEvent, AuditEntry)


def _rows(volunteer, client, *, key=None, now=None):
    now = now or timezone.now()
    return (
        _observation(volunteer, client, created_at=now, submission_key=key or uuid.uuid4()),
        {
            "observation": Ref(0),
            "locality_id": client.locality_id,
            "kind": "health",
            "urgency": "worried",
            "urgency_rank": 1,
            "created_at": now,
        },
        {
            "escalation": Ref(1),
            "action": "created",
            "actor": volunteer,
            "summary": "Reported.",
            "data": {"a": [1, None]},
            "at": now,
        },
        {
            "actor": volunteer,
            "action": "create",
            "object_type": "escalations.observation",
            "object_id": Ref(0),
            "client_id": client.pk,
            "summary": "observation (health, worried)",
            "ip_address": "127.0.0.1",
            "at": now,
        },
    )


def _stored(obj) -> dict:
    fresh = type(obj).objects.get(pk=obj.pk)
    return {
        f.attname: getattr(fresh, f.attname)
        for f in type(obj)._meta.concrete_fields
        if f.attname not in {"id", "observation_id", "escalation_id", "object_id"}
    }


def _one_by_one(rows):
    made = []
    for model, values in zip(MODELS, rows, strict=True):
        values = dict(values)
        for name, value in list(values.items()):
            if isinstance(value, Ref):
                field = model._meta.get_field(name)
                values[name] = made[value.row] if field.is_relation else str(made[value.row].pk)
        made.append(PreparedInsert(model).create(**values))
    return made


def test_the_rows_are_those_create_writes_and_refer_to_each_other(volunteer, mary):
    now = timezone.now()
    together = PreparedInserts(*MODELS).create(*_rows(volunteer, mary, now=now))
    apart = _one_by_one(_rows(volunteer, mary, now=now))
    for a, b in zip(together, apart, strict=True):
        assert a.pk is not None
        row = _stored(a)
        row.pop("submission_key", None)
        other = _stored(b)
        other.pop("submission_key", None)
        assert row == other
    observation, escalation, event, entry = together
    assert Escalation.objects.get(pk=escalation.pk).observation_id == observation.pk
    assert EscalationEvent.objects.get(pk=event.pk).escalation_id == escalation.pk
    assert AuditEntry.objects.get(pk=entry.pk).object_id == str(observation.pk)
    # The instances say the same without reading them back.
    assert escalation.observation is observation
    assert observation.escalation is escalation
    assert event.escalation_id == escalation.pk and entry.object_id == str(observation.pk)


def _a_duplicate_writes_none_of_the_rows(volunteer, mary):
    key = uuid.uuid4()
    inserts = PreparedInserts(*MODELS)
    inserts.create(*_rows(volunteer, mary, key=key))
    counts = [m.objects.count() for m in MODELS]
    with pytest.raises(IntegrityError):
        inserts.create(*_rows(volunteer, mary, key=key))
    assert [m.objects.count() for m in MODELS] == counts
    assert Observation.objects.filter(submission_key=key).count() == 1


def test_a_duplicate_writes_none_of_the_rows_and_the_transaction_goes_on(volunteer, mary):
    _a_duplicate_writes_none_of_the_rows(volunteer, mary)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_duplicate_outside_a_transaction_leaves_nothing(volunteer, mary):
    _a_duplicate_writes_none_of_the_rows(volunteer, mary)
    assert not transaction.get_connection().in_atomic_block


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_the_rows_are_one_statement_without_a_transaction(volunteer, mary):
    if connection.vendor != "postgresql":
        require_or_skip("one statement on PostgreSQL only (set DATABASE_URL)")
    inserts = PreparedInserts(*MODELS)
    inserts.create(*_rows(volunteer, mary))
    with CaptureQueriesContext(connection) as queries:
        made = inserts.create(*_rows(volunteer, mary))
    assert len(queries) == 1
    assert queries[0]["sql"].startswith("WITH r0 AS (INSERT INTO")
    assert all(m.objects.filter(pk=obj.pk).exists() for m, obj in zip(MODELS, made, strict=True))


def test_a_receiver_listening_gets_each_row_saved(volunteer, mary):
    heard = []

    def listen(sender, instance, created, **kwargs):
        heard.append((sender, created, instance.escalation_id))

    post_save.connect(listen, sender=EscalationEvent)
    try:
        _, escalation, event, _ = PreparedInserts(*MODELS).create(*_rows(volunteer, mary))
    finally:
        post_save.disconnect(listen, sender=EscalationEvent)
    assert heard == [(EscalationEvent, True, escalation.pk)]
    assert EscalationEvent.objects.get(pk=event.pk).escalation_id == escalation.pk


def test_mistakes_are_refused_before_anything_is_written(volunteer, mary):
    rows = _rows(volunteer, mary)
    inserts = PreparedInserts(*MODELS)
    with pytest.raises(TypeError):
        inserts.create(*rows[:3])
    forward = (rows[0], {**rows[1], "observation": Ref(2)}, rows[2], rows[3])
    with pytest.raises(ValueError, match="earlier row"):
        inserts.create(*forward)
    if connection.vendor == "postgresql":
        number = (rows[0], {**rows[1], "urgency_rank": Ref(0)}, rows[2], rows[3])
        with pytest.raises(ValueError, match="relation or the text"):
            inserts.create(*number)
    assert Observation.objects.count() == 0


def test_on_postgresql_the_rows_and_a_single_row_are_planned_once_per_connection(volunteer, mary):
    if connection.vendor != "postgresql":
        require_or_skip("statements are prepared on PostgreSQL only (set DATABASE_URL)")
    inserts, entry = PreparedInserts(*MODELS), PreparedInsert(AuditEntry)
    made = [inserts.create(*_rows(volunteer, mary)) for _ in range(3)]
    entries = [
        entry.create(
            actor=volunteer, action="view", object_type="clients.client", at=timezone.now()
        )
        for _ in range(3)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s"
            " OR statement LIKE %s",
            ["%AS WITH r0 AS (INSERT INTO%", '%AS INSERT INTO "livingwell_auditentry"%'],
        )
        prepared = [row[0] for row in cursor.fetchall()]
    assert len(prepared) == 2, prepared  # each prepared once, for all three
    assert all("$1" in statement for statement in prepared)
    assert len({obj.pk for rows in made for obj in rows[:1]}) == 3
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).count() == 3


def _the_orms_way(fields, obj):
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _as_sent(values) -> list:
    """The values as the database is sent them (psycopg2's adapters compare by identity)."""
    if connection.vendor != "postgresql":
        return values
    with connection.cursor() as cursor:
        return [cursor.cursor.mogrify("%s", [value]) for value in values]


def _written_fields(model):
    meta = model._meta
    return [f for f in meta.local_concrete_fields if f is not meta.auto_field]


@pytest.mark.parametrize(
    "change",
    [
        {},  # as sent: text, choices, ids, a flag, a time, a key, JSON, an address
        {"urgency": None, "client_wants": None},  # None where a column may hold it
        {"noticed": 12, "by_phone": 1},  # a value of a type the column converts
    ],
)
def test_the_values_written_are_those_the_orm_writes(volunteer, mary, change):
    rows = _rows(volunteer, mary)
    observation = Observation(**{**rows[0], **change})
    others = [
        model(**{k: v for k, v in values.items() if not isinstance(v, Ref)})
        for model, values in zip(MODELS[1:], rows[1:], strict=True)
    ]
    for obj in (observation, *others):
        fields = _written_fields(type(obj))
        written = db_values(writers(fields, connection), obj, connection)
        assert _as_sent(written) == _as_sent(_the_orms_way(fields, obj))
    # The conversions asked of the field: the number as text, the flag as a flag.
    values = dict(
        zip(
            _written_fields(Observation),
            db_values(writers(_written_fields(Observation), connection), observation, connection),
            strict=True,
        )
    )
    if change.get("noticed") == 12:
        assert values[Observation._meta.get_field("noticed")] == "12"
        assert values[Observation._meta.get_field("by_phone")] is True


def test_only_djangos_own_fields_are_trusted_to_write_a_value_as_it_is():
    class Shouting(models.CharField):
        def get_prep_value(self, value):
            return super().get_prep_value(value).upper()

    assert _as_is(models.CharField(max_length=5), connection) == {str, type(None)}
    assert _as_is(Shouting(max_length=5), connection) == frozenset()
    for field in (
        models.DateTimeField(),
        models.UUIDField(),
        models.JSONField(),
        models.GenericIPAddressField(),
        models.DecimalField(),
    ):
        assert _as_is(field, connection) == frozenset()
    assert _as_is(Escalation._meta.get_field("locality"), connection) == {int, type(None)}
    shouted = Shouting(max_length=5)
    shouted.set_attributes_from_name("word")
    obj = type("Obj", (), {"word": "hush"})()
    assert db_values(writers([shouted], connection), obj, connection) == ["HUSH"]


def test_whole_numbers_are_asked_for_where_the_backend_wraps_them(monkeypatch):
    class Int4(int):
        pass

    monkeypatch.setattr(connection.ops, "adapt_integerfield_value", lambda value, kind: Int4(value))
    assert _as_is(Escalation._meta.get_field("locality"), connection) == frozenset()
    assert _as_is(Escalation._meta.get_field("urgency_rank"), connection) == frozenset()
    assert _as_is(Escalation._meta.get_field("kind"), connection) == {str, type(None)}
