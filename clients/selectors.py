"""Reads of clients, already scoped to the user asking. Every client list starts here."""

from __future__ import annotations

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from livingwell.choices import labels_of
from livingwell.enums import Role
from livingwell.models import User
from livingwell.prepared import MAX_ID, Prepared
from volunteers.enums import VolunteerStatus
from volunteers.models import Volunteer
from volunteers.selectors import current_agreement, missing_requirements, with_readiness

from .consent import latest_consent_action
from .enums import ConsentScope
from .models import Assignment, Client, ClientUserObjectPermission, Need


def client_scope(user) -> tuple[str, int | None] | None:
    """Whose clients ``user`` sees: ``("all", None)`` everyone (admins), ``("locality", id)``
    a locality's (its coordinators and team leaders), ``("volunteer", user id)`` those with an
    open assignment to them (guardian's ``view_client`` object permission, granted and revoked
    with assignments); None nobody (anyone else, or a user with only global permissions).
    Every read of clients starts here."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.ADMIN:
        return ("all", None)
    if user.role in (Role.COORDINATOR, Role.TEAM_LEADER) and user.locality_id is not None:
        return ("locality", user.locality_id)
    if user.role == Role.VOLUNTEER:
        return ("volunteer", user.pk)
    return None


def clients_for(user) -> QuerySet[Client]:
    """The clients ``user`` may see (``client_scope``)."""
    scope = client_scope(user)
    if scope is None:
        return Client.objects.none()
    kind, value = scope
    if kind == "all":
        return Client.objects.all()
    if kind == "locality":
        return Client.objects.filter(locality_id=value)
    return Client.objects.filter(*_seen_by_volunteer(value, value))


def _seen_by_volunteer(permitted_user_id: int, assigned_user_id: int) -> tuple[Exists, Exists]:
    """What lets a volunteer see a client: guardian's direct foreign-key permission row, read
    in the same query as the client (``get_objects_for_user`` would spend two more looking up
    the content type), and an open assignment besides: a stray permission alone shows nothing.
    The volunteer's user id twice, once for each (``livingwell.prepared`` takes each value
    once)."""
    return (
        Exists(
            ClientUserObjectPermission.objects.filter(
                content_object=OuterRef("pk"),
                user_id=permitted_user_id,
                permission__codename="view_client",
                permission__content_type__app_label="clients",
            )
        ),
        Exists(
            Assignment.objects.filter(
                client=OuterRef("pk"), volunteer__user_id=assigned_user_id, ended_on__isnull=True
            )
        ),
    )


# The columns a choice of client shows: its name (and its locality, which services check).
CHOICE_COLUMNS = ("id", "first_name", "last_name", "locality_id")

_VISITED_CLIENT = Prepared(
    lambda pk, permitted, assigned: Client.objects.filter(
        *_seen_by_volunteer(permitted, assigned), pk=pk
    ).only(*CHOICE_COLUMNS),
    int,
    int,
    int,
    plan_once=True,
)
_LOCALITY_CLIENT = Prepared(
    lambda pk, locality_id: Client.objects.filter(pk=pk, locality_id=locality_id).only(
        *CHOICE_COLUMNS
    ),
    int,
    int,
    plan_once=True,
)


# The observation form's choices: (id, name) rows, not instances, as the form only draws them.
_VISITED_CLIENT_NAMES = Prepared(
    lambda permitted, assigned: Client.objects.filter(
        *_seen_by_volunteer(permitted, assigned)
    ).values_list("id", "first_name", "last_name"),
    int,
    int,
    plan_once=True,
)


def client_choices(user) -> list[tuple[int, str]]:
    """The clients ``user`` may see (``clients_for``) as (id, "first last"), by name: the
    choices of the observation form. A volunteer's are one statement compiled once
    (``livingwell.prepared``)."""
    scope = client_scope(user)
    if scope is not None and scope[0] == "volunteer":
        rows = _VISITED_CLIENT_NAMES.fetch(scope[1], scope[1])
    else:
        rows = clients_for(user).values_list("id", "first_name", "last_name")
    return [(pk, f"{first} {last}") for pk, first, last in rows]


def visible_client(user, pk: int) -> Client | None:
    """The client ``pk`` with the columns of ``CHOICE_COLUMNS``, if ``user`` may see them
    (``clients_for``); else None. A volunteer's, checked on every observation they send, is
    one statement compiled once (``livingwell.prepared``); building and compiling the
    queryset cost 2 ms here, against 1 ms to run it. A team leader's or coordinator's, checked
    on every call they log, is one too."""
    scope = client_scope(user)
    if scope is not None and scope[0] == "locality":
        return _LOCALITY_CLIENT.first(pk, scope[1])
    if scope is not None and scope[0] == "volunteer":
        client = _VISITED_CLIENT.first(pk, scope[1], scope[1])
        if client is not None:
            # What the lookup proved: this user's volunteer record visits the client now
            # (an open assignment). ``escalations.services.observation_create`` relies on it
            # instead of asking again.
            client.visited_by_user_id = scope[1]
        return client
    return clients_for(user).only(*CHOICE_COLUMNS).filter(pk=pk).first()


# --- a client's page -----------------------------------------------------------------------
# Its queries, each compiled once (livingwell.prepared): building and compiling them cost more
# than running them.
_PAGE_RELATED = ("practice", "locality")
_CLIENT_ANY = Prepared(
    lambda pk: Client.objects.filter(pk=pk).select_related(*_PAGE_RELATED), int, plan_once=True
)
_CLIENT_IN_LOCALITY = Prepared(
    lambda pk, locality_id: Client.objects.filter(pk=pk, locality_id=locality_id).select_related(
        *_PAGE_RELATED
    ),
    int,
    int,
    plan_once=True,
)
_CLIENT_VISITED = Prepared(
    lambda pk, permitted, assigned: Client.objects.filter(
        *_seen_by_volunteer(permitted, assigned), pk=pk
    ).select_related(*_PAGE_RELATED),
    int,
    int,
    int,
    plan_once=True,
)


def client_page_for(user, pk) -> Client | None:
    """The client ``pk`` with their practice and locality, if ``user`` may see them
    (``clients_for``); else None."""
    if isinstance(pk, str):
        pk = int(pk) if pk.isdecimal() else 0
    scope = client_scope(user)
    if not 0 < pk <= MAX_ID or scope is None:
        return None
    kind, value = scope
    if kind == "all":
        found = _CLIENT_ANY.fetch(pk)
    elif kind == "locality":
        found = _CLIENT_IN_LOCALITY.fetch(pk, value)
    else:
        found = _CLIENT_VISITED.fetch(pk, value, value)
    return found[0] if found else None


_NEEDS = Prepared(
    lambda client_id: Need.objects.filter(client_id=client_id).only(
        "id", "kind", "description", "met"
    ),
    int,
    plan_once=True,
)
_OPEN_ASSIGNMENTS = Prepared(
    lambda client_id: (
        Assignment.objects.filter(client_id=client_id, ended_on__isnull=True)
        .select_related("volunteer__user")
        .order_by("started_on", "id")
    ),
    int,
    plan_once=True,
)
# Who visits the client now (every open assignment) and the last 20 who did, with who ended
# them: the staff's client page, in one statement. The client's id is given twice (a prepared
# value appears once in the SQL).
PAST_SHOWN = 20
_ASSIGNMENTS = Prepared(
    lambda client_id, again: (
        Assignment.objects.filter(client_id=client_id)
        .filter(
            Q(ended_on__isnull=True)
            | Q(
                pk__in=Assignment.objects.filter(client_id=again, ended_on__isnull=False)
                .order_by("-ended_on", "-id")
                .values("pk")[:PAST_SHOWN]
            )
        )
        .select_related("volunteer__user", "ended_by")
    ),
    int,
    int,
    plan_once=True,
)


def client_needs(client_id: int) -> list[Need]:
    return _NEEDS.fetch(client_id)


def open_assignments_of(client_id: int) -> list[Assignment]:
    """Who visits the client now, with the volunteer and their user, first assigned first."""
    return _OPEN_ASSIGNMENTS.fetch(client_id)


def assignments_of(client_id: int) -> tuple[list[Assignment], list[Assignment]]:
    """Who visits the client now, first assigned first, and the last 20 who did, latest ended
    first, with who ended them (``open_assignments_of`` and the history), in one statement."""
    rows = _ASSIGNMENTS.fetch(client_id, client_id)
    visiting = sorted((a for a in rows if a.ended_on is None), key=lambda a: (a.started_on, a.pk))
    ended = sorted(
        (a for a in rows if a.ended_on is not None), key=lambda a: (a.ended_on, a.pk), reverse=True
    )
    return visiting, ended


def client_list_for(user) -> QuerySet[Client]:
    """The coordinator's client list: scoped, with the consents that matter most on the list,
    by name. Filter it, then take a page of ``client_rows``."""
    return _with_list_columns(clients_for(user))


def _with_list_columns(clients: QuerySet[Client]) -> QuerySet[Client]:
    return clients.annotate(
        consent_partners=latest_consent_action(ConsentScope.SHARE_WITH_PARTNERS),
        consent_mdt=latest_consent_action(ConsentScope.MDT_CHAMPION),
        consent_story=latest_consent_action(ConsentScope.ANONYMISED_STORY),
    ).order_by("last_name", "first_name", "pk")


# The list's shape without a search: whose clients ("all" or "locality"), whether a practice
# and a status are chosen, and the volunteer and MDT consent filters ("yes", "no" or "").
# With its values it is the whole query: each shape's statements compiled once.
ListShape = tuple[str, bool, bool, str, str]
_LIST_ROWS: dict[ListShape, Prepared] = {}
_LIST_COUNTS: dict[ListShape, Prepared] = {}


def _client_list(shape: ListShape, values) -> QuerySet[Client]:
    from .filters import with_mdt_consent, with_volunteer

    scope, by_practice, by_status, volunteer, mdt = shape
    given = iter(values)
    qs = Client.objects.all()
    if scope == "locality":
        qs = qs.filter(locality_id=next(given))
    qs = _with_list_columns(qs)
    if by_practice:
        qs = qs.filter(practice_id=next(given))
    if by_status:
        qs = qs.filter(status=next(given))
    if volunteer:
        qs = with_volunteer(qs, volunteer)
    if mdt:
        qs = with_mdt_consent(qs, mdt)
    return qs


def client_list_rows(user, cleaned: dict):
    """The client list's ``client_rows`` for a paginator, counted, if the filters' values
    (``cleaned``) have no search words and the user sees every client or a locality's; else
    None (the caller filters the queryset itself)."""
    seen = client_scope(user)
    if cleaned.get("q") or seen is None or seen[0] == "volunteer":
        return None
    scope, values = seen[0], ([] if seen[1] is None else [seen[1]])
    practice, status = cleaned.get("practice"), cleaned.get("status")
    if practice:
        values.append(practice.pk)
    if status:
        values.append(status)
    volunteer, mdt = cleaned.get("has_volunteer") or "", cleaned.get("mdt_consent") or ""
    if volunteer not in ("", "yes", "no") or mdt not in ("", "yes", "no"):
        return None
    shape = (scope, bool(practice), bool(status), volunteer, mdt)
    kinds = (*([int] if scope == "locality" else []), *([int] if practice else []))
    kinds += (str,) if status else ()
    rows = _LIST_ROWS.get(shape)
    if rows is None:
        rows = _LIST_ROWS[shape] = Prepared(
            lambda *v: client_rows(_client_list(shape, v)), *kinds, plan_once=True
        )
    counted = _LIST_COUNTS.get(shape)
    if counted is None:
        counted = _LIST_COUNTS[shape] = Prepared(
            lambda *v: _client_list(shape, v), *kinds, plan_once=True
        )
    return rows.page(*values, count=counted.count(*values))


def client_rows(clients: QuerySet[Client]) -> QuerySet[dict]:
    """The client list's columns as rows, not model instances (25 a page, each with its
    practice); ``with_volunteers`` adds who visits each (on PostgreSQL read with the rows)."""
    visitors = {}
    if connections[clients.db].vendor == "postgresql":
        visitors["visitors"] = _visitors()
    return clients.values(
        "id",
        "first_name",
        "last_name",
        "date_of_birth",
        "postcode",
        "status",
        "consent_partners",
        "consent_mdt",
        "consent_story",
        practice_name=F("practice__name"),
        **visitors,
    )


# Who visits the clients of a page: one statement compiled once, for a page's worth of ids. Each
# volunteer's name is looked up by key for each of the page's assignments: joined, PostgreSQL
# hashed every volunteer (2,000 at 1M) to find the page's 25 (0.9 ms against 0.15).
VISITS_BATCH = 25
_VOLUNTEER_NAME = (
    Volunteer.objects.filter(pk=OuterRef("volunteer_id"))
    .order_by()
    .values(
        name=JSONObject(first="user__first_name", last="user__last_name", username="user__username")
    )
)
_VISITS = Prepared(
    lambda *client_ids: (
        Assignment.objects.filter(client_id__in=client_ids, ended_on__isnull=True)
        .order_by("started_on", "id")
        .values_list("client_id", Subquery(_VOLUNTEER_NAME))
    ),
    *[int] * VISITS_BATCH,
    plan_once=True,
)


def _visitors() -> Subquery:
    """The names of who visits a row's client now, first assigned first, as a JSON list (none:
    null): read with a page of ``client_rows`` on PostgreSQL, where each name is looked up by
    key for the page's rows only."""
    return Subquery(
        Assignment.objects.filter(client_id=OuterRef("pk"), ended_on__isnull=True)
        .order_by()
        .values("client_id")
        .annotate(names=JSONBAgg(Subquery(_VOLUNTEER_NAME), order_by=("started_on", "id")))
        .values("names")
    )


def with_volunteers(rows) -> list[dict]:
    """``rows`` of ``client_rows`` with the names of the volunteers visiting each client now
    (``volunteers``, first assigned first) and the status label: as read with the rows on
    PostgreSQL, else in one query."""
    rows = list(rows)
    statuses = labels_of(Client, "status")
    if rows and "visitors" in rows[0]:
        for row in rows:
            row["volunteers"] = [
                User.name_of(n["first"], n["last"], n["username"])
                for n in row.pop("visitors") or ()
            ]
            row["status_label"] = statuses.get(row["status"], row["status"])
        return rows
    names: dict[int, list[str]] = {row["id"]: [] for row in rows}
    ids = list(names)
    for start in range(0, len(ids), VISITS_BATCH):
        batch = ids[start : start + VISITS_BATCH]
        batch += [0] * (VISITS_BATCH - len(batch))  # no client has id 0
        for client_id, name in _VISITS.fetch(*batch):
            names[client_id].append(User.name_of(name["first"], name["last"], name["username"]))
    for row in rows:
        row["volunteers"] = names[row["id"]]
        row["status_label"] = statuses.get(row["status"], row["status"])
    return rows


def my_clients(user) -> QuerySet[Client]:
    """A volunteer's clients, for "My clients"."""
    return (
        clients_for(user)
        .select_related("practice")
        .only(
            "id",
            "first_name",
            "last_name",
            "address",
            "postcode",
            "phone",
            "status",
            "practice__id",
            "practice__name",
        )
        .order_by("last_name", "first_name", "pk")
    )


def _visits(client: Client) -> Exists:
    """For a Volunteer queryset: has an open assignment to ``client``."""
    return Exists(
        Assignment.objects.filter(client=client, volunteer=OuterRef("pk"), ended_on__isnull=True)
    )


def volunteer_suggestions(client: Client, *, limit: int = 5) -> list[Volunteer]:
    """Volunteers of the client's locality whose other clients share the client's practice,
    most shared first, then the lightest workload (seed s4.2 point 2: fewer practices means
    fewer MDTs to attend). Each is annotated with ``shared_clients``, ``open_clients`` and
    ``missing`` (what stops them being assigned, empty when nothing does)."""
    today = timezone.localdate()
    agreement = current_agreement(today)
    open_here = Q(
        assignments__ended_on__isnull=True, assignments__client__practice_id=client.practice_id
    ) & ~Q(assignments__client_id=client.pk)
    qs = (
        Volunteer.objects.filter(locality_id=client.locality_id, status=VolunteerStatus.ACTIVE)
        .exclude(_visits(client))
        .annotate(
            shared_clients=Count("assignments", filter=open_here, distinct=True),
            open_clients=Count(
                "assignments", filter=Q(assignments__ended_on__isnull=True), distinct=True
            ),
        )
        .filter(shared_clients__gt=0)
        .select_related("user")
        .order_by("-shared_clients", "open_clients", "user__first_name", "pk")
    )
    suggestions = list(with_readiness(qs, on=today, agreement=agreement)[:limit])
    for volunteer in suggestions:
        volunteer.missing = missing_requirements(volunteer, on=today, agreement=agreement)
    return suggestions


def assignable_volunteers(client: Client, *, agreement=False) -> QuerySet[Volunteer]:
    """Active volunteers of the client's locality not already visiting them, with readiness
    annotations (``volunteers.selectors.with_readiness``)."""
    return with_readiness(
        Volunteer.objects.filter(locality_id=client.locality_id, status=VolunteerStatus.ACTIVE)
        .exclude(_visits(client))
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk"),
        agreement=agreement,
    )


def client_has_open_assignment_for(client: Client, user) -> bool:
    return Assignment.objects.filter(
        client=client, volunteer__user=user, ended_on__isnull=True
    ).exists()


# What counts as contact with a client for the retention rule: (reverse relation on Client,
# its date or time field). An app above clients appends its own from AppConfig.ready(); the
# observations (escalations) are read through their reverse relation, never imported.
CONTACT_SOURCES: list[tuple[str, str]] = [
    ("assignments", "started_on"),
    ("assignments", "ended_on"),
    ("consents", "recorded_at"),
    ("observations", "created_at"),
]


def clients_without_contact_since(cutoff) -> QuerySet[Client]:
    """Clients not yet anonymised with nothing since ``cutoff`` (an aware datetime): recorded
    before it, no open assignment, and no contact in any of ``CONTACT_SOURCES`` since."""
    from django.db.models import DateField, DateTimeField

    from .enums import ClientStatus

    qs = (
        Client.objects.exclude(status=ClientStatus.ANONYMISED)
        .filter(created_at__lt=cutoff)
        .exclude(Exists(Assignment.objects.filter(client=OuterRef("pk"), ended_on__isnull=True)))
    )
    for relation, field_name in CONTACT_SOURCES:
        rel = Client._meta.get_field(relation)
        field = rel.related_model._meta.get_field(field_name)
        since = cutoff
        if isinstance(field, DateField) and not isinstance(field, DateTimeField):
            since = timezone.localtime(cutoff).date()
        recent = rel.related_model.objects.filter(
            **{rel.field.name: OuterRef("pk"), f"{field_name}__gte": since}
        )
        qs = qs.exclude(Exists(recent))
    return qs
