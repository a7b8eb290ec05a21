"""The client page's escalations panel for locality staff: the client's five latest, read from
the newest observations rather than by joining the client's whole history."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from escalations.enums import EscalationState
from escalations.home import _LATEST_ABOUT
from escalations.models import Escalation, Observation
from tests.conftest import require_or_skip

pytestmark = pytest.mark.django_db


def _age(escalation, days):
    """Make ``escalation`` (and its observation, made in the same moment) ``days`` old."""
    when = timezone.now() - dt.timedelta(days=days)
    Escalation.objects.filter(pk=escalation.pk).update(created_at=when)
    Observation.objects.filter(pk=escalation.observation_id).update(created_at=when)


def test_staff_see_the_five_latest_newest_first(client_for, coordinator, make_escalation, mary):
    made = [make_escalation() for _ in range(7)]
    for days, escalation in zip([9, 2, 7, 1, 8, 3, 5], made, strict=True):
        _age(escalation, days)
    newest = sorted(made, key=lambda e: Escalation.objects.get(pk=e.pk).created_at)[::-1][:5]
    html = client_for(coordinator).get(reverse("clients:detail", args=[mary.pk])).content.decode()
    shown = [html.index(reverse("escalations:detail", args=[e.pk]) + '"') for e in newest]
    assert shown == sorted(shown)
    for left_out in set(made) - set(newest):
        assert reverse("escalations:detail", args=[left_out.pk]) + '"' not in html


def test_an_observation_whose_escalation_was_deleted_is_left_out(
    client_for, coordinator, make_escalation, mary
):
    kept, gone = make_escalation(), make_escalation()
    _age(kept, 2)
    Escalation.objects.filter(pk=gone.pk).delete()  # an admin's deletion; the observation stays
    assert [row[0] for row in _LATEST_ABOUT.fetch(mary.pk)] == [kept.pk]
    response = client_for(coordinator).get(reverse("clients:detail", args=[mary.pk]))
    assert response.status_code == 200
    assert reverse("escalations:detail", args=[kept.pk]) in response.content.decode()


def test_no_escalation_says_so(client_for, coordinator, mary):
    response = client_for(coordinator).get(reverse("clients:detail", args=[mary.pk]))
    assert "Nothing has been escalated." in response.content.decode()


def test_on_postgresql_a_long_history_is_not_read_to_find_five(make_escalation, mary):
    if connection.vendor != "postgresql":
        require_or_skip("PostgreSQL is needed (set DATABASE_URL)")
    for _ in range(40):
        make_escalation()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE escalations_observation")
        cursor.execute("ANALYZE escalations_escalation")
        sql, params = _LATEST_ABOUT.build(mary.pk).query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def observation_rows(node):
        rows = (
            node.get("Actual Rows", 0)
            if node.get("Relation Name") == ("escalations_observation")
            else 0
        )
        return max([rows, *(observation_rows(n) for n in node.get("Plans", []))])

    assert observation_rows(plan[0]["Plan"]) <= 5


def test_each_link_says_what_the_escalation_says_of_itself(
    rf, coordinator, make_escalation, mary, settings
):
    from escalations.home import client_page_panel

    escalation = make_escalation()
    # Late on a summer's evening in UTC: the next day in London.
    when = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)
    Escalation.objects.filter(pk=escalation.pk).update(created_at=when)
    Observation.objects.filter(pk=escalation.observation_id).update(created_at=when)
    escalation.refresh_from_db()
    request = rf.get("/")
    request.user = coordinator
    panel = client_page_panel(request, mary)
    assert settings.TIME_ZONE == "Europe/London"
    assert panel["links"] == [
        (
            f"{escalation.get_kind_display()}, 02 Jul 2026: "
            f"{escalation.get_state_display().lower()}",
            reverse("escalations:detail", args=[escalation.pk]),
        )
    ]


def test_a_volunteer_sees_their_observations_even_one_whose_escalation_was_deleted(
    client_for, volunteer, make_escalation, mary
):
    kept, gone = make_escalation(), make_escalation()
    closed = {"state": EscalationState.CLOSED, "closed_at": timezone.now()}
    Escalation.objects.filter(pk=kept.pk).update(**closed)
    Escalation.objects.filter(pk=gone.pk).delete()  # an admin's deletion; the observation stays
    response = client_for(volunteer).get(reverse("clients:detail", args=[mary.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    day = f"{timezone.localtime(kept.created_at):%d %b %Y}"
    for observation_id, said in ((kept.observation_id, ": finished"), (gone.observation_id, "")):
        link = reverse("escalations:my_observation", args=[observation_id])
        assert re.search(rf'href="{link}"[^>]*>\s*Transport, {day}{said}<', html), said
