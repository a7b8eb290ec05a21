"""The options of a radio field, worked out in Python for ``gds/layout/radios.html``.

The template read each option's value, label, hint and divider through the template language:
an option without a hint or divider (most of them) failed two lookups, each raising and
catching three exceptions, and the counter was localised four times. The observation form has
one option per client, 13 kinds and 3 levels of worry, on every volunteer's busiest page.
"""

from __future__ import annotations

from typing import NamedTuple

from django import template
from django.utils.formats import localize

register = template.Library()


class Option(NamedTuple):
    id: str
    value: str
    label: str
    checked: bool
    hint: object
    divider: object


@register.filter
def radio_options(field) -> list[Option]:
    """``field``'s choices with the values and ids the template writes, as crispy-forms-gds's
    own radios do (``unlocalize`` on the value and label, checked where the value as a string
    is the field's value as a string)."""
    name = field.html_name
    current = str(field.value())
    options = []
    for counter, choice in enumerate(field.field.choices, start=1):
        value, label = choice[0], choice[1]
        options.append(
            Option(
                id=f"id_{name}_{counter}",
                value=str(localize(value, use_l10n=False)),
                label=str(localize(label, use_l10n=False)),
                checked=str(value) == current,
                hint=getattr(choice, "hint", None),
                divider=getattr(choice, "divider", None),
            )
        )
    return options
