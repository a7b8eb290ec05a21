"""``{% rows "app/area/_rows.html" name=value ... %}``: a Jinja2 partial inside a Django page.

The partial sees only the names given to the tag (no request, user or context processors),
so that what a row can show is what the view chose to give it. See ``livingwell.jinja``.
"""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from livingwell.jinja import HERE, Here

register = template.Library()


@register.simple_tag
def rows(template_name: str, /, **values):
    # Jinja2 keeps each compiled template (and, in DEBUG, checks the file's time).
    env = engines["jinja2"].env
    values[HERE] = Here()
    return mark_safe(env.get_template(template_name).render(values))  # noqa: S308 - Jinja2 autoescapes
