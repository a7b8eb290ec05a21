"""The volunteer list's search and filters."""

from __future__ import annotations

import copy
from collections import OrderedDict

import django_filters
from crispy_forms_gds.helper import FormHelper
from django import forms
from django.db.models import Q

from livingwell.forms import GdsFormMixin

from .enums import MdtWish, VolunteerStatus


class FilterForm(GdsFormMixin, forms.Form):
    """A list's filters above its table, laid out in GOV.UK grid rows: ``grid`` is a list of
    rows of (field name, column width) such as ``("q", "one-half")``.

    Rendered by ``volunteers/_filters.html`` from ``rows()``, not by crispy-forms: a list page
    is loaded far more often than any form is submitted, and the generic field templates cost
    more than the rest of the page (16 ms against a 12 ms budget per request).
    """

    submit_label = "Search"
    grid: list[list[tuple[str, str]]] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()  # for {% error_summary %}
        self.helper.form_tag = False

    def rows(self) -> list[list[dict]]:
        rows = []
        for grid_row in self.grid:
            row = []
            for name, width in grid_row:
                bound = self[name]
                cell = {"field": bound, "width": width, "options": None}
                if isinstance(bound.field, forms.ChoiceField):
                    current = "" if bound.value() is None else str(bound.value())
                    cell["options"] = [
                        (str(value), label, str(value) == current)
                        for value, label in _choices(bound.field)
                    ]
                row.append(cell)
            rows.append(row)
        return rows


def _choices(field: forms.ChoiceField):
    """The field's choices. A model's are read as a list: Django's ModelChoiceIterator reads
    them with ``iterator()``, a server-side cursor on PostgreSQL (three round trips) for a
    few dozen rows. A field given ``listed`` (a function returning the queryset's rows, read
    by a compiled lookup) lists those instead of running its queryset."""
    if not isinstance(field, forms.ModelChoiceField) or getattr(field, "null_label", None):
        return field.choices
    listed = getattr(field, "listed", None)
    objs = listed() if listed is not None else field.queryset
    rows = [(field.prepare_value(obj), field.label_from_instance(obj)) for obj in objs]
    return rows if field.empty_label is None else [("", field.empty_label), *rows]


class _Filters(OrderedDict):
    """A filter set class's filters. Each filter set takes a copy of every filter and sets its
    own ``parent`` and ``model`` on it. django-filter deep-copies them, which copies each
    filter's choices, queryset and field arguments too: most of the cost of making a filter set,
    for values no filter set changes. A copy one level deep, with its own field arguments and
    method, is the same to each filter set."""

    def __deepcopy__(self, memo):
        return OrderedDict((name, _own_copy(filter_)) for name, filter_ in self.items())


def _own_copy(filter_: django_filters.Filter) -> django_filters.Filter:
    copied = copy.copy(filter_)
    # A ModelChoiceFilter writes its queryset into its field arguments when it makes its field.
    copied.extra = dict(filter_.extra)
    copied.__dict__.pop("_field", None)  # each copy makes its own field
    # A method filter's FilterMethod calls the method of its filter's parent: the copy's own.
    copied.method = filter_.method
    return copied


class ListFilterSet(django_filters.FilterSet):
    """A list's filter set: django-filter's, made for less on every load of the list.

    Its form class is made once per filter set class, not on every load (a class and its
    fields each time): the fields are every user's alike, and a filter set with a field that
    depends on the user sets it on each form (``ClientFilter.form``). Its filters are copied
    for each filter set one level deep (``_Filters``).
    """

    @classmethod
    def get_filters(cls):
        return _Filters(super().get_filters())

    def get_form_class(self):
        made = type(self).__dict__.get("_form_class")
        if made is None:
            made = type(self)._form_class = super().get_form_class()
        return made


class VolunteerFilterForm(FilterForm):
    grid = [
        [("q", "one-half"), ("status", "one-quarter"), ("ready", "one-quarter")],
        [("mdt_wish", "one-quarter")],
    ]


class VolunteerFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label="Name, skills or background", method="search", max_length=100
    )
    status = django_filters.ChoiceFilter(
        choices=VolunteerStatus.choices, empty_label="Any status", label="Status"
    )
    mdt_wish = django_filters.ChoiceFilter(
        choices=MdtWish.choices, empty_label="Any", label="Wishes to attend MDTs"
    )
    ready = django_filters.ChoiceFilter(
        label="Ready to visit",
        choices=[("yes", "Ready"), ("no", "Training or agreement missing")],
        empty_label="Any",
        method="filter_ready",
    )

    class Meta:
        form = VolunteerFilterForm
        fields = []

    def search(self, qs, name, value):
        for word in value.split()[:5]:
            qs = qs.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(skills__icontains=word)
                | Q(professional_background__icontains=word)
            )
        return qs

    def filter_ready(self, qs, name, value):
        # Needs the annotations of ``volunteers.selectors.with_readiness``.
        training = [k for k in qs.query.annotations if k.startswith("training_")]
        ready = Q(has_current_agreement=True)
        for key in training:
            ready &= Q(**{key: True})
        return qs.filter(ready) if value == "yes" else qs.exclude(ready)
