"""The coordinator's client list: search and filters."""

from __future__ import annotations

from functools import partial

import django_filters
from django.db.models import Exists, OuterRef, Q

from livingwell.models import Practice
from livingwell.prepared import Prepared
from volunteers.filters import FilterForm, ListFilterSet

from .enums import ClientStatus, ConsentAction
from .models import Assignment
from .validators import normalise_nhs_number


class ClientFilterForm(FilterForm):
    grid = [
        [("q", "one-half"), ("practice", "one-quarter"), ("status", "one-quarter")],
        [("has_volunteer", "one-quarter"), ("mdt_consent", "one-quarter")],
    ]


YES_NO = [("yes", "Yes"), ("no", "No")]

# The practices a user may filter by: their locality's, or every one for a user of none (an
# admin), by name, compiled once (livingwell.prepared). The ORM compiled the filter's statement
# on every load of the client list, a tenth of the page's Python.
_PRACTICES_OF = Prepared(
    lambda locality_id: (
        Practice.objects.filter(locality_id=locality_id).only("id", "name").order_by("name")
    ),
    int,
    plan_once=True,
)
_EVERY_PRACTICE = Prepared(
    lambda: Practice.objects.only("id", "name").order_by("name"), plan_once=True
)


def _practices(user) -> tuple[Prepared, tuple]:
    if user.locality_id is None:
        return _EVERY_PRACTICE, ()
    return _PRACTICES_OF, (user.locality_id,)


class ClientFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label="Name, NHS number or postcode", method="search", max_length=100
    )
    practice = django_filters.ModelChoiceFilter(
        queryset=Practice.objects.none(), empty_label="Any practice", label="GP practice"
    )
    status = django_filters.ChoiceFilter(
        choices=ClientStatus.choices, empty_label="Any status", label="Status"
    )
    has_volunteer = django_filters.ChoiceFilter(
        label="Has a volunteer", choices=YES_NO, empty_label="Any", method="filter_volunteer"
    )
    mdt_consent = django_filters.ChoiceFilter(
        label="MDT consent",
        choices=YES_NO,
        empty_label="Any",
        method="filter_mdt_consent",
    )

    class Meta:
        form = ClientFilterForm
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._practices = _practices(user)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            practice = form.fields["practice"]
            prepared, values = self._practices
            # The options: this user's practices, read by the compiled lookup.
            practice.listed = partial(prepared.all, *values)
            # A practice sent is checked against this user's practices. Without one the field
            # keeps the declared queryset, which finds nothing, and no queryset is built (the
            # ORM's building of it was a twentieth of the list's Python on every load).
            if form["practice"].data not in practice.empty_values:
                practice.queryset = prepared.build(*values)
        return self._form

    def search(self, qs, name, value):
        digits = normalise_nhs_number(value)
        if digits.isdigit() and len(digits) == 10:
            return qs.filter(nhs_number=digits)
        for word in value.split()[:5]:
            qs = qs.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(postcode__icontains=word)
            )
        return qs

    def filter_volunteer(self, qs, name, value):
        return with_volunteer(qs, value)

    def filter_mdt_consent(self, qs, name, value):
        return with_mdt_consent(qs, value)


def with_volunteer(qs, value: str):
    """``value`` "yes": clients someone visits now; "no": clients nobody does."""
    has = Exists(Assignment.objects.filter(client=OuterRef("pk"), ended_on__isnull=True))
    return qs.filter(has) if value == "yes" else qs.exclude(has)


def with_mdt_consent(qs, value: str):
    """``value`` "yes": clients consenting to a volunteer at their MDT now; "no": the others.
    Needs the ``consent_mdt`` annotation of ``clients.selectors.client_list_for``."""
    if value == "yes":
        return qs.filter(consent_mdt=ConsentAction.GIVEN)
    return qs.filter(Q(consent_mdt__isnull=True) | Q(consent_mdt=ConsentAction.WITHDRAWN))
