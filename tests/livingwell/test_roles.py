import pytest
from django.contrib.auth.models import Group

from livingwell.enums import Role
from livingwell.roles import ROLE_PERMISSIONS
from livingwell.services import user_create, user_set_role

pytestmark = pytest.mark.django_db


def perms(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_a_group_per_role_with_exactly_its_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {str(r) for r in Role}
    for role in Role:
        group = Group.objects.get(name=str(role))
        if role == Role.ADMIN:
            assert "clients.view_client" in perms(group)
            assert "livingwell.view_auditentry" in perms(group)
        else:
            assert perms(group) == set(ROLE_PERMISSIONS[role])


def test_volunteer_group_cannot_change_clients_or_escalations():
    volunteer = Group.objects.get(name="volunteer")
    assert "clients.view_client" not in perms(volunteer)  # only per object, with an assignment
    assert "escalations.change_escalation" not in perms(volunteer)


def test_user_create_puts_user_in_role_group_only(west):
    user = user_create(username="nia", role=Role.VOLUNTEER, locality=west, password="x" * 14)
    assert list(user.groups.values_list("name", flat=True)) == ["volunteer"]
    assert user.has_perm("escalations.add_observation")
    assert not user.is_staff


def test_user_set_role_moves_groups_and_admin_reaches_admin_site(west):
    user = user_create(username="nia", role=Role.VOLUNTEER, locality=west)
    user_set_role(user=user, role=Role.ADMIN)
    assert list(user.groups.values_list("name", flat=True)) == ["admin"]
    assert user.is_staff
    user_set_role(user=user, role=Role.COORDINATOR)
    assert list(user.groups.values_list("name", flat=True)) == ["coordinator"]
    assert not user.is_staff
