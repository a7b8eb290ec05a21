"""crispy-forms-gds's field template drawn by our Jinja2 partial (livingwell/templatetags/
gds_fields.py): every kind of field, with every option the project's forms use, bound and not,
in error and not, comes out byte for byte as the package's own ``gds/field.html`` drew it."""

from __future__ import annotations

import datetime as dt
import gc
from unittest import mock

import pytest
from crispy_forms import utils as crispy_utils
from crispy_forms_gds.choices import Choice
from crispy_forms_gds.layout import Button, Field, Fieldset, Size
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, engines
from django.template.backends.django import Template as BackendTemplate
from django.utils.safestring import mark_safe

from escalations.forms import CallerForm, ObservationForm, StaffObservationForm
from evidence.forms import EvidenceForm
from livingwell import forms as lw_forms
from livingwell.forms import FixedChoiceField, GdsFormMixin, SignInForm, SubmitButton
from livingwell.models import Locality
from livingwell.templatetags import gds_fields
from livingwell.templatetags.gds_fields import package_field_template

from ..escalations.helpers import visit
from ..factories import ClientFactory

pytestmark = pytest.mark.django_db

PAGE = engines["django"].from_string("{% load crispy_forms_tags %}{% crispy form %}")


def _two_errors(value):
    if value == "twice":
        raise ValidationError(["First <problem>", "Second problem"])


class EveryKindForm(GdsFormMixin, forms.Form):
    required_css_class = "lw-required"
    error_css_class = "lw-error"

    name = forms.CharField(label="Your <em>name</em>", help_text="As on <b>your</b> card")
    plain = forms.CharField(required=False, validators=[_two_errors])
    email = forms.EmailField(required=False, label="Email")
    wrapped = forms.CharField(required=False, label="Wrapped")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="A few words")
    # A help text: the package's character count fails without one.
    story = forms.CharField(
        widget=forms.Textarea, required=False, label="Counted", help_text="Up to 100"
    )
    choice = forms.ChoiceField(
        choices=[("", "Choose"), ("a", "A & B"), ("c", "C")], help_text="Pick one"
    )
    kind = forms.ChoiceField(
        choices=[
            Choice("x", "X <1>", hint="A hint & more"),
            Choice("y", "Y", divider="or"),
            Choice("z", "Z"),
        ],
        widget=forms.RadioSelect,
        help_text="Which kind",
    )
    small = forms.ChoiceField(
        choices=[("1", "One"), ("2", "Two")], widget=forms.RadioSelect, required=False
    )
    inline = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect, label=""
    )
    agree = forms.BooleanField(label="I agree", help_text="You must", required=True)
    many = forms.MultipleChoiceField(
        choices=[("p", "P"), ("q", "Q")], widget=forms.CheckboxSelectMultiple, required=False
    )
    day = forms.DateField(required=False, label="Day")
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper(
            Field.text("name", label_size=Size.MEDIUM, label_tag="h1", field_width=20),
            "plain",
            Field.text("email", label_size=Size.SMALL),
            Field("wrapped", wrapper_class="lw-wrapper"),
            Field.textarea("notes", label_size=Size.LARGE),
            Field.textarea("story", max_characters=100, threshold=50),
            Field.select("choice"),
            Fieldset(
                Field.radios("kind", legend_size=Size.MEDIUM, legend_tag="h2"),
                Field.radios("small", small=True),
                Field.radios("inline", inline=True),
                legend="Radios",
            ),
            Field.checkbox("agree", small=True),
            Field.checkboxes("many", legend_size=Size.SMALL, small=True),
            Field.text("day"),
            "key",
        )


def _both(make) -> tuple[str, str]:
    """``make()``'s form drawn by our template and by the package's, each a new form (drawing
    one adds the error classes to its inputs' attributes, so a second drawing differs)."""

    def form():
        made = make()
        if made.is_bound:
            made.is_valid()
        return made

    ours = PAGE.render({"form": form()})
    package = BackendTemplate(package_field_template(), engines["django"])
    real = crispy_utils.get_template

    def get_template(name, *args, **kwargs):
        return package if name == "gds/field.html" else real(name, *args, **kwargs)

    with mock.patch.object(crispy_utils, "get_template", get_template):
        theirs = PAGE.render({"form": form()})
    return ours, theirs


BAD = {
    "name": "",
    "plain": "twice",
    "email": "not an email",
    "notes": "",
    "choice": "nope",
    "kind": "w",
    "inline": "",
    "many": ["r"],
    "day": "32/13/2020",
    "key": "k<1>",
}
GOOD = {
    "name": "Vera <V>",
    "notes": "Fine\nthanks",
    "choice": "a",
    "kind": "y",
    "small": "2",
    "inline": "no",
    "agree": "on",
    "many": ["p", "q"],
    "day": "2026-11-29",
    "story": "Told",
}


def test_only_character_counts_checkboxes_and_multiple_inputs_take_the_packages_template():
    with mock.patch.object(
        gds_fields, "package_field_template", wraps=gds_fields.package_field_template
    ) as package:
        PAGE.render({"form": EveryKindForm()})
    assert package.call_count == 2  # "story" (counted) and "many" (checkboxes); 12 are ours


@pytest.mark.parametrize("data", [None, BAD, GOOD], ids=["unbound", "in-error", "valid"])
def test_every_kind_of_field_is_drawn_as_the_package_draws_it(data):
    ours, theirs = _both(lambda: EveryKindForm(data))
    assert ours == theirs
    assert 'id="div_id_name"' in ours and "lw-wrapper" in ours and "govuk-radios__divider" in ours
    if data is BAD:
        assert "id_plain_2_error" in ours and "First &lt;problem&gt;" in ours


def test_the_projects_own_forms_are_drawn_as_the_package_draws_them(volunteer, team_leader):
    places = Locality.objects.all()
    caller = volunteer.volunteer
    visit(volunteer, ClientFactory(practice__locality=caller.locality, first_name="Mary"))
    key = {"submission_key": "3e5661a9-8f34-4d4c-87f6-9b0709de349b"}
    makers = [
        lambda: ObservationForm(user=volunteer, initial=dict(key)),
        lambda: ObservationForm({"client": "x", "noticed": "", "kind": "nope"}, user=volunteer),
        lambda: StaffObservationForm(user=team_leader, initial=dict(key)),
        lambda: StaffObservationForm({"volunteer": "1", "by_phone": "on"}, user=team_leader),
        lambda: StaffObservationForm(user=team_leader, caller=caller, initial=dict(key)),
        lambda: CallerForm(user=team_leader),
        lambda: CallerForm({"volunteer": "x"}, user=team_leader),
        lambda: EvidenceForm(localities=places),
        lambda: EvidenceForm({"first": "2026-02-30", "by": "nope"}, localities=places),
        lambda: SignInForm(),
        lambda: SignInForm(data={"username": "", "password": ""}),
    ]
    for n, make in enumerate(makers):
        ours, theirs = _both(make)
        assert ours == theirs, n


@pytest.fixture
def kept(monkeypatch):
    """The HTML kept of fields of empty forms, empty at the start of the test."""
    monkeypatch.setattr(gds_fields, "_KEPT", {})
    return gds_fields._KEPT


def _kept_names(kept) -> set[str]:
    return {key[3] for key in kept}  # the field's html_name


def test_a_field_of_an_empty_form_is_kept_and_drawn_again_as_the_package_draws_it(
    kept, volunteer, team_leader
):
    caller = volunteer.volunteer
    visit(volunteer, ClientFactory(practice__locality=caller.locality, first_name="Mary"))
    key = {"submission_key": "3e5661a9-8f34-4d4c-87f6-9b0709de349b"}
    makers = [
        lambda: ObservationForm(user=volunteer, initial=dict(key)),
        lambda: StaffObservationForm(user=team_leader, caller=caller, initial=dict(key)),
        lambda: EveryKindForm(),
        lambda: SignInForm(),
    ]
    for n, make in enumerate(makers):
        first, _ = _both(make)
        again, theirs = _both(make)  # drawn from what the first drawing kept
        assert again == first == theirs, n
    # The fields whose HTML comes from the code alone; never the clients (a model's rows), the
    # hidden fields (a one-off key, the caller) or choices made for the form.
    assert _kept_names(kept) == {
        "noticed",
        "kind",
        "urgency",
        "client_wants",
        "by_phone",
        "name",
        "plain",
        "email",
        "wrapped",
        "notes",
        "agree",
        "day",
        "username",
        "password",
    }


def test_a_kept_field_is_drawn_from_what_was_kept(kept, volunteer):
    form = lambda: ObservationForm(user=volunteer)  # noqa: E731
    PAGE.render({"form": form()})
    for key in kept:
        kept[key] = mark_safe(f"<kept {key[3]}>")  # noqa: S308 - the test's own text
    html = PAGE.render({"form": form()})
    assert "<kept kind>" in html and "<kept noticed>" in html
    assert 'name="kind"' not in html and 'name="submission_key"' in html


class _Reasons(GdsFormMixin, forms.Form):
    reason = FixedChoiceField(
        choices=[("a", "Alone"), ("b", "Bus")], widget=forms.RadioSelect, label="Why?"
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="A few words")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper(Field.radios("reason"), Field.textarea("notes"))


def _changed(change):
    """A maker of ``_Reasons`` forms with ``change`` made to each."""

    def make():
        form = _Reasons()
        change(form)
        return form

    return make


@pytest.mark.parametrize(
    "change",
    [
        lambda f: setattr(f.fields["notes"], "label", "Other <notes>"),
        lambda f: setattr(f.fields["notes"], "help_text", "Many words"),
        lambda f: f.fields["notes"].widget.attrs.update(spellcheck="false"),
        lambda f: setattr(f.fields["notes"], "disabled", True),
        lambda f: setattr(f.fields["reason"], "choices", [("c", "Care")]),
        lambda f: setattr(f.fields["reason"], "label", "Why now?"),
        lambda f: setattr(f, "prefix", "second"),
    ],
    ids=["label", "hint", "attribute", "disabled", "choices", "legend", "prefix"],
)
def test_a_form_that_changes_its_copy_of_a_field_is_drawn_with_the_change(kept, change):
    first, _ = _both(_Reasons)
    ours, theirs = _both(_changed(change))
    assert ours == theirs
    assert ours != first
    assert _both(_Reasons) == (first, first)  # and the unchanged form still as before


class _Dated(GdsFormMixin, forms.Form):
    day = forms.DateField(initial=dt.date(2026, 12, 7), widget=forms.DateInput(format="%d/%m/%Y"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper("day")


@pytest.mark.parametrize(
    "change",
    [
        lambda f: setattr(f.fields["day"].widget, "format", "%Y-%m-%d"),
        lambda f: setattr(f.fields["day"].widget, "input_type", "date"),
    ],
    ids=["format", "input-type"],
)
def test_a_form_that_changes_how_its_widget_writes_is_drawn_with_the_change(kept, change):
    first = PAGE.render({"form": _Dated()})
    form = _Dated()
    change(form)
    assert PAGE.render({"form": form}) != first
    assert 'value="07/12/2026"' in first


def test_what_a_person_entered_or_a_form_was_given_is_never_kept(kept):
    secret = "Mrs Example fell on the stairs"
    PAGE.render({"form": _Reasons(initial={"notes": secret, "reason": "b"})})
    PAGE.render({"form": EveryKindForm({**GOOD, "name": secret})})
    PAGE.render({"form": EveryKindForm(BAD)})
    assert kept == {}
    assert _both(lambda: _Reasons(initial={"notes": secret}))[0].count(secret) == 1


class _Today(forms.DateInput):
    """A widget of the project's own whose HTML changes with something outside the form."""

    now = "2026-12-07"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["max"] = self.now
        return context


def test_a_field_with_a_widget_of_our_own_is_drawn_every_time(kept):
    class Dated(GdsFormMixin, forms.Form):
        day = forms.DateField(widget=_Today)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.init_helper("day")

    assert 'max="2026-12-07"' in PAGE.render({"form": Dated()})
    _Today.now = "2026-12-08"
    try:
        assert 'max="2026-12-08"' in PAGE.render({"form": Dated()})
    finally:
        _Today.now = "2026-12-07"
    assert kept == {}


def test_the_kept_html_is_bounded(kept, monkeypatch):
    monkeypatch.setattr(gds_fields, "KEPT_MAX", 3)
    for prefix in ("a", "b", "c", "d"):
        PAGE.render({"form": _Reasons(prefix=prefix)})
    assert 0 < len(kept) <= 3


@pytest.mark.filterwarnings("ignore:A {% csrf_token %} was used")
def test_nothing_is_kept_with_debug_on(kept, settings):
    settings.DEBUG = True
    assert _both(EveryKindForm)[0] == _both(EveryKindForm)[1]
    assert kept == {}


@pytest.mark.parametrize("label", ["Send", "Save & <go>", "Send {{ thing }}"])
def test_the_submit_button_is_drawn_as_crispys_button_and_kept(label, monkeypatch):
    monkeypatch.setattr(lw_forms, "_BUTTONS", {})
    context = Context({"thing": "it"})
    theirs = Button("submit", label).render(None, context, template_pack="gds")
    ours = SubmitButton("submit", label)
    assert ours.render(None, context, template_pack="gds") == theirs
    assert ours.render(None, context, template_pack="gds") == theirs
    if "{" in label:  # template syntax: drawn crispy's way, the label drawn with the context
        assert "Send it</button>" in theirs
        assert all("{" not in key[2] for key in lw_forms._BUTTONS)
    else:
        (key,) = lw_forms._BUTTONS
        lw_forms._BUTTONS[key] = "<kept>"
        assert SubmitButton("submit", label).render(None, context, template_pack="gds") == "<kept>"


def test_drawing_a_field_leaves_nothing_for_the_garbage_collector():
    """The partial makes no object that refers back to itself (a macro and its closures did,
    at every field drawn): what a field's drawing makes is freed as soon as it is drawn."""
    form = EveryKindForm(BAD)
    form.is_valid()
    template = engines["jinja2"].env.get_template("gds/_field.html")
    names = dict.fromkeys(gds_fields.NAMES) | {"form_show_errors": True, "form_show_labels": True}
    drawn = [form["kind"], form["inline"]]  # radios: help text and errors; no widget node
    template.render({**names, "field": drawn[0], "_gds": None})  # compiled and cached first
    gc.collect()
    gc.disable()
    try:
        for field in drawn * 5:
            assert "govuk-radios__input" in template.render({**names, "field": field})
        left = gc.collect()
    finally:
        gc.enable()
    assert left == 0
