"""The client list's GP practice filter: its options read by a lookup compiled once, the same
as the queryset that checks a practice sent, for each kind of user."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.urls import reverse

from clients.filters import ClientFilter
from clients.models import Client
from livingwell.models import Practice
from tests.factories import ClientFactory, PracticeFactory
from volunteers.filters import _choices

pytestmark = pytest.mark.django_db

LIST = reverse("clients:list")


def _options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select[^>]* name="practice"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_the_options_are_the_practices_the_user_may_filter_by(
    client_for, coordinator, admin_user, west, east, west_practice, east_practice
):
    PracticeFactory(locality=west, name="Alverton Surgery")
    PracticeFactory(locality=east, name="Zennor Practice")
    for user, practices in (
        (coordinator, Practice.objects.filter(locality=west)),
        (admin_user, Practice.objects.all()),
    ):
        html = client_for(user).get(LIST).content.decode()
        expected = [("", "Any practice")] + [
            (str(p.pk), p.name) for p in practices.order_by("name")
        ]
        assert _options(html) == expected, user


def test_a_practice_chosen_filters_and_one_not_listed_is_refused(
    client_for, coordinator, west, west_practice, east_practice
):
    other = PracticeFactory(locality=west, name="Alverton Surgery")
    ClientFactory(practice=west_practice, last_name="Trevithick")
    ClientFactory(practice=other, last_name="Polkinghorne")
    web = client_for(coordinator)
    html = web.get(LIST, {"practice": other.pk}).content.decode()
    assert "Polkinghorne" in html and "Trevithick" not in html
    assert (str(other.pk), other.name) in _options(html)
    refused = web.get(LIST, {"practice": east_practice.pk})
    assert refused.status_code == 200
    assert "Trevithick" not in refused.content.decode()


def test_a_listed_field_never_runs_its_queryset(west_practice):
    class Unread:
        def __iter__(self):
            raise AssertionError("the queryset was read")

    field = forms.ModelChoiceField(queryset=Practice.objects.all(), empty_label="Any")
    field._queryset = Unread()
    field.listed = lambda: [west_practice]
    assert _choices(field) == [("", "Any"), (west_practice.pk, str(west_practice))]


def test_the_filters_form_lists_through_the_compiled_lookup(coordinator, west_practice):
    form = ClientFilter({}, queryset=Client.objects.none(), user=coordinator).form
    assert [p.pk for p in form.fields["practice"].listed()] == [west_practice.pk]


def test_each_user_checks_a_practice_sent_against_their_own_whoever_came_first(
    client_for, admin_user, coordinator, other_coordinator, west_practice, east_practice
):
    ClientFactory(practice=west_practice, last_name="Trevithick")
    ClientFactory(practice=east_practice, last_name="Polkinghorne")
    ClientFilter._form_class = None  # made by the first load below, an admin's (every practice)
    assert "Polkinghorne" in client_for(admin_user).get(LIST, {"practice": east_practice.pk}).text
    for _ in range(2):  # one signed-in test client: each user in turn
        west = client_for(coordinator)
        refused = west.get(LIST, {"practice": east_practice.pk}).text
        assert "Polkinghorne" not in refused and "Trevithick" not in refused
        assert "Trevithick" in west.get(LIST, {"practice": west_practice.pk}).text
        east = client_for(other_coordinator)
        assert "Polkinghorne" in east.get(LIST, {"practice": east_practice.pk}).text
        refused = east.get(LIST, {"practice": west_practice.pk}).text
        assert "Trevithick" not in refused and "Polkinghorne" not in refused
    form = ClientFilter({}, queryset=Client.objects.none(), user=coordinator).form
    assert type(form) is ClientFilter._form_class
    assert list(type(form).base_fields["practice"].queryset) == []


def test_the_users_practices_are_built_as_a_queryset_only_when_a_practice_is_sent(
    client_for, coordinator, west_practice, monkeypatch
):
    from clients import filters

    built = []
    build = filters._PRACTICES_OF.build
    monkeypatch.setattr(filters._PRACTICES_OF, "build", lambda *a: built.append(a) or build(*a))
    web = client_for(coordinator)
    html = web.get(LIST).content.decode()
    assert built == [] and (str(west_practice.pk), west_practice.name) in _options(html)
    form = ClientFilter({}, queryset=Client.objects.none(), user=coordinator).form
    assert built == [] and list(form.fields["practice"].queryset) == []
    assert web.get(LIST, {"practice": west_practice.pk}).status_code == 200
    assert built == [(coordinator.locality_id,)]
