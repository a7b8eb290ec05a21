"""Forms for volunteers' profiles, training and confidentiality agreements."""

from __future__ import annotations

import datetime as dt

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from livingwell.enums import Role
from livingwell.forms import GdsFormMixin
from livingwell.models import Locality

from .enums import MdtWish, TrainingModule, VolunteerStatus
from .models import ConfidentialityAgreement


class GovDateField(DateInputField):
    """The GOV.UK date input (day, month, year), with messages a person can act on and an
    optional earliest and latest date (callables, so 'today' is today)."""

    def __init__(self, *, earliest=None, latest=None, what="the date", **kwargs):
        self.earliest = earliest
        self.latest = latest
        self.what = what
        # Each missing part (day, month or year) is named, rather than a half-typed date
        # being taken for no date at all.
        super().__init__(require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter {what}"
        self.error_messages["incomplete"] = f"Enter {what} as a day, month and year"

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            year_n = int(year)
            if year_n < 1000:
                raise ValueError
            return dt.date(day=int(day), month=int(month), year=year_n)
        except (ValueError, OverflowError):
            raise ValidationError(
                f"{self.what.capitalize()} must be a real date, for example 27 3 1940",
                code="invalid_date",
            ) from None

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        earliest = self.earliest() if callable(self.earliest) else self.earliest
        latest = self.latest() if callable(self.latest) else self.latest
        if earliest and value < earliest:
            raise ValidationError(
                f"{self.what.capitalize()} must be on or after {earliest:%-d %B %Y}",
                code="too_early",
            )
        if latest and value > latest:
            if latest == timezone.localdate():
                message = f"{self.what.capitalize()} must be today or in the past"
            else:
                message = f"{self.what.capitalize()} must be on or before {latest:%-d %B %Y}"
            raise ValidationError(message, code="too_late")


def _text(label, *, required=False, max_length=None, help_text="", rows=None):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=widget,
        strip=True,
    )


class VolunteerSelfForm(GdsFormMixin, forms.Form):
    """What a volunteer keeps up to date themself, including whether they want to attend MDTs
    (asked, never assumed)."""

    submit_label = "Save your details"

    phone = _text("Phone number", max_length=30)
    address = _text("Address", rows=3)
    skills = _text("Skills and interests", rows=3)
    availability = _text(
        "When you can visit", rows=3, help_text="For example: weekday mornings, not Fridays."
    )
    mdt_wish = forms.ChoiceField(
        label="Would you like to attend your clients’ MDT meetings?",
        choices=MdtWish.choices,
        widget=forms.RadioSelect,
        help_text="Some GP practices let a volunteer speak for their client, if the client agrees.",
        error_messages={"required": "Say whether you would like to attend MDT meetings"},
    )

    def __init__(self, *args, volunteer, **kwargs):
        kwargs.setdefault("initial", {f: getattr(volunteer, f) for f in self.base_fields})
        super().__init__(*args, **kwargs)
        self.volunteer = volunteer
        self.init_helper()

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])


class VolunteerForm(VolunteerSelfForm):
    """A coordinator's view of a volunteer's profile."""

    submit_label = "Save"

    professional_background = _text(
        "Earlier professional background",
        rows=3,
        help_text=(
            "For example, a retired nurse. Here they volunteer as a volunteer: medically aware, "
            "not acting medically."
        ),
    )
    status = forms.ChoiceField(
        label="Status",
        choices=VolunteerStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the volunteer’s status"},
    )

    field_order = [
        "phone",
        "address",
        "skills",
        "professional_background",
        "availability",
        "mdt_wish",
        "status",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mdt_wish"].label = "Do they wish to attend their clients’ MDT meetings?"
        self.fields["availability"].label = "When they can visit"


def _clean_phone(value: str) -> str:
    if value and not all(c.isdigit() or c in " +()-" for c in value):
        raise ValidationError("Enter a phone number using digits, spaces and + only")
    if value and sum(c.isdigit() for c in value) < 6:
        raise ValidationError("Enter a phone number with at least 6 digits")
    return value


class TrainingForm(GdsFormMixin, forms.Form):
    submit_label = "Record training"

    module = forms.ChoiceField(
        label="Which training",
        choices=TrainingModule.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which training they completed"},
    )
    completed_on = GovDateField(
        label="Date completed",
        what="the date it was completed",
        latest=timezone.localdate,
        earliest=dt.date(1990, 1, 1),
        help_text="For example, 27 3 2025",
    )
    expires_on = GovDateField(
        label="Date it expires (optional)",
        what="the expiry date",
        required=False,
        help_text="Leave blank if it does not expire.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper()

    def clean(self):
        data = super().clean()
        completed, expires = data.get("completed_on"), data.get("expires_on")
        if completed and expires and expires <= completed:
            self.add_error("expires_on", "The expiry date must be after the date it was completed")
        return data


class SignatureForm(GdsFormMixin, forms.Form):
    submit_label = "Record signature"

    agreement = forms.ModelChoiceField(
        label="Which version did they sign?",
        queryset=ConfidentialityAgreement.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Choose the version they signed",
            "invalid_choice": "Choose one of the versions shown",
        },
    )
    signed_on = GovDateField(
        label="Date signed",
        what="the date it was signed",
        latest=timezone.localdate,
        earliest=dt.date(1990, 1, 1),
        help_text="For example, 27 3 2025",
    )

    def __init__(self, *args, volunteer, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        current = ConfidentialityAgreement.objects.current(today)
        # The current version and any published ahead of coming into force, not signed yet.
        qs = ConfidentialityAgreement.objects.exclude(signatures__volunteer=volunteer)
        if current is not None:
            qs = qs.filter(in_force_from__gte=current.in_force_from)
        self.fields["agreement"].queryset = qs.order_by("in_force_from", "id")
        self.fields["agreement"].label_from_instance = lambda a: (
            f"{a.version} (in force from {a.in_force_from:%-d %B %Y})"
        )
        self.init_helper()


class VolunteerCreateForm(GdsFormMixin, forms.Form):
    """A coordinator adds a volunteer: who they are and how to reach them. The rest of the
    profile, training and the agreement follow on the volunteer's page."""

    submit_label = "Add the volunteer"

    first_name = forms.CharField(
        label="First name",
        max_length=150,
        error_messages={"required": "Enter the volunteer’s first name"},
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        error_messages={"required": "Enter the volunteer’s last name"},
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We send them a link to choose their password.",
        error_messages={
            "required": "Enter the volunteer’s email address",
            "invalid": "Enter an email address like name@example.com",
        },
    )
    phone = forms.CharField(label="Phone (optional)", max_length=30, required=False)
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="What they type to sign in. Letters, digits and . _ - only.",
        error_messages={"required": "Enter a username"},
    )
    locality = forms.ModelChoiceField(
        queryset=Locality.objects.none(),
        label="Locality",
        empty_label=None,
        error_messages={"required": "Choose the locality", "invalid_choice": "Choose a locality"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["email"].widget.attrs.update({"spellcheck": "false", "autocomplete": "off"})
        self.fields["username"].widget.attrs.update({"spellcheck": "false", "autocomplete": "off"})
        if user.role == Role.ADMIN:
            self.fields["locality"].queryset = Locality.objects.order_by("name")
        else:
            # A coordinator adds volunteers to their own locality.
            del self.fields["locality"]
        self.init_helper()

    def clean(self):
        if "locality" not in self.fields and self.user.locality_id is None:
            raise ValidationError(
                "Your account belongs to no locality, so a volunteer cannot be added to it: "
                "ask an administrator"
            )
        return super().clean()

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"].strip())

    def clean_username(self):
        value = self.cleaned_data["username"].strip()
        if not all(c.isalnum() or c in "._-" for c in value):
            raise ValidationError("Use only letters, digits and . _ - in a username")
        return value

    def chosen_locality(self):
        return self.cleaned_data["locality"] if "locality" in self.fields else self.user.locality
