"""Rows of the access matrix for the volunteers' and clients' pages (merged into MATRIX).

The objects are made the first time a row asks for them: a West client visited by West's
volunteer, with a need, so ``other_*`` users (East) are outsiders of every row.
"""

from __future__ import annotations

from .access_matrix import row


def people(w):
    """West's client, its need and assignment, and the volunteer's profile (made once)."""
    if not hasattr(w, "people_client"):
        from clients.services import assignment_create
        from tests.factories import ClientFactory, NeedFactory
        from tests.volunteers.helpers import make_ready

        volunteer = make_ready(w.users["volunteer"].volunteer)
        w.people_client = ClientFactory(practice=w.west_practice)
        w.people_need = NeedFactory(client=w.people_client)
        w.people_assignment = assignment_create(
            client=w.people_client, volunteer=volunteer, by=w.users["coordinator"]
        )
        w.people_volunteer = volunteer
    return w


def client_pk(w):
    return {"pk": people(w).people_client.pk}


def volunteer_pk(w):
    return {"pk": people(w).people_volunteer.pk}


# Clients: a volunteer sees their own client; a coordinator or team leader their locality's;
# only coordinators (and admins) change anything. Other roles never see a client page (403).
VISIT = dict(
    all=403,
    volunteer=200,
    coordinator=200,
    team_leader=200,
    admin=200,
    other_volunteer=404,
    other_coordinator=404,
    other_team_leader=404,
)
CHANGE = dict(all=403, coordinator=200, admin=200, other_coordinator=404)

PEOPLE_ROWS = {
    "clients:list": row(all=403, locality=200, admin=200),
    "clients:mine": row(all=403, volunteers=200),
    "clients:detail": row(kwargs=client_pk, **VISIT),
    "clients:new": row(all=403, coordinator=200, other_coordinator=200, admin=200, form=True),
    "clients:edit": row(kwargs=client_pk, form=True, **CHANGE),
    "clients:need_new": row(kwargs=client_pk, form=True, **CHANGE),
    "clients:need_met": row(
        kwargs=lambda w: {"pk": people(w).people_client.pk, "need_pk": w.people_need.pk},
        method="post",
        data=lambda w: {"met": "1"},
        all=403,
        coordinator=302,
        admin=302,
        other_coordinator=404,
    ),
    "clients:consent": row(kwargs=client_pk, form=True, **CHANGE),
    "clients:assign": row(kwargs=client_pk, form=True, **CHANGE),
    "clients:assignment_end": row(
        kwargs=lambda w: {
            "pk": people(w).people_client.pk,
            "assignment_pk": w.people_assignment.pk,
        },
        form=True,
        **CHANGE,
    ),
    "clients:subject_access": row(kwargs=client_pk, **CHANGE),
    "clients:subject_access_json": row(kwargs=client_pk, **CHANGE),
    # Volunteers: coordinators and team leaders see their locality's; a volunteer only their own.
    "volunteers:list": row(all=403, locality=200, admin=200),
    "volunteers:new": row(all=403, coordinator=200, other_coordinator=200, admin=200, form=True),
    "volunteers:detail": row(kwargs=volunteer_pk, **VISIT),
    "volunteers:me": row(all=403, volunteers=302),
    "volunteers:me_edit": row(all=403, volunteers=200, form=True),
    "volunteers:edit": row(kwargs=volunteer_pk, form=True, **CHANGE),
    "volunteers:training_add": row(kwargs=volunteer_pk, form=True, **CHANGE),
    "volunteers:signature_add": row(
        kwargs=volunteer_pk, **CHANGE, notes="the volunteer has signed: nothing left to sign"
    ),
}
