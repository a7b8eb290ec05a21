"""``get_FOO_display()`` from a table made once for each field.

Django's own builds a dict of the field's choices on every call (about 15 us for the 13 kinds of
observation); a 50-row triage queue calls it 150 times. Models whose labels appear in every row
of a list take this mixin first in their bases. The labels are kept as declared (a lazy
translation stays lazy), so the result is Django's.
"""

from __future__ import annotations

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_labels: dict = {}


def labels_of(model, field_name: str) -> dict:
    """A field's choices as ``{value: label}``, for pages that read rows rather than model
    instances: ``labels.get(value, value)`` is what ``get_FOO_display()`` shows."""
    field = model._meta.get_field(field_name)
    labels = _labels.get(field)
    if labels is None:
        labels = _labels[field] = {make_hashable(k): v for k, v in field.flatchoices}
    return labels


class ChoiceLabels:
    def _get_FIELD_display(self, field):  # noqa: N802 - the name Django's partialmethod calls
        labels = labels_of(type(self), field.name)
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
