import pytest
from django.contrib.auth.models import Permission
from guardian.shortcuts import assign_perm

from clients.models import Assignment
from clients.selectors import clients_for
from clients.services import assignment_end
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_clients_for_each_role(users, west_client, other_volunteers_client, east_practice):
    east_client = ClientFactory(practice=east_practice)
    seen = {name: set(clients_for(user)) for name, user in users.items()}
    assert seen == {
        "volunteer": {west_client},
        "coordinator": {west_client, other_volunteers_client},
        "team_leader": {west_client, other_volunteers_client},
        "mdt_chair": set(),
        "practitioner": set(),
        "admin": {west_client, other_volunteers_client, east_client},
        "other_volunteer": set(),
        "other_coordinator": {east_client},
        "other_team_leader": {east_client},
        "other_mdt_chair": set(),
        "other_practitioner": set(),
    }


def test_global_permission_alone_shows_no_client(
    west_client, practitioner, volunteer, other_volunteer
):
    perm = Permission.objects.get(codename="view_client", content_type__app_label="clients")
    for user in (practitioner, other_volunteer):
        user.user_permissions.add(perm)
        user = type(user).objects.get(pk=user.pk)  # fresh permission cache
        assert user.has_perm("clients.view_client")
        assert not clients_for(user).exists()


def test_object_permission_without_open_assignment_shows_nothing(west_client, other_volunteer):
    # A stray permission (granted by hand, say) is not enough: the assignment must be open too.
    assign_perm("clients.view_client", other_volunteer, west_client)
    assert not clients_for(other_volunteer).exists()


def test_open_assignment_without_permission_shows_nothing(west_client, other_west_volunteer):
    # A row made behind the services' back gives no sight of the client.
    Assignment.objects.create(client=west_client, volunteer=other_west_volunteer)
    assert not clients_for(other_west_volunteer.user).exists()


def test_ended_assignment_hides_client(assignment, volunteer, coordinator):
    assignment_end(assignment=assignment, by=coordinator)
    assert not clients_for(volunteer).exists()


def test_inactive_user_sees_nothing(west_client, coordinator, volunteer):
    for user in (coordinator, volunteer):
        user.is_active = False
        assert not clients_for(user).exists()


def test_coordinator_without_locality_sees_nothing(west_client, coordinator):
    coordinator.locality = None
    assert not clients_for(coordinator).exists()
