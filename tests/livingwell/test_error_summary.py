"""The error summary links every error to an element that exists, radios and checkboxes too."""

import re

from crispy_forms_gds.layout import Field
from django import forms
from django.template import Context, Template

from livingwell.forms import GdsFormMixin


class PlanForm(GdsFormMixin, forms.Form):
    how = forms.ChoiceField(choices=[("bus", "Bus"), ("car", "Car")], widget=forms.RadioSelect)
    days = forms.MultipleChoiceField(
        choices=[("mon", "Monday"), ("tue", "Tuesday")], widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper(Field.radios("how"), Field.checkboxes("days"), "note")

    def clean(self):
        raise forms.ValidationError("Something about the whole form")


PAGE = Template(
    "{% load crispy_forms_tags crispy_forms_gds %}{% error_summary form %}{% crispy form %}"
)


def test_error_summary_links_to_first_radio_and_checkbox():
    form = PlanForm(data={})
    html = PAGE.render(Context({"form": form}))
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', html)
    assert [target for target, _ in links] == ["id_how_1", "id_how_1", "id_days_1", "id_note"]
    assert links[0][1] == "Something about the whole form"
    for target, _ in links:
        assert f'id="{target}"' in html
