"""The model-permission backend: Django's answers, in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from livingwell.enums import Role
from livingwell.models import User
from livingwell.security.backends import ModelBackend
from tests.conftest import require_or_skip

pytestmark = pytest.mark.django_db


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)  # no permission cache from an earlier check


def _both(user) -> tuple[set[str], set[str]]:
    return ModelBackend().get_all_permissions(
        _fresh(user)
    ), DjangoModelBackend().get_all_permissions(_fresh(user))


def test_a_roles_permissions_are_djangos_in_one_query(coordinator):
    ModelBackend().get_all_permissions(_fresh(coordinator))  # the names, read once a process
    user = _fresh(coordinator)
    with CaptureQueriesContext(connection) as queries:
        perms = ModelBackend().get_all_permissions(user)
        assert user.has_perm("escalations.view_escalation")
        assert not user.has_perm("livingwell.delete_locality")
    assert len(queries) == 1
    assert "escalations.view_escalation" in perms
    mine, djangos = _both(coordinator)
    assert mine == djangos and len(mine) > 10


def test_own_permissions_and_a_second_group_are_added(volunteer):
    extra = Permission.objects.get(content_type__app_label="livingwell", codename="view_locality")
    volunteer.user_permissions.add(extra)
    volunteer.groups.add(Group.objects.get(name=str(Role.COORDINATOR)))
    mine, djangos = _both(volunteer)
    assert mine == djangos
    assert "livingwell.view_locality" in mine and "escalations.view_escalation" in mine


def test_a_group_losing_a_permission_takes_it_from_its_members_at_once(volunteer):
    group = Group.objects.get(name=str(Role.VOLUNTEER))
    perm = group.permissions.get(codename="add_observation")
    assert _fresh(volunteer).has_perm("escalations.add_observation")
    group.permissions.remove(perm)
    assert not _fresh(volunteer).has_perm("escalations.add_observation")


def test_inactive_users_have_none_and_superusers_every_one(volunteer, admin_user):
    volunteer.is_active = False
    volunteer.save()
    assert ModelBackend().get_all_permissions(_fresh(volunteer)) == set()
    mine, djangos = _both(admin_user)
    assert (
        mine
        == djangos
        == {
            f"{app}.{codename}"
            for app, codename in Permission.objects.values_list(
                "content_type__app_label", "codename"
            )
        }
    )


def test_a_permission_made_after_the_names_were_read_is_named(volunteer):
    from django.contrib.contenttypes.models import ContentType

    assert ModelBackend().get_all_permissions(_fresh(volunteer))  # the names read
    new = Permission.objects.create(
        codename="read_minutes",
        name="Can read minutes",
        content_type=ContentType.objects.get_for_model(User),
    )
    volunteer.user_permissions.add(new)
    mine, djangos = _both(volunteer)
    assert mine == djangos and "livingwell.read_minutes" in mine


def test_the_names_are_forgotten_after_a_migrate(volunteer):
    from django.core.management.sql import emit_post_migrate_signal

    from livingwell.security import backends

    ModelBackend().get_all_permissions(_fresh(volunteer))
    assert backends._NAMES
    emit_post_migrate_signal(0, False, "default")
    assert backends._NAMES == {}
    mine, djangos = _both(volunteer)
    assert mine == djangos


def test_the_sessions_user_is_read_with_their_permissions_on_postgresql(volunteer, coordinator):
    """On PostgreSQL ``get_user`` reads the permissions' ids in the same statement: the
    request's permission checks send none of their own, and answer as Django's backend."""
    if connection.vendor != "postgresql":
        require_or_skip("read with the user on PostgreSQL only (set DATABASE_URL)")
    extra = Permission.objects.get(content_type__app_label="livingwell", codename="view_locality")
    volunteer.user_permissions.add(extra)
    volunteer.groups.add(Group.objects.get(name=str(Role.COORDINATOR)))
    ModelBackend().get_all_permissions(_fresh(coordinator))  # the names, read once a process
    for someone in (volunteer, coordinator):
        with CaptureQueriesContext(connection) as queries:
            user = ModelBackend().get_user(someone.pk)
            perms = ModelBackend().get_all_permissions(user)
            assert user.has_perm("escalations.view_escalation")
        assert len(queries) == 1
        assert perms == DjangoModelBackend().get_all_permissions(_fresh(someone))
    assert "livingwell.view_locality" in ModelBackend().get_all_permissions(
        ModelBackend().get_user(volunteer.pk)
    )


def test_a_permission_taken_away_is_gone_from_the_next_sessions_user(volunteer):
    group = Group.objects.get(name=str(Role.VOLUNTEER))
    assert ModelBackend().get_user(volunteer.pk).has_perm("escalations.add_observation")
    group.permissions.remove(group.permissions.get(codename="add_observation"))
    assert not ModelBackend().get_user(volunteer.pk).has_perm("escalations.add_observation")


def test_an_inactive_sessions_user_is_refused_and_a_superuser_has_every_permission(
    volunteer, admin_user
):
    assert ModelBackend().get_user(admin_user.pk).has_perm("livingwell.delete_locality")
    volunteer.is_active = False
    volunteer.save()
    assert ModelBackend().get_user(volunteer.pk) is None
