"""Subject access: everything held about one client, found through the relations.

This app may not import the apps above it (escalations, mdt), and a list of models to export
would go stale the day one is added. So the export walks the model graph: from the client,
every reverse foreign key and one-to-one relation, recursively (an observation, its
escalation, the escalation's events, referrals, outcome, agenda items...), the models that
hold a many-to-many to something in the tree (without walking on from them: they are shared),
the change history of each of those models, and the audit entries about the client.
``tests/clients/test_subject_access.py`` fails if a model linked to the client is missing.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections import defaultdict

from django.db import models
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.models import HistoricalChanges
from simple_history.utils import get_history_model_for_model

from livingwell.models import AuditEntry

from .models import Client


def reverse_relations(model) -> list:
    """The relations pointing at ``model``, including those with no accessor (``related_name
    ="+"``), except change-history rows (exported as history) and the through tables of
    many-to-many fields (exported as the field's values)."""
    return [
        rel
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.auto_created
        and not rel.concrete
        and (rel.one_to_many or rel.one_to_one or rel.many_to_many)
        and not issubclass(rel.related_model, HistoricalChanges)
        and not rel.related_model._meta.auto_created
    ]


def linked_models(root=Client) -> list[type[models.Model]]:
    """Every model reachable from ``root`` through reverse relations, in walk order."""
    found: list[type[models.Model]] = []
    queue = [root]
    while queue:
        model = queue.pop(0)
        for rel in reverse_relations(model):
            related = rel.related_model
            if related in found or related is root:
                continue
            found.append(related)
            if not rel.many_to_many:
                queue.append(related)
    return found


def _walk(client: Client):
    """(model -> set of pks) of every row in the client's tree, and for each model the
    (foreign key attname, parent pks) it was reached by, to find its deleted rows' history."""
    rows: dict[type[models.Model], set] = defaultdict(set)
    links: dict[type[models.Model], list[tuple[str, set]]] = defaultdict(list)
    rows[Client].add(client.pk)
    queue: list[tuple[type[models.Model], set]] = [(Client, {client.pk})]
    while queue:
        model, pks = queue.pop(0)
        for rel in reverse_relations(model):
            related = rel.related_model
            field = rel.field
            found = set(
                related._default_manager.filter(**{f"{field.name}__in": pks}).values_list(
                    "pk", flat=True
                )
            )
            rows.setdefault(related, set())
            if rel.many_to_many:
                rows[related] |= found
                continue
            links[related].append((field.attname, set(pks)))
            new = found - rows[related]
            rows[related] |= new
            if new:
                queue.append((related, new))
    return rows, links


def _plain(value):
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | dt.timedelta):
        return str(value)
    return value


def _text(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return (
            f"{timezone.localtime(value):%-d %B %Y %H:%M}"
            if timezone.is_aware(value)
            else str(value)
        )
    if isinstance(value, dt.date):
        return f"{value:%-d %B %Y}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def _serialise(obj: models.Model) -> dict:
    fields: dict = {}
    text: dict = {}
    for field in obj._meta.concrete_fields:
        label = str(field.verbose_name)
        if field.is_relation:
            related_id = getattr(obj, field.attname)
            related = getattr(obj, field.name) if related_id is not None else None
            fields[field.name] = (
                None if related is None else {"id": _plain(related_id), "text": str(related)}
            )
            text[label] = _text(related)
            continue
        value = getattr(obj, field.attname)
        fields[field.name] = _plain(value)
        if field.choices and value not in (None, ""):
            text[label] = _text(getattr(obj, f"get_{field.name}_display")())
        else:
            text[label] = _text(value)
    for field in obj._meta.many_to_many:
        related = list(getattr(obj, field.name).all())
        fields[field.name] = [{"id": _plain(r.pk), "text": str(r)} for r in related]
        text[str(field.verbose_name)] = _text([str(r) for r in related])
    return {"id": _plain(obj.pk), "fields": fields, "text": text}


def _rows(model, queryset) -> list[dict]:
    fk_names = [f.name for f in model._meta.concrete_fields if f.is_relation]
    m2m_names = [f.name for f in model._meta.many_to_many]
    queryset = queryset.select_related(*fk_names).prefetch_related(*m2m_names).order_by("pk")
    return [_serialise(obj) for obj in queryset]


def _section(model, rows) -> dict:
    return {
        "model": model._meta.label_lower,
        "title": str(model._meta.verbose_name_plural).capitalize(),
        "rows": rows,
    }


def collect(client: Client) -> dict:
    """Everything held about ``client`` as plain data (JSON-ready)."""
    tree, links = _walk(client)
    records = []
    history = []
    for model, pks in tree.items():
        records.append(_section(model, _rows(model, model._default_manager.filter(pk__in=pks))))
        try:
            history_model = get_history_model_for_model(model)
        except NotHistoricalModelError:
            continue
        condition = models.Q(id__in=pks)
        for attname, parent_pks in links.get(model, []):
            # Rows deleted since still have history that names their parent.
            condition |= models.Q(**{f"{attname}__in": parent_pks})
        history.append(
            _section(history_model, _rows(history_model, history_model.objects.filter(condition)))
        )
    audit_rows = _rows(
        AuditEntry,
        AuditEntry.objects.filter(
            models.Q(client_id=client.pk)
            | models.Q(object_type=Client._meta.label_lower, object_id=str(client.pk))
        ),
    )
    return {
        "subject": str(client),
        "client_id": client.pk,
        "generated_at": timezone.localtime().isoformat(),
        "records": records,
        "history": history,
        "audit": _section(AuditEntry, audit_rows),
    }
