from __future__ import annotations

from datetime import date

from crispy_forms_gds.layout import Field
from django import forms

from livingwell.forms import FixedChoiceField, GdsFormMixin
from livingwell.models import Locality
from peersupport.forms import SafeModelChoiceField

from .scope import Period, default_period

EARLIEST = date(2000, 1, 1)
LONGEST_DAYS = 3700  # about ten years


def date_widget():
    return forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}
    )


class EvidenceForm(GdsFormMixin, forms.Form):
    """The dashboard's period and view (GET). With no parameters: the last 90 days by locality."""

    submit_label = "Show figures"

    first = forms.DateField(
        label="From", widget=date_widget(), error_messages={"invalid": "Enter a real date"}
    )
    last = forms.DateField(
        label="To (included)",
        widget=date_widget(),
        error_messages={"invalid": "Enter a real date"},
    )
    by = FixedChoiceField(
        label="Compare",
        choices=[("locality", "Localities"), ("model", "Coproduction models")],
        widget=forms.RadioSelect,
    )
    locality = SafeModelChoiceField(queryset=None, required=False, empty_label="All my localities")

    def __init__(self, data=None, *, localities):
        if not data:
            period = default_period()
            data = {
                "first": period.first.isoformat(),
                "last": period.last.isoformat(),
                "by": "locality",
            }
        super().__init__(data)
        # ``localities``: the user's, by name (a list, or a queryset of them).
        localities = list(localities)
        fields = [
            Field.text("first"),
            Field.text("last"),
            Field.radios("by", legend_size="s", inline=True),
        ]
        if len(localities) > 1:
            self.fields["locality"].queryset = Locality.objects.filter(
                pk__in=[locality.pk for locality in localities]
            ).order_by("name")
            fields.append("locality")
        else:
            del self.fields["locality"]  # one locality: nothing to choose (no queryset built)
        self.init_helper(*fields)

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and first < EARLIEST:
            self.add_error("first", f"Enter a date from {EARLIEST:%d %B %Y}")
        if last and last < EARLIEST:
            self.add_error("last", f"Enter a date from {EARLIEST:%d %B %Y}")
        if first and last and not self.errors:
            if last < first:
                self.add_error("last", "The end of the period must be on or after its start")
            elif (last - first).days >= LONGEST_DAYS:
                self.add_error("last", "Choose a period of ten years or less")
        return data

    @property
    def period(self) -> Period:
        return Period(self.cleaned_data["first"], self.cleaned_data["last"])

    def query_string(self) -> str:
        from urllib.parse import urlencode

        params = {
            "first": self.cleaned_data["first"].isoformat(),
            "last": self.cleaned_data["last"].isoformat(),
            "by": self.cleaned_data["by"],
        }
        locality = self.cleaned_data.get("locality")
        if locality is not None:
            params["locality"] = locality.pk
        return urlencode(params)
