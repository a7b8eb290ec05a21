"""Reads of escalations, observations, the directory, the rota and stories, already scoped to
the user asking. Outside a user's scope a row is simply not in the queryset (the view's 404).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from clients.consent import latest_consent_action
from clients.enums import ConsentAction, ConsentScope
from clients.models import Assignment, Client
from livingwell.choices import labels_of
from livingwell.enums import LOCALITY_STAFF_ROLES, Role
from livingwell.models import Locality, User
from livingwell.prepared import MAX_ID, Prepared, PreparedRows
from volunteers.enums import VolunteerStatus
from volunteers.models import Volunteer

from .enums import EscalationState, StoryState
from .models import (
    Escalation,
    EscalationEvent,
    Observation,
    OnCallShift,
    Outcome,
    OutcomeResponse,
    QuestionMessage,
    Referral,
    Service,
    Story,
)


def escalation_scope(user) -> tuple[int, ...] | None:
    """Whose escalations ``user`` sees: ``()`` every locality's (admins), ``(locality_id,)``
    one locality's (its coordinators and team leaders), None nobody's (volunteers read their
    own observations through ``observations_for``). Every read of escalations starts here."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.ADMIN:
        return ()
    if user.role in LOCALITY_STAFF_ROLES and user.locality_id:
        return (user.locality_id,)
    return None


def escalations_for(user) -> QuerySet[Escalation]:
    """The escalations ``user`` may see (``escalation_scope``)."""
    scope = escalation_scope(user)
    if scope is None:
        return Escalation.objects.none()
    return Escalation.objects.filter(locality_id=scope[0]) if scope else Escalation.objects.all()


def triage_queue(user, *, filters: dict | None = None) -> QuerySet[Escalation]:
    """The triage queue: open escalations of the user's locality (or every locality for an
    admin), urgent first then oldest. The page reads ``triage_values`` of it, and
    ``triage_rows`` adds the labels."""
    plan = _queue_plan(user, filters or {})
    return Escalation.objects.none() if plan is None else _queue(*plan)


# A queue's shape: whose escalations ("all" or "locality"); the states, kinds and urgencies
# chosen, each either the values themselves (a sorted tuple, written into the SQL) or how many
# there are (an int: sent as values); the owner ("id", "none" or None); and whether a locality
# and "only overdue" are. With its values, in the order _queue reads them, it is the whole
# query: each shape's statements are compiled once (livingwell.prepared), whatever the values.
QueueShape = tuple[str, tuple | int, tuple | int, tuple | int, str | None, bool, bool]

# Written into the SQL, the chosen states, kinds and urgencies (each one of the filter form's
# choices) let PostgreSQL plan a queue's statements once per connection and still see which
# states they read, as the partial index escalation_queue needs; sent as values, a filtered
# queue's rows were planned afresh on every request (1.2-1.8 ms of the server's time at 1M).
# Each set of choices is a shape of its own, so past this many a process sends them as values.
WRITTEN_IN_SHAPES = 200


def _queue_plan(user, filters: dict, *, write_in: bool = True) -> tuple[QueueShape, list] | None:
    """The shape and values of ``user``'s queue with ``filters``, or None if they see none."""
    seen = escalation_scope(user)
    if seen is None:
        return None
    scope, values = ("locality" if seen else "all"), list(seen)
    # Each chosen value once, in one order: the form allows only its choices, so the shapes
    # are bounded.
    chosen = [tuple(sorted(set(filters.get(name) or []))) for name in ("state", "kind", "urgency")]
    if not write_in:
        for values_of in chosen:
            values += values_of
        chosen = [len(values_of) for values_of in chosen]
    owner, owner_kind = filters.get("owner"), None
    if owner == "me" or isinstance(owner, User):
        owner_kind = "id"
        values.append(user.pk if owner == "me" else owner.pk)
    elif owner == "none":
        owner_kind = "none"
    locality = filters.get("locality")
    if locality:
        values.append(locality.pk)
    overdue = bool(filters.get("overdue"))
    if overdue:
        values.append(timezone.now())
    shape = (scope, *chosen, owner_kind, bool(locality), overdue)
    return shape, values


def _queue(shape: QueueShape, values) -> QuerySet[Escalation]:
    scope, states, kinds, urgencies, owner_kind, by_locality, overdue = shape
    given = iter(values)

    def take(chosen: tuple | int):
        return chosen if isinstance(chosen, tuple) else [next(given) for _ in range(chosen)]

    qs = Escalation.objects.all()
    if scope == "locality":
        qs = qs.filter(locality_id=next(given))
    # With no state chosen, "not closed": the predicate of the partial index escalation_queue.
    qs = qs.filter(state__in=take(states)) if states else qs.exclude(state=EscalationState.CLOSED)
    if kinds:
        qs = qs.filter(kind__in=take(kinds))
    if urgencies:
        qs = qs.filter(urgency__in=take(urgencies))
    if owner_kind == "id":
        qs = qs.filter(owner_id=next(given))
    elif owner_kind == "none":
        qs = qs.filter(owner__isnull=True)
    if by_locality:
        qs = qs.filter(locality_id=next(given))
    if overdue:
        qs = qs.filter(due_at__lt=next(given))
    return qs.order_by("urgency_rank", "created_at", "id")


def _kinds_of(shape: QueueShape) -> tuple[type, ...]:
    scope, states, kinds, urgencies, owner_kind, by_locality, overdue = shape
    sent = sum(n for n in (states, kinds, urgencies) if isinstance(n, int))
    return (
        *([int] if scope == "locality" else []),
        *[str] * sent,
        *([int] if owner_kind == "id" else []),
        *([int] if by_locality else []),
        *([datetime] if overdue else []),
    )


_QUEUE_ROWS: dict[QueueShape, Prepared] = {}
_QUEUE_COUNTS: dict[QueueShape, Prepared] = {}


def triage_page_rows(user, filters: dict, open_count: int):
    """The queue's rows (``triage_values``) for a paginator, counted: unfiltered, the queue is
    the ``open_count`` of ``queue_counts``; filtered, the escalations are counted without the
    tables the rows join. Each shape of queue compiled once."""
    plan = _queue_plan(user, filters)
    if plan is None:
        return []
    shape, values = plan
    if shape not in _QUEUE_ROWS and len(_QUEUE_ROWS) >= WRITTEN_IN_SHAPES:
        shape, values = _queue_plan(user, filters, write_in=False)
    rows = _QUEUE_ROWS.get(shape)
    if rows is None:
        rows = _QUEUE_ROWS[shape] = Prepared(
            lambda *v: triage_values(_queue(shape, v)), *_kinds_of(shape), plan_once=True
        )
    if not any(shape[1:4]) and shape[4:] == (None, False, False):  # unfiltered
        return rows.page(*values, count=open_count)
    counted = _QUEUE_COUNTS.get(shape)
    if counted is None:
        counted = _QUEUE_COUNTS[shape] = Prepared(
            lambda *v: _queue(shape, v), *_kinds_of(shape), plan_once=True
        )
    return rows.page(*values, count=counted.count(*values))


def triage_values(queue: QuerySet[Escalation]) -> QuerySet[dict]:
    """The queue's columns as rows, not model instances: the page shows 50, and five model
    instances a row took longer to make than the query took to run. Count ``queue`` itself:
    counting these would join their tables."""
    return queue.values(
        "id",
        "kind",
        "urgency",
        "state",
        "created_at",
        "due_at",
        "routing_status",
        locality_name=F("locality__name"),
        owner_first_name=F("owner__first_name"),
        owner_last_name=F("owner__last_name"),
        owner_username=F("owner__username"),
        by_phone=F("observation__by_phone"),
        client_first_name=F("observation__client__first_name"),
        client_last_name=F("observation__client__last_name"),
    )


def triage_rows(rows, *, now: datetime | None = None) -> list[dict]:
    """The queue's rows as the page shows them: each label, the owner's name and whether it
    is overdue worked out once here, as ``get_FOO_display()``, ``str(user)`` and
    ``Escalation.is_overdue`` would."""
    now = now or timezone.now()
    kinds, urgencies, states = (labels_of(Escalation, f) for f in ("kind", "urgency", "state"))
    out = []
    for row in rows:
        owner = ""
        if row["owner_username"] is not None:
            owner = User.name_of(
                row["owner_first_name"], row["owner_last_name"], row["owner_username"]
            )
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
        row["urgency_label"] = urgencies.get(row["urgency"], row["urgency"])
        row["state_label"] = states.get(row["state"], row["state"])
        row["owner"] = owner
        row["overdue"] = (
            row["state"] != EscalationState.CLOSED
            and row["due_at"] is not None
            and row["due_at"] < now
        )
        out.append(row)
    return out


def locality_staff(locality_id: int) -> QuerySet[User]:
    """Who may own an escalation in a locality: its active coordinators and team leaders."""
    return User.objects.filter(
        locality_id=locality_id, role__in=LOCALITY_STAFF_ROLES, is_active=True
    ).order_by("first_name", "last_name", "username")


_STAFF_NAMES = Prepared(
    lambda locality_id: locality_staff(locality_id).only(
        "id", "first_name", "last_name", "username"
    ),
    int,
    plan_once=True,
)


def locality_staff_names(locality_id: int) -> list[User]:
    """``locality_staff`` with their names only, in one statement compiled once: the
    choices of the queue's owner filter."""
    return _STAFF_NAMES.fetch(locality_id)


_VOLUNTEER_OF = Prepared(
    lambda user_id: Volunteer.objects.filter(user_id=user_id), int, plan_once=True
)


def volunteer_of(user) -> Volunteer | None:
    """``user.volunteer`` (None if they have no volunteer record), read by a statement
    compiled once and kept on the user as the ORM keeps it."""
    if not user.is_authenticated:
        return None
    field = User._meta.get_field("volunteer")
    if field.is_cached(user):
        return field.get_cached_value(user)
    volunteer = _VOLUNTEER_OF.first(user.pk)
    field.set_cached_value(user, volunteer)
    if volunteer is not None:
        Volunteer._meta.get_field("user").set_cached_value(volunteer, user)
    return volunteer


# --- a volunteer's call, logged by a team leader or coordinator ---------------------------
_CALLER_COLUMNS = ("id", "locality_id", "user__first_name", "user__last_name", "user__username")


def _visits_someone_in(locality_id) -> Exists:
    """Whether the volunteer of the outer query visits a client of ``locality_id`` now."""
    return Exists(
        Assignment.objects.filter(
            volunteer_id=OuterRef("pk"), ended_on__isnull=True, client__locality_id=locality_id
        )
    )


def callers_for(user) -> QuerySet[Volunteer]:
    """The volunteers who may phone an observation in to ``user``: the active ones of their
    locality who visit someone there now, by name."""
    return (
        Volunteer.objects.filter(locality_id=user.locality_id, status=VolunteerStatus.ACTIVE)
        .filter(_visits_someone_in(user.locality_id))
        .select_related("user")
        .only(*_CALLER_COLUMNS)
    )


# One statement each, compiled once; ``livingwell.prepared`` takes each value once (the
# locality twice).
_CALLER = Prepared(
    lambda pk, locality_id, same_locality_id: (
        Volunteer.objects.filter(pk=pk, locality_id=locality_id, status=VolunteerStatus.ACTIVE)
        .select_related("user")
        .only(*_CALLER_COLUMNS)
        .annotate(visits_anyone=_visits_someone_in(same_locality_id))
    ),
    int,
    int,
    int,
    plan_once=True,
)
_CALLER_CLIENT_NAMES = Prepared(
    lambda volunteer_id, locality_id: (
        Client.objects.filter(
            locality_id=locality_id,
            assignments__volunteer_id=volunteer_id,
            assignments__ended_on__isnull=True,
        )
        .order_by("first_name", "last_name", "pk")
        .values_list("id", "first_name", "last_name")
    ),
    int,
    int,
    plan_once=True,
)


def caller_for(user, pk: int) -> Volunteer | None:
    """The active volunteer ``pk`` of ``user``'s locality, with ``visits_anyone`` (whether they
    visit someone there now); None if there is no such volunteer."""
    if not user.locality_id:
        return None
    found = _CALLER.fetch(pk, user.locality_id, user.locality_id)
    return found[0] if found else None


def caller_client_choices(user, volunteer: Volunteer) -> list[tuple[int, str]]:
    """The clients of ``user``'s locality that ``volunteer`` visits now, as (id, "first
    last"), by name."""
    rows = _CALLER_CLIENT_NAMES.fetch(volunteer.pk, user.locality_id)
    return [(pk, f"{first} {last}") for pk, first, last in rows]


def observations_for(user) -> QuerySet[Observation]:
    """A volunteer's own observations (the ones they raised, or that were logged for them)."""
    if not user.is_authenticated or user.role != Role.VOLUNTEER:
        return Observation.objects.none()
    return _own_observations(user.pk)


def _own_observations(user_id: int) -> QuerySet[Observation]:
    # The volunteer's id as a subquery, not a join on the volunteer's user: filtered on
    # volunteer_id itself, a page newest first reads its 25 rows from the index
    # observation_volunteer instead of sorting all of a volunteer's observations.
    own = Volunteer.objects.filter(user_id=user_id).values("pk")[:1]
    return Observation.objects.filter(volunteer_id=Subquery(own))


def _my_observation_rows(user_id: int) -> QuerySet[dict]:
    # Rows, not model instances (three a row); "news" is an outcome the volunteer has not
    # read yet.
    return (
        _own_observations(user_id)
        .order_by("-created_at", "-id")
        .values(
            "id",
            "kind",
            "urgency",
            "created_at",
            "by_phone",
            client_first_name=F("client__first_name"),
            client_last_name=F("client__last_name"),
            state=F("escalation__state"),
            news=ExpressionWrapper(
                Q(
                    escalation__outcome__isnull=False,
                    escalation__outcome__volunteer_seen_at__isnull=True,
                ),
                output_field=BooleanField(),
            ),
        )
    )


_MY_OBSERVATIONS = Prepared(_own_observations, int, plan_once=True)
_MY_OBSERVATION_ROWS = Prepared(_my_observation_rows, int, plan_once=True)


def my_observation_rows(user) -> PreparedRows:
    """A volunteer's own observations, newest first, as rows for a paginator (client's name,
    state, and ``news``: an outcome not read yet), counted without the tables the rows join;
    both statements compiled once (``livingwell.prepared``)."""
    if not user.is_authenticated or user.role != Role.VOLUNTEER:
        return _MY_OBSERVATION_ROWS.page(0, count=0)
    return _MY_OBSERVATION_ROWS.page(user.pk, count=_MY_OBSERVATIONS.count(user.pk))


def services_for(user, *, locality: Locality | None = None) -> QuerySet[Service]:
    """The directory: active services covering ``locality`` (the user's own by default), or
    every active service when no locality is given and the user has none."""
    qs = Service.objects.filter(active=True)
    locality_id = locality.pk if locality else getattr(user, "locality_id", None)
    if locality_id:
        qs = qs.filter(localities__id=locality_id)
    return qs.distinct().order_by("name")


def editable_services_for(user) -> QuerySet[Service]:
    """Admins change every entry; a coordinator those covering their locality."""
    if not user.is_authenticated or not user.has_perm("escalations.change_service"):
        return Service.objects.none()
    if user.role == Role.ADMIN:
        return Service.objects.all()
    if user.role == Role.COORDINATOR and user.locality_id:
        return Service.objects.filter(localities__id=user.locality_id).distinct()
    return Service.objects.none()


def shifts_for(user) -> QuerySet[OnCallShift]:
    if not user.is_authenticated:
        return OnCallShift.objects.none()
    if user.role == Role.ADMIN:
        qs = OnCallShift.objects.all()
    elif user.role in LOCALITY_STAFF_ROLES and user.locality_id:
        qs = OnCallShift.objects.filter(locality_id=user.locality_id)
    else:
        return OnCallShift.objects.none()
    return qs.select_related("team_leader", "locality")


def story_localities_for(user) -> QuerySet[Locality]:
    """Whose stories pages a user may read: volunteers and locality staff their own
    locality's; admins every one."""
    if not user.is_authenticated:
        return Locality.objects.none()
    if user.role == Role.ADMIN:
        return Locality.objects.all()
    if user.role in (Role.VOLUNTEER, *LOCALITY_STAFF_ROLES) and user.locality_id:
        return Locality.objects.filter(pk=user.locality_id)
    return Locality.objects.none()


def published_stories(locality: Locality) -> QuerySet[Story]:
    return _published(locality.pk)


def _published(locality_id: int) -> QuerySet[Story]:
    return (
        Story.objects.filter(locality_id=locality_id, state=StoryState.PUBLISHED)
        .only("id", "title", "body", "published_at")
        .order_by("-published_at", "-id")
    )


# The stories page's statements, each compiled once (livingwell.prepared).
_STORY_PLACE_ANY = Prepared(lambda slug: Locality.objects.filter(slug=slug), str, plan_once=True)
_STORY_PLACE_OWN = Prepared(
    lambda pk, slug: Locality.objects.filter(pk=pk, slug=slug), int, str, plan_once=True
)
_PUBLISHED = Prepared(_published, int, plan_once=True)
_DRAFTS = Prepared(
    lambda locality_id: (
        Story.objects.filter(locality_id=locality_id)
        .exclude(state=StoryState.PUBLISHED)
        .only("id", "title", "state", "escalation_id", "unpublished_reason")
        .order_by("-updated_at")[:50]
    ),
    int,
    plan_once=True,
)


def story_locality_for(user, slug: str) -> Locality | None:
    """The locality ``slug`` if its stories page is among ``story_localities_for(user)``."""
    if not user.is_authenticated:
        return None
    if user.role == Role.ADMIN:
        return _STORY_PLACE_ANY.first(slug)
    if user.role in (Role.VOLUNTEER, *LOCALITY_STAFF_ROLES) and user.locality_id:
        return _STORY_PLACE_OWN.first(user.locality_id, slug)
    return None


def published_story_rows(locality: Locality) -> PreparedRows:
    """``published_stories(locality)`` for a paginator, counted."""
    return _PUBLISHED.page(locality.pk, count=_PUBLISHED.count(locality.pk))


def story_drafts(locality: Locality) -> list[Story]:
    """The locality's stories not published (drafts and withdrawn ones), latest first."""
    return _DRAFTS.fetch(locality.pk)


# --- Figures for the evidence dashboard ---------------------------------------------------


def outcome_figures(
    *,
    locality: Locality | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict:
    """Outcomes recorded in the period (by ``recorded_at``): how many, how many were fed back
    to the volunteer (notified) and read by them, how many went well, and the mean time from
    observation to outcome. Plus stories published in the period."""
    outcomes = Outcome.objects.all()
    stories = Story.objects.filter(published_at__isnull=False)
    if locality is not None:
        outcomes = outcomes.filter(escalation__locality=locality)
        stories = stories.filter(locality=locality)
    if since is not None:
        outcomes = outcomes.filter(recorded_at__gte=since)
        stories = stories.filter(published_at__gte=since)
    if until is not None:
        outcomes = outcomes.filter(recorded_at__lt=until)
        stories = stories.filter(published_at__lt=until)
    figures = outcomes.aggregate(
        outcomes=Count("pk"),
        fed_back=Count("pk", filter=Q(volunteer_notified_at__isnull=False)),
        seen=Count("pk", filter=Q(volunteer_seen_at__isnull=False)),
        went_well=Count("pk", filter=Q(went_well=True)),
        mean_time_to_outcome=Avg(
            ExpressionWrapper(
                F("recorded_at") - F("escalation__observation__created_at"),
                output_field=DurationField(),
            )
        ),
    )
    figures["fed_back_share"] = (
        figures["fed_back"] / figures["outcomes"] if figures["outcomes"] else None
    )
    figures["stories_published"] = stories.count()
    return figures


def _counts(queue: QuerySet[Escalation], now: datetime) -> QuerySet[dict]:
    # "Not closed" is the predicate of the open-escalation indexes: the database reads only
    # open rows, not the locality's whole history; and every column counted is in the index
    # escalation_queue (locality, not the primary key), so it reads only the index. Grouped by
    # a constant, which leaves no GROUP BY: the statement of ``aggregate()``, one row always.
    return (
        queue.exclude(state=EscalationState.CLOSED)
        .order_by()
        .annotate(_one=Value(1, output_field=IntegerField()))
        .values("_one")
        .annotate(
            open=Count("*"),
            urgent=Count("locality", filter=Q(urgency="urgent")),
            overdue=Count("locality", filter=Q(due_at__lt=now)),
            failed=Count("locality", filter=Q(routing_status="failed")),
        )
        .values("open", "urgent", "overdue", "failed")
    )


_COUNTS_IN_LOCALITY = Prepared(
    lambda locality_id, now: _counts(Escalation.objects.filter(locality_id=locality_id), now),
    int,
    datetime,
    plan_once=True,
)
_COUNTS_EVERYWHERE = Prepared(
    lambda now: _counts(Escalation.objects.all(), now), datetime, plan_once=True
)


def queue_counts(user) -> dict:
    """For the home page panel and the queue: open, urgent, overdue and failed-routing counts
    (one statement, compiled once)."""
    now = timezone.now()
    scope = escalation_scope(user)
    if scope is None:
        found = [{}]
    elif scope:
        found = _COUNTS_IN_LOCALITY.fetch(*scope, now)
    else:
        found = _COUNTS_EVERYWHERE.fetch(now)
    return {name: found[0].get(name, 0) for name in ("open", "urgent", "overdue", "failed")}


# --- the escalation page ---------------------------------------------------------------------
# Its queries, each compiled once (livingwell.prepared): building and compiling them was 40% of
# the page at 1M, more than running them.
PAGE_RELATED = ("observation__client__practice", "locality", "service")
# The people the page names: the volunteer (with their user), who logged it, the owner.
PAGE_PEOPLE = ("observation__volunteer__user", "observation__logged_by", "owner")

# What the page shows of a closed escalation, one of each at most: its outcome (with who
# recorded it) and its story, joined with it rather than read by two statements of their own;
# the volunteer's replies to the outcome are read after it, if there is one.
PAGE_RECORD = ("outcome__recorded_by", "story")
_PAGE_REPLIES = Prefetch(
    "outcome__responses", queryset=OutcomeResponse.objects.select_related("author")
)


# The client's consents in force (given or not), read with the escalation: each scope's latest
# record, found by the index on (client, scope, time).
PAGE_CONSENTS = {scope: f"consent_{scope}" for scope in ConsentScope.values}


def _page(escalations):
    return (
        escalations.select_related(*PAGE_RELATED, *PAGE_PEOPLE, *PAGE_RECORD)
        .prefetch_related(_PAGE_REPLIES)
        .annotate(
            **{
                name: latest_consent_action(scope, client="observation__client_id")
                for scope, name in PAGE_CONSENTS.items()
            }
        )
    )


def page_consents(escalation: Escalation) -> dict[str, bool]:
    """``current_consents`` of the escalation's client, as ``escalation_page_for`` read them."""
    return {
        scope: getattr(escalation, name) == ConsentAction.GIVEN
        for scope, name in PAGE_CONSENTS.items()
    }


# The escalation with everything above, joined by primary keys in one statement that
# PostgreSQL plans once per connection (livingwell.pg_prepared): planned on every request, this
# ten-table join took 2-7 ms at 1M, so it was six statements by primary key, each paying its
# own round trip and its share of the server's time.
_PAGE_IN_LOCALITY = Prepared(
    lambda pk, locality_id: _page(Escalation.objects.filter(pk=pk, locality_id=locality_id)),
    int,
    int,
    plan_once=True,
)
_PAGE_ANY = Prepared(lambda pk: _page(Escalation.objects.filter(pk=pk)), int, plan_once=True)


def escalation_page_for(user, pk: int) -> Escalation | None:
    """The escalation ``pk`` with its observation, client, practice, locality and service
    (``PAGE_RELATED``), the people it names (``PAGE_PEOPLE``), its outcome and story
    (``PAGE_RECORD``) and the client's consents (``page_consents``) already read, in one
    statement (and one more for the replies to an outcome), if ``user`` may see it
    (``escalations_for``); else None."""
    scope = escalation_scope(user)
    if not 0 < pk <= MAX_ID or scope is None:
        return None
    found = _PAGE_IN_LOCALITY.fetch(pk, *scope) if scope else _PAGE_ANY.fetch(pk)
    return found[0] if found else None


_EVENTS = Prepared(
    lambda escalation_id: (
        EscalationEvent.objects.filter(escalation_id=escalation_id)
        .select_related("actor")
        .only("at", "action", "summary", "actor__first_name", "actor__last_name", "actor__username")
    ),
    int,
    plan_once=True,
)
_REFERRALS = Prepared(
    lambda escalation_id: Referral.objects.filter(escalation_id=escalation_id).select_related(
        "service", "by"
    ),
    int,
    plan_once=True,
)
_THREAD = Prepared(
    lambda escalation_id: QuestionMessage.objects.filter(
        escalation_id=escalation_id
    ).select_related("author"),
    int,
    plan_once=True,
)


def escalation_record(escalation: Escalation) -> dict:
    """What the escalation page shows besides the escalation (``escalation_page_for``): its
    history, referrals, questions to the volunteer, outcome with the volunteer's replies, and
    story (the last two as ``escalation_page_for`` read them)."""
    pk = escalation.pk
    return {
        "events": _EVENTS.fetch(pk),
        "referrals": _REFERRALS.fetch(pk),
        "thread": _THREAD.fetch(pk),
        "outcome": _one_of(escalation, "outcome"),
        "story": _one_of(escalation, "story"),
    }


def _one_of(escalation: Escalation, name: str):
    try:
        return getattr(escalation, name)
    except ObjectDoesNotExist:
        return None
