"""Shared fixtures: one user per role in West, and an outsider of each role in East.

The outsiders are the healthchecks 'charlie': same role, other locality or practice; they must
see nothing of West's people.
"""

from __future__ import annotations

import os

import factory.random
import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.http import HttpRequest
from django.test import Client

from livingwell.enums import Role

from .factories import PASSWORD, LocalityFactory, PracticeFactory, UserFactory, VolunteerFactory
from .otp import verify_session


@pytest.fixture(autouse=True)
def _one_integration_test_at_a_time(request):
    """Integration tests share the test broker's Redis database, so they must not overlap.
    ``xdist_group`` would keep them on one worker, but pytest-xdist 3.8 marks the group in a
    node id that pytest 9 no longer reads, so the groups are ignored: a lock file does it."""
    if request.node.get_closest_marker("integration") is None:
        yield
        return
    import fcntl
    import hashlib
    import tempfile
    from pathlib import Path

    broker = getattr(settings, "TEST_CELERY_BROKER_URL", "") or "none"
    name = hashlib.sha256(broker.encode()).hexdigest()[:12]
    with (Path(tempfile.gettempdir()) / f"livingwell-integration-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing kept (the evidence figures), as a new server would."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _the_same_made_up_people_every_run(request):
    """The factories' made-up names, dates and addresses are the same on every run of a test
    (seeded from its id), so a test that trips on one (a coordinator who happens to share a
    client's first name) fails every time, not once in a few hundred runs."""
    factory.random.reseed_random(request.node.nodeid)


def require_or_skip(reason: str):
    """Skip a test whose service is missing; under REQUIRE_SERVICES=1 (CI) fail it instead."""
    if os.environ.get("REQUIRE_SERVICES") == "1" or settings.REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _signed_in_staff_have_their_second_factor(monkeypatch):
    """``client.force_login(user)`` and ``client.login(...)`` sign staff in with their second
    factor entered, as the code step does, so page tests see what a signed-in user sees.
    ``verified=False`` leaves them at the code step (tests/security does). ``client.login``
    also gets the request that django-axes needs to check the lockout."""
    force_login, login = Client.force_login, Client.login

    def force_login_verified(self, user, backend=None, *, verified=True):
        force_login(self, user, backend)
        if verified:
            verify_session(self, user)

    def login_verified(self, *, verified=True, **credentials):
        credentials.setdefault("request", HttpRequest())
        if not login(self, **credentials):
            return False
        if verified:
            user = get_user_model().objects.get(pk=self.session[SESSION_KEY])
            verify_session(self, user)
        return True

    monkeypatch.setattr(Client, "force_login", force_login_verified)
    monkeypatch.setattr(Client, "login", login_verified)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def west(db):
    return LocalityFactory(name="West Cornwall", slug="west-cornwall")


@pytest.fixture
def east(db):
    return LocalityFactory(name="East Cornwall", slug="east-cornwall")


@pytest.fixture
def west_practice(west):
    return PracticeFactory(name="Penwith Surgery", locality=west)


@pytest.fixture
def east_practice(east):
    return PracticeFactory(name="Liskeard Medical Centre", locality=east)


@pytest.fixture
def volunteer(west):
    return VolunteerFactory(locality=west, user__username="vera").user


@pytest.fixture
def coordinator(west):
    return UserFactory(username="colin", role=Role.COORDINATOR, locality=west)


@pytest.fixture
def team_leader(west):
    return UserFactory(username="tessa", role=Role.TEAM_LEADER, locality=west)


@pytest.fixture
def chair(west, west_practice):
    return UserFactory(
        username="asha", role=Role.MDT_CHAIR, locality=west, practices=[west_practice]
    )


@pytest.fixture
def practitioner(west, west_practice):
    return UserFactory(
        username="pat", role=Role.PRACTITIONER, locality=west, practices=[west_practice]
    )


@pytest.fixture
def admin_user(db):
    return UserFactory(username="ada", role=Role.ADMIN, locality=None, is_superuser=True)


@pytest.fixture
def other_volunteer(east):
    return VolunteerFactory(locality=east, user__username="jory").user


@pytest.fixture
def other_coordinator(east):
    return UserFactory(username="morwenna", role=Role.COORDINATOR, locality=east)


@pytest.fixture
def other_team_leader(east):
    return UserFactory(username="ivor", role=Role.TEAM_LEADER, locality=east)


@pytest.fixture
def other_chair(east, east_practice):
    return UserFactory(
        username="ian", role=Role.MDT_CHAIR, locality=east, practices=[east_practice]
    )


@pytest.fixture
def other_practitioner(east, east_practice):
    return UserFactory(
        username="petroc", role=Role.PRACTITIONER, locality=east, practices=[east_practice]
    )


@pytest.fixture
def users(
    volunteer,
    coordinator,
    team_leader,
    chair,
    practitioner,
    admin_user,
    other_volunteer,
    other_coordinator,
    other_team_leader,
    other_chair,
    other_practitioner,
):
    """Every role, and the same-role outsider: keys are the names the access matrix uses."""
    return {
        "volunteer": volunteer,
        "coordinator": coordinator,
        "team_leader": team_leader,
        "mdt_chair": chair,
        "practitioner": practitioner,
        "admin": admin_user,
        "other_volunteer": other_volunteer,
        "other_coordinator": other_coordinator,
        "other_team_leader": other_team_leader,
        "other_mdt_chair": other_chair,
        "other_practitioner": other_practitioner,
    }


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the Django test client signed in as ``user``, staff with their
    second factor entered (``verified=False`` leaves them at the code step)."""

    def sign_in(user, *, verified=True):
        client.force_login(user, verified=verified)
        return client

    return sign_in
