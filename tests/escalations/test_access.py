"""The permission matrix for every page of observations, escalations, the directory, the rota
and stories: each role, the same-role outsider from East, and anonymous, with the exact status.
A 403 is a role that may not use the page; a 404 is a row outside the user's scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from escalations import services
from escalations.models import Escalation, Story
from tests.otp import force_login_verified

from ..factories import OnCallShiftFactory, ServiceFactory
from .helpers import consent

pytestmark = pytest.mark.django_db

ROLES = [
    "volunteer",
    "coordinator",
    "team_leader",
    "mdt_chair",
    "practitioner",
    "admin",
    "other_volunteer",
    "other_coordinator",
    "other_team_leader",
    "other_mdt_chair",
    "other_practitioner",
]


def matrix(default=403, **statuses):
    result = dict.fromkeys(ROLES, default)
    result.update(statuses)
    return result


WEST_STAFF = dict(coordinator=200, team_leader=200, admin=200)
EAST_STAFF_404 = dict(other_coordinator=404, other_team_leader=404)

# (name, url args key, expected statuses for GET)
PAGES = [
    (
        "observation_create",
        None,
        matrix(
            volunteer=200,
            coordinator=200,
            team_leader=200,
            other_volunteer=200,
            other_coordinator=200,
            other_team_leader=200,
        ),
    ),
    ("my_observations", None, matrix(volunteer=200, other_volunteer=200)),
    ("my_observation", "observation", matrix(volunteer=200, other_volunteer=404)),
    (
        "triage",
        None,
        matrix(**WEST_STAFF, other_coordinator=200, other_team_leader=200),
    ),
    ("detail", "escalation", matrix(**WEST_STAFF, **EAST_STAFF_404)),
    ("reroute", "escalation", matrix(**WEST_STAFF, **EAST_STAFF_404)),
    ("refer", "escalation", matrix(**WEST_STAFF, **EAST_STAFF_404)),
    ("put_to_mdt", "escalation", matrix(**WEST_STAFF, **EAST_STAFF_404)),
    ("ask", "escalation", matrix(**WEST_STAFF, **EAST_STAFF_404)),
    ("close", "escalation", matrix(**WEST_STAFF, **EAST_STAFF_404)),
    ("story_edit", "closed", matrix(coordinator=200, admin=200, other_coordinator=404)),
    (
        "stories_home",
        None,
        matrix(
            volunteer=302,
            coordinator=302,
            team_leader=302,
            admin=302,
            other_volunteer=302,
            other_coordinator=302,
            other_team_leader=302,
        ),
    ),
    (
        "stories",
        "west",
        matrix(
            volunteer=200,
            coordinator=200,
            team_leader=200,
            admin=200,
            other_volunteer=404,
            other_coordinator=404,
            other_team_leader=404,
        ),
    ),
    ("services", None, matrix(default=200)),
    ("service_create", None, matrix(coordinator=200, admin=200, other_coordinator=200)),
    ("service_edit", "service", matrix(coordinator=200, admin=200, other_coordinator=404)),
    (
        "rota",
        None,
        matrix(**WEST_STAFF, other_coordinator=200, other_team_leader=200),
    ),
]

# POST-only endpoints: who may not (and so must change nothing); None marks who may.
ALLOWED = None
WEST_STAFF_MAY = dict(coordinator=ALLOWED, team_leader=ALLOWED, admin=ALLOWED)
POSTS = [
    ("accept", "escalation", matrix(**WEST_STAFF_MAY, **EAST_STAFF_404)),
    ("retry_routing", "escalation", matrix(**WEST_STAFF_MAY, **EAST_STAFF_404)),
    ("outcome_reply", "closed", matrix(**WEST_STAFF_MAY, **EAST_STAFF_404)),
    ("story_publish", "closed", matrix(coordinator=ALLOWED, admin=ALLOWED, other_coordinator=404)),
    (
        "story_unpublish",
        "closed",
        matrix(coordinator=ALLOWED, admin=ALLOWED, other_coordinator=404),
    ),
    ("rota_delete", "shift", matrix(coordinator=ALLOWED, admin=ALLOWED, other_coordinator=404)),
    ("observation_answer", "observation", matrix(volunteer=ALLOWED, other_volunteer=404)),
    ("outcome_respond", "closed_observation", matrix(volunteer=ALLOWED, other_volunteer=404)),
]


@pytest.fixture
def world(users, routed, make_escalation, coordinator, mary, west, team_leader):
    consent(mary, "anonymised_story")
    closed = make_escalation()
    services.escalation_route(escalation_id=closed.pk)
    closed.refresh_from_db()
    services.escalation_close(
        escalation=closed,
        by=coordinator,
        expected_version=1,
        summary="Lift arranged",
        message_for_volunteer="She has a lift now.",
        went_well=True,
    )
    story = services.story_save(
        escalation=closed, by=coordinator, title="A lift to the surgery", body="A clean story."
    )
    services.story_publish(story=story, by=coordinator)
    return {
        "escalation": routed.pk,
        "observation": routed.observation.pk,
        "closed": closed.pk,
        "closed_observation": closed.observation.pk,
        "west": west.slug,
        "service": ServiceFactory(localities=[west]).pk,
        "shift": OnCallShiftFactory(locality=west, team_leader=team_leader).pk,
    }


def url_for(name, key, world):
    args = [world[key]] if key else []
    return reverse(f"escalations:{name}", args=args)


@pytest.mark.parametrize(("name", "key", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_get_matrix(client, users, world, name, key, expected):
    url = url_for(name, key, world)
    seen = {}
    for role in ROLES:
        force_login_verified(client, users[role])
        seen[role] = client.get(url).status_code
    assert seen == expected
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "key", "expected"), POSTS, ids=[p[0] for p in POSTS])
def test_post_matrix_refuses_and_changes_nothing(client, users, world, name, key, expected):
    url = url_for(name, key, world)
    before = (
        list(Escalation.objects.order_by("pk").values_list("state", "version", "owner_id")),
        list(Story.objects.values_list("state", flat=True)),
    )
    refused = {role: status for role, status in expected.items() if status is not ALLOWED}
    seen = {}
    for role in refused:
        force_login_verified(client, users[role])
        seen[role] = client.post(url, {"version": 1, "text": "x", "kind": "thanks"}).status_code
    assert seen == refused
    client.logout()
    response = client.post(url, {"version": 1})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    after = (
        list(Escalation.objects.order_by("pk").values_list("state", "version", "owner_id")),
        list(Story.objects.values_list("state", flat=True)),
    )
    assert after == before


@pytest.mark.parametrize("name", [p[0] for p in POSTS])
def test_post_only_endpoints_refuse_get(client, users, world, name):
    key = dict((p[0], p[1]) for p in POSTS)[name]
    force_login_verified(
        client,
        users["admin"]
        if name not in ("observation_answer", "outcome_respond")
        else users["volunteer"],
    )
    assert client.get(url_for(name, key, world)).status_code == 405
