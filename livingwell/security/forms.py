from __future__ import annotations

import re

from django import forms
from django.contrib.auth import forms as auth_forms

from livingwell.forms import GdsFormMixin

from .services import totp_device_check

CODE_FORMAT = re.compile(r"[0-9]{6}")


class SecondFactorForm(GdsFormMixin, forms.Form):
    """A code from the user's authenticator app, checked against ``device``."""

    submit_label = "Continue"

    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6 numbers the app shows now. They change every 30 seconds.",
        max_length=20,
        error_messages={"required": "Enter the 6 numbers your authenticator app shows"},
    )

    def __init__(self, *args, user, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = device
        self.fields["code"].widget.attrs.update(
            {
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input--width-10",
            }
        )
        self.init_helper()

    def clean_code(self):
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not CODE_FORMAT.fullmatch(code):
            raise forms.ValidationError("Enter the 6 numbers your authenticator app shows")
        allowed, info = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(
                "Too many wrong codes. Wait a minute, then enter the newest code from your app"
            )
        if not totp_device_check(user=self.user, device=self.device, code=code):
            raise forms.ValidationError(
                "That code is not right, or it has been used already. "
                "Enter the newest code from your app"
            )
        return code


class PasswordChangeForm(GdsFormMixin, auth_forms.PasswordChangeForm):
    submit_label = "Change password"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper()


class PasswordResetForm(GdsFormMixin, auth_forms.PasswordResetForm):
    submit_label = "Send the link"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"spellcheck": "false"})
        self.init_helper()


class SetPasswordForm(GdsFormMixin, auth_forms.SetPasswordForm):
    submit_label = "Set password"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper()
