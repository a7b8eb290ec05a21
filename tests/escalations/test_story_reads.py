"""The stories page's reads, compiled once: the same localities as story_localities_for for
every role, and the published stories and drafts the ORM's querysets give."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.utils import timezone

from escalations import selectors
from escalations.enums import EscalationState, StoryState
from escalations.models import Story

from ..factories import EscalationFactory

pytestmark = pytest.mark.django_db


def test_each_role_opens_the_stories_pages_story_localities_for_gives_it(users, west, east):
    for user in [*users.values(), AnonymousUser()]:
        for place in (west, east):
            expected = selectors.story_localities_for(user).filter(slug=place.slug).first()
            got = selectors.story_locality_for(user, place.slug)
            assert (got and got.pk) == (expected and expected.pk), (user, place)
        assert selectors.story_locality_for(user, "nowhere") is None


def test_published_stories_and_drafts_are_the_orms(coordinator, west, west_practice):
    now = timezone.now()
    for n in range(9):
        escalation = EscalationFactory(
            observation__client__practice=west_practice,
            state=EscalationState.CLOSED,
            closed_at=now,
        )
        state = [StoryState.PUBLISHED, StoryState.DRAFT, StoryState.UNPUBLISHED][n % 3]
        Story.objects.create(
            published_at=now - dt.timedelta(days=n) if state == StoryState.PUBLISHED else None,
            escalation=escalation,
            locality=west,
            title=f"Story {n}",
            body="She gets to the surgery now.",
            state=state,
            written_by=coordinator,
        )
    rows = selectors.published_story_rows(west)
    expected = list(selectors.published_stories(west))
    assert len(rows) == len(expected) == 3
    paginator = Paginator(rows, 2)
    got = [s for n in paginator.page_range for s in paginator.page(n).object_list]
    assert [s.pk for s in got] == [s.pk for s in expected]
    assert [s.pk for s in selectors.story_drafts(west)] == [
        s.pk
        for s in Story.objects.filter(locality=west)
        .exclude(state=StoryState.PUBLISHED)
        .order_by("-updated_at")
    ]
