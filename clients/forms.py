"""Forms for clients, their needs, consent and assignments. Every one names the problem in
words a coordinator can act on; none saves anything itself (the views call the services)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from livingwell.enums import Role
from livingwell.forms import GdsFormMixin
from livingwell.models import Practice
from volunteers.forms import GovDateField
from volunteers.selectors import current_agreement, missing_requirements

from .enums import ClientStatus, ConsentAction, ConsentMethod, ConsentScope, NeedKind
from .models import Client
from .selectors import assignable_volunteers
from .services import assignment_refusal_reasons
from .validators import normalise_nhs_number, validate_nhs_number

# UK postcodes, loosely: what the Royal Mail prints, with or without the space.
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


def privacy_notice_version() -> str:
    """The privacy notice clients are given now (a setting, so a new notice needs no code)."""
    return getattr(settings, "PRIVACY_NOTICE_VERSION", "2025-1")


class ClientForm(GdsFormMixin, forms.Form):
    submit_label = "Save client"

    first_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={
            "required": "Enter the client’s first name",
            "max_length": "First name must be 100 characters or fewer",
        },
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={
            "required": "Enter the client’s last name",
            "max_length": "Last name must be 100 characters or fewer",
        },
    )
    date_of_birth = GovDateField(
        label="Date of birth",
        what="the date of birth",
        earliest=dt.date(1900, 1, 1),
        latest=timezone.localdate,
        help_text="For example, 27 3 1940",
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        required=False,
        max_length=14,
        help_text="10 digits, on their letters and prescriptions, for example 943 476 5919",
        error_messages={"max_length": "An NHS number is 10 digits long"},
    )
    address = forms.CharField(
        label="Address",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={"max_length": "Address must be 500 characters or fewer"},
    )
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=10,
        error_messages={"max_length": "Enter a real postcode, like TR18 2AA"},
    )
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=30,
        error_messages={"max_length": "Phone number must be 30 characters or fewer"},
    )
    practice = forms.ModelChoiceField(
        label="GP practice",
        queryset=Practice.objects.none(),
        error_messages={
            "required": "Choose the client’s GP practice",
            "invalid_choice": "Choose one of the practices listed",
        },
    )
    visit_notes = forms.CharField(
        label="Things that help a visit (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=(
            "How to get in, the best times, what they enjoy talking about. No medical details."
        ),
        error_messages={"max_length": "Keep this to 2000 characters or fewer"},
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[c for c in ClientStatus.choices if c[0] != ClientStatus.ANONYMISED],
        widget=forms.RadioSelect,
        initial=ClientStatus.ACTIVE,
        error_messages={
            "required": "Choose the client’s status",
            "invalid_choice": "Choose one of the statuses listed",
        },
    )

    def __init__(self, *args, user, client: Client | None = None, **kwargs):
        if client is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{
                        name: getattr(client, name)
                        for name in self.base_fields
                        if name not in ("practice",)
                    },
                    "practice": client.practice_id,
                },
            )
        super().__init__(*args, **kwargs)
        self.client = client
        practices = Practice.objects.only("id", "name").order_by("name")
        if user.role != Role.ADMIN:
            practices = practices.filter(locality_id=user.locality_id)
        self.fields["practice"].queryset = practices
        if client is None:
            del self.fields["status"]
        self.init_helper()

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()

    def clean_nhs_number(self):
        value = normalise_nhs_number(self.cleaned_data["nhs_number"])
        if not value:
            return ""
        validate_nhs_number(value)
        others = Client.objects.filter(nhs_number=value)
        if self.client is not None:
            others = others.exclude(pk=self.client.pk)
        if others.exists():
            raise ValidationError("A client with this NHS number is already recorded")
        return value

    def clean_postcode(self):
        value = " ".join(self.cleaned_data["postcode"].upper().split())
        if value and not POSTCODE.match(value):
            raise ValidationError("Enter a real postcode, like TR18 2AA")
        if value and " " not in value:
            value = f"{value[:-3]} {value[-3:]}"
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if value and not all(c.isdigit() or c in " +()-" for c in value):
            raise ValidationError("Enter a phone number using digits, spaces and + only")
        if value and sum(c.isdigit() for c in value) < 6:
            raise ValidationError("Enter a phone number with at least 6 digits")
        return value


class NeedForm(GdsFormMixin, forms.Form):
    submit_label = "Add need"

    kind = forms.ChoiceField(
        label="What kind of need is it?",
        choices=NeedKind.choices,
        widget=forms.RadioSelect,
        help_text=(
            "Non-medical needs matter as much: transport, social contact, building access, "
            "money, housing."
        ),
        error_messages={"required": "Choose whether the need is medical or non-medical"},
    )
    description = forms.CharField(
        label="What do they need?",
        max_length=300,
        error_messages={
            "required": "Describe the need",
            "max_length": "Describe the need in 300 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_helper()

    def clean_description(self):
        value = self.cleaned_data["description"].strip()
        if not value:
            raise ValidationError("Describe the need")
        return value


class ConsentForm(GdsFormMixin, forms.Form):
    """One form for giving and for withdrawing: withdrawing takes no more steps."""

    submit_label = "Record consent"

    scope = forms.ChoiceField(
        label="What is it about?",
        choices=ConsentScope.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the consent is about"},
    )
    action = forms.ChoiceField(
        label="Did they give or withdraw consent?",
        choices=ConsentAction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether they gave or withdrew consent"},
    )
    method = forms.ChoiceField(
        label="How did they tell you?",
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how they told you"},
    )
    privacy_notice_version = forms.CharField(
        label="Privacy notice version they were given",
        max_length=20,
        error_messages={
            "required": "Enter the version of the privacy notice they were given",
            "max_length": "The privacy notice version is 20 characters or fewer",
        },
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, who else was there.",
        error_messages={"max_length": "Keep notes to 1000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("privacy_notice_version", privacy_notice_version())
        super().__init__(*args, **kwargs)
        self.init_helper()


class VolunteerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, volunteer):
        missing = missing_requirements(volunteer, agreement=self.agreement)
        if missing:
            return f"{volunteer.user} (not yet: {'; '.join(missing)})"
        return str(volunteer.user)


class AssignForm(GdsFormMixin, forms.Form):
    submit_label = "Assign volunteer"

    volunteer = VolunteerChoiceField(
        label="Volunteer",
        queryset=None,
        empty_label="Choose a volunteer",
        error_messages={
            "required": "Choose a volunteer",
            "invalid_choice": "Choose one of the volunteers listed",
        },
    )
    started_on = GovDateField(
        label="Start date",
        what="the start date",
        latest=timezone.localdate,
        earliest=dt.date(2000, 1, 1),
        help_text="For example, 27 3 2026",
    )

    def __init__(self, *args, client: Client, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("started_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.client = client
        agreement = current_agreement()
        field = self.fields["volunteer"]
        field.queryset = assignable_volunteers(client, agreement=agreement)
        field.agreement = agreement  # one look-up for every label
        self.init_helper()

    def clean_volunteer(self):
        volunteer = self.cleaned_data["volunteer"]
        reasons = assignment_refusal_reasons(client=self.client, volunteer=volunteer)
        if reasons:
            raise ValidationError(f"{volunteer.user} cannot be assigned yet: " + "; ".join(reasons))
        return volunteer


class EndAssignmentForm(GdsFormMixin, forms.Form):
    submit_label = "End assignment"

    ended_on = GovDateField(
        label="End date",
        what="the end date",
        latest=timezone.localdate,
        help_text="For example, 27 3 2026",
    )
    reason = forms.CharField(
        label="Why is it ending? (optional)",
        required=False,
        max_length=200,
        error_messages={"max_length": "Keep the reason to 200 characters or fewer"},
    )

    def __init__(self, *args, assignment, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("ended_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.fields["ended_on"].earliest = assignment.started_on
        self.init_helper()
