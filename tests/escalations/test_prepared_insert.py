"""INSERTs compiled once (livingwell.prepared.PreparedInsert): the row ``create`` would write,
in one statement, and ``create`` itself wherever it would do more."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Upper
from django.db.models.signals import pre_save
from django.db.models.sql.compiler import SQLInsertCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from escalations.models import EscalationEvent, Observation
from livingwell.models import AuditEntry, Locality
from livingwell.prepared import PreparedInsert

pytestmark = pytest.mark.django_db


def _row(model, pk) -> dict:
    obj = model.objects.get(pk=pk)
    return {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}


def _without_pk(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "id"}


def _observation(volunteer, client, **extra) -> dict:
    return {
        "client": client,
        "volunteer": volunteer.volunteer,
        "logged_by": volunteer,
        "kind": "health",
        "urgency": "worried",
        "noticed": "She seemed 100% more tired; 'quotes' and %s stay as written.",
        **extra,
    }


def test_the_row_is_the_one_create_writes_with_defaults_applied(volunteer, mary):
    values = _observation(volunteer, mary, submission_key=uuid.uuid4())
    made = PreparedInsert(Observation).create(**values)
    by_orm = Observation.objects.create(**{**values, "submission_key": uuid.uuid4()})
    assert made.pk is not None and made.pk != by_orm.pk
    assert made._state.adding is False and made._state.db == "default"
    ours, theirs = _row(Observation, made.pk), _row(Observation, by_orm.pk)
    assert ours.pop("submission_key") != theirs.pop("submission_key")
    ours.pop("created_at"), theirs.pop("created_at")  # each its own timezone.now() default
    assert _without_pk(ours) == _without_pk(theirs)
    # What the instance holds is what was written.
    assert made.submission_key == values["submission_key"]


def test_json_nulls_and_the_audit_logs_columns_go_in_as_the_orm_writes_them(
    volunteer, make_escalation
):
    escalation = make_escalation()
    data = {"service": 3, "words": ["a", "b"], "none": None}
    event = PreparedInsert(EscalationEvent).create(
        escalation=escalation, action="created", actor=None, summary="s", data=data
    )
    assert _row(EscalationEvent, event.pk)["data"] == data
    assert _row(EscalationEvent, event.pk)["actor_id"] is None
    entry = PreparedInsert(AuditEntry).create(
        actor=volunteer, action="view", object_type="x.y", object_id="7", ip_address="10.0.0.1"
    )
    row = _row(AuditEntry, entry.pk)
    assert (row["ip_address"], row["client_id"], row["summary"]) == ("10.0.0.1", None, "")
    assert row["at"] == entry.at


def test_each_row_is_one_statement_compiled_by_the_orm_once(volunteer, monkeypatch):
    compiled = []
    as_sql = SQLInsertCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLInsertCompiler, "as_sql", counting)
    fresh = PreparedInsert(AuditEntry)
    with CaptureQueriesContext(connection) as queries:
        for i in range(3):
            fresh.create(actor=volunteer, action="view", object_type="t", object_id=str(i))
    assert compiled == [AuditEntry]
    assert len(queries) == 3
    assert all(q["sql"].startswith("INSERT") for q in queries)
    assert AuditEntry.objects.filter(object_type="t").count() == 3


def test_a_duplicate_raises_the_integrity_error_create_raises(volunteer, mary):
    key = uuid.uuid4()
    insert = PreparedInsert(Observation)
    insert.create(**_observation(volunteer, mary, submission_key=key))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert.create(**_observation(volunteer, mary, submission_key=key))
    assert Observation.objects.filter(submission_key=key).count() == 1
    # Caught inside atomic(), as after create(): the block is marked for rollback.
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert.create(**_observation(volunteer, mary, submission_key=key))
        with pytest.raises(TransactionManagementError):
            Observation.objects.count()


def test_a_receiver_listening_gets_what_create_sends_it():
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.name)

    pre_save.connect(receiver, sender=Locality)
    try:
        made = PreparedInsert(Locality).create(name="Heard", slug="heard")
    finally:
        pre_save.disconnect(receiver, sender=Locality)
    assert seen == ["Heard"]
    assert Locality.objects.get(pk=made.pk).slug == "heard"


def test_an_expression_or_a_given_primary_key_goes_through_create():
    made = PreparedInsert(Locality).create(name=Upper(Value("shouted")), slug="shouted")
    assert Locality.objects.get(pk=made.pk).name == "SHOUTED"
    pk = Locality.objects.order_by("-pk").values_list("pk", flat=True).first() + 100
    given = PreparedInsert(Locality).create(pk=pk, name="Given", slug="given")
    assert given.pk == pk and Locality.objects.get(pk=pk).name == "Given"
