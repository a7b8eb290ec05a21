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
from django import template
from django.template import Context, engines
from django.utils.safestring import mark_safe

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
    values["_gds"] = _Widgets(context)
    return mark_safe(  # noqa: S308 - Jinja2 autoescapes
        engines["jinja2"].env.get_template("gds/_field.html").render(values)
    )


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
