"""A volunteer's workload (seed s4.2 point 2): counts derived from other apps' rows.

This app may not import the apps above it, so each count is an expression over a reverse
relation, and the apps that own other kinds of work (volunteer meetings, MDTs) add their own
provider from their ``AppConfig.ready()``::

    from volunteers.workload import WORKLOAD_PROVIDERS, WorkloadProvider, count_via

    WORKLOAD_PROVIDERS.append(
        WorkloadProvider(
            key="mdts",
            label="MDT meetings they are expected at",
            expression=lambda: count_via(
                "attending_items", "meeting", filter=Q(meeting__starts_at__gte=Now())
            ),
        )
    )

Every provider is one correlated subquery, so the volunteer list and the volunteer page cost
the same number of queries whatever the number of rows or providers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Expression, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Now


@dataclass(frozen=True)
class WorkloadProvider:
    key: str  # the annotation is ``workload_<key>``
    label: str
    expression: Callable[[], Expression]
    hint: str = ""


def count_via(relation: str, count: str, *, filter: Q | None = None) -> Coalesce:
    """A per-volunteer distinct count of ``count`` over the rows of the reverse relation
    ``relation`` (matching ``filter``, written from that relation's model), as a correlated
    subquery on that model alone: several counts never multiply each other's joins, and each
    can use the relation's own index. The model is found through the relation, not imported.
    """
    from .models import Volunteer

    rel = Volunteer._meta.get_field(relation)
    fk = rel.field.name
    rows = rel.related_model._default_manager.filter(**{fk: OuterRef("pk")})
    if filter is not None:
        rows = rows.filter(filter)
    counted = rows.order_by().values(fk).annotate(n=Count(count, distinct=True)).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


_OPEN = Q(ended_on__isnull=True)

WORKLOAD_PROVIDERS: list[WorkloadProvider] = [
    WorkloadProvider(
        key="clients",
        label="Clients visited now",
        expression=lambda: count_via("assignments", "client", filter=_OPEN),
    ),
    WorkloadProvider(
        key="practices",
        label="GP practices of those clients",
        expression=lambda: count_via("assignments", "client__practice", filter=_OPEN),
    ),
    WorkloadProvider(
        key="mdt_practices",
        label="Of those, practices whose MDTs volunteers may attend",
        hint="How many MDTs they might be asked to attend.",
        expression=lambda: count_via(
            "assignments",
            "client__practice",
            filter=_OPEN & Q(client__practice__volunteers_may_attend_mdt=True),
        ),
    ),
]

# Counted through another app's reverse relation, only when that app is installed (the
# relation exists). An app may instead append its own provider, with the same key, from its
# ``AppConfig.ready()``; the one in WORKLOAD_PROVIDERS wins.
OPTIONAL_PROVIDERS: list[tuple[str, WorkloadProvider]] = [
    (
        "meeting_signups",
        WorkloadProvider(
            key="meetings",
            label="Volunteer meetings signed up for, coming up",
            expression=lambda: count_via(
                "meeting_signups", "meeting", filter=Q(meeting__starts_at__gte=Now())
            ),
        ),
    ),
]


def providers() -> list[WorkloadProvider]:
    from .models import Volunteer

    keys = {p.key for p in WORKLOAD_PROVIDERS}
    optional = [
        provider
        for relation, provider in OPTIONAL_PROVIDERS
        if provider.key not in keys and hasattr(Volunteer, relation)
    ]
    return [*WORKLOAD_PROVIDERS, *optional]


def with_workload(qs: QuerySet) -> QuerySet:
    """Annotate a Volunteer queryset with ``workload_<key>`` for every provider."""
    return qs.annotate(**{f"workload_{p.key}": p.expression() for p in providers()})


def workload_rows(volunteer) -> list[tuple[WorkloadProvider, int]]:
    """(provider, count) for a volunteer annotated by ``with_workload``."""
    return [(p, getattr(volunteer, f"workload_{p.key}", 0) or 0) for p in providers()]
