"""The form renderer (livingwell.form_renderer): Django's widgets drawn by Jinja2 write what
Django's template engine wrote, and a widget with no Jinja2 template is still drawn."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from crispy_forms_gds.widgets import DateInputWidget
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.backends.jinja2 import Template as JinjaTemplate

from livingwell.form_renderer import FormRenderer

CHOICES = [("a", "Apple & <pear>"), ("b", "Bread"), ("", "None")]
GROUPED = [("Fruit", [("a", "Apple"), ("p", "Pear")]), ("b", "Bread")]

WIDGETS = [
    (forms.TextInput(attrs={"class": "govuk-input"}), "O'Neil & <Co>"),
    (forms.EmailInput(), "a@example.org"),
    (forms.NumberInput(attrs={"min": 0}), 3),
    (forms.PasswordInput(), "secret"),
    (forms.HiddenInput(), "9f1c"),
    (forms.Textarea(attrs={"rows": 3}), 'Line one\nLine "two" <b>'),
    (forms.CheckboxInput(), True),
    (forms.Select(choices=CHOICES), "a"),
    (forms.Select(choices=GROUPED), "p"),
    (forms.SelectMultiple(choices=CHOICES), ["a", "b"]),
    (forms.RadioSelect(choices=CHOICES), "b"),
    (forms.CheckboxSelectMultiple(choices=CHOICES), ["a"]),
    (forms.DateInput(attrs={"type": "date"}), dt.date(2026, 12, 6)),
    (forms.DateTimeInput(attrs={"type": "datetime-local"}), dt.datetime(2026, 12, 6, 9, 30)),
    (forms.TimeInput(attrs={"type": "time"}), dt.time(9, 30)),
    (forms.ClearableFileInput(), None),
    (forms.SplitDateTimeWidget(), dt.datetime(2026, 12, 6, 9, 30)),
]


def _html(text: str) -> str:
    # Runs of whitespace (a blank line before </select>, a line break inside a radio's label)
    # and the spelling of an escaped quote differ between the engines; the HTML does not. A
    # textarea's text is kept as it is: there whitespace is the value.
    text = text.replace("&#39;", "&#x27;").replace("&#34;", "&quot;")
    parts = re.split(r"(<textarea[^>]*>.*?</textarea>)", text.strip(), flags=re.S)
    return "".join(
        part if part.startswith("<textarea") else re.sub(r">\s+<", "><", re.sub(r"\s+", " ", part))
        for part in parts
    )


def test_the_project_draws_forms_with_it():
    assert isinstance(get_default_renderer(), FormRenderer)


@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda w: type(w).__name__)
def test_each_django_widget_is_drawn_by_jinja2_as_djangos_engine_draws_it(widget, value):
    ours = FormRenderer()
    assert isinstance(ours.get_template(widget.template_name), JinjaTemplate)
    attrs = {"id": "id_field", "required": True}
    expected = widget.render("field", value, attrs, renderer=DjangoTemplates())
    assert _html(widget.render("field", value, attrs, renderer=ours)) == _html(expected)


def test_a_widget_without_a_jinja2_template_is_drawn_by_djangos_engine():
    widget = DateInputWidget()
    ours = FormRenderer()
    assert not isinstance(ours.get_template(widget.template_name), JinjaTemplate)
    value = ["6", "12", "2026"]
    expected = widget.render("when", value, {"id": "id_when"}, renderer=DjangoTemplates())
    assert widget.render("when", value, {"id": "id_when"}, renderer=ours) == expected
    assert 'name="when_2"' in expected and 'value="2026"' in expected


def test_errors_and_a_whole_form_read_as_djangos_engine_wrote_them():
    class Form(forms.Form):
        name = forms.CharField(max_length=5)
        kind = forms.ChoiceField(choices=CHOICES[:2], widget=forms.RadioSelect)

    bound = Form({"name": "too long <b>", "kind": "z"})
    assert not bound.is_valid()
    for part in ("as_div", "as_p", "as_table", "as_ul"):
        ours = getattr(Form(bound.data, renderer=FormRenderer()), part)()
        theirs = getattr(Form(bound.data, renderer=DjangoTemplates()), part)()
        assert _html(ours) == _html(theirs), part
    assert "Ensure this value has at most 5 characters" in bound.as_div()


def test_a_template_jinja2_lacks_is_looked_for_there_once(monkeypatch):
    ours = FormRenderer()
    asked = []
    look = ours.jinja2.get_template
    monkeypatch.setattr(ours.jinja2, "get_template", lambda name: asked.append(name) or look(name))
    widget = DateInputWidget()
    first = widget.render("when", ["6", "12", "2026"], {"id": "id_when"}, renderer=ours)
    again = widget.render("when", ["6", "12", "2026"], {"id": "id_when"}, renderer=ours)
    assert first == again
    assert asked.count(widget.template_name) == 1
