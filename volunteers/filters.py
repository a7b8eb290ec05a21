"""The volunteer list's search and filters."""

from __future__ import annotations

import django_filters
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Div, Layout
from django import forms
from django.db.models import Q

from livingwell.forms import GdsFormMixin

from .enums import MdtWish, VolunteerStatus


class FilterForm(GdsFormMixin, forms.Form):
    """A list's filters above its table, laid out in GOV.UK grid rows: ``grid`` is a list of
    rows of (field name, column width) such as ``("one-half")``."""

    submit_label = "Search"
    grid: list[list[tuple[str, str]]] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        rows = [
            Div(
                *[Div(name, css_class=f"govuk-grid-column-{width}") for name, width in row],
                css_class="govuk-grid-row",
            )
            for row in self.grid
        ]
        self.helper.layout = Layout(*rows, Button("submit", self.submit_label))


class VolunteerFilterForm(FilterForm):
    grid = [
        [("q", "one-half"), ("status", "one-quarter"), ("ready", "one-quarter")],
        [("mdt_wish", "one-quarter")],
    ]


class VolunteerFilter(django_filters.FilterSet):
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
