"""Who sees which MDT meetings, and how much of each.

Members (the practice's chairs and practitioners, the locality's coordinators, admins) see
the full agenda. A volunteer sees a published meeting only if they attend an item of it, and
then only their own items. Anyone else, a member of another practice included, sees nothing.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from escalations.enums import EscalationState
from livingwell.enums import Role
from livingwell.models import Practice
from livingwell.prepared import MAX_ID, Prepared

from .enums import MeetingState
from .models import AgendaItem, Meeting, MeetingMember, PlanAction

MEMBER = "member"
VOLUNTEER = "volunteer"


def practice_scope(user) -> tuple[str, int | None] | None:
    """Whose MDTs ``user`` sits on as staff: ``("all", None)`` every practice's (admins),
    ``("staff", user id)`` the practices they are staff of (chairs, practitioners),
    ``("locality", id)`` a locality's (its coordinators); None none."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.ADMIN:
        return ("all", None)
    if user.role in (Role.MDT_CHAIR, Role.PRACTITIONER):
        return ("staff", user.pk)
    if user.role == Role.COORDINATOR and user.locality_id:
        return ("locality", user.locality_id)
    return None


def practices_for(user) -> QuerySet[Practice]:
    """The practices whose MDTs ``user`` sits on as staff (``practice_scope``)."""
    scope = practice_scope(user)
    if scope is None:
        return Practice.objects.none()
    kind, value = scope
    if kind == "all":
        return Practice.objects.all()
    if kind == "staff":
        return user.practices.all()
    return Practice.objects.filter(locality_id=value)


# Who may run the MDTs of the practices they sit on (``practices_for``).
EDITOR_ROLES = (Role.ADMIN, Role.MDT_CHAIR, Role.COORDINATOR)


def editable_practices_for(user) -> QuerySet[Practice]:
    """Where ``user`` may run MDTs: a chair's practices, a coordinator's locality, admins."""
    if user.is_authenticated and user.role in EDITOR_ROLES:
        return practices_for(user)
    return Practice.objects.none()


def meetings_for(user) -> QuerySet[Meeting]:
    """Every meeting ``user`` may open (members: their practices'; volunteers: published or
    held meetings where they attend an item)."""
    if not user.is_authenticated or not user.is_active:
        return Meeting.objects.none()
    if user.role == Role.VOLUNTEER:
        own = AgendaItem.objects.filter(meeting=OuterRef("pk"), volunteer__user=user)
        return Meeting.objects.filter(
            Exists(own), state__in=[MeetingState.PUBLISHED, MeetingState.HELD]
        )
    if user.role == Role.ADMIN:
        return Meeting.objects.all()
    return Meeting.objects.filter(practice__in=practices_for(user))


def audience(user, meeting: Meeting) -> str | None:
    """MEMBER, VOLUNTEER or None: how much of ``meeting`` the user sees."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.VOLUNTEER:
        return VOLUNTEER if meetings_for(user).filter(pk=meeting.pk).exists() else None
    return MEMBER if practices_for(user).filter(pk=meeting.practice_id).exists() else None


def can_edit(user, meeting: Meeting) -> bool:
    return editable_practices_for(user).filter(pk=meeting.practice_id).exists()


# --- a meeting's page -------------------------------------------------------------------------
# The queries of the agenda, each compiled once (livingwell.prepared); what they select is what
# meetings_for, audience and agenda_items say, tested against them for every role.
_MEETING_RELATED = ("practice", "chair")
_MEETING_ANY = Prepared(
    lambda pk: Meeting.objects.filter(pk=pk).select_related(*_MEETING_RELATED), int, plan_once=True
)
_MEETING_OF_STAFF = Prepared(
    lambda pk, user_id: Meeting.objects.filter(
        pk=pk, practice__in=Practice.objects.filter(staff__id=user_id)
    ).select_related(*_MEETING_RELATED),
    int,
    int,
    plan_once=True,
)
_MEETING_IN_LOCALITY = Prepared(
    lambda pk, locality_id: Meeting.objects.filter(
        pk=pk, practice__in=Practice.objects.filter(locality_id=locality_id)
    ).select_related(*_MEETING_RELATED),
    int,
    int,
    plan_once=True,
)
_MEETING_BY = {"staff": _MEETING_OF_STAFF, "locality": _MEETING_IN_LOCALITY}
_MEETING_ATTENDED = Prepared(
    lambda pk, user_id: Meeting.objects.filter(
        Exists(AgendaItem.objects.filter(meeting=OuterRef("pk"), volunteer__user_id=user_id)),
        pk=pk,
        state__in=[MeetingState.PUBLISHED, MeetingState.HELD],
    ).select_related(*_MEETING_RELATED),
    int,
    int,
    plan_once=True,
)


def meeting_page_for(user, pk: int) -> tuple[Meeting, str] | None:
    """The meeting ``pk`` with its practice and chair, and how much of it ``user`` sees
    (``audience``), if they may open it (``meetings_for``); else None."""
    if not 0 < pk <= MAX_ID or not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.VOLUNTEER:
        found, who = _MEETING_ATTENDED.fetch(pk, user.pk), VOLUNTEER
    else:
        scope = practice_scope(user)
        if scope is None:
            return None
        kind, value = scope
        found = _MEETING_ANY.fetch(pk) if kind == "all" else _MEETING_BY[kind].fetch(pk, value)
        who = MEMBER
    return (found[0], who) if found else None


def may_edit_found(user, who: str) -> bool:
    """``can_edit`` for a meeting ``meeting_page_for`` found: its members who run MDTs."""
    return who == MEMBER and user.role in EDITOR_ROLES


def _n_actions():
    # The number of actions as a subquery, not a join and GROUP BY over every joined table:
    # PostgreSQL planned that query in 3.5 ms at 1M, this one in 1.5 (it runs in 0.3).
    return Coalesce(
        Subquery(
            PlanAction.objects.filter(item=OuterRef("pk"))
            .order_by()
            .values("item")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


_ITEM_RELATED = ("client", "escalation", "volunteer__user", "key_worker")
_ITEMS = Prepared(
    lambda meeting_id: (
        AgendaItem.objects.filter(meeting_id=meeting_id)
        .select_related(*_ITEM_RELATED)
        .annotate(n_actions=_n_actions())
        .order_by("position", "id")
    ),
    int,
    plan_once=True,
)
_OWN_ITEMS = Prepared(
    lambda meeting_id, user_id: (
        AgendaItem.objects.filter(meeting_id=meeting_id, volunteer__user_id=user_id)
        .select_related(*_ITEM_RELATED)
        .annotate(n_actions=_n_actions())
        .order_by("position", "id")
    ),
    int,
    int,
    plan_once=True,
)
_MEMBERS = Prepared(
    lambda meeting_id: MeetingMember.objects.filter(meeting_id=meeting_id), int, plan_once=True
)


def agenda(meeting: Meeting, user, who: str) -> list[AgendaItem]:
    """``list(agenda_items(meeting, user, who))``, each item's meeting set to ``meeting``."""
    items = _ITEMS.fetch(meeting.pk) if who == MEMBER else _OWN_ITEMS.fetch(meeting.pk, user.pk)
    for item in items:
        item.meeting = meeting
    return items


def members_of(meeting: Meeting) -> list[MeetingMember]:
    """``list(meeting.members.all())``."""
    return _MEMBERS.fetch(meeting.pk)


def agenda_items(meeting: Meeting, user, who: str) -> QuerySet[AgendaItem]:
    """The items ``user`` sees, in agenda order, with what the page shows."""
    qs = (
        meeting.items.select_related(*_ITEM_RELATED)
        .annotate(n_actions=_n_actions())
        .order_by("position", "id")
    )
    if who != MEMBER:
        qs = qs.filter(volunteer__user=user)
    return qs


def meeting_list(user, *, when: str = "coming") -> QuerySet[Meeting]:
    """The meetings list: coming (not held, soonest first) or past (newest first)."""
    qs = meetings_for(user).select_related("practice", "chair")
    if user.role == Role.VOLUNTEER:
        qs = qs.annotate(n_items=Count("items", filter=Q(items__volunteer__user=user)))
    else:
        qs = qs.annotate(
            n_items=Count("items"),
            n_volunteer_items=Count("items", filter=Q(items__volunteer__isnull=False)),
        )
    if when == "past":
        return qs.filter(state=MeetingState.HELD).order_by("-starts_at")
    return qs.exclude(state=MeetingState.HELD).order_by("starts_at")


def agenda_candidates(meeting: Meeting):
    """Cases put forward to this practice's MDT and not on an agenda not yet held."""
    from escalations.models import Escalation

    on_agenda = AgendaItem.objects.filter(escalation=OuterRef("pk")).exclude(
        meeting__state=MeetingState.HELD
    )
    return (
        Escalation.objects.filter(
            state=EscalationState.AT_MDT, observation__client__practice_id=meeting.practice_id
        )
        .exclude(Exists(on_agenda))
        .select_related("observation__client", "observation__volunteer__user")
        .order_by("put_to_mdt_at", "pk")
    )
