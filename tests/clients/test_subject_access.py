"""Subject access: the export holds every record linked to the client, whatever app it lives
in, and nothing of anyone else.

The models are found by walking the relations from Client here, independently of the
export. A row of each is made for the client (with the model's factory from
``tests/factories.py`` when there is one, otherwise with plain values), so a model added
tomorrow anywhere in the project is checked the day it appears: if the export misses it,
this test fails.
"""

from __future__ import annotations

import datetime as dt
import decimal
import inspect
import json
import uuid

import factory
import pytest
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm
from simple_history.models import HistoricalChanges

from clients.models import Client, Need
from clients.services import assignment_create, consent_record, need_add
from clients.subject_access import collect
from tests import factories
from tests.factories import ClientFactory, UserFactory
from tests.volunteers.helpers import make_ready

pytestmark = pytest.mark.django_db

# The models known today; the walk must find at least these (and the export all it finds).
KNOWN = {
    "clients.need",
    "clients.assignment",
    "clients.consentrecord",
    "clients.clientuserobjectpermission",
    "clients.clientgroupobjectpermission",
    "escalations.observation",
    "escalations.escalation",
}


def reachable_from_client() -> list[tuple[type[models.Model], models.Field]]:
    """(model, the foreign key it hangs by) for every model linked to Client, directly or
    through other linked models, breadth first."""
    found: list[tuple[type[models.Model], models.Field]] = []
    seen = {Client}
    queue = [Client]
    while queue:
        parent = queue.pop(0)
        for field in parent._meta.get_fields(include_hidden=True):
            if not (field.auto_created and not field.concrete and field.is_relation):
                continue
            model = field.related_model
            if model in seen or issubclass(model, HistoricalChanges) or model._meta.auto_created:
                continue
            seen.add(model)
            found.append((model, field.remote_field))
            if not field.many_to_many:
                queue.append(model)
    return found


FACTORIES = {
    f._meta.model: f
    for _, f in inspect.getmembers(factories, inspect.isclass)
    if issubclass(f, factory.django.DjangoModelFactory) and f._meta.model is not None
}


def make(model, **links):
    """A saved row of ``model`` with ``links`` set: its factory if it has one, else plain
    values for the required fields."""
    if model in FACTORIES:
        return FACTORIES[model](**links)
    values = dict(links)
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in values or f.attname in values or f.null or f.has_default():
            continue
        if f.blank and not f.is_relation:
            continue
        if f.is_relation:
            values[f.name] = make(f.related_model)
        elif f.choices:
            values[f.name] = f.choices[0][0]
        elif isinstance(f, models.DateTimeField):
            values[f.name] = timezone.now()
        elif isinstance(f, models.DateField):
            values[f.name] = timezone.localdate()
        elif isinstance(f, models.BooleanField):
            values[f.name] = False
        elif isinstance(f, models.DurationField):
            values[f.name] = dt.timedelta(days=1)
        elif isinstance(f, models.DecimalField):
            values[f.name] = decimal.Decimal(1)
        elif isinstance(f, models.IntegerField | models.FloatField):
            values[f.name] = 1
        elif isinstance(f, models.UUIDField):
            values[f.name] = uuid.uuid4()
        elif isinstance(f, models.JSONField):
            values[f.name] = {}
        elif isinstance(f, models.EmailField):
            values[f.name] = "someone@example.org"
        else:
            values[f.name] = "x"
    return model._default_manager.create(**values)


@pytest.fixture
def full_client(west_practice, volunteer, coordinator):
    """A client with at least one row of every model linked to clients."""
    client = ClientFactory(first_name="Elowen", last_name="Trewin", practice=west_practice)
    make_ready(volunteer.volunteer)
    assignment_create(client=client, volunteer=volunteer.volunteer, by=coordinator)
    consent_record(
        client=client,
        scope="mdt_champion",
        action="given",
        method="written",
        privacy_notice_version="2025-1",
        by=coordinator,
    )
    need = need_add(client=client, kind="medical", description="Eye drops", by=coordinator)
    gone = need_add(client=client, kind="non_medical", description="Deleted need", by=coordinator)
    gone.delete()
    assign_perm("clients.view_client", Group.objects.create(name="Visitors"), client)

    rows: dict[type[models.Model], list] = {Client: [client], Need: [need]}
    for model, fk in reachable_from_client():
        linked = model._default_manager.filter(
            **{f"{fk.name}__in": [r.pk for r in rows.get(fk.related_model, [])]}
        )
        if not linked.exists():
            parent = rows[fk.related_model][0]
            if fk.many_to_many:
                row = make(model)
                getattr(row, fk.name).add(parent)
            else:
                row = make(model, **{fk.name: parent})
            linked = [row]
        rows[model] = list(linked)
    return client, rows


def test_the_walk_finds_every_known_linked_model():
    labels = {m._meta.label_lower for m, _ in reachable_from_client()}
    assert labels >= KNOWN


def test_export_holds_every_linked_row(full_client):
    client, rows = full_client
    data = collect(client)
    exported = {s["model"]: {r["id"] for r in s["rows"]} for s in data["records"]}
    missing = {
        model._meta.label_lower: sorted(r.pk for r in objs)
        for model, objs in rows.items()
        if not {r.pk for r in objs} <= exported.get(model._meta.label_lower, set())
    }
    assert missing == {}, f"linked rows missing from the subject access export: {missing}"


def test_export_holds_history_of_every_historical_model_and_deleted_rows(full_client, coordinator):
    client, rows = full_client
    data = collect(client)
    history = {s["model"]: s["rows"] for s in data["history"]}
    assert {
        "clients.historicalclient",
        "clients.historicalneed",
        "clients.historicalassignment",
        "clients.historicalconsentrecord",
    } <= set(history)
    descriptions = [r["fields"]["description"] for r in history["clients.historicalneed"]]
    assert "Deleted need" in descriptions  # the row is gone; its history is still held
    assert any(r["fields"]["history_type"] == "-" for r in history["clients.historicalneed"])


def test_export_holds_the_audit_rows(full_client, coordinator, client_for):
    client, _ = full_client
    client_for(coordinator).get(reverse("clients:detail", args=[client.pk]))
    data = collect(client)
    actions = [r["fields"]["action"] for r in data["audit"]["rows"]]
    assert actions.count("view") == 1
    assert "create" in actions  # consent, assignment and needs
    assert all(r["fields"]["client_id"] == client.pk for r in data["audit"]["rows"])


def test_export_holds_nothing_of_another_client(full_client, west_practice, coordinator, volunteer):
    client, _ = full_client
    other = ClientFactory(first_name="Hedra", last_name="Polglase", practice=west_practice)
    need_add(client=other, kind="medical", description="Hedra's own need", by=coordinator)
    assignment_create(client=other, volunteer=volunteer.volunteer, by=coordinator)
    text = json.dumps(collect(client))
    assert "Hedra" not in text and "Polglase" not in text


def test_json_download_and_readable_page(full_client, client_for, coordinator):
    client, rows = full_client
    c = client_for(coordinator)
    response = c.get(reverse("clients:subject_access_json", args=[client.pk]))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="client-{client.pk}-subject-access-'
    )
    data = json.loads(response.content)
    assert data["subject"] == "Elowen Trewin"
    assert {s["model"] for s in data["records"]} >= {m._meta.label_lower for m in rows}

    page = c.get(reverse("clients:subject_access", args=[client.pk])).content.decode()
    assert "Everything held about Elowen Trewin" in page
    assert "Eye drops" in page
    for model in rows:
        assert str(model._meta.verbose_name_plural).capitalize() in page


def test_a_new_linked_model_is_found_by_the_walk_and_the_export():
    # A guard on the test itself: a throwaway model hanging off Need, even without a reverse
    # accessor, is found by this test's walk and by the export's.
    class Scribble(models.Model):
        need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "clients"
            managed = False

        def __str__(self):
            return "scribble"

    try:
        assert Scribble in {m for m, _ in reachable_from_client()}
        from clients.subject_access import linked_models

        assert Scribble in linked_models()
    finally:
        from django.apps import apps

        del apps.all_models["clients"]["scribble"]
        apps.clear_cache()


def test_an_unrelated_user_is_not_exported(full_client):
    client, _ = full_client
    stranger = UserFactory(first_name="Zennor", last_name="Stranger")
    assert "Zennor" not in json.dumps(collect(client))
    assert stranger.pk
