"""Who may see the evidence, for which localities, and how a period and a view become the
dashboard's columns.

A column is a set of windows: (locality, from, to). By locality, a column is one locality
over the whole period. By coproduction model, a column is every locality that ran the model,
each over the part of the period in which it ran it (``LocalityModel.started_on`` to
``ended_on``, both days included). A locality that runs two models at once counts in both
columns: the figures say what happened while a model ran, not what it caused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from livingwell.enums import CoproductionModel, Role
from livingwell.models import Locality, LocalityModel, User
from livingwell.prepared import Prepared

# With no period chosen, the dashboard shows the last this many days (today included).
DEFAULT_DAYS = 90

# Roles that see the evidence of their own locality. Admins see every locality (the board's
# view); whoever is a locality's lead sees that locality whatever their role.
EVIDENCE_ROLES = frozenset({Role.COORDINATOR})


# Who sees which localities' evidence: one lookup per kind of user, in name order, compiled
# once (livingwell.prepared). The dashboard reads it on every request; built and compiled by
# the ORM each time, with an OR and a DISTINCT, it took about 1 ms of the page's 8. One
# table, so no duplicates.
_EVERY_LOCALITY = Prepared(lambda: Locality.objects.order_by("name"))
_LED = Prepared(
    lambda user_id: Locality.objects.filter(lead_id=user_id).order_by("name"), int, plan_once=True
)
_LED_OR_OWN = Prepared(
    lambda user_id, locality_id: Locality.objects.filter(
        Q(lead_id=user_id) | Q(pk=locality_id)
    ).order_by("name"),
    int,
    int,
    plan_once=True,
)


def _lookup(user) -> tuple[Prepared, tuple] | None:
    """The lookup of ``user``'s localities and its values, or None if they see none."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.ADMIN:
        return _EVERY_LOCALITY, ()
    if user.role in EVIDENCE_ROLES and user.locality_id is not None:
        return _LED_OR_OWN, (user.pk, user.locality_id)
    return _LED, (user.pk,)


def evidence_localities(user) -> QuerySet[Locality]:
    """The localities whose evidence ``user`` may see, by name (none: the pages answer 403)."""
    lookup = _lookup(user)
    if lookup is None:
        return Locality.objects.none()
    prepared, values = lookup
    return prepared.build(*values)


def evidence_locality_list(user) -> list[Locality]:
    """``evidence_localities(user)`` as a list, its SQL compiled once."""
    lookup = _lookup(user)
    if lookup is None:
        return []
    prepared, values = lookup
    return prepared.all(*values)


def evidence_scopes() -> list[tuple[int, ...]]:
    """Every set of localities someone opens the dashboard over (``evidence_localities``'s
    answers, as locality ids in name order): each admin's all, each coordinator's own plus
    those they lead, each other lead's. Three queries, however many people."""
    order = {
        pk: i for i, pk in enumerate(Locality.objects.order_by("name").values_list("pk", flat=True))
    }
    scopes: dict[int, set[int]] = {}
    for user_id, led in Locality.objects.filter(
        lead__isnull=False, lead__is_active=True
    ).values_list("lead_id", "pk"):
        scopes.setdefault(user_id, set()).add(led)
    people = User.objects.filter(is_active=True).filter(
        Q(role=Role.ADMIN) | Q(role__in=EVIDENCE_ROLES, locality__isnull=False) | Q(pk__in=scopes)
    )
    for user_id, role, own in people.values_list("pk", "role", "locality_id"):
        if role == Role.ADMIN:
            scopes[user_id] = set(order)
        elif role in EVIDENCE_ROLES and own is not None:
            scopes.setdefault(user_id, set()).add(own)
    distinct = {tuple(sorted(ids, key=order.__getitem__)) for ids in scopes.values() if ids}
    return sorted(distinct, key=lambda ids: (len(ids), [order[i] for i in ids]))


def default_period(today: date | None = None) -> Period:
    """The period the dashboard shows when none is chosen: the last DEFAULT_DAYS days."""
    today = today or timezone.localdate()
    return Period(today - timedelta(days=DEFAULT_DAYS - 1), today)


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


@dataclass(frozen=True)
class Period:
    """From the start of ``first`` to the end of ``last`` (both days included), London time."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:  # exclusive
        return local_midnight(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Window:
    locality_id: int
    start: datetime  # included
    end: datetime  # excluded


@dataclass
class Column:
    key: str
    label: str
    windows: tuple[Window, ...]
    note: str = ""
    locality_ids: tuple[int, ...] = field(default=())

    def q(self, when: str, locality: str = "locality_id") -> Q:
        """Rows whose ``when`` falls in one of the windows of their ``locality``."""
        if not self.windows:
            return Q(pk__in=[])
        ids = sorted({w.locality_id for w in self.windows})
        start = min(w.start for w in self.windows)
        end = max(w.end for w in self.windows)
        # The bounding box (localities IN (...) and one time range) lets PostgreSQL read one
        # index range (evidence_escalation_cohort, index-only); an OR of windows alone makes
        # it OR bitmaps and visit the table's pages.
        box = Q(**{f"{locality}__in": ids, f"{when}__gte": start, f"{when}__lt": end})
        if all(w.start == start and w.end == end for w in self.windows):
            return box
        q = Q()
        for w in self.windows:
            q |= Q(**{locality: w.locality_id, f"{when}__gte": w.start, f"{when}__lt": w.end})
        return box & q


def locality_columns(localities: list[Locality], period: Period) -> list[Column]:
    columns = [
        Column(
            key=loc.slug,
            label=loc.name,
            windows=(Window(loc.pk, period.start, period.end),),
            locality_ids=(loc.pk,),
        )
        for loc in localities
    ]
    if len(columns) > 1:
        columns.append(
            Column(
                key="all",
                label="All localities",
                windows=tuple(w for c in columns for w in c.windows),
                locality_ids=tuple(loc.pk for loc in localities),
            )
        )
    return columns


def model_columns(localities: list[Locality], period: Period) -> list[Column]:
    """One column per coproduction model that ran somewhere in scope during the period."""
    runs = (
        LocalityModel.objects.filter(locality__in=localities, started_on__lte=period.last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.first))
        .select_related("locality")
        .order_by("model", "locality__name", "started_on")
    )
    by_model: dict[str, list[LocalityModel]] = {}
    for run in runs:
        by_model.setdefault(run.model, []).append(run)
    columns = []
    for model in CoproductionModel:
        model_runs = by_model.get(model.value)
        if not model_runs:
            continue
        windows = []
        notes = []
        for run in model_runs:
            first = max(run.started_on, period.first)
            last = min(run.ended_on or period.last, period.last)
            windows.append(Window(run.locality_id, local_midnight(first), Period(first, last).end))
            notes.append(f"{run.locality.name} {first:%d %b %Y} to {last:%d %b %Y}")
        columns.append(
            Column(
                key=model.value,
                label=model.label,
                windows=tuple(windows),
                note="; ".join(notes),
                locality_ids=tuple(sorted({w.locality_id for w in windows})),
            )
        )
    return columns
