"""The lists' filter sets (``volunteers.filters.ListFilterSet``): filters of each filter set's
own, copied one level deep, and a form class made once per filter set class."""

from __future__ import annotations

import pytest

from clients.filters import ClientFilter
from clients.models import Client
from tests.factories import ClientFactory
from volunteers.filters import VolunteerFilter
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def _two(coordinator):
    return (
        ClientFilter({}, queryset=Client.objects.none(), user=coordinator),
        ClientFilter({}, queryset=Client.objects.none(), user=coordinator),
    )


def test_each_filter_set_has_filters_of_its_own(coordinator):
    first, second = _two(coordinator)
    for name, declared in ClientFilter.base_filters.items():
        mine, theirs = first.filters[name], second.filters[name]
        assert mine is not theirs and mine is not declared
        assert mine.parent is first and theirs.parent is second
        assert not hasattr(declared, "parent")
        assert mine.extra == declared.extra and mine.extra is not declared.extra
    # Each makes its own field; the declared filter makes none.
    assert first.filters["practice"].field is not second.filters["practice"].field
    assert "_field" not in vars(ClientFilter.base_filters["practice"])


def test_what_a_filter_holds_is_shared_not_copied_again(coordinator):
    first, second = _two(coordinator)
    status = ClientFilter.base_filters["status"]
    assert first.filters["status"].extra["choices"] is status.extra["choices"]
    assert second.filters["status"].extra["choices"] is status.extra["choices"]


def test_a_method_filter_calls_its_own_filter_sets_method(coordinator, west):
    ClientFactory(locality=west, last_name="Trevithick")
    ClientFactory(locality=west, last_name="Polkinghorne")
    first, second = _two(coordinator)
    for filterset in (first, second):
        search = filterset.filters["q"]
        assert search.filter.f is search  # the copy's, not the declared filter's
        assert search.filter.method.__self__ is filterset
    found = ClientFilter({"q": "trevithick"}, queryset=Client.objects.all(), user=coordinator)
    assert [c.last_name for c in found.qs] == ["Trevithick"]


def test_a_volunteer_filter_set_searches_and_filters_with_its_own_filters(volunteer):
    volunteer.last_name = "Penrose"
    volunteer.save(update_fields=["last_name"])
    found = VolunteerFilter({"q": "penrose"}, queryset=Volunteer.objects.all())
    assert [v.user.last_name for v in found.qs] == ["Penrose"]
    assert VolunteerFilter({"q": "nobody"}, queryset=Volunteer.objects.all()).qs.count() == 0
    assert found.filters["q"].filter.f is found.filters["q"]


def test_the_form_class_is_made_once_per_filter_set_class(coordinator):
    first, second = _two(coordinator)
    assert type(first.form) is type(second.form) is ClientFilter._form_class
    volunteers = VolunteerFilter({}, queryset=Volunteer.objects.none())
    assert type(volunteers.form) is VolunteerFilter._form_class
    assert VolunteerFilter._form_class is not ClientFilter._form_class
    # Each form has fields of its own.
    assert first.form.fields["practice"] is not second.form.fields["practice"]
