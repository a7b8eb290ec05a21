"""Reads of clients, already scoped to the user asking. Every client list starts here."""

from __future__ import annotations

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from livingwell.enums import Role

from .models import Client


def clients_for(user) -> QuerySet[Client]:
    """The clients ``user`` may see.

    A volunteer: clients with an open assignment to them (guardian's ``view_client`` object
    permission, granted and revoked with assignments). A coordinator or team leader: their
    locality. Admins: everyone. Anyone else, or a user with only global permissions: none.
    """
    if not user.is_authenticated or not user.is_active:
        return Client.objects.none()
    if user.role == Role.ADMIN:
        return Client.objects.all()
    if user.role in (Role.COORDINATOR, Role.TEAM_LEADER):
        if user.locality_id is None:
            return Client.objects.none()
        return Client.objects.filter(locality_id=user.locality_id)
    if user.role == Role.VOLUNTEER:
        return get_objects_for_user(
            user,
            "clients.view_client",
            klass=Client,
            use_groups=False,
            with_superuser=False,
            accept_global_perms=False,
        ).filter(assignments__volunteer__user=user, assignments__ended_on__isnull=True)
    return Client.objects.none()
