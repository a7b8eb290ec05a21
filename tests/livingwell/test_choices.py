"""get_FOO_display() from the kept table gives Django's label for every choice and value."""

from django.apps import apps
from django.db import models
from django.utils import translation

from escalations.models import Escalation
from livingwell.choices import ChoiceLabels


def _fields_with_choices():
    for model in apps.get_models():
        if issubclass(model, ChoiceLabels):
            for field in model._meta.concrete_fields:
                if field.choices:
                    yield model, field


def test_every_label_is_djangos_for_every_choice_and_unknown_values():
    checked = set()
    for model, field in _fields_with_choices():
        for value in [*(k for k, _ in field.flatchoices), "not-a-choice", None, ""]:
            obj = model(**{field.attname: value})
            ours = getattr(obj, f"get_{field.name}_display")()
            assert ours == models.Model._get_FIELD_display(obj, field), (model, field, value)
        checked.add((model.__name__, field.name))
    assert {("Escalation", "kind"), ("Escalation", "urgency"), ("Client", "status")} <= checked


def test_labels_follow_the_active_language():
    escalation = Escalation(kind="transport")
    with translation.override("fr"):
        assert escalation.get_kind_display() == models.Model._get_FIELD_display(
            escalation, Escalation._meta.get_field("kind")
        )
    assert escalation.get_kind_display() == "Transport"
