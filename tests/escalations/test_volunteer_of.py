"""``selectors.volunteer_of``: ``user.volunteer`` in one statement compiled once, kept on the
user as the ORM keeps it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from escalations.selectors import volunteer_of
from livingwell.models import User

pytestmark = pytest.mark.django_db


def test_it_is_the_users_volunteer_read_once(volunteer, django_assert_num_queries):
    user = User.objects.get(pk=volunteer.pk)
    with django_assert_num_queries(1):
        got = volunteer_of(user)
        assert volunteer_of(user) is got
        assert user.volunteer is got and got.user is user
    assert got.pk == volunteer.volunteer.pk and got.locality_id == volunteer.volunteer.locality_id


def test_someone_without_a_volunteer_record_has_none(coordinator, django_assert_num_queries):
    user = User.objects.get(pk=coordinator.pk)
    with django_assert_num_queries(1):
        assert volunteer_of(user) is None
        assert volunteer_of(user) is None
    assert volunteer_of(AnonymousUser()) is None
