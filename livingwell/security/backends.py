"""Django's model backend: the session's user and their permissions in one quick query."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, connections, router
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django_otp.plugins.otp_totp.models import TOTPDevice

from livingwell.pg_prepared import plan_once
from livingwell.prepared import Prepared

_USER_BY_PK = Prepared(
    lambda pk: get_user_model()._default_manager.filter(pk=pk), int, plan_once=True
)


# What every signed-in page asks of its user, read with them.
USER_EXTRAS = (
    "own_permission_ids",
    "group_permission_ids",
    "confirmed_totp_ids",
    "unread_notifications",
)


def user_extras(ref: str) -> dict:
    """Annotations of the user whose id is the outer query's ``ref`` (``USER_EXTRAS``): the ids
    of their own permissions and their groups', of their confirmed authenticator apps
    (``OTPMiddleware``) and their unread notifications' count (the page's header)."""
    from livingwell.models import Notification

    user_model = get_user_model()
    own = user_model.user_permissions.through.objects.filter(user_id=OuterRef(ref))
    member_of = user_model.groups.through.objects.filter(user_id=OuterRef(OuterRef(ref)))
    granted = Group.permissions.through.objects.filter(group_id__in=member_of.values("group_id"))
    devices = TOTPDevice.objects.filter(user_id=OuterRef(ref), confirmed=True)
    unread = (
        Notification.objects.filter(user_id=OuterRef(ref), read_at=None)
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return {
        "own_permission_ids": ArraySubquery(own.values("permission_id")),
        "group_permission_ids": ArraySubquery(granted.values("permission_id")),
        "confirmed_totp_ids": ArraySubquery(devices.values("id")),
        "unread_notifications": Coalesce(Subquery(unread), 0),
    }


def with_extras(user, source):
    """``user`` given the ``USER_EXTRAS`` read on ``source`` (the user or their session)."""
    for name in USER_EXTRAS:
        setattr(user, name, getattr(source, name))
    user._permission_ids = {*user.own_permission_ids, *user.group_permission_ids}
    return user


def _session_user(pk):
    """The user ``pk`` with their volunteer record if they have one (``user.volunteer``) and
    ``USER_EXTRAS``: what every signed-in page asks, in one statement (PostgreSQL)."""
    return (
        get_user_model()
        ._default_manager.filter(pk=pk)
        # A volunteer's own record (None for anyone else), which their pages read.
        .select_related("volunteer")
        .annotate(**user_extras("pk"))
    )


# On PostgreSQL the session's user is read with what every signed-in page asks of them (their
# permissions' ids, confirmed authenticator apps and unread count): each was a statement, a
# round trip to the server, of its own.
_SESSION_USER = Prepared(_session_user, int, plan_once=True)

# The session being read for the request (``session_user_offered``): on PostgreSQL its store
# read the session's user with the session (``livingwell.security.sessions``).
_OFFERED: ContextVar = ContextVar("session_user_offered", default=None)


@contextmanager
def session_user_offered(session):
    """While Django works out the request's user (``auth.get_user``), let ``get_user`` take
    the user ``session``'s store read with it, if the session names that user."""
    token = _OFFERED.set(session)
    try:
        yield
    finally:
        _OFFERED.reset(token)


class ModelBackend(backends.ModelBackend):
    """Django's ModelBackend, with a user's permissions read in one query instead of two.

    Every signed-in page checks a model permission; the stock backend reads the user's own
    permissions and their groups' in two queries, each compiled by the ORM, which was about a
    tenth of a small page. The answers are the same: an inactive user has none, a superuser has
    every one (through the stock code), and ``get_user_permissions`` and
    ``get_group_permissions`` are unchanged.
    """

    def get_user(self, user_id):
        """The session's user, as the stock backend reads them (by primary key, refused if
        they cannot sign in), with the query's SQL compiled once (``livingwell.prepared``);
        on PostgreSQL the one read with the session, if the session's store offers it
        (``session_user_offered``) and it is the user asked for. On PostgreSQL the statement
        reads the ids of their permissions, as
        ``get_all_permissions`` would at the request's first check, of their confirmed
        authenticator apps (``OTPMiddleware``) and their unread count (the header)."""
        using = router.db_for_read(get_user_model())
        session = _OFFERED.get()
        read = getattr(session, "user_read", None)
        try:
            if read is not None and read.pk == int(user_id):
                # Read with the session, in the same statement (PostgreSQL).
                user = read
            elif connections[using].vendor != "postgresql":
                user = _USER_BY_PK.first(user_id, using=using)
            else:
                found = _SESSION_USER.fetch(user_id, using=using)
                user = with_extras(found[0], found[0]) if found else None
        except (TypeError, ValueError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            ids = getattr(user_obj, "_permission_ids", None)  # read with the user (get_user)
            if ids is None:
                with connection.cursor() as cursor:
                    cursor.execute(_permission_ids_sql(), [user_obj.pk, user_obj.pk])
                    ids = {row[0] for row in cursor.fetchall()}
            user_obj._perm_cache = _permission_names(connection.alias, ids)
        return user_obj._perm_cache


# What each permission's id stands for ("app_label.codename"), per database: the rows of
# auth_permission and django_content_type are written by migrations, not by people, so the
# user's permissions are read as ids (their user and group links, every request, so that a
# permission taken away bites on the next one) and named from here. An id not known yet (a
# permission made since) reads the names again; every migrate and flush forgets them.
_NAMES: dict[str, dict[int, str]] = {}


def _permission_names(alias: str, ids: set[int]) -> set[str]:
    names = _NAMES.get(alias)
    if names is None or not ids <= names.keys():
        names = _NAMES[alias] = {
            pk: f"{app}.{codename}"
            for pk, app, codename in Permission.objects.using(alias).values_list(
                "pk", "content_type__app_label", "codename"
            )
        }
    return {names[pk] for pk in ids if pk in names}


def forget_permission_names(**kwargs) -> None:
    _NAMES.clear()


@cache
def _permission_ids_sql() -> str:
    q = connection.ops.quote_name
    user_model = get_user_model()

    def table(through, a: str, b: str) -> tuple[str, str, str]:
        meta = through._meta
        return q(meta.db_table), q(meta.get_field(a).column), q(meta.get_field(b).column)

    own, own_user, own_perm = table(user_model.user_permissions.through, "user", "permission")
    member, member_user, member_group = table(user_model.groups.through, "user", "group")
    granted, granted_group, granted_perm = table(Group.permissions.through, "group", "permission")
    # Built once from the models' table and column names; the user's id is a parameter, and
    # PostgreSQL plans it once per connection (livingwell.pg_prepared).
    return plan_once(
        f"SELECT o.{own_perm} FROM {own} o WHERE o.{own_user} = %s "  # noqa: S608
        f"UNION ALL SELECT g.{granted_perm} FROM {granted} g "
        f"JOIN {member} m ON m.{member_group} = g.{granted_group} WHERE m.{member_user} = %s"
    )
