"""crispy-forms-gds's field template, ``gds/field.html``, drawn by a Jinja2 partial.

``{% crispy form %}`` renders ``gds/field.html`` once per field. The package's template tests
the field's kind with five filters, includes three more templates and renders every variable
through Django's engine: on the observation form that was most of the page. Ours
(``templates/gds/field.html``) is this tag, which draws ``livingwell/jinja2/gds/_field.html``:
the package's ``field.html`` with ``layout/help_text_and_errors.html`` (and the two it
includes) and our ``layout/radios.html`` written in place, the same text and so the same bytes
(``tests/livingwell/test_gds_fields.py`` renders every form of the project both ways). The
input itself is still the package's ``{% crispy_gds_field %}``.

A field with a character count, a group of checkboxes or several inputs (a ``MultiWidget``) is
drawn by the package's own template, as before.

What a field of an empty form draws comes from the code alone (its label, hint, choices and
widget): that HTML is kept in the process (``_kept_key`` says when and by what) and drawn again
for the next form, instead of drawing it anew on every load of the page. On the phoned-in
observation form that was a quarter to a third of the page's CPU (the reasons, the worry, the
two text areas and the check box; the clients and the hidden fields are drawn every time).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import crispy_forms_gds
from crispy_forms_gds.templatetags.crispy_forms_gds import (
    CrispyGDSFieldNode,
    is_checkboxes,
    is_multivalue,
)
from django import forms, template
from django.conf import settings
from django.template import Context, engines
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from livingwell.forms import FixedChoicesMixin, kept

register = template.Library()

# What the package's templates read of the context crispy-forms renders a field with.
NAMES = (
    "field",
    "tag",
    "form_show_errors",
    "form_show_labels",
    "wrapper_class",
    "label_tag",
    "label_size",
    "help_text_inline",
    "error_text_inline",
    "legend_size",
    "legend_tag",
    "radios_inline",
    "radios_small",
    "checkboxes_small",
)
# The names that make the package's own template draw the field.
PACKAGE_DRAWS = ("max_characters", "max_words")


@register.simple_tag(takes_context=True)
def gds_field(context):
    field = context.get("field")
    if any(context.get(name) for name in PACKAGE_DRAWS) or (
        field is not None and (is_checkboxes(field) or is_multivalue(field))
    ):
        html = package_field_template().render(context)
        # Our template's own line ends it (the partial's last line ending is Jinja2's to drop).
        return mark_safe(html.removesuffix("\n"))  # noqa: S308 - the package's template
    values = {name: context.get(name) for name in NAMES}
    key = _kept_key(context, values, field)

    def draw():
        values["_gds"] = _Widgets(context)
        return mark_safe(  # noqa: S308 - Jinja2 autoescapes
            engines["jinja2"].env.get_template("gds/_field.html").render(values)
        )

    return draw() if key is None else kept(_KEPT, key, draw, limit=KEPT_MAX)


# The HTML of fields of empty forms, by what it depends on (``_kept_key``). A few dozen entries
# in practice (each form's fields); emptied when it reaches the limit, so it cannot grow.
_KEPT: dict[tuple, str] = {}
KEPT_MAX = 1000
_DJANGO_WIDGETS = forms.Widget.__module__


def _kept_key(context, values: dict, field) -> tuple | None:
    """What ``field``'s HTML depends on, if it may be kept for the next form to draw; else None.

    Kept: a field of a form not sent (no data, no errors), not hidden (a form's one-off key, an
    id chosen on the step before), whose value is its own initial (the form was given none for
    it, so no person's data is kept), whose choices, if it has any, are fixed where the form is
    written (``FixedChoicesMixin``; a model's rows or a list made for the request are not) and
    whose widget is one of Django's (whose HTML comes from what the key holds).
    The key holds everything the partial, the package's node and Django's widget read, so a form
    that changes its copy of a field (its label, its choices, its widget's attributes) has HTML
    of its own. Nothing is kept with ``DEBUG`` on, where templates are read again when edited.
    """
    if field is None or settings.DEBUG:
        return None
    form, bound = field.form, field.field
    if form.is_bound or field.is_hidden or field.name in form.initial or callable(bound.initial):
        return None
    widget = bound.widget
    if type(widget).__module__ != _DJANGO_WIDGETS:
        return None  # a widget of our own might draw what the key does not hold
    choices = None
    if isinstance(bound, forms.ChoiceField):
        if not isinstance(bound, FixedChoicesMixin):
            return None
        choices = tuple(bound.choices)
    key = (
        type(form),
        form.label_suffix,
        form.use_required_attribute,
        field.html_name,
        field.auto_id,
        field.label,
        field.help_text,
        field.css_classes(),
        field.value(),
        type(bound),
        bound.required,
        bound.disabled,
        bound.localize,
        bound.show_hidden_initial,
        type(widget),
        widget.template_name,
        tuple(sorted(widget.attrs.items())),
        getattr(widget, "input_type", None),
        getattr(widget, "format", None),  # a date's or time's, as the widget writes its value
        choices,
        tuple(widget.choices) if hasattr(widget, "choices") else None,
        tuple(values[name] for name in NAMES if name != "field"),
        context.get("template_pack"),
        context.get("html5_required"),
        get_language(),
    )
    try:
        hash(key)
    except TypeError:  # a value without a hash (a list in an attribute): drawn every time
        return None
    return key


class _Widgets:
    """``{% crispy_gds_field field %}`` for the partial: the package's node, rendered with the
    names it reads of the field's context."""

    __slots__ = ("context",)
    _node = CrispyGDSFieldNode("field", {})

    def __init__(self, context):
        self.context = context

    def widget(self, field):
        values = {"field": field, "template_pack": self.context.get("template_pack", "gds")}
        if "html5_required" in self.context:
            values["html5_required"] = self.context["html5_required"]
        return mark_safe(self._node.render(Context(values)))  # noqa: S308 - the package's HTML


@cache
def package_field_template():
    """The package's own ``gds/field.html`` (ours has its name)."""
    path = Path(crispy_forms_gds.__file__).parent / "templates" / "gds" / "field.html"
    return engines["django"].engine.from_string(path.read_text())
