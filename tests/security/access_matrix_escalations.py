"""Rows of the access matrix for observations, escalations, the directory, the rota and
stories (merged into MATRIX).

The objects are made the first time a row asks for them, all in West: a routed escalation of
a client West's volunteer visits, a closed one with an outcome and a published story, a
service and an on-call shift. ``other_*`` users (East) are outsiders of every row.
"""

from __future__ import annotations

from .access_matrix import row


def esc(w):
    """West's escalations and what hangs off them (made once per world)."""
    if not hasattr(w, "esc_routed"):
        from clients.enums import ConsentScope
        from escalations import services
        from tests.escalations.helpers import consent, visit
        from tests.factories import ClientFactory, OnCallShiftFactory, ServiceFactory

        coordinator, volunteer = w.users["coordinator"], w.users["volunteer"]
        client = visit(volunteer, ClientFactory(practice=w.west_practice))
        consent(client, ConsentScope.ANONYMISED_STORY)

        def routed():
            observation, _ = services.observation_create(
                client=client,
                volunteer=volunteer.volunteer,
                logged_by=volunteer,
                kind="transport",
                urgency="worried",
                noticed="The bus stopped running.",
            )
            services.escalation_route(escalation_id=observation.escalation.pk)
            observation.escalation.refresh_from_db()
            return observation.escalation

        w.esc_routed = routed()
        closed = routed()
        services.escalation_close(
            escalation=closed,
            by=coordinator,
            expected_version=closed.version,
            summary="Lift arranged",
            message_for_volunteer="She has a lift now.",
            went_well=True,
        )
        story = services.story_save(
            escalation=closed, by=coordinator, title="A lift", body="A clean story."
        )
        services.story_publish(story=story, by=coordinator)
        w.esc_closed = closed
        w.esc_service = ServiceFactory(localities=[w.west])
        w.esc_shift = OnCallShiftFactory(locality=w.west, team_leader=w.users["team_leader"])
    return w


def routed_pk(w):
    return {"pk": esc(w).esc_routed.pk}


def closed_pk(w):
    return {"pk": esc(w).esc_closed.pk}


def routed_observation(w):
    return {"pk": esc(w).esc_routed.observation_id}


def closed_observation(w):
    return {"pk": esc(w).esc_closed.observation_id}


# West's coordinators, team leaders and admins act on West's escalations; East's are outsiders
# (404); other roles never see an escalation (403).
TRIAGE = dict(
    all=403,
    coordinator=200,
    team_leader=200,
    admin=200,
    other_coordinator=404,
    other_team_leader=404,
)
TRIAGE_POST = {**TRIAGE, "coordinator": 302, "team_leader": 302, "admin": 302}
STORY_WRITE = dict(all=403, coordinator=200, admin=200, other_coordinator=404)
STORY_POST = dict(all=403, coordinator=302, admin=302, other_coordinator=404)
OWN_OBSERVATION = dict(all=403, volunteer=200, other_volunteer=404)

ESCALATION_ROWS = {
    "escalations:observation_create": row(
        all=403, volunteers=200, locality=200, form=True, fuzz_as="volunteer"
    ),
    "escalations:my_observations": row(all=403, volunteers=200),
    "escalations:my_observation": row(
        kwargs=closed_observation,
        form=True,
        **OWN_OBSERVATION,
        notes="closed: the volunteer can thank or ask",
    ),
    "escalations:observation_answer": row(
        kwargs=routed_observation,
        method="post",
        data=lambda w: {"text": "An answer"},
        all=403,
        volunteer=302,
        other_volunteer=404,
        notes="no question asked: back with a message",
    ),
    "escalations:outcome_respond": row(
        kwargs=closed_observation,
        method="post",
        data=lambda w: {"kind": "thanks"},
        all=403,
        volunteer=302,
        other_volunteer=404,
    ),
    "escalations:triage": row(all=403, locality=200, admin=200),
    "escalations:detail": row(kwargs=routed_pk, **TRIAGE),
    "escalations:accept": row(
        kwargs=routed_pk, method="post", data=lambda w: {"version": 1}, **TRIAGE_POST
    ),
    "escalations:retry_routing": row(
        kwargs=routed_pk, method="post", **TRIAGE_POST, notes="not failed: back with a message"
    ),
    "escalations:reroute": row(kwargs=routed_pk, form=True, **TRIAGE),
    "escalations:refer": row(kwargs=routed_pk, form=True, **TRIAGE),
    "escalations:put_to_mdt": row(kwargs=routed_pk, form=True, **TRIAGE),
    "escalations:ask": row(kwargs=routed_pk, form=True, **TRIAGE),
    "escalations:close": row(kwargs=routed_pk, form=True, **TRIAGE),
    "escalations:outcome_reply": row(
        kwargs=closed_pk,
        method="post",
        data=lambda w: {"text": "A reply"},
        **TRIAGE_POST,
        notes="no follow-up question: back with a message",
    ),
    "escalations:story_edit": row(kwargs=closed_pk, form=True, **STORY_WRITE),
    "escalations:story_publish": row(kwargs=closed_pk, method="post", **STORY_POST),
    "escalations:story_unpublish": row(kwargs=closed_pk, method="post", **STORY_POST),
    "escalations:stories_home": row(all=403, volunteers=302, locality=302, admin=302),
    "escalations:stories": row(
        kwargs=lambda w: {"locality": esc(w).west.slug},
        all=403,
        volunteer=200,
        coordinator=200,
        team_leader=200,
        admin=200,
        other_volunteer=404,
        other_coordinator=404,
        other_team_leader=404,
    ),
    "escalations:services": row(all=200),
    "escalations:service_create": row(
        all=403, coordinator=200, other_coordinator=200, admin=200, form=True
    ),
    "escalations:service_edit": row(
        kwargs=lambda w: {"pk": esc(w).esc_service.pk},
        form=True,
        all=403,
        coordinator=200,
        admin=200,
        other_coordinator=404,
    ),
    "escalations:rota": row(all=403, locality=200, admin=200, form=True, fuzz_as="coordinator"),
    "escalations:rota_delete": row(
        kwargs=lambda w: {"pk": esc(w).esc_shift.pk},
        method="post",
        all=403,
        coordinator=302,
        admin=302,
        other_coordinator=404,
    ),
}
