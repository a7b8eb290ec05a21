from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Layout
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class GdsFormMixin:
    """Give a form the GOV.UK layout. Templates render ``{% error_summary form %}`` at the top
    and ``{% crispy form %}`` inside their own ``<form>``; ``submit_label`` names the button."""

    submit_label = "Save"

    def init_helper(self, *fields):
        self.helper = FormHelper()
        self.helper.form_tag = False
        layout = list(fields or self.fields)
        self.helper.layout = Layout(*layout, Button("submit", self.submit_label))


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
