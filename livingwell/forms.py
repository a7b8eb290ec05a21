import copy
from collections.abc import Callable
from functools import cached_property

from crispy_forms.utils import TEMPLATE_PACK
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Layout
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.template.loader import render_to_string


class SubmitButton(Button):
    """crispy-forms-gds's button, its HTML kept in the process. crispy draws a button by
    compiling its label as a template and drawing the button's template with a copy of the
    page's whole context, 0.2-0.3 ms a form; the button's template reads the button alone, so
    the same button draws the same HTML. A label with template syntax in it is drawn crispy's
    way every time, and nothing is kept with ``DEBUG`` on (templates read again when edited)."""

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        label = str(self.value)
        if "{" in label or settings.DEBUG:
            return super().render(form, context, template_pack=template_pack, **kwargs)
        name = self.get_template_name(template_pack)
        key = (name, self.name, label, self.id, self.field_classes, self.flat_attrs)
        return kept(_BUTTONS, key, lambda: render_to_string(name, {"input": self}), limit=100)


_BUTTONS: dict[tuple, str] = {}


def kept(store: dict, key, draw, *, limit: int) -> str:
    """``store[key]``, drawn by ``draw()`` and kept there the first time: HTML that depends on
    nothing but ``key``, drawn once per process. The store is emptied when it holds ``limit``
    entries, so it cannot grow."""
    html = store.get(key)
    if html is None:
        if len(store) >= limit:
            store.clear()
        html = store[key] = draw()
    return html


class GdsFormMixin:
    """Give a form the GOV.UK layout. Templates render ``{% error_summary form %}`` at the top
    and ``{% crispy form %}`` inside their own ``<form>``; ``submit_label`` names the button."""

    submit_label = "Save"
    _layout_fields: tuple | Callable | None = None

    def init_helper(self, *fields, layout=None):
        """Lay out ``fields`` (layout objects or names; every field, in order, if none), or
        what ``layout()`` returns. The helper is made when a template first asks for it: a
        form sent valid and redirected never draws one, nor calls ``layout``."""
        self._layout_fields = layout or fields
        self.__dict__.pop("helper", None)

    @cached_property
    def helper(self) -> FormHelper:
        if self._layout_fields is None:
            raise AttributeError("helper")  # init_helper not called: crispy's defaults
        helper = FormHelper()
        helper.form_tag = False
        fields = self._layout_fields
        layout = list((fields() if callable(fields) else fields) or self.fields)
        helper.layout = Layout(*layout, SubmitButton("submit", self.submit_label))
        return helper


class SignInForm(GdsFormMixin, AuthenticationForm):
    submit_label = "Sign in"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        # GOV.UK error messages say what to do, field by field.
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        # AuthenticationForm sets max_length after the field is made, so nothing checks it:
        # an over-long name would reach the lockout's log table (255 characters) and fail there.
        username = self.fields["username"]
        username.validators.append(
            MaxLengthValidator(
                username.max_length or 150,
                message="Enter your username: it is at most %(limit_value)d characters",
            )
        )
        self.init_helper()


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, but a number too big for a database integer is an invalid choice, not a server
    error: SQLite cannot even bind one (OverflowError from the ``__in`` query)."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk).strip()
            if text.lstrip("-").isdecimal() and abs(int(text)) >= 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class FixedChoicesMixin:
    """A choice field whose choices are fixed where the form is written (an enum's, a constant
    list). Django deep-copies a choice field's choices for every form it makes, in case that
    form changes them in place: 40 us for the 13 kinds of an observation, on every load of the
    form and the triage queue. These are shared by each form's copy instead, the widget's too
    (Django's widget copy sets its choices again, which normalises each one: 27 us for the 13
    kinds). A form may still give its copy other choices by assigning ``field.choices``; never
    change the list in place.
    """

    def __deepcopy__(self, memo):
        widget = self.widget
        if type(widget).__deepcopy__ is forms.widgets.ChoiceWidget.__deepcopy__:
            # ChoiceWidget.__deepcopy__ but for setting its choices again: a copy with attrs of
            # its own, sharing the choices; Field.__deepcopy__ takes it from the memo.
            copied = copy.copy(widget)
            copied.attrs = widget.attrs.copy()
            memo[id(widget)] = copied
        return forms.Field.__deepcopy__(self, memo)


class FixedChoiceField(FixedChoicesMixin, forms.ChoiceField):
    pass


class FixedMultipleChoiceField(FixedChoicesMixin, forms.MultipleChoiceField):
    pass
