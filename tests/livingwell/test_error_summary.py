"""The error summary links every error to an element that exists, radios and checkboxes too."""

import re

from crispy_forms_gds.layout import Field
from django import forms
from django.template import Context, Template

from livingwell.forms import GdsFormMixin
from volunteers.forms import GovDateField


class PlanForm(GdsFormMixin, forms.Form):
    how = forms.ChoiceField(choices=[("bus", "Bus"), ("car", "Car")], widget=forms.RadioSelect)
    days = forms.MultipleChoiceField(
        choices=[("mon", "Monday"), ("tue", "Tuesday")], widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField()
    on = GovDateField(label="When", what="the date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper(Field.radios("how"), Field.checkboxes("days"), "note", "on")

    def clean(self):
        raise forms.ValidationError("Something about the whole form")


PAGE = Template(
    "{% load crispy_forms_tags crispy_forms_gds %}{% error_summary form %}{% crispy form %}"
)


def links_of(form):
    html = PAGE.render(Context({"form": form}))
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', html)
    for target, _ in links:
        assert f'id="{target}"' in html
    return links


def test_error_summary_links_to_first_radio_checkbox_and_date_part():
    links = links_of(PlanForm(data={}))
    assert links == [
        ("id_how_1", "Something about the whole form"),
        ("id_how_1", "This field is required."),
        ("id_days_1", "This field is required."),
        ("id_note", "This field is required."),
        ("id_on_0", "Enter the date"),
    ]


def test_error_summary_links_a_missing_date_part_to_that_part():
    links = links_of(PlanForm(data={"on_0": "12", "on_2": "2026"}))
    assert links[-1] == ("id_on_1", "Enter the month")
