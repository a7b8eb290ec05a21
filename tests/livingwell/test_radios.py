"""Our radios template writes the markup of crispy-forms-gds's own, option for option."""

import re
from pathlib import Path

import crispy_forms_gds
import pytest
from crispy_forms_gds.choices import Choice
from django import forms
from django.template import Context, Template

from livingwell.templatetags.gds_options import radio_options

THEIRS = Template(
    (
        Path(crispy_forms_gds.__file__).parent / "templates" / "gds" / "layout" / "radios.html"
    ).read_text()
)
OURS = Template("{% include 'gds/layout/radios.html' %}")


class WhenForm(forms.Form):
    when = forms.ChoiceField(
        choices=[
            Choice("now", "Now", hint="Call 999 if someone is in danger."),
            Choice("soon", "In a day or two", divider="or"),
            ("later", "Later <on>"),
            (1000, "A thousand"),
        ],
        widget=forms.RadioSelect,
        help_text="Choose one",
    )


def _markup(template, field) -> str:
    html = template.render(Context({"field": field, "legend_size": "govuk-fieldset__legend--m"}))
    # Whitespace between and at the edges of tags differs; the elements and text do not.
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize(
    "data",
    [None, {"when": "soon"}, {"when": "1000"}, {"when": "never"}],
    ids=["unbound", "chosen", "number", "error"],
)
def test_radios_match_crispy_forms_gds(data):
    field = WhenForm(data)["when"]
    if data:
        field.form.is_valid()
    ours = _markup(OURS, field)
    assert ours == _markup(THEIRS, field)
    assert ours.count('type="radio"') == 4
    assert "Later &lt;on&gt;" in ours and 'value="1000"' in ours


def test_radio_options_check_the_chosen_value_only():
    form = WhenForm({"when": "1000"})
    options = radio_options(form["when"])
    assert [(o.id, o.value, o.checked) for o in options] == [
        ("id_when_1", "now", False),
        ("id_when_2", "soon", False),
        ("id_when_3", "later", False),
        ("id_when_4", "1000", True),
    ]
    assert options[0].hint == "Call 999 if someone is in danger." and options[1].divider == "or"
